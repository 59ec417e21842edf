package dev.gmc.kernels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Guards the JVM against OpenCL drivers that compile kernels with LLVM in-process (PoCL, Mesa's rusticl and Clover).
 *
 * <p>Why: when such a driver builds a program, LLVM registers its own handlers for SIGSEGV, SIGBUS, SIGILL, SIGFPE
 * and more with {@code sigaction}, replacing the JVM's (seen with {@code strace -e rt_sigaction} under PoCL 3.1 on
 * Debian 12). The JVM takes SIGSEGV on purpose: safepoint polls, implicit null checks, stack banging. LLVM's
 * handler is installed with {@code SA_RESETHAND}, so the first such fault resets the action to the default one
 * before LLVM puts the JVM's handler back; a second thread that faults in that window (every running thread polls at
 * once when a garbage collection starts) kills the process with SIGSEGV and no {@code hs_err} report. A program that
 * builds kernels with PoCL's cache off while eight threads run and the heap is collected died so in every run (10 of
 * 10, JDK 17 and 25).
 *
 * <p>When: PoCL 5 (LLVM 16, Ubuntu 24.04) installs LLVM's handlers already while the platforms are enumerated
 * ({@code clGetDeviceIDs}), so a JVM that only lists devices, or uses another vendor's device while PoCL's ICD is
 * registered beside it, is exposed too. NVIDIA's driver alone (driver 580, H200; its kernel compiler
 * {@code libnvidia-nvvm} is loaded) installed no handler over two kernel builds: the JVM's were the only ones
 * ({@code scripts/signal-check-device.sh}, docs/TESTING.md). So the warning below names the LLVM-based platforms only.
 *
 * <p>The fix is the JVM's own signal chaining: with {@code LD_PRELOAD=$JAVA_HOME/lib/libjsig.so}, a library's
 * {@code sigaction} for a signal the JVM handles is recorded, not installed, and the JVM passes it the faults that
 * are not its own. The {@code gmc} launcher and the build's test JVMs preload it; {@link #warnIfMissing} tells
 * anyone else who loads these classes.
 */
public final class SignalChaining {
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private SignalChaining() {
    }

    /**
     * Whether libjsig is mapped into this process; {@code true} when that cannot be known (no {@code /proc}: not
     * Linux, where this failure was not seen).
     */
    public static boolean loaded() {
        return Loaded.VALUE;
    }

    /** Read once: a preloaded library is mapped at start and stays. */
    private static final class Loaded {
        static final boolean VALUE = probe();

        private static boolean probe() {
            try {
                return mapsShowLibjsig(Files.readString(Path.of("/proc/self/maps")));
            } catch (IOException | UnsupportedOperationException e) {
                return true;
            }
        }
    }

    static boolean mapsShowLibjsig(String maps) {
        return maps.contains("/libjsig.so");
    }

    /** The warning for these platforms when signal chaining is off, or empty when none of them compiles with LLVM. */
    static Optional<String> warning(List<String> platformNames, boolean chainingLoaded) {
        if (chainingLoaded) {
            return Optional.empty();
        }
        for (String p : platformNames) {
            String n = p.toLowerCase(Locale.ROOT);
            if (n.contains("portable computing language") || n.contains("pocl") || n.contains("rusticl")
                    || n.contains("clover")) {
                return Optional.of("OpenCL platform '" + p + "' compiles kernels with LLVM, which replaces the JVM's "
                        + "SIGSEGV handler; a garbage collection during or after a kernel build can then kill the JVM "
                        + "with SIGSEGV and no error report. Start the JVM with LD_PRELOAD="
                        + Path.of(System.getProperty("java.home"), "lib", "libjsig.so")
                        + " (signal chaining; the gmc launcher does this)");
            }
        }
        return Optional.empty();
    }

    /** Logs {@link #warning} once per JVM, at WARNING, through {@link System.Logger}. */
    static void warnIfMissing(List<String> platformNames) {
        if (WARNED.get()) {
            return;
        }
        warning(platformNames, loaded()).ifPresent(w -> {
            if (WARNED.compareAndSet(false, true)) {
                System.getLogger(SignalChaining.class.getName()).log(System.Logger.Level.WARNING, w);
            }
        });
    }
}
