package dev.gmc.driver.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TraceGeneratorTest {
    private static TraceGenerator.Params params(String driver, double ws, long seed) {
        return new TraceGenerator.Params(driver, 2, 5, 2, ws, seed);
    }

    private static ReplayReport run(String text, String restore) {
        Trace t = Trace.parse("gen.gmct", text).withDriverOptions(Map.of("restore", restore));
        return new TraceRunner(t, (p, o, l) -> new byte[0], null).run();
    }

    private static List<String> lines(String text, String prefix) {
        return text.lines().filter(l -> l.startsWith(prefix)).toList();
    }

    @ParameterizedTest
    @ValueSource(strings = {"midgard", "utgard"})
    void aGeneratedTraceParsesAndReplaysCleanAndTheSameParametersGiveTheSameTrace(String driver) {
        String a = TraceGenerator.generate(params(driver, 0.1, 7));
        assertThat(TraceGenerator.generate(params(driver, 0.1, 7))).isEqualTo(a);
        assertThat(TraceGenerator.generate(params(driver, 0.1, 8))).isNotEqualTo(a);
        ReplayReport r = run(a, "lazy");
        assertThat(r.failures()).isEmpty();
        assertThat(r.driverCounters().get("regions_compressed")).isPositive();
        assertThat(r.driverCounters().get("pages_restored")).isPositive();
        assertThat(r.driverCounters().get("jobs_failed")).isZero();
        // two apps, five switches: never the same app twice in a row
        List<String> fg = lines(a, "foreground");
        assertThat(fg).hasSize(5);
        for (int i = 1; i < fg.size(); i++) {
            assertThat(fg.get(i)).isNotEqualTo(fg.get(i - 1));
        }
    }

    @Test
    void theWorkingSetChangesOnlyWhatFramesTouchAndSetsHowMuchLazyRestoreBringsBack() {
        String small = TraceGenerator.generate(params("midgard", 0.1, 3));
        String whole = TraceGenerator.generate(params("midgard", 1.0, 3));
        assertThat(lines(whole, "alloc")).isEqualTo(lines(small, "alloc"));
        assertThat(lines(whole, "driver")).isEqualTo(lines(small, "driver"));
        assertThat(lines(whole, "job")).isNotEqualTo(lines(small, "job"));
        // The oracle: when every frame touches every page, lazy restore (on fault) brings back exactly the pages that
        // eager restore (on foreground) does; with a small working set it brings back fewer.
        ReplayReport lazyWhole = run(whole, "lazy");
        ReplayReport eagerWhole = run(whole, "eager");
        assertThat(lazyWhole.failures()).isEmpty();
        assertThat(eagerWhole.failures()).isEmpty();
        assertThat(lazyWhole.driverCounters().get("pages_restored"))
                .isEqualTo(eagerWhole.driverCounters().get("pages_restored")).isPositive();
        assertThat(eagerWhole.driverCounters().get("eager_restores"))
                .isEqualTo(eagerWhole.driverCounters().get("pages_restored"));
        ReplayReport lazySmall = run(small, "lazy");
        assertThat(lazySmall.failures()).isEmpty();
        assertThat(lazySmall.driverCounters().get("pages_restored") * 4)
                .isLessThan(run(small, "eager").driverCounters().get("pages_restored"));
    }

    @Test
    void badParametersNameTheParameter() {
        assertThatThrownBy(() -> new TraceGenerator.Params("bifrost", 2, 1, 1, 0.5, 1)).hasMessage(
                "driver 'bifrost' (expected midgard or utgard)");
        assertThatThrownBy(() -> new TraceGenerator.Params("midgard", 17, 1, 1, 0.5, 1)).hasMessage(
                "apps 17 (expected 1..16)");
        assertThatThrownBy(() -> new TraceGenerator.Params("midgard", 2, -1, 1, 0.5, 1)).hasMessage(
                "switches -1 (expected 0..10000)");
        assertThatThrownBy(() -> new TraceGenerator.Params("midgard", 2, 1, 0, 0.5, 1)).hasMessage(
                "frames 0 (expected 1..100)");
        assertThatThrownBy(() -> new TraceGenerator.Params("midgard", 2, 1, 1, 0, 1)).hasMessage(
                "working set 0.0 (expected more than 0, at most 1)");
        assertThatThrownBy(() -> new TraceGenerator.Params("midgard", 2, 1, 1, Double.NaN, 1)).hasMessageContaining(
                "working set NaN");
    }

    @ParameterizedTest
    @ValueSource(strings = {"midgard", "utgard"})
    void idleBuffersAreNotUsedAfterTheFirstVisitSoColdBuffersCompressesThemWithoutAFault(String driver) {
        TraceGenerator.Params none = new TraceGenerator.Params(driver, 3, 8, 2, 0.25, 4);
        TraceGenerator.Params idle = none.with("idle", "0.5");
        assertThat(TraceGenerator.generate(none.with("idle", "0"))).as("idle 0 is the old trace")
                .isEqualTo(TraceGenerator.generate(none));
        String text = TraceGenerator.generate(idle);
        String after = text.substring(text.indexOf("stats all-background"));
        // each app's later frames leave out its last buffers (vertices, then its later textures), never its frame
        for (int a = 0; a < 3; a++) {
            assertThat(after).doesNotContain("vtx" + a).contains("uses=fb" + a + ",");
            assertThat(text.substring(0, text.indexOf("stats all-background"))).contains("vtx" + a);
        }
        // The invariant: buffers no job declares again are exactly what cold-buffers compresses, so it never faults;
        // background compresses them too, and faults on the rest.
        ReplayReport cold = run(text.replace("driver " + driver, "driver " + driver + " daemon=cold-buffers "
                + "cold-buffers.jobs=2"), "lazy");
        assertThat(cold.failures()).isEmpty();
        assertThat(cold.driverCounters().get("regions_compressed")).isPositive();
        assertThat(cold.driverCounters().get("cpu_faults_major") + cold.driverCounters().get("gpu_faults_major")
                + cold.driverCounters().get("pre_job_restores")).isZero();
        ReplayReport background = run(text, "lazy");
        assertThat(background.driverCounters().get("pages_restored")).isPositive();
        assertThatThrownBy(() -> none.with("idle", "1")).hasMessage("idle 1.0 (expected at least 0, less than 1)");
    }
}
