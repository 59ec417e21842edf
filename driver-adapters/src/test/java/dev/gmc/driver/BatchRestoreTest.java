package dev.gmc.driver;

import static dev.gmc.driver.DriverCounters.Counter.BATCH_RESTORES;
import static dev.gmc.driver.DriverCounters.Counter.CPU_FAULTS_MAJOR;
import static dev.gmc.driver.DriverCounters.Counter.CPU_FAULTS_MINOR;
import static dev.gmc.driver.DriverCounters.Counter.EAGER_RESTORES;
import static dev.gmc.driver.DriverCounters.Counter.GPU_FAULTS_MAJOR;
import static dev.gmc.driver.DriverCounters.Counter.GPU_FAULTS_MINOR;
import static dev.gmc.driver.DriverCounters.Counter.PAGES_RESTORED;
import static dev.gmc.driver.DriverCounters.Counter.PRE_JOB_RESTORES;
import static dev.gmc.driver.DriverCounters.Counter.RESTORE_FAILED;
import static dev.gmc.driver.DriverCounters.Counter.RESTORE_NO_FRAME;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gmc.core.codec.CorruptPageException;
import dev.gmc.core.store.BatchLoader;
import dev.gmc.mmu.ArmPte;
import dev.gmc.mmu.FrameKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Batch restore ({@link GpuDriverModel#restore}, eager restore on foreground, Utgard's pre-job hook): every page
 * exact and mapped everywhere so that no access faults afterwards; a page the loader cannot decode or that finds no
 * frame stays compressed and intact, and a later fault restores it.
 */
class BatchRestoreTest {
    private static final int PAGES = 64;

    /** A game (pid 100) with one texture mapped in itself, the compositor (pid 101) and the GPU, compressed. */
    private record Setup(AbstractGmcDriver d, Buffer b, long va100, long va101, byte[] data, CompressResult compressed) {
    }

    private static Setup compressedTexture(String driver, DriverConfig cfg) {
        AbstractGmcDriver d = Drivers.make(driver, cfg);
        d.createProcess(100, "game");
        d.createProcess(101, "compositor");
        Buffer b = d.allocate(d.createContext(100), PAGES, BufferType.TEXTURE, "atlas", false);
        long va100 = d.mapCpu(b, 100);
        long va101 = d.mapCpu(b, 101);
        d.mapGpu(b);
        byte[] data = Drivers.standardContents(PAGES);
        d.cpuWrite(100, va100, data, 0, data.length);
        CompressResult r = d.compress(b);
        assertThat(r.framesFreed()).isEqualTo(48);
        return new Setup(d, b, va100, va101, data, r);
    }

    private static byte[] page(byte[] data, int p) {
        return Arrays.copyOfRange(data, p * 4096, (p + 1) * 4096);
    }

    @ParameterizedTest
    @ValueSource(strings = {"midgard", "utgard"})
    void eagerRestoreMapsEveryPageEverywhereAndNothingFaultsAfterwards(String driver) {
        Setup s = compressedTexture(driver, DriverConfig.defaults());
        try (AbstractGmcDriver d = s.d()) {
            long frames = d.memory().used(FrameKind.DATA);
            RestoreResult r = d.restore(s.b());
            assertThat(r.restored()).isEqualTo(48);
            assertThat(r.leftCompressed()).isZero();
            assertThat(r.errors()).isEmpty();
            assertThat(r.loader()).isEqualTo("cpu");
            assertThat(d.memory().used(FrameKind.DATA)).isEqualTo(frames + 48);
            assertThat(d.store().pagesStored()).isZero();
            assertThat(s.b().compressedPages()).isZero();
            assertThat(s.b().regionState()).isEqualTo(RegionState.RESIDENT);
            assertThat(d.counters().get(EAGER_RESTORES)).isEqualTo(48);
            assertThat(d.counters().get(PAGES_RESTORED)).isEqualTo(48);
            assertThat(d.counters().get(BATCH_RESTORES)).isEqualTo(1);
            for (long va : new long[] {s.va100(), s.va101()}) {
                int pid = va == s.va100() ? 100 : 101;
                for (int p = 0; p < PAGES; p++) {
                    assertThat(ArmPte.present(d.process(pid).pte(va + p * 4096L))).as("pid %d page %d", pid, p).isTrue();
                }
            }
            d.checkInvariants();

            byte[] all = new byte[s.data().length];
            d.cpuRead(100, s.va100(), all, 0, all.length);
            assertThat(all).isEqualTo(s.data());
            d.cpuRead(101, s.va101(), all, 0, all.length);
            assertThat(all).isEqualTo(s.data());
            byte[] pg = new byte[4096];
            for (int p = 16; p < 48; p += 7) {
                assertThat(Drivers.gpuRead(d, s.b(), p * 4096L, pg).ok()).isTrue();
                assertThat(pg).as("GPU page %d", p).isEqualTo(page(s.data(), p));
            }
            assertThat(d.counters().get(CPU_FAULTS_MAJOR) + d.counters().get(CPU_FAULTS_MINOR)
                    + d.counters().get(GPU_FAULTS_MAJOR) + d.counters().get(GPU_FAULTS_MINOR)
                    + d.counters().get(PRE_JOB_RESTORES)).as("faults after an eager restore").isZero();

            assertThat(d.restore(s.b()).skipped()).isEqualTo("no compressed pages");
            d.free(s.b());
            assertThat(d.restore(s.b()).skipped()).isEqualTo("freed");
        }
    }

    @Test
    void theDaemonRestoresTheForegroundAppsBuffersOnlyWithEagerRestore() {
        for (boolean eager : new boolean[] {false, true}) {
            Setup s = compressedTexture("midgard", DriverConfig.defaults());
            try (AbstractGmcDriver d = s.d()) {
                Buffer other = d.allocate(d.createContext(101), 8, BufferType.TEXTURE, "panel", false);
                d.compress(other);
                CompressionPolicy policy = CompressionPolicy.background(1);
                ResourceDaemon daemon = new ResourceDaemon(d, eager ? policy.withEagerRestore() : policy);
                assertThat(daemon.appBackground(100).restored()).isEmpty();
                ResourceDaemon.Outcome o = daemon.appForeground(100);
                assertThat(o.compressed()).isEmpty();
                assertThat(o.pagesRestored()).isEqualTo(eager ? 48 : 0);
                assertThat(o.restored()).extracting(RestoreResult::bufferId)
                        .containsExactlyElementsOf(eager ? List.of(s.b().id()) : List.of());
                assertThat(s.b().compressedPages()).isEqualTo(eager ? 0 : 48);
                assertThat(other.compressedPages()).as("another app's buffer").isEqualTo(8);
                d.checkInvariants();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"midgard", "utgard"})
    void pagesWithoutAFrameStayCompressedAndAFaultRestoresThemLater(String driver) {
        Setup s = compressedTexture(driver, DriverConfig.defaults().withRam(4L << 20));
        try (AbstractGmcDriver d = s.d()) {
            List<Integer> hog = new ArrayList<>();
            while (d.memory().freeFrames() > 10) {
                hog.add(d.memory().allocate(FrameKind.DATA, false));
            }
            RestoreResult r = d.restore(s.b());
            assertThat(r.restored()).isEqualTo(10);
            assertThat(r.noFrame()).isEqualTo(38);
            assertThat(d.counters().get(RESTORE_NO_FRAME)).isEqualTo(38);
            assertThat(s.b().compressedPages()).isEqualTo(38);
            assertThat(s.b().regionState()).isEqualTo(RegionState.COMPRESSED);
            assertThat(d.store().pagesStored()).isEqualTo(38);
            hog.forEach(pfn -> d.memory().free(pfn, FrameKind.DATA));
            d.checkInvariants();
            byte[] all = new byte[s.data().length];
            d.cpuRead(101, s.va101(), all, 0, all.length);
            assertThat(all).isEqualTo(s.data());
            assertThat(d.counters().get(CPU_FAULTS_MAJOR)).as("the pages left compressed").isEqualTo(38);
        }
    }

    /** Fails pages {@code bad} (by buffer page index, looked up from the IDs) and loads the rest on the CPU. */
    private static BatchLoader failing(Buffer b, Set<Integer> bad) {
        return (store, ids, count, dst) -> {
            List<BatchLoader.Failure> f = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int page = Arrays.stream(b.handle).boxed().toList().indexOf(ids[i]);
                if (bad.contains(page)) {
                    Arrays.fill(dst.array(i), dst.offset(i), dst.offset(i) + 4096, (byte) 0x5a); // garbage left
                    f.add(new BatchLoader.Failure(i, ids[i], new CorruptPageException("test", 1, 4096,
                            "forged failure", null)));
                } else {
                    store.load(ids[i], dst.array(i), dst.offset(i));
                }
            }
            return f;
        };
    }

    @Test
    void aPageTheLoaderCannotDecodeStaysCompressedAndIntact() {
        Setup s = compressedTexture("midgard", DriverConfig.defaults());
        try (AbstractGmcDriver d = s.d()) {
            d.batchLoader(failing(s.b(), Set.of(20, 30)));
            long frames = d.memory().used(FrameKind.DATA);
            RestoreResult r = d.restore(s.b());
            assertThat(r.restored()).isEqualTo(46);
            assertThat(r.failed()).isEqualTo(2);
            assertThat(r.errors()).hasSize(2);
            assertThat(r.errors().get(0)).startsWith("page 20: ").contains("forged failure");
            assertThat(r.errors().get(1)).startsWith("page 30: ");
            assertThat(d.counters().get(RESTORE_FAILED)).isEqualTo(2);
            assertThat(d.memory().used(FrameKind.DATA)).as("failed pages' frames given back").isEqualTo(frames + 46);
            assertThat(s.b().pageState(20)).isEqualTo(Buffer.PageState.COMPRESSED);
            assertThat(ArmPte.isSwap(d.process(100).pte(s.va100() + 30 * 4096L))).isTrue();
            d.checkInvariants();
            byte[] all = new byte[s.data().length];
            d.cpuRead(100, s.va100(), all, 0, all.length); // the fault path (lz4 on the CPU) restores 20 and 30
            assertThat(all).isEqualTo(s.data());
            assertThat(d.counters().get(CPU_FAULTS_MAJOR)).isEqualTo(2);
        }
    }

    @Test
    void aLoaderThatThrowsOrMisreportsIsReplacedByTheCpuForItsBatch() {
        Setup s = compressedTexture("midgard", DriverConfig.defaults());
        try (AbstractGmcDriver d = s.d()) {
            AtomicInteger calls = new AtomicInteger();
            d.batchLoader((store, ids, count, dst) -> {
                calls.incrementAndGet();
                Arrays.fill(dst.array(0), dst.offset(0), dst.offset(0) + 4096, (byte) 1); // half-written batch
                throw new IllegalStateException("device lost");
            });
            RestoreResult r = d.restore(s.b());
            assertThat(calls).hasValue(1);
            assertThat(r.restored()).isEqualTo(48);
            assertThat(r.errors()).singleElement().asString().contains("device lost").contains("decoded on the CPU");
            byte[] all = new byte[s.data().length];
            d.cpuRead(100, s.va100(), all, 0, all.length);
            assertThat(all).isEqualTo(s.data());
        }
        Setup t = compressedTexture("midgard", DriverConfig.defaults());
        try (AbstractGmcDriver d = t.d()) {
            d.batchLoader((store, ids, count, dst) -> List.of(new BatchLoader.Failure(count, 0, new RuntimeException())));
            RestoreResult r = d.restore(t.b());
            assertThat(r.restored()).isEqualTo(48);
            assertThat(r.errors()).singleElement().asString().contains("reported page 48 of a batch of 48");
            byte[] all = new byte[t.data().length];
            d.cpuRead(100, t.va100(), all, 0, all.length);
            assertThat(all).isEqualTo(t.data());
        }
    }

    @Test
    void aFailureAtTheBatchsFirstIndexIsThatPagesAndAMisreportAfterItVoidsTheWholeReport() {
        // batch index 0 is page 0 (the first compressed page): a real failure there, not a loader bug
        Setup s = compressedTexture("midgard", DriverConfig.defaults());
        try (AbstractGmcDriver d = s.d()) {
            d.batchLoader(failing(s.b(), Set.of(0)));
            RestoreResult r = d.restore(s.b());
            assertThat(r.failed()).isEqualTo(1);
            assertThat(r.restored()).isEqualTo(47);
            assertThat(r.errors()).singleElement().asString().startsWith("page 0: ");
            assertThat(s.b().pageState(0)).isEqualTo(Buffer.PageState.COMPRESSED);
        }
        // a report that names page 0 and then an index outside the batch: the whole batch goes to the CPU, and the
        // failure filed for page 0 before the bad index was seen must not survive into the CPU's result
        Setup t = compressedTexture("midgard", DriverConfig.defaults());
        try (AbstractGmcDriver d = t.d()) {
            d.batchLoader((store, ids, count, dst) -> List.of(
                    new BatchLoader.Failure(0, ids[0], new RuntimeException("first")),
                    new BatchLoader.Failure(count, 0, new RuntimeException("beyond"))));
            RestoreResult r = d.restore(t.b());
            assertThat(r.restored()).isEqualTo(48);
            assertThat(r.failed()).isZero();
            assertThat(r.errors()).singleElement().asString().contains("reported page 48 of a batch of 48");
            byte[] all = new byte[t.data().length];
            d.cpuRead(100, t.va100(), all, 0, all.length);
            assertThat(all).isEqualTo(t.data());
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a leaked pin would hang the free in close
    void utgardPreJobHookFailsTheJobWhenAPageCannotBeRestoredAndLosesNothing() {
        Setup s = compressedTexture("utgard", DriverConfig.defaults());
        try (AbstractGmcDriver d = s.d()) {
            d.batchLoader(failing(s.b(), Set.of(40)));
            byte[] pg = new byte[4096];
            JobResult jr = Drivers.gpuRead(d, s.b(), 17 * 4096L, pg);
            assertThat(jr.ok()).isFalse();
            assertThat(jr.message()).contains("cannot restore 1 pages").contains("page 40");
            assertThat(d.counters().get(PRE_JOB_RESTORES)).isEqualTo(47);
            assertThat(s.b().pageState(40)).isEqualTo(Buffer.PageState.COMPRESSED);
            d.checkInvariants();
            CompressResult again = d.compress(s.b());
            assertThat(again.skipped()).as("the failed job left no pin").isNull();
            assertThat(again.framesFreed()).isEqualTo(47);
            d.batchLoader(BatchLoader.CPU);
            jr = Drivers.gpuRead(d, s.b(), 40 * 4096L, pg);
            assertThat(jr.ok()).as(String.valueOf(jr.message())).isTrue();
            assertThat(pg).isEqualTo(page(s.data(), 40));
            assertThat(d.counters().get(BATCH_RESTORES)).isEqualTo(2);
            byte[] all = new byte[s.data().length];
            d.cpuRead(100, s.va100(), all, 0, all.length);
            assertThat(all).isEqualTo(s.data());
        }
    }
}
