package dev.gmc.tests;

import static dev.gmc.tests.MeasureCommandTest.gmc;
import static org.assertj.core.api.Assertions.assertThat;

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
     * agree with the kernel's.
     */
    @Test
    void theEmulationFollowsTheKernelThroughChurnCompactionAndMemLimit() throws Exception {
        Assumptions.assumeTrue(available(), "no writable /sys/class/zram-control (or under CI)");
        long before = zramDevices();
        MeasureCommandTest.Run r = gmc("kernel-check", "--churn", "3000", "--checkpoints", "3", "--seed", "5",
                "--mem-limit", "1000000", "../samples");
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("EQUAL: gmc's prediction matches the kernel")
                .contains("every write was stored or refused alike by both")
                .doesNotContain("DIFFERENT");
        assertThat(r.out().lines().filter(l -> l.startsWith("compacted") && l.endsWith("EQUAL")).count()).isEqualTo(3);
        // the limit did refuse writes, and compaction did free pages: the check exercised both
        String kernelLine = r.out().lines().filter(l -> l.startsWith("kernel:")).findFirst().orElseThrow();
        String[] f = kernelLine.substring("kernel:".length()).replace("io_stat", "").trim().split("\\s+");
        assertThat(Long.parseLong(f[6])).as("pages_compacted").isPositive();
        assertThat(Long.parseLong(f[10])).as("failed_writes").isPositive();
        assertThat(zramDevices()).as("its own device removed, no other touched").isEqualTo(before);
    }
}
