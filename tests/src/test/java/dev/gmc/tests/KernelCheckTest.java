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
}
