package dev.gmc.driver.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code reclaim=LOW:HIGH}: the daemon compresses its policy's pressure candidates when memory runs short. */
class PressureReclaimTest {
    /** 4 MiB of RAM = 1024 frames; three apps of 256 texture pages each arrive one after another. */
    private static String trace(String driver, String afterC) {
        return "gmc-trace 1\n" + driver + "\n"
                + "process 1 a\nprocess 2 b\nprocess 3 c\ncontext ca 1\ncontext cb 2\ncontext cc 3\n"
                + "alloc ta ca 256 type=texture content=gradient\ncpumap ta 1\nbackground 1\n"
                + "alloc tb cb 256 type=texture content=gradient seed=2\ncpumap tb 2\nbackground 2\n"
                + "alloc tc cc 256 type=texture content=gradient seed=3\n" + afterC
                + "cpumap tc 3\ncpu-read 1 ta+0 8192\ncpu-read 2 tb+0 4096\ncpu-read 3 tc+0 8192\ncheck\n";
    }

    private static ReplayReport run(String text) {
        return new TraceRunner(Trace.parse("t.gmct", text), (p, o, l) -> new byte[0], null).run();
    }

    private static Map<String, Long> withoutDaemon(Map<String, Long> counters) {
        Map<String, Long> m = new HashMap<>(counters);
        m.remove("daemon_reclaims");
        m.remove("daemon_reclaimed_regions");
        return m;
    }

    @Test
    void reclaimCompressesTheAppThatLeftLongestAgoFirstUntilTheHighWatermark() {
        // lru-apps with a window larger than the apps compresses nothing on app events: only pressure does. After tc
        // arrives, ≈ 1024 - 768 - tables frames are free, under 40 % (409): the daemon compresses a (left first),
        // which frees 256 frames minus its pool pages, still under 60 % (614), then b, which reaches it; c stays.
        ReplayReport r = run(trace("driver midgard ram=4M daemon=lru-apps lru-apps.warm=16 reclaim=40:60",
                "assert daemon_reclaims=1 daemon_reclaimed_regions=2 regions_compressed=2 frames_freed=512\n"));
        assertThat(r.failures()).isEmpty();
        assertThat(r.daemon()).isEqualTo("lru-apps warm=16 reclaim=40:60");
        // The oracle: the same trace with no daemon decisions (min-pages above every buffer) and the two compressions
        // written where the reclaim made them.
        ReplayReport explicit = run(trace("driver midgard ram=4M min-pages=1000",
                "compress ta\ncompress tb\n"));
        assertThat(explicit.failures()).isEmpty();
        assertThat(withoutDaemon(r.driverCounters())).isEqualTo(withoutDaemon(explicit.driverCounters()));
        assertThat(r.mmStat()).isEqualTo(explicit.mmStat());
        assertThat(r.driverCounters().get("daemon_reclaims")).isEqualTo(1);
        assertThat(explicit.driverCounters().get("daemon_reclaims")).isZero();
    }

    @Test
    void aLowerHighWatermarkStopsAfterOneBufferAndOffOrBackgroundReclaimNothing() {
        ReplayReport one = run(trace("driver midgard ram=4M daemon=lru-apps lru-apps.warm=16 reclaim=40:45",
                "assert daemon_reclaimed_regions=1 regions_compressed=1\n"));
        assertThat(one.failures()).isEmpty();
        // it was a's texture (2 pages read back: 2 faults), not b's (1 page read back)
        assertThat(one.driverCounters().get("cpu_faults_major")).isEqualTo(2);
        ReplayReport off = run(trace("driver midgard ram=4M daemon=lru-apps lru-apps.warm=16", ""));
        assertThat(off.driverCounters().get("regions_compressed")).isZero();
        assertThat(off.driverCounters().get("daemon_reclaims")).isZero();
        // background compressed a and b when they left; the shortage it still meets has no candidates
        ReplayReport background = run(trace("driver midgard ram=4M reclaim=90:95",
                "assert regions_compressed=2 daemon_reclaimed_regions=0 daemon_reclaims=1..\n"));
        assertThat(background.failures()).isEmpty();
    }

    @Test
    void aBufferWhosePagesTheStoreRefusedIsNotRetriedOnEveryLineUntilItChanges() {
        // Memory stays short (under 99 % of RAM available) all along; the noise buffer's 64 pages are refused by GMC's
        // reject policy. They are tried once, not again on each of the following lines; a buffer that changes (a page
        // of g comes back) is compressed again, and only it.
        ReplayReport r = run("gmc-trace 1\ndriver midgard ram=4M daemon=lru-apps lru-apps.warm=16 reclaim=99:100\n"
                + "process 1 a\nprocess 2 b\ncontext ca 1\ncontext cb 2\n"
                + "alloc n ca 64 type=texture content=noise\nalloc g ca 8 type=texture content=gradient\n"
                + "cpumap n 1\ncpumap g 1\nbackground 1\n"
                + "assert pages_rejected=64 pages_stored=8 daemon_reclaimed_regions=2\n"
                + "alloc x cb 4 type=texture\ncpumap x 2\ncpu-read 1 n+0 4096\ncpu-read 1 n+0 4096\n"
                + "assert pages_rejected=64 daemon_reclaimed_regions=2\n"
                + "cpu-read 1 g+0 4096\n" // g's page comes back: g is compressed again, and only g
                + "assert pages_rejected=64 pages_stored=9 daemon_reclaimed_regions=3\ncheck\n");
        assertThat(r.failures()).isEmpty();
    }

    @Test
    void anAllocationThatFindsMemoryFullReclaimsDirectlyAndOnlyWithReclaimOn() {
        // 1024 frames; two background apps of 400 pages each leave about 200 free, above a 1 % low watermark, so
        // kswapd-like balancing never runs; the third app's 400 pages do not fit.
        String body = "process 1 a\nprocess 2 b\nprocess 3 c\ncontext ca 1\ncontext cb 2\ncontext cc 3\n"
                + "alloc ta ca 400 type=texture content=gradient\nbackground 1\n"
                + "alloc tb cb 400 type=texture content=gradient seed=2\nbackground 2\n"
                + "assert daemon_reclaims=0 regions_compressed=0\n"
                + "alloc tc cc 400 type=texture content=gradient seed=3\n"
                + "assert daemon_direct_reclaims=1 daemon_reclaimed_regions=1 regions_compressed=1\n"
                + "cpumap ta 1\ncpu-read 1 ta+0 8192\ncheck\n";
        ReplayReport r = run("gmc-trace 1\ndriver midgard ram=4M daemon=lru-apps lru-apps.warm=16 reclaim=1:2\n"
                + body);
        assertThat(r.failures()).isEmpty();
        // a, which left first, was compressed to make room: reading it back faults
        assertThat(r.driverCounters().get("cpu_faults_major")).isEqualTo(2);
        assertThatThrownBy(() -> run("gmc-trace 1\ndriver midgard ram=4M daemon=lru-apps lru-apps.warm=16\n" + body))
                .isInstanceOf(TraceException.class).hasMessageContaining("t.gmct:14:")
                .hasMessageContaining("raise ram=");
    }

    /**
     * 1023 frames: ta (300 pages) is compressed by hand, then b's tb (800 pages) fills RAM but for ≈ 200 frames, and b
     * goes to the background (lru-apps keeps it resident). Reading all of ta back restores pages until no frame is
     * left; then direct reclaim compresses b's buffer, and the access goes on. Available frames stay above the 1 % low
     * watermark before the read, so kswapd-like balancing cannot be what made room.
     */
    private static String faultTrace(String driver, String daemon, String access) {
        return "gmc-trace 1\ndriver " + driver + " ram=4M " + daemon + "\n"
                + "process 1 a\nprocess 2 b\ncontext ca 1\ncontext cb 2\n"
                + "alloc ta ca 300 type=texture content=gradient\ncpumap ta 1\ngpumap ta\ncompress ta\n"
                + "alloc tb cb 800 type=texture content=text seed=2\nbackground 2\n"
                + "assert daemon_reclaims=0 daemon_direct_reclaims=0 regions_compressed=1\n"
                + access + "\ncheck\n";
    }

    @ParameterizedTest
    @ValueSource(strings = {"midgard", "utgard"})
    void aFaultThatFindsNoFrameReclaimsDirectlyAndWithoutReclaimGetsSigbus(String driver) {
        String daemon = "daemon=lru-apps lru-apps.warm=16";
        ReplayReport r = run(faultTrace(driver, daemon + " reclaim=1:2", "cpu-read 1 ta+0 1228800\n"
                + "assert cpu_faults_major=300 restore_reclaims=1 restore_no_frame=0 daemon_direct_reclaims=1 "
                + "daemon_reclaims=0 daemon_reclaimed_regions=1 regions_compressed=2"));
        assertThat(r.failures()).isEmpty();
        ReplayReport off = run(faultTrace(driver, daemon, "cpu-read 1 ta+0 1228800 expect=sigbus\n"
                + "assert restore_no_frame=1 restore_reclaims=0 regions_compressed=1 cpu_faults_major=100..299"));
        assertThat(off.failures()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"midgard", "utgard"})
    void aGpuJobThatFindsNoFrameReclaimsDirectlyInsteadOfFailing(String driver) {
        String daemon = "daemon=lru-apps lru-apps.warm=16";
        String restored = driver.equals("midgard") ? "gpu_faults_major" : "pre_job_restores";
        ReplayReport r = run(faultTrace(driver, daemon + " reclaim=1:2", "gpu-read ca ta+0 1228800\n"
                + "assert " + restored + "=300 restore_reclaims=1 contexts_killed=0 jobs_failed=0 "
                + "regions_compressed=2"));
        assertThat(r.failures()).isEmpty();
        ReplayReport off = run(faultTrace(driver, daemon, "gpu-read ca ta+0 1228800 expect=fault\n"
                + "assert jobs_failed=1 restore_reclaims=0 regions_compressed=1"));
        assertThat(off.failures()).isEmpty();
    }

    @Test
    void anEagerRestoreOnForegroundReclaimsAhead() {
        // a's texture is compressed by hand and a leaves; b fills RAM and leaves (lru-apps keeps both resident). a
        // comes back with eager restore: its 300 pages need more frames than are free, so b's buffer is compressed
        // first, and every page of a comes back before any access.
        String trace = "gmc-trace 1\ndriver midgard ram=4M restore=eager daemon=lru-apps lru-apps.warm=16%s\n"
                + "process 1 a\nprocess 2 b\ncontext ca 1\ncontext cb 2\n"
                + "alloc ta ca 300 type=texture content=gradient\ncpumap ta 1\ncompress ta\nbackground 1\n"
                + "alloc tb cb 800 type=texture content=text seed=2\ncpumap tb 2\nbackground 2\n"
                + "assert regions_compressed=1 daemon_direct_reclaims=0 daemon_reclaims=0\nforeground 1\n"
                + "assert %s\ncpu-read 1 ta+0 1228800\nassert %s\ncheck\n";
        ReplayReport r = run(String.format(trace, " reclaim=1:2",
                "eager_restores=300 restore_reclaims=1 restore_no_frame=0 regions_compressed=2 "
                        + "daemon_direct_reclaims=1", "cpu_faults_major=0"));
        assertThat(r.failures()).isEmpty();
        // without reclaim: the pages that fit come back, the rest stay compressed and fault in as RAM allows
        ReplayReport off = run(String.format(trace, "", "eager_restores=100..299 restore_no_frame=1..200 "
                + "restore_reclaims=0 regions_compressed=1", "restore_no_frame=2..201"));
        assertThat(off.failures()).hasSize(1).first().asString().contains("expected ok, got sigbus");
    }

    @Test
    void badWatermarksAreNamed() {
        for (String bad : List.of("50:40", "0:10", "10", "10:101", "x:y")) {
            assertThatThrownBy(() -> Trace.parse("t.gmct", trace("driver midgard reclaim=" + bad, "")))
                    .as(bad).isInstanceOf(TraceException.class).hasMessageStartingWith("t.gmct:2: field reclaim: "
                            + "reclaim '" + bad + "' (expected off or LOW:HIGH, percent of RAM with 0 < LOW <= HIGH "
                            + "<= 100, e.g. 10:20)");
        }
    }
}
