package dev.gmc.core.store;

import dev.gmc.core.codec.CodecSpec;
import dev.gmc.core.codec.CodecSpec.Algorithm;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Linux version, as its zram and zsmalloc behave: the size-class rule, the {@link ZramDevice.Behaviour}, and which
 * of gmc's codecs gives what its compressors store. What it says comes from the kernels booted against gmc
 * ({@link #CHECKED}; docs/results/); a version between two of them takes the earlier one's behaviour, which is a
 * guess where something changed in between (6.13 and 6.15 for writeback; 5.16 to 5.18 for {@code huge_idle} and
 * for ages written to {@code idle}; 6.6 and 6.7 for clearing younger slots' idle marks).
 *
 * @param major e.g. 6
 * @param minor e.g. 12
 */
public record ZramKernel(int major, int minor) {
    /** The kernels whose zram printed the figures gmc is tested against. */
    public static final List<String> CHECKED = List.of("5.4", "5.8", "5.10", "5.11", "5.13", "5.15", "5.19", "6.1", "6.2",
            "6.5", "6.8", "6.11", "6.12", "6.14", "6.16", "6.17", "6.18", "6.19", "7.0", "7.1", "7.2", "7.3");

    private static final Pattern VERSION = Pattern.compile("(\\d+)\\.(\\d+)(?:[.\\-+~].*)?");
    /** An Android GKI branch as Android names it: android14-6.1, android15-6.6. */
    private static final Pattern GKI = Pattern.compile("android\\d+-(\\d+)\\.(\\d+)");

    public ZramKernel {
        if (major < 5 || major == 5 && minor < 4) {
            throw new IllegalArgumentException("Linux " + major + "." + minor + " (gmc emulates 5.4 and later)");
        }
    }

    /**
     * Parses "6.6", "6.6.30", "6.6.30-android15-8" or a GKI branch, "android15-6.6": the major and minor version
     * count.
     */
    public static ZramKernel parse(String text) {
        Matcher m = VERSION.matcher(text.trim());
        if (!m.matches()) {
            m = GKI.matcher(text.trim().toLowerCase(java.util.Locale.ROOT));
        }
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' (expected a version such as 6.6, 5.15.148 or "
                    + "android15-6.6)");
        }
        return new ZramKernel(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }

    private boolean before(int maj, int min) {
        return major < maj || major == maj && minor < min;
    }

    /** True for 6.2 and earlier: the used-percent class rule with chain 4 and the pool before 6.3. */
    public boolean legacyClasses() {
        return before(6, 3);
    }

    /** True if this version was booted against gmc. */
    public boolean checked() {
        return CHECKED.contains(toString());
    }

    /**
     * The kernels checked at 16 KiB pages (Debian's arm64-16k flavours; docs/results/arm64-16k-zram/). No kernel with the
     * pool before 6.3 was, so the legacy class rule at 16 KiB rests on the source only.
     */
    public static final List<String> CHECKED_16K = List.of("6.12", "6.18", "7.3");

    /** True if this version was booted against gmc at this page size (4 KiB: {@link #CHECKED}; 64 KiB: none). */
    public boolean checked(int pageSize) {
        return pageSize == 4096 ? checked() : pageSize == 16384 && CHECKED_16K.contains(toString());
    }

    /** "" when {@link #checked(int)}, else why not, for reports: " (not checked)", " (not checked at 16 KiB pages)". */
    public String uncheckedNote(int pageSize) {
        return checked(pageSize) ? "" : checked() ? " (not checked at " + pageSize / 1024 + " KiB pages)" : " (not checked)";
    }

    /** The writeback order and grammar and the moment a write frees its slot's old object. */
    public ZramDevice.Behaviour behaviour() {
        if (before(5, 11)) {
            return ZramDevice.Behaviour.LINUX_5_4;
        }
        if (before(5, 16)) {
            return ZramDevice.Behaviour.LINUX_5_15;
        }
        if (before(6, 2)) {
            return ZramDevice.Behaviour.LINUX_5_19;
        }
        if (before(6, 8)) {
            return ZramDevice.Behaviour.LINUX_6_2;
        }
        if (before(6, 14)) {
            return ZramDevice.Behaviour.LINUX_6_12;
        }
        if (before(6, 16)) {
            return ZramDevice.Behaviour.LINUX_6_14;
        }
        if (before(6, 19)) {
            return ZramDevice.Behaviour.LINUX_6_18;
        }
        if (before(7, 0)) {
            return ZramDevice.Behaviour.LINUX_6_19;
        }
        return before(7, 3) ? ZramDevice.Behaviour.LINUX_7_0 : ZramDevice.Behaviour.LINUX_7_3;
    }

    /** The zstd release in its lib/zstd (1.3.1 before 5.16, 1.4.10 before 6.2, 1.5.2 before 6.15, then 1.5.7). */
    public String zstdRelease() {
        return before(5, 16) ? "1.3.1" : before(6, 2) ? "1.4.10" : before(6, 15) ? "1.5.2" : "1.5.7";
    }

    /** How many numbers its {@code mm_stat} prints: 8 before 5.11 (no {@code huge_pages_since}), then 9. */
    public int mmStatFields() {
        return before(5, 11) ? 8 : 9;
    }

    /** True from 6.12 on: zram's own backends, with {@code algorithm_params} (levels, dictionaries). */
    public boolean compressorParams() {
        return !before(6, 12);
    }

    /** True from 6.2 on: {@code recomp_algorithm} and {@code recompress}. */
    public boolean recompression() {
        return !before(6, 2);
    }

    /**
     * The codec that gives what this kernel's zram stores for {@code asked}: {@code lz4} and {@code lz4hc} become the
     * kernel's own ports ({@code lz4-kernel}, {@code lz4hc-kernel}), {@code zstd} becomes {@code zstd-1.3.1} up to 5.15,
     * {@code zstd-1.4.10} on 5.16 to 6.1 and {@code zstd-crypto} on 6.2 to 6.11. Levels and dictionaries need
     * {@code algorithm_params} (6.12 and later).
     *
     * @throws IllegalArgumentException naming what this kernel cannot do, or a zstd that gmc does not reproduce
     */
    public CodecSpec codecFor(CodecSpec asked) {
        Algorithm a = asked.algorithm();
        boolean dict = asked.dictionary() != null;
        if (dict && !compressorParams()) {
            throw new IllegalArgumentException(asked + ": Linux " + this + "'s zram takes no dictionary (6.12 and "
                    + "later do)");
        }
        if (asked.level() != a.defaultLevel() && a != Algorithm.ZSTD_CRYPTO && a != Algorithm.ZSTD_131 && a != Algorithm.ZSTD_1410
                && !compressorParams()) {
            throw new IllegalArgumentException(asked + ": Linux " + this + "'s zram takes no compression level "
                    + "(algorithm_params came with 6.12)");
        }
        switch (a) {
            case LZ4:
                return CodecSpec.of(Algorithm.LZ4_KERNEL, asked.level());
            case LZ4HC:
                return CodecSpec.of(Algorithm.LZ4HC_KERNEL, asked.level());
            case ZSTD:
            case ZSTD_CRYPTO:
            case ZSTD_131:
            case ZSTD_1410: {
                // the kernel's own release, through the crypto API up to 6.11: one codec per release
                Algorithm own = zstdRelease().equals("1.3.1") ? Algorithm.ZSTD_131
                        : zstdRelease().equals("1.4.10") ? Algorithm.ZSTD_1410
                        : compressorParams() ? Algorithm.ZSTD : Algorithm.ZSTD_CRYPTO;
                if (a != Algorithm.ZSTD && a != own) {
                    throw new IllegalArgumentException(asked + ": Linux " + this + (own == Algorithm.ZSTD
                            ? " compresses zstd with its own backend" : "'s zstd is zstd " + zstdRelease())
                            + " (" + a.id() + " is " + releaseKernels(a) + "'s); use zstd");
                }
                if (own != Algorithm.ZSTD) {
                    return CodecSpec.of(own);
                }
                if (!zstdRelease().equals(CodecSpec.zstdRelease())) {
                    throw new IllegalArgumentException(asked + ": Linux " + this + "'s lib/zstd is " + zstdRelease()
                            + ", and this gmc links zstd " + CodecSpec.zstdRelease() + " (build with -Dzstd.version="
                            + (zstdRelease().equals("1.5.7") ? "1.5.7-6" : "1.5.2-5") + " for it)");
                }
                return asked;
            }
            default:
                return asked;
        }
    }

    /** The kernels whose zram stores what a crypto-API zstd codec gives. */
    private static String releaseKernels(Algorithm a) {
        switch (a) {
            case ZSTD_131:
                return "5.4 to 5.15";
            case ZSTD_1410:
                return "5.16 to 6.1";
            default:
                return "6.2 to 6.11";
        }
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
