package dev.gmc.tests;

import static dev.gmc.tests.MeasureCommandTest.gmc;
import static dev.gmc.tests.MeasureCommandTest.skipWithoutOpenCl;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Eager restore end to end: {@code gmc replay --restore eager} on the CPU and through the OpenCL restore kernel
 * (PoCL in CI), and {@code gmc fault-bench}'s app-resume rows.
 */
class EagerRestoreCommandTest {
    private static final String TRACE = "../traces/midgard-background.gmct";

    private static JsonNode counters(MeasureCommandTest.Run r) throws Exception {
        assertThat(r.code()).as(r.err()).isZero();
        return new ObjectMapper().readTree(r.out()).get("driverCounters");
    }

    @Test
    void eagerReplayRestoresOnForegroundOnTheCpuAndTheGpuAlike() throws Exception {
        JsonNode lazy = counters(gmc("replay", "--format", "json", TRACE));
        JsonNode cpu = counters(gmc("replay", "--format", "json", "--restore", "eager", TRACE));
        JsonNode cpuLanes = counters(gmc("replay", "--format", "json", "--restore", "eager", "--loader-lanes", "3",
                TRACE));
        MeasureCommandTest.Run g = gmc("replay", "--format", "json", "--restore", "eager", "--batch-loader", "gpu",
                "--cl-device", "cpu", "--restore-batch", "500", TRACE);
        skipWithoutOpenCl(g);
        JsonNode gpu = counters(g);
        JsonNode gpuLanes = counters(gmc("replay", "--format", "json", "--restore", "eager", "--batch-loader", "gpu",
                "--cl-device", "cpu", "--restore-batch", "500", "--loader-lanes", "2", TRACE));

        assertThat(lazy.get("eager_restores").asLong()).isZero();
        assertThat(lazy.get("cpu_faults_major").asLong() + lazy.get("gpu_faults_major").asLong()).isPositive();
        long compressed = cpu.get("pages_stored").asLong() + cpu.get("pages_same_filled").asLong();
        assertThat(cpu.get("eager_restores").asLong()).as("every compressed page back on foreground")
                .isEqualTo(compressed);
        assertThat(cpu.get("cpu_faults_major").asLong() + cpu.get("gpu_faults_major").asLong()).isZero();
        assertThat(cpu.get("restore_failed").asLong()).isZero();
        assertThat(gpu).as("the GPU loader changes nothing but where pages are decoded").isEqualTo(cpu);
        assertThat(cpuLanes).as("nor do lanes").isEqualTo(cpu);
        assertThat(gpuLanes).as("nor do lanes on the GPU").isEqualTo(cpu);
    }

    @Test
    void badLoaderOptionsAreClearErrors() {
        MeasureCommandTest.Run r = gmc("replay", "--batch-loader", "tpu", TRACE);
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("--batch-loader tpu (expected cpu or gpu)").doesNotContain("Exception");
        r = gmc("replay", "--loader-lanes", "0", TRACE);
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("--loader-lanes").contains("0").doesNotContain("Exception");
        r = gmc("replay", "--restore", "soon", TRACE);
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("restore mode 'soon' (expected lazy, eager or eager:TYPE,TYPE...)")
                .doesNotContain("Exception");
    }

    @Test
    void faultBenchComparesLazyAndEagerResume(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("fb.json");
        MeasureCommandTest.Run r = gmc("fault-bench", "--input", "../gmc-core/src/test/resources/golden/real-mix.bin.gz",
                "--pages", "256", "--rounds", "1", "--batch-loader", "gpu", "--cl-device", "cpu", "--json",
                json.toString());
        skipWithoutOpenCl(r);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("lazy: one CPU or GPU fault per page").contains("eager: restore(buffer), gpu:coop")
                .contains("Utgard pre-job restore (region), gpu:coop");
        JsonNode resume = new ObjectMapper().readTree(json.toFile()).get("resume");
        assertThat(resume.get("batch_loader").asText()).isEqualTo("gpu:coop");
        assertThat(resume.get("lazy_gbps").asDouble()).isPositive();
        assertThat(resume.get("eager_gbps").asDouble()).isPositive();
        assertThat(resume.get("eager_thread_cpu_s_per_gib").asDouble()).isPositive();
        assertThat(resume.has("eager_process_cpu_s_per_gib")).isTrue(); // null when the rounds are too short
    }
}
