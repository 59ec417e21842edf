package dev.gmc.driver.replay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gmc.driver.GmcEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code daemon=cold-buffers}: only buffers the app's recent jobs did not declare are compressed on background. */
class ColdBuffersTest {
    /** App a: t1 used by its last four jobs, t2 by the job before them, t3 never; app b: u1 used by one job. */
    private static final String BODY = "process 1 a\nprocess 2 b\ncontext ca 1\ncontext cb 2\n"
            + "alloc t1 ca 8 type=texture content=gradient\nalloc t2 ca 8 type=texture content=gradient seed=2\n"
            + "alloc t3 ca 8 type=texture content=gradient seed=3\nalloc u1 cb 8 type=texture content=gradient seed=4\n"
            + "gpumap t1\ngpumap t2\ngpumap t3\ngpumap u1\n"
            + "job ca uses=t2 read=t2+0:4096\n"
            + "job ca uses=t1 read=t1+0:4096\njob ca uses=t1 read=t1+0:4096\n"
            + "job ca uses=t1 read=t1+0:4096\njob cb uses=u1 read=u1+0:4096\njob ca uses=t1 read=t1+0:4096\n";

    private static ReplayReport run(String text, List<String> compressed) {
        return new TraceRunner(Trace.parse("t.gmct", text), (p, o, l) -> new byte[0], null)
                .withEvents(e -> {
                    if (e.event().type() == GmcEvent.Type.COMPRESS_START) {
                        compressed.add(e.buffer());
                    }
                }).run();
    }

    @ParameterizedTest(name = "{0} jobs: {1}")
    @CsvSource(delimiter = '|', value = {"4|t2,t3", "5|t3", "1|t2,t3"})
    void onBackgroundOnlyTheBuffersTheLastJobsDidNotUseAreCompressed(int jobs, String cold) {
        List<String> got = new ArrayList<>();
        ReplayReport r = run("gmc-trace 1\ndriver midgard ram=16M daemon=cold-buffers cold-buffers.jobs=" + jobs + "\n"
                + BODY + "background 1\ncheck\n", got);
        assertThat(r.failures()).isEmpty();
        assertThat(String.join(",", got)).isEqualTo(cold);
        // The oracle: the same trace with those compressions written out and no daemon decision.
        StringBuilder explicit = new StringBuilder();
        for (String b : cold.split(",")) {
            explicit.append("compress ").append(b).append('\n');
        }
        ReplayReport want = run("gmc-trace 1\ndriver midgard ram=16M min-pages=1000\n" + BODY + explicit + "check\n",
                new ArrayList<>());
        assertThat(r.mmStat()).isEqualTo(want.mmStat());
        assertThat(r.driverCounters().get("frames_freed")).isEqualTo(want.driverCounters().get("frames_freed"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"midgard", "utgard"})
    void underPressureTheRestGoLeastRecentlyUsedFirst(String driver) {
        // 256 frames, 99 %: memory is short all along. Both apps are in the foreground until the first background
        // line; a's cold buffers go then, and reclaim right after it takes a's hot t1 (a is in the background now);
        // b's u1, hot too, is taken by reclaim once b leaves.
        List<String> got = new ArrayList<>();
        ReplayReport r = run("gmc-trace 1\ndriver " + driver + " ram=1M daemon=cold-buffers reclaim=99:100\n" + BODY
                + "background 1\nbackground 2\ncheck\n", got);
        assertThat(r.failures()).isEmpty();
        assertThat(got).containsExactly("t2", "t3", "t1", "u1");
        assertThat(r.driverCounters().get("daemon_reclaimed_regions")).isEqualTo(2);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"midgard", "utgard"})
    void reclaimTakesNeverUsedBuffersFirstThenTheLeastRecentlyUsed(String driver) {
        // jobs=1: only u1 (b's last job) and t1 (a's last job) are hot. Both apps leave while memory is not short
        // (the policy keeps the hot ones), then a 200-page buffer makes it short: reclaim takes u1 first, whose job
        // ran before a's last one, though b left after a.
        List<String> got = new ArrayList<>();
        ReplayReport r = run("gmc-trace 1\ndriver " + driver + " ram=2M daemon=cold-buffers cold-buffers.jobs=1 "
                + "reclaim=70:72\n" + BODY + "background 1\nbackground 2\nprocess 3 c\ncontext cc 3\n"
                + "alloc big cc 200 type=texture content=gradient\ncheck\n", got);
        assertThat(r.failures()).isEmpty();
        assertThat(got).startsWith("t2", "t3", "u1");
        assertThat(r.driverCounters().get("daemon_reclaims")).isPositive();
    }
}
