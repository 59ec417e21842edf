package dev.gmc.driver.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gmc.core.codec.CodecSpec;
import dev.gmc.driver.Buffer;
import dev.gmc.driver.BufferType;
import dev.gmc.driver.CompressionPolicy;
import dev.gmc.driver.DriverConfig;
import dev.gmc.driver.GpuDriverModel;
import dev.gmc.driver.MidgardDriver;
import dev.gmc.driver.ResourceDaemon;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The resource daemon's recompression: its age rule ({@code recompress-after=}) and a policy's
 * {@link CompressionPolicy#recompressCandidates}. The oracle is the same trace with explicit {@code recompress} lines
 * where the daemon should act.
 */
class DaemonRecompressTest {
    /**
     * Three apps; a and b have a buffer each. Events: 1 background a, 2 foreground b, 3 background b, 4 foreground
     * c, 5 background c, 6 foreground a. With an age of 2, a's buffer is recompressed at event 3 and b's at 5.
     * {@code @3} and {@code @5} mark where the daemon acts: the explicit form puts {@code recompress} lines there.
     */
    private static final String TRACE = "gmc-trace 1\n"
            + "driver midgard ram=16M algo=lz4-kernel recompress=zstd:9%s\n"
            + "process 1 a\nprocess 2 b\nprocess 3 c\ncontext ca 1\ncontext cb 2\ncontext cc 3\n"
            + "alloc ta ca 256 type=texture content=mix\nalloc tb cb 256 type=texture content=mix seed=2\n"
            + "cpumap ta 1\ncpumap tb 2\n"
            + "background 1\nassert pages_recompressed=0\nforeground 2\nassert pages_recompressed=0\n"
            + "background 2\n@3"
            + "foreground 3\nbackground 3\n@5"
            + "foreground 1\ncpu-read 1 ta+0 1048576\ncpu-read 2 tb+0 1048576\ncheck\n";

    /** {@link #TRACE} with {@code options} on its driver line and the given lines at {@code @3} and {@code @5}. */
    private static String trace(String options, String at3, String at5) {
        return String.format(TRACE, options).replace("@3", at3).replace("@5", at5);
    }

    private static ReplayReport run(String text) {
        return new TraceRunner(Trace.parse("t.gmct", text), (p, o, l) -> new byte[0], null).run();
    }

    /** The timeline's samples without their line numbers (the explicit form has more lines). */
    private static List<List<Object>> figures(ReplayReport r) {
        return r.timeline().stream().map(x -> List.<Object>of(x.label(), x.dataFrames(), x.tableFrames(),
                x.storedPages(), x.poolBytes(), x.savedBytes())).toList();
    }

    private static Map<String, Long> withoutDaemon(Map<String, Long> counters) {
        Map<String, Long> m = new HashMap<>(counters);
        m.remove("daemon_recompressed_regions");
        return m;
    }

    @Test
    void theAgeRuleRecompressesEachBackgroundAppOnceWhereExplicitLinesWould() {
        ReplayReport byAge = run(trace(" recompress-after=2",
                "assert daemon_recompressed_regions=1 pages_recompressed=1..\n",
                "assert daemon_recompressed_regions=2\n"));
        assertThat(byAge.failures()).isEmpty();
        assertThat(byAge.daemon()).isEqualTo("background recompress-after=2");
        assertThat(byAge.driverCounters().get("daemon_recompressed_regions")).isEqualTo(2);
        assertThat(byAge.driverCounters().get("pages_recompressed")).isPositive();

        ReplayReport explicit = run(trace("", "recompress ta\ncompact\n", "recompress tb\ncompact\n"));
        assertThat(explicit.failures()).isEmpty();
        assertThat(explicit.driverCounters().get("daemon_recompressed_regions")).isZero();
        assertThat(withoutDaemon(byAge.driverCounters())).isEqualTo(withoutDaemon(explicit.driverCounters()));
        assertThat(byAge.mmStat()).isEqualTo(explicit.mmStat());
        assertThat(figures(byAge)).isEqualTo(figures(explicit));

        // A different age moves the recompressions (and with age 1, a's happens at event 2, before b is compressed).
        ReplayReport late = run(trace(" recompress-after=4", "", ""));
        assertThat(late.driverCounters().get("daemon_recompressed_regions")).as("a at event 5; b would be at 7")
                .isEqualTo(1);
        ReplayReport never = run(trace(" recompress-after=6", "", ""));
        assertThat(never.driverCounters().get("daemon_recompressed_regions")).as("a returns at event 6").isZero();
        assertThat(never.driverCounters().get("pages_recompressed")).isZero();
    }

    @Test
    void theThresholdReachesTheRecompressionsAndIsInTheDaemonsName() {
        ReplayReport all = run(trace(" recompress-after=2", "", ""));
        ReplayReport big = run(trace(" recompress-after=2 recompress-threshold=3000", "", ""));
        ReplayReport explicit = run(trace("", "recompress ta threshold=3000\ncompact\n",
                "recompress tb threshold=3000\ncompact\n"));
        assertThat(big.daemon()).isEqualTo("background recompress-after=2 recompress-threshold=3000");
        assertThat(big.mmStat()).isEqualTo(explicit.mmStat());
        assertThat(big.driverCounters().get("pages_recompressed"))
                .isLessThan(all.driverCounters().get("pages_recompressed"));
    }

    /** Without the compaction the freed objects stay in their zspages: the pool is what explicit lines leave. */
    @Test
    void withoutTheCompactionThePoolKeepsItsHoles() {
        ReplayReport compacted = run(trace(" recompress-after=2", "stats label=after\n", ""));
        ReplayReport holes = run(trace(" recompress-after=2 recompress-compact=no", "stats label=after\n", ""));
        ReplayReport explicit = run(trace("", "recompress ta\nstats label=after\n", "recompress tb\n"));
        assertThat(holes.daemon()).isEqualTo("background recompress-after=2 recompress-compact=no");
        assertThat(holes.mmStat()).isEqualTo(explicit.mmStat());
        assertThat(figures(holes)).isEqualTo(figures(explicit));
        long poolCompacted = compacted.timeline().get(0).poolBytes();
        long poolHoles = holes.timeline().get(0).poolBytes();
        assertThat(poolCompacted).isLessThan(poolHoles);
        assertThat(compacted.mmStat()).isNotEqualTo(holes.mmStat());
    }

    @Test
    void badOptionsAreNamed() {
        String t = trace("", "", "");
        assertThatThrownBy(() -> Trace.parse("t.gmct", t.replace("recompress=zstd:9", "recompress-after=2")))
                .isInstanceOf(TraceException.class).hasMessageContaining("t.gmct:2")
                .hasMessageContaining("recompress-after").hasMessageContaining("needs recompression codecs");
        assertThatThrownBy(() -> Trace.parse("t.gmct", t.replace("recompress=zstd:9",
                "recompress=zstd:9 recompress-after=2 recompress-threshold=4096")))
                .hasMessageContaining("field recompress-threshold");
        assertThatThrownBy(() -> Trace.parse("t.gmct", t.replace("recompress=zstd:9",
                "recompress=zstd:9 recompress-after=-1"))).hasMessageContaining("field recompress-after");
        assertThatThrownBy(() -> Trace.parse("t.gmct", t.replace("recompress=zstd:9",
                "recompress=zstd:9 recompress-compact=maybe"))).hasMessageContaining("field recompress-compact")
                .hasMessageContaining("expected yes or no");
        // A sweep setting goes through the same checks.
        Trace ok = Trace.parse("t.gmct", t);
        assertThatThrownBy(() -> ok.withDriverOptions(Map.of("recompress", "none", "recompress-after", "3")))
                .hasMessageContaining("recompress-after");
        assertThat(run(t).driverCounters().get("daemon_recompressed_regions")).isZero();
    }

    /** A policy's own candidates: recompress every background app's buffers when another app comes forward. */
    @Test
    void aPolicysRecompressCandidatesAreRecompressedAfterItsCompressions() {
        DriverConfig cfg = DriverConfig.defaults();
        cfg = cfg.withRam(16 << 20).withStore(cfg.store().withRecompressCodecs(List.of(CodecSpec.parse("zstd:9"))));
        CompressionPolicy base = CompressionPolicy.background(1);
        CompressionPolicy policy = new CompressionPolicy() {
            @Override
            public List<Buffer> candidates(int pid, boolean foreground, GpuDriverModel driver) {
                return base.candidates(pid, foreground, driver);
            }

            @Override
            public List<Buffer> recompressCandidates(int pid, boolean foreground, GpuDriverModel driver) {
                return foreground ? driver.buffers().stream().filter(b -> b.compressedPages() > 0).toList()
                        : List.of();
            }
        };
        try (MidgardDriver d = new MidgardDriver(cfg)) {
            d.createProcess(1, "a");
            d.createProcess(2, "b");
            Buffer b = d.allocate(d.createContext(1), 16, BufferType.TEXTURE, "t", false);
            long va = d.mapCpu(b, 1);
            byte[] data = new byte[16 * 4096];
            Content.parse("text").fill(7, 0, data, 0, data.length);
            d.cpuWrite(1, va, data, 0, data.length);
            ResourceDaemon daemon = new ResourceDaemon(d, policy);
            ResourceDaemon.Outcome bg = daemon.appBackground(1);
            assertThat(bg.compressed()).hasSize(1);
            assertThat(bg.recompressed()).isEmpty();
            ResourceDaemon.Outcome fg = daemon.appForeground(2);
            assertThat(fg.recompressed()).hasSize(1);
            assertThat(fg.pagesRecompressed()).isPositive().isEqualTo(fg.recompressed().get(0).recompressed());
            assertThat(daemon.recompressedRegions()).isEqualTo(1);
            byte[] back = new byte[data.length];
            d.cpuRead(1, va, back, 0, back.length);
            assertThat(back).isEqualTo(data);
            d.checkInvariants();

            ResourceDaemon broken = new ResourceDaemon(d, new CompressionPolicy() {
                @Override
                public List<Buffer> candidates(int pid, boolean foreground, GpuDriverModel driver) {
                    return List.of();
                }

                @Override
                public List<Buffer> recompressCandidates(int pid, boolean foreground, GpuDriverModel driver) {
                    return null;
                }
            });
            assertThatThrownBy(() -> broken.appBackground(2)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("recompressCandidates");
        }
    }

    @Test
    void theDaemonsSetterChecksItsArguments() {
        try (MidgardDriver d = new MidgardDriver(DriverConfig.defaults())) {
            ResourceDaemon daemon = new ResourceDaemon(d, CompressionPolicy.background(1));
            assertThatThrownBy(() -> daemon.recompressAfter(-1, 0)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> daemon.recompressAfter(1, 4096)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> daemon.recompressAfter(1, 0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("recompress=");
            assertThat(daemon.recompressAfter(0, 0)).isSameAs(daemon);
        }
    }
}
