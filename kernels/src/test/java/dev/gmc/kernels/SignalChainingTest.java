package dev.gmc.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class SignalChainingTest {

    @Test
    void libjsigIsFoundInTheProcessMaps() {
        assertThat(SignalChaining.mapsShowLibjsig(
                "7f16e5d5b000-7f16e5d5c000 r-xp 00000000 fd:01 123 /usr/lib/jvm/java-17/lib/libjsig.so\n")).isTrue();
        assertThat(SignalChaining.mapsShowLibjsig(
                "7f16e5d5b000-7f16e5d5c000 r-xp 00000000 fd:01 123 /usr/lib/jvm/java-17/lib/server/libjvm.so\n"))
                .isFalse();
    }

    @Test
    void onlyLlvmBasedPlatformsWithoutChainingGetTheWarning() {
        assertThat(SignalChaining.warning(List.of("NVIDIA CUDA"), false)).isEmpty();
        assertThat(SignalChaining.warning(List.of("NVIDIA CUDA", "Portable Computing Language"), false))
                .hasValueSatisfying(w -> assertThat(w).contains("Portable Computing Language", "LD_PRELOAD=",
                        "libjsig.so", "SIGSEGV"));
        assertThat(SignalChaining.warning(List.of("rusticl"), false)).isPresent();
        assertThat(SignalChaining.warning(List.of("Portable Computing Language"), true)).isEmpty();
    }

    /** The build's test JVMs run with signal chaining (the root pom's {@code jsig} profile); this fails if they stop. */
    @Test
    void theBuildsTestJvmPreloadsLibjsig() {
        Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/self/maps")), "Linux only");
        assertThat(SignalChaining.loaded())
                .as("libjsig.so mapped into the test JVM (LD_PRELOAD from the root pom's jsig profile)").isTrue();
    }

    /**
     * The failure itself, in a child JVM started as the gmc launcher starts one: kernels built with the driver's
     * cache off while threads run and the heap is collected. Without chaining it died in every run on PoCL.
     */
    @Test
    void kernelBuildsDuringGarbageCollectionsDoNotKillAChainedJvm() throws IOException, InterruptedException {
        ClDevice dev = TestData.deviceOrSkip();
        Path libjsig = Path.of(System.getProperty("java.home"), "lib", "libjsig.so");
        Assumptions.assumeTrue(Files.exists(libjsig), "no libjsig.so in this JDK");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+DisplayVMOutputToStderr", "-cp", System.getProperty("java.class.path"),
                KernelBuildUnderGcProbe.class.getName(), "8", "4");
        pb.environment().put("LD_PRELOAD", libjsig.toString());
        pb.environment().put("POCL_KERNEL_CACHE", "0");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String text = new String(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("probe on %s: %s", dev, text).isZero();
        assertThat(text).contains("survived");
    }
}
