package dev.gmc.tests;

import static dev.gmc.tests.MeasureCommandTest.gmc;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code gmc kernel-check} against the running kernel's zram: runs where zram-control is present and writable
 * (root) and not under CI (a CI container may expose zram-control without device nodes); set
 * {@code GMC_KERNEL_CHECK=1} to force it. The oracle is the kernel itself.
 */
class KernelCheckTest {

    private static boolean available() {
        if ("1".equals(System.getenv("GMC_KERNEL_CHECK"))) {
            return true;
        }
        return System.getenv("CI") == null && Files.isWritable(Path.of("/sys/class/zram-control/hot_remove"));
    }

    private static long zramDevices() throws Exception {
        try (Stream<Path> s = Files.list(Path.of("/sys/block"))) {
            return s.filter(p -> p.getFileName().toString().startsWith("zram")).count();
        }
    }

    @Test
    void lz4KernelPredictsTheKernelsMmStatExactlyOnTheSamples() throws Exception {
        Assumptions.assumeTrue(available(), "no writable /sys/class/zram-control (or under CI)");
        long before = zramDevices();
        MeasureCommandTest.Run r = gmc("kernel-check", "../samples");
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("EQUAL").contains("2892 pages");
        assertThat(zramDevices()).as("its own device removed, no other touched").isEqualTo(before);
    }

    /**
     * Churn: overwrites, discards, compactions and mem_used_max restarts on both devices, under a mem_limit that
     * refuses some writes. Every checkpoint's mm_stat and io_stat, every write's outcome and every slot's bytes must
     * agree with the kernel's; the JSON report must say so field by field.
     */
    @Test
    void theEmulationFollowsTheKernelThroughChurnCompactionAndMemLimit() throws Exception {
        Assumptions.assumeTrue(available(), "no writable /sys/class/zram-control (or under CI)");
        long before = zramDevices();
        MeasureCommandTest.Run r = gmc("kernel-check", "--churn", "3000", "--checkpoints", "3", "--seed", "5",
                "--mem-limit", "1000000", "--format", "json", "../samples");
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertThat(root.get("equal").asBoolean()).isTrue();
        assertThat(root.get("writesStoredOrRefusedDifferently").asLong()).isZero();
        assertThat(root.get("slotsReadBackDifferently").asLong()).isZero();
        JsonNode results = root.get("results");
        assertThat(results).hasSize(1 + 2 * 3);
        for (JsonNode c : results) {
            assertThat(c.get("kernel")).as(c.get("at").asText()).isEqualTo(c.get("gmc"));
        }
        // the limit did refuse writes, and compaction did free pages: the check exercised both
        JsonNode last = results.get(results.size() - 1).get("kernel");
        assertThat(last.get("pages_compacted").asLong()).isPositive();
        assertThat(last.get("io_failed_writes").asLong()).isPositive();
        assertThat(last.get("io_notify_free").asLong()).isPositive();
        assertThat(zramDevices()).as("its own device removed, no other touched").isEqualTo(before);
    }

    /**
     * LZ4 acceleration through algorithm_params: {@code --algo lz4-kernel:3} gives the kernel level 3 as well and
     * must agree; with {@code --kernel-params ''} the kernel keeps acceleration 1, and the same prediction must be
     * reported as different (exit 3), which shows that the parameter reached the kernel.
     */
    @Test
    void anLz4AccelerationIsGivenToTheKernelAndPredictedExactly() throws Exception {
        Assumptions.assumeTrue(available(), "no writable /sys/class/zram-control (or under CI)");
        Assumptions.assumeTrue(Files.exists(Path.of("/sys/block/zram0/algorithm_params"))
                || !Files.exists(Path.of("/sys/block/zram0")), "kernel without algorithm_params");
        long before = zramDevices();
        MeasureCommandTest.Run r = gmc("kernel-check", "--algo", "lz4-kernel:3", "../samples");
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("EQUAL").contains("algorithm_params 'algo=lz4 level=3'");
        MeasureCommandTest.Run mismatched = gmc("kernel-check", "--algo", "lz4-kernel:3", "--kernel-params", "",
                "--format", "json", "../samples");
        assertThat(mismatched.code()).as(mismatched.out() + mismatched.err()).isEqualTo(3);
        JsonNode root = new ObjectMapper().readTree(mismatched.out());
        assertThat(root.get("kernelParams").isNull()).isTrue();
        assertThat(root.get("results").get(0).get("kernel").get("compr_data_size").asLong())
                .isLessThan(root.get("results").get(0).get("gmc").get("compr_data_size").asLong());
        MeasureCommandTest.Run refused = gmc("kernel-check", "--kernel-params", "level=abc", "../samples");
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.err()).contains("'algo=lz4 level=abc'").contains("algorithm_params");
        assertThat(zramDevices()).as("its own devices removed, no other touched").isEqualTo(before);
    }

    /**
     * zram's default compressor: {@code --algo lzo-rle} and {@code --algo lzo} set the kernel's comp_algorithm to the
     * same name and must agree exactly; predicting plain lzo for a kernel running lzo-rle must be reported as
     * different (exit 3): on these surfaces the zero-run encoding changes compr_data_size.
     */
    @Test
    void lzoAndLzoRleArePredictedExactly() throws Exception {
        Assumptions.assumeTrue(available(), "no writable /sys/class/zram-control (or under CI)");
        long before = zramDevices();
        for (String algo : new String[] {"lzo-rle", "lzo"}) {
            MeasureCommandTest.Run r = gmc("kernel-check", "--algo", algo, "--format", "json", "../samples");
            assertThat(r.code()).as(r.out() + r.err()).isZero();
            JsonNode root = new ObjectMapper().readTree(r.out());
            assertThat(root.get("kernelAlgo").asText()).isEqualTo(algo);
            assertThat(root.get("equal").asBoolean()).isTrue();
        }
        MeasureCommandTest.Run crossed = gmc("kernel-check", "--algo", "lzo", "--kernel-algo", "lzo-rle", "../samples");
        assertThat(crossed.code()).as(crossed.out() + crossed.err()).isEqualTo(3);
        Path algos = Path.of("/sys/block/zram0/comp_algorithm"); // read only, to learn what this kernel offers
        if (Files.exists(algos) && !Files.readString(algos).contains("zstd")) {
            MeasureCommandTest.Run missing = gmc("kernel-check", "--algo", "zstd:3", "../samples");
            assertThat(missing.code()).isEqualTo(1);
            assertThat(missing.err()).contains("comp_algorithm").contains("this kernel's zram offers: ")
                    .contains("lzo-rle");
        }
        assertThat(zramDevices()).as("its own devices removed, no other touched").isEqualTo(before);
    }
}
