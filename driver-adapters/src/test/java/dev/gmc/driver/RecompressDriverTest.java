package dev.gmc.driver;

import static dev.gmc.driver.DriverCounters.Counter.PAGES_RECOMPRESSED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gmc.core.codec.CodecSpec;
import dev.gmc.core.store.MmStat;
import dev.gmc.driver.replay.ReplayReport;
import dev.gmc.driver.replay.Trace;
import dev.gmc.driver.replay.TraceRunner;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** {@link GpuDriverModel#recompress}: a compressed buffer's pages recompressed in the store, restored exactly. */
class RecompressDriverTest {
    private static final int PAGES = 64;

    private static DriverConfig withZstd() {
        DriverConfig cfg = DriverConfig.defaults();
        return cfg.withStore(cfg.store().withRecompressCodecs(List.of(CodecSpec.parse("zstd:9"))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"midgard", "utgard"})
    void recompressedPagesShrinkTheStoreAndFaultBackExactly(String name) {
        try (AbstractGmcDriver d = Drivers.make(name, withZstd())) {
            Drivers.Atlas a = Drivers.atlas(d, PAGES, true);
            Buffer b = a.buffer();
            long va = a.va();
            byte[] data = a.data();
            CompressResult c = d.compress(b);
            MmStat before = d.store().mmStat();

            RecompressResult r = d.recompress(b, 0);
            assertThat(r.considered()).isEqualTo(c.stored()); // same-filled pages are not candidates
            assertThat(r.recompressed()).isPositive();
            assertThat(r.bytesAfter()).isLessThan(r.bytesBefore());
            assertThat(d.counters().get(PAGES_RECOMPRESSED)).isEqualTo(r.recompressed());
            MmStat after = d.store().mmStat();
            assertThat(after.comprDataSize()).isEqualTo(before.comprDataSize() - r.bytesBefore() + r.bytesAfter());
            assertThat(after.origDataSize()).isEqualTo(before.origDataSize());
            assertThat(b.regionState()).isEqualTo(RegionState.COMPRESSED);
            d.checkInvariants();
            assertThat(d.recompress(b, 0).recompressed()).as("already at the last priority").isZero();

            byte[] page = new byte[4096];
            for (int i = 0; i < PAGES; i++) { // CPU faults (and, on Utgard, no job needed) decode zstd objects
                d.cpuRead(100, va + i * 4096L, page, 0, 4096);
                assertThat(page).as("page %d", i).isEqualTo(Arrays.copyOfRange(data, i * 4096, (i + 1) * 4096));
            }
            d.checkInvariants();
            assertThat(d.store().mmStat().origDataSize()).isZero();
            assertThat(d.counters().get(DriverCounters.Counter.PAGES_RESTORED_RECOMPRESSED))
                    .as("each recompressed page paid a zstd decode").isEqualTo(r.recompressed());
        }
    }

    /** Pages recompressed and brought back by an eager (batch) restore are counted as the faulted ones are. */
    @Test
    void batchRestoresCountTheRecompressedPagesTheyDecode() {
        try (AbstractGmcDriver d = Drivers.make("midgard", withZstd())) {
            Drivers.Atlas a = compressedAtlas(d);
            Buffer b = a.buffer();
            RecompressResult r = d.recompress(b, 0);
            assertThat(r.recompressed()).isPositive();
            d.restore(b);
            assertThat(d.counters().get(DriverCounters.Counter.PAGES_RESTORED_RECOMPRESSED))
                    .isEqualTo(r.recompressed());
            d.compress(b); // compressed anew with the primary codec: no page is a recompressed one any more
            d.restore(b);
            assertThat(d.counters().get(DriverCounters.Counter.PAGES_RESTORED_RECOMPRESSED))
                    .isEqualTo(r.recompressed());
            byte[] back = new byte[a.data().length];
            d.cpuRead(100, a.va(), back, 0, back.length);
            assertThat(back).isEqualTo(a.data());
        }
    }

    /** {@link Drivers#atlas} of {@link #PAGES} pages (CPU mapping only), compressed. */
    private static Drivers.Atlas compressedAtlas(AbstractGmcDriver d) {
        Drivers.Atlas a = Drivers.atlas(d, PAGES, false);
        d.compress(a.buffer());
        return a;
    }

    /**
     * zram's ZRAM_INCOMPRESSIBLE: a page that the last codec could not shrink into a lower class is skipped by later
     * passes until it is written again (here: restored and compressed anew).
     */
    @Test
    void pagesWithoutGainAreFlaggedAndSkippedUntilCompressedAgain() {
        DriverConfig cfg = withZstd();
        cfg = cfg.withStore(cfg.store().withPolicy(dev.gmc.core.store.IncompressiblePolicy.STORE_RAW));
        try (AbstractGmcDriver d = Drivers.make("midgard", cfg)) {
            d.createProcess(100, "game");
            Buffer b = d.allocate(d.createContext(100), 8, BufferType.TEXTURE, "noise", false);
            long va = d.mapCpu(b, 100);
            byte[] data = new byte[8 * 4096];
            new SplittableRandom(3).nextBytes(data); // huge pages: zstd cannot bring them under a huge class either
            java.util.Arrays.fill(data, 0, 2048, (byte) 'a'); // page 0 halves: zstd finds a lower class for it
            d.cpuWrite(100, va, data, 0, data.length);
            d.compress(b);

            RecompressResult first = d.recompress(b, 0);
            assertThat(first.considered()).isEqualTo(8);
            assertThat(first.attempted()).isEqualTo(8);
            assertThat(first.incompressible()).isZero();
            int gained = first.recompressed();
            assertThat(gained).isBetween(0, 1);
            assertThat(b.state[1] & Buffer.INCOMPRESSIBLE).isNotZero();

            RecompressResult second = d.recompress(b, 0);
            assertThat(second.incompressible()).isEqualTo(8 - gained);
            assertThat(second.attempted()).as("nothing is tried again").isZero();

            byte[] page = new byte[4096];
            d.cpuRead(100, va + 4096, page, 0, 4096); // page 1 comes back: its flag goes with its object
            assertThat(page).isEqualTo(Arrays.copyOfRange(data, 4096, 8192));
            assertThat(b.state[1] & Buffer.INCOMPRESSIBLE).isZero();
            d.compress(b);
            RecompressResult third = d.recompress(b, 0);
            assertThat(third.incompressible()).isEqualTo(7 - gained);
            assertThat(third.attempted()).isEqualTo(1);
            byte[] all = new byte[data.length];
            d.cpuRead(100, va, all, 0, all.length);
            assertThat(all).isEqualTo(data);
            d.checkInvariants();
        }
    }

    @Test
    void aStoreWithoutRecompressionCodecsIsAClearError() {
        try (AbstractGmcDriver d = Drivers.make("midgard", DriverConfig.defaults())) {
            d.createProcess(1, "a");
            Buffer b = d.allocate(d.createContext(1), 4, BufferType.TEXTURE, "t", false);
            assertThatThrownBy(() -> d.recompress(b, 0)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("recompress=");
        }
    }

    /** Faults on a buffer while another thread recompresses it: every read is exact, nothing leaks. */
    @Test
    void faultsRacingARecompressionReadExactBytes() throws Exception {
        for (int round = 0; round < 5; round++) {
            try (AbstractGmcDriver d = Drivers.make("midgard", withZstd())) {
                Drivers.Atlas a = compressedAtlas(d);
                Buffer b = a.buffer();
                long va = a.va();
                byte[] data = a.data();
                CompletableFuture<RecompressResult> rc = CompletableFuture.supplyAsync(() -> d.recompress(b, 0));
                SplittableRandom r = new SplittableRandom(round);
                byte[] page = new byte[4096];
                for (int k = 0; k < 40; k++) {
                    int i = r.nextInt(PAGES);
                    d.cpuRead(100, va + i * 4096L, page, 0, 4096);
                    assertThat(page).as("round %d page %d", round, i)
                            .isEqualTo(Arrays.copyOfRange(data, i * 4096, (i + 1) * 4096));
                }
                rc.get();
                d.checkInvariants();
                for (int i = 0; i < PAGES; i++) {
                    d.cpuRead(100, va + i * 4096L, page, 0, 4096);
                    assertThat(page).isEqualTo(Arrays.copyOfRange(data, i * 4096, (i + 1) * 4096));
                }
                d.store().checkInvariants();
                assertThat(d.store().mmStat().origDataSize()).isZero();
            }
        }
    }

    /** The trace form: {@code recompress=} on the driver line, a {@code recompress BUFFER} line, a pinned counter. */
    @Test
    void traceLinesRecompressAndAssertions() {
        String trace = "gmc-trace 1\ndriver midgard ram=16M policy=store-raw recompress=lz4hc:12,zstd:9\n"
                + "process 100 app\ncontext c 100\nalloc tex c 16 type=texture content=text\ncpumap tex 100\n"
                + "compress tex\nrecompress tex threshold=100\nassert pages_recompressed=1..\n"
                + "cpu-read 100 tex+0 65536\nassert pages_restored=16 stored_pages=0\n";
        ReplayReport rep = new TraceRunner(Trace.parse("t.gmct", trace), (p, o, l) -> new byte[0], null).run();
        assertThat(rep.failures()).isEmpty();
        assertThatThrownBy(() -> Trace.parse("t.gmct", trace.replace("recompress=lz4hc:12,zstd:9", "recompress=lzo9")))
                .hasMessageContaining("recompress");
        assertThatThrownBy(() -> Trace.parse("t.gmct", trace.replace("threshold=100", "threshold=5000")))
                .hasMessageContaining("threshold");
        Trace none = Trace.parse("t.gmct", trace.replace(" recompress=lz4hc:12,zstd:9", ""));
        assertThatThrownBy(() -> new TraceRunner(none, (p, o, l) -> new byte[0], null).run())
                .hasMessageContaining("t.gmct:8").hasMessageContaining("driver option recompress=");
    }
}
