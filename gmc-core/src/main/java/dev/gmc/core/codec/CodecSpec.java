package dev.gmc.core.codec;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * An algorithm, a level and an optional dictionary: everything needed to make a {@link PageCodec}.
 * Immutable and thread-safe; {@link #newCodec()} makes a fresh, single-threaded codec.
 *
 * <p>Text form (as on the command line): {@code lz4}, {@code lz4:ACCEL}, {@code lz4-kernel},
 * {@code lz4-kernel:ACCEL}, {@code lz4hc}, {@code lz4hc:LEVEL}, {@code lz4hc-kernel}, {@code lz4hc-kernel:LEVEL},
 * {@code zstd}, {@code zstd:LEVEL}, {@code zstd-crypto}, {@code zstd-1.3.1}, {@code zstd-1.4.10}, {@code lzo},
 * {@code lzo-rle}, {@code deflate}, {@code deflate:LEVEL}, {@code 842}. A dictionary is attached with
 * {@link #withDictionary(byte[])} and shows as a {@code +dict} suffix.
 */
public final class CodecSpec {

    /** The algorithms gmc knows; {@code level} means acceleration for the fast LZ4 variants. */
    public enum Algorithm {
        /** lz4-java JNI (liblz4 1.10), level = acceleration (1 = LZ4_compress_default). */
        LZ4("lz4", 1, 1, 65537),
        /** Port of the Linux kernel's lib/lz4 (LZ4 v1.7.3) compressor; level = acceleration. */
        LZ4_KERNEL("lz4-kernel", 1, 1, 65537),
        /** lz4-java JNI high-compression mode, level 1..12. */
        LZ4HC("lz4hc", 9, 1, 12),
        /** Port of the kernel's lib/lz4 HC compressor (LZ4 HC v1.7.3: zram's {@code lz4hc}), level 1..16, default 9. */
        LZ4HC_KERNEL("lz4hc-kernel", 9, 1, 16),
        /** zstd-jni, level -7..22 (negative = fast levels): zram's zstd from Linux 6.12 on. */
        ZSTD("zstd", 3, -7, 22),
        /**
         * zram's zstd in Linux 6.2 to 6.11, through the crypto API: level 3 only, with the parameters for a source of
         * unknown size ({@link ZstdCryptoCodec}).
         */
        ZSTD_CRYPTO("zstd-crypto", 3, 3, 3),
        /**
         * zram's zstd in Linux 5.4 to 5.15 (lib/zstd 1.3.1, through the crypto API): level 3 only, frames without a
         * content size ({@link Zstd131Codec}).
         */
        ZSTD_131("zstd-1.3.1", 3, 3, 3),
        /**
         * zram's zstd in Linux 5.16 to 6.1 (lib/zstd 1.4.10, through the crypto API): level 3 only, gmc's Java port
         * of that compressor ({@link KernelZstdCodec}).
         */
        ZSTD_1410("zstd-1.4.10", 3, 3, 3),
        /** Port of the kernel's lib/lzo LZO1X-1 compressor (zram {@code lzo}); no levels. */
        LZO("lzo", 1, 1, 1),
        /** The same with the kernel's zero-run extension, bitstream version 1 (zram {@code lzo-rle}, its default). */
        LZO_RLE("lzo-rle", 1, 1, 1),
        /**
         * zram's deflate (raw deflate, window bits 11, memLevel 8) through JZlib, a port of the zlib the kernel's
         * derives from; level 1..9 as {@code algorithm_params level=N}, default 6 ({@link DeflateCodec}).
         */
        DEFLATE("deflate", 6, 1, 9),
        /** Port of the kernel's software 842 compressor and decompressor (zram {@code 842}, {@link Sw842}); no levels. */
        SW842("842", 1, 1, 1);

        private final String id;
        private final int defaultLevel;
        private final int minLevel;
        private final int maxLevel;

        Algorithm(String id, int defaultLevel, int minLevel, int maxLevel) {
            this.id = id;
            this.defaultLevel = defaultLevel;
            this.minLevel = minLevel;
            this.maxLevel = maxLevel;
        }

        public String id() {
            return id;
        }

        public int defaultLevel() {
            return defaultLevel;
        }

        /** True for the LZ4 block format (any LZ4 decoder restores the output). */
        public boolean isLz4Format() {
            return this == LZ4 || this == LZ4_KERNEL || this == LZ4HC || this == LZ4HC_KERNEL;
        }

        /**
         * True when the decoder is bounds-checked Java or JNI code that turns any input bytes, however garbled, into
         * a page or an exception in bounded time: lz4-java's safe decoder, gmc's LZO1X decoder (checked against
         * the kernel's on 2 million mutated streams) and its 842 decoder (300,000, every one refused or decoded as the
         * kernel's {@code sw842_decompress} does). The store then decodes without the class lock and retries if
         * the object moved meanwhile; zstd and deflate (native decoders) decode under the lock.
         */
        public boolean decodesArbitraryBytesSafely() {
            return this != ZSTD && this != ZSTD_CRYPTO && this != ZSTD_131 && this != ZSTD_1410 && this != DEFLATE;
        }


        static Algorithm byId(String id) {
            for (Algorithm a : values()) {
                if (a.id.equals(id)) {
                    return a;
                }
            }
            throw new IllegalArgumentException("codec: '" + id + "' (expected one of lz4, lz4-kernel, lz4hc, "
                    + "lz4hc-kernel, zstd, zstd-crypto, zstd-1.3.1, zstd-1.4.10, lzo, lzo-rle, deflate, 842)");
        }
    }

    private final Algorithm algorithm;
    private final int level;
    private final byte[] dictionary;

    private CodecSpec(Algorithm algorithm, int level, byte[] dictionary) {
        this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
        if (level < algorithm.minLevel || level > algorithm.maxLevel) {
            throw new IllegalArgumentException("level: " + level + " (expected " + algorithm.minLevel + ".."
                    + algorithm.maxLevel + " for " + algorithm.id + ")");
        }
        if (dictionary != null && algorithm != Algorithm.ZSTD) {
            throw new IllegalArgumentException("dictionary: only zstd takes a dictionary, not " + algorithm.id);
        }
        this.level = level;
        this.dictionary = dictionary;
    }

    /**
     * The zstd release that {@code zstd:L} runs ("1.5.2" for zstd-jni 1.5.2-5), or "unknown". Read from the zstd-jni on
     * the class path at run time, by reflection: its {@code VERSION} is a constant that javac would copy from the build
     * compiled against. zram's zstd sizes are exact only for the kernel's own release (the root pom pins Linux 6.12's;
     * {@code -Dzstd.version=1.5.7-6} builds for 6.18).
     */
    public static String zstdRelease() {
        try {
            String jni = (String) Class.forName("com.github.luben.zstd.util.ZstdVersion").getField("VERSION").get(null);
            return jni.replaceFirst("-.*", "");
        } catch (ReflectiveOperationException | LinkageError e) {
            return "unknown";
        }
    }

    /**
     * The zstd release that {@code zstd-crypto} compresses with ("1.5.6": a second zstd-jni, loaded apart, whose output
     * at 6.2-6.11's parameters equals their 1.5.2's), or "unavailable" when it cannot load.
     */
    public static String zstdCryptoRelease() {
        return CryptoZstd.release();
    }

    /** {@link #zstdRelease()} for reports, with the checked kernel that carries it: "zstd 1.5.2 (Linux 6.12's)". */
    public static String zstdLibrary() {
        String release = zstdRelease();
        String kernel = switch (release) {
            case "1.5.2" -> " (Linux 6.12's)";
            case "1.5.7" -> " (Linux 6.18's)";
            default -> " (no kernel checked carries it)";
        };
        return "zstd " + release + kernel;
    }

    public static CodecSpec of(Algorithm algorithm) {
        return new CodecSpec(algorithm, algorithm.defaultLevel, null);
    }

    public static CodecSpec of(Algorithm algorithm, int level) {
        return new CodecSpec(algorithm, level, null);
    }

    /** Parses the text form, e.g. {@code zstd:3}; throws {@link IllegalArgumentException} naming the bad part. */
    public static CodecSpec parse(String text) {
        Objects.requireNonNull(text, "codec");
        String t = text.trim().toLowerCase(Locale.ROOT);
        int colon = t.indexOf(':');
        Algorithm a = Algorithm.byId(colon < 0 ? t : t.substring(0, colon));
        if (colon < 0) {
            return of(a);
        }
        String lv = t.substring(colon + 1);
        try {
            return of(a, Integer.parseInt(lv));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("codec '" + text + "': level '" + lv + "' is not an integer", e);
        }
    }

    /** The same algorithm and level with a (zstd) dictionary. The array is copied. */
    public CodecSpec withDictionary(byte[] dict) {
        return new CodecSpec(algorithm, level, dict == null ? null : dict.clone());
    }

    public Algorithm algorithm() {
        return algorithm;
    }

    public int level() {
        return level;
    }

    /** A copy of the dictionary, or null. */
    public byte[] dictionary() {
        return dictionary == null ? null : dictionary.clone();
    }

    byte[] dictionaryUnsafe() {
        return dictionary;
    }

    /** Makes a new codec; the caller owns it (one per thread) and closes it. */
    public PageCodec newCodec() {
        switch (algorithm) {
            case LZ4:
            case LZ4HC:
                return new Lz4JavaCodec(this);
            case LZ4_KERNEL:
            case LZ4HC_KERNEL:
                return new KernelLz4Codec(this);
            case ZSTD:
                return new ZstdCodec(this);
            case ZSTD_CRYPTO:
                return new ZstdCryptoCodec(this);
            case ZSTD_131:
                return new Zstd131Codec(this);
            case ZSTD_1410:
                return new KernelZstdCodec(this);
            case LZO:
            case LZO_RLE:
                return new KernelLzoCodec(this);
            case DEFLATE:
                return new DeflateCodec(this);
            case SW842:
                return new Sw842Codec(this);
            default:
                throw new AssertionError(algorithm);
        }
    }

    /** The text form: {@code id}, {@code id:level} when not the default, {@code +dict} with a dictionary. */
    @Override
    public String toString() {
        String s = level == algorithm.defaultLevel ? algorithm.id : algorithm.id + ":" + level;
        return dictionary == null ? s : s + "+dict";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CodecSpec && ((CodecSpec) o).algorithm == algorithm && ((CodecSpec) o).level == level
                && Arrays.equals(((CodecSpec) o).dictionary, dictionary);
    }

    @Override
    public int hashCode() {
        return (algorithm.hashCode() * 31 + level) * 31 + Arrays.hashCode(dictionary);
    }
}
