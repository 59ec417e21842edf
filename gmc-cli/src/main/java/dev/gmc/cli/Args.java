package dev.gmc.cli;

import dev.gmc.core.pool.KernelArch;
import dev.gmc.core.pool.SizeClassTable;
import dev.gmc.core.store.ZramKernel;

import picocli.CommandLine.Model.CommandSpec;

/**
 * Checks of option values that picocli's types do not express, worded as the user typed them ("--threads: -1
 * (expected at least 1)"), so that a bad value fails before any work instead of deep inside it.
 */
final class Args {
    private Args() {
    }

    static void atLeast(String option, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(option + ": " + value + " (expected at least " + min + ")");
        }
    }

    static void between(String option, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(option + ": " + value + " (expected " + min + ".." + max + ")");
        }
    }

    /**
     * The most threads a thread-count option accepts: far above any core count gmc runs on, and low enough that a
     * mistyped count fails here, naming the option, instead of exhausting the process's threads or heap.
     */
    static final int MAX_THREADS = 1024;

    /** A thread-count option: {@code min} (0 where 0 means "all cores") to {@link #MAX_THREADS}. */
    static void threads(String option, long value, long min) {
        between(option, value, min, MAX_THREADS);
    }

    /** An option given on the command line (not its default), e.g. to refuse one that another option overrides. */
    static boolean given(CommandSpec spec, String option) {
        return spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    /** {@code --legacy…} fixes the ≤6.2 rule with chain 4: an explicit other {@code --chain} would be ignored. */
    static void legacyChain(CommandSpec spec, String legacyOption, boolean legacy, int chain) {
        if (legacy && given(spec, "--chain") && chain != 4) {
            throw new IllegalArgumentException(legacyOption + " uses the <=6.2 rule, whose chain is 4; --chain " + chain
                    + " conflicts with it (drop one of them)");
        }
    }

    /** {@code value.get()}, an IllegalArgumentException from it prefixed with the option it concerns ("--batch: ..."). */
    static <T> T named(String option, java.util.function.Supplier<T> value) {
        try {
            return value.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
        }
    }

    /** --kernel VERSION, its refusal named after the option. */
    static ZramKernel kernel(String text) {
        return named("--kernel", () -> ZramKernel.parse(text));
    }

    static final String ARCH_HELP = "The kernel whose zram/zsmalloc figures to reproduce: 64 (x86-64, arm64), arm32 "
            + "(4-byte handles and same-filled words) or arm32-lpae (also 40-bit physical addresses: no class under "
            + "2048 B) (default: ${DEFAULT-VALUE}).";

    /** The size-class table of --legacy(-classes), --chain and --arch. */
    static SizeClassTable classes(boolean legacy, int chain, String arch) {
        KernelArch a = named("--arch", () -> KernelArch.parse(arch));
        return legacy ? SizeClassTable.of(4, SizeClassTable.ChainRule.LEGACY_USED_PERCENT, a)
                : SizeClassTable.of(chain, SizeClassTable.ChainRule.MIN_TAIL_WASTE, a);
    }

    static final String PAGE_SIZE_HELP = "The kernel's page size: 4k, or 16k / 64k for an arm64 kernel built with "
            + "CONFIG_ARM64_16K_PAGES / _64K_PAGES (Android's 16 KB-page devices run 16k); inputs are cut into pages "
            + "of this size (default: ${DEFAULT-VALUE}). 4k and 16k are checked against real kernels, 64k is derived "
            + "from the same rules.";

    /** The size-class table of --legacy(-classes), --chain, --arch and --page-size. */
    static SizeClassTable classes(boolean legacy, int chain, String arch, String pageSize) {
        SizeClassTable t = classes(legacy, chain, arch);
        int bytes = pageSize(pageSize); // its own message names the option
        return named("--page-size", () -> t.withPageSize(bytes));
    }

    /** {@code 4k}, {@code 16k}, {@code 64k} (any case) or a byte count: the page size in bytes. */
    static int pageSize(String s) {
        String t = s.trim().toLowerCase(java.util.Locale.ROOT);
        switch (t) {
            case "4k", "4096": return 4096;
            case "16k", "16384": return 16384;
            case "64k", "65536": return 65536;
            default:
                throw new IllegalArgumentException("--page-size: '" + s + "' (expected 4k, 16k or 64k)");
        }
    }
}
