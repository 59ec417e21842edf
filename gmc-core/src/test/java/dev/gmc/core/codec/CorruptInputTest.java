package dev.gmc.core.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every decoder on damaged input, systematically: proper prefixes of a block (every one near either end), output
 * lengths other than the page's (0, 1, half, one byte off either way, double), and a byte changed at every position.
 * None of these may escape as anything but a {@link CorruptPageException}, write outside the output range, or
 * depend on bytes it was not given. The last is checked without a second decoder: each damaged block is decoded
 * twice, once with the bytes after its end holding the rest of the real block (so a read past the end would find
 * plausible data) and once holding random bytes, and with the output range pre-filled with two different patterns;
 * both runs must give the same bytes or the same message (the offsets named in it included). A decoder that reads one byte too many, or a match that reads
 * output not yet written, shows up as a difference. Where a refusal names offsets, they must lie where the damage
 * is: inside the input given, and an overrun must really run past its buffer's end.
 */
class CorruptInputTest {
    /** Bytes of the source array before the block and of the output array either side of the page. */
    private static final int PAD = 24;
    private static final byte SENTINEL = (byte) 0xC3;
    /** Kinds of {@link TestPages}: gradient, photo, RGB565, sparse, text, pointers, low entropy, random, half, pattern. */
    private static final int[] KINDS = {2, 3, 4, 5, 6, 7, 8, 9, 10, 11};

    static java.util.stream.Stream<CodecSpec> specs() {
        return CodecContractTest.specs();
    }

    @ParameterizedTest
    @MethodSource("specs")
    void everyProperPrefixIsRefused(CodecSpec spec) {
        try (PageCodec c = spec.newCodec()) {
            for (int kind : KINDS) {
                byte[] page = TestPages.page(21, kind);
                byte[] block = compress(c, page);
                // every length near either end, where the framing lies, and a stride between
                int step = Math.max(1, block.length / 300);
                for (int len = 0; len < block.length; len += len < 64 || len >= block.length - 64 ? 1 : step) {
                    Outcome a = decode(c, block, len, block, 4096, (byte) 0);
                    Outcome b = decode(c, block, len, random(len), 4096, (byte) 0x5A);
                    assertThat(b).as("%s kind %d prefix %d", spec, kind, len).isEqualTo(a);
                    if (a.error == null && paddingOnly(spec, block, len)) {
                        // sw842_decompress stops after the CRC and never reads the zero padding to 8 bytes
                        assertThat(a.page).isEqualTo(page);
                        continue;
                    }
                    assertThat(a.error).as("%s kind %d: a %d-byte prefix of a %d-byte block decoded", spec, kind, len,
                            block.length).isNotNull();
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("specs")
    void outputLengthsOtherThanThePagesAreRefusedWithoutWritingPastThem(CodecSpec spec) {
        try (PageCodec c = spec.newCodec()) {
            for (int kind : KINDS) {
                byte[] block = compress(c, TestPages.page(22, kind));
                for (int dstLen : new int[] {0, 1, 2048, 4095, 4097, 8192}) {
                    Outcome a = decode(c, block, block.length, block, dstLen, (byte) 0);
                    Outcome b = decode(c, block, block.length, random(block.length), dstLen, (byte) 0x5A);
                    assertThat(a.error).as("%s kind %d decoded into %d bytes", spec, kind, dstLen).isNotNull();
                    assertThat(b).as("%s kind %d into %d bytes", spec, kind, dstLen).isEqualTo(a);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("specs")
    void aByteChangedAnywhereDecodesTheSameWhateverSurroundsIt(CodecSpec spec) {
        int refused = 0;
        int decoded = 0;
        try (PageCodec c = spec.newCodec()) {
            for (int kind : KINDS) {
                byte[] page = TestPages.page(23, kind);
                byte[] block = compress(c, page);
                // every position of the shorter blocks; a stride over the long (incompressible) ones keeps it quick
                int step = Math.max(1, block.length / 300);
                for (int pos = kind % step; pos < block.length; pos += step) {
                    for (int mask : new int[] {0x01, 0x80, 0xFF}) {
                        byte[] bad = block.clone();
                        bad[pos] ^= (byte) mask;
                        Outcome a = decode(c, bad, bad.length, block, 4096, (byte) 0);
                        Outcome b = decode(c, bad, bad.length, random(pos), 4096, (byte) 0x5A);
                        assertThat(b).as("%s kind %d, byte %d ^ 0x%x", spec, kind, pos, mask).isEqualTo(a);
                        if (a.error != null) {
                            refused++;
                        } else {
                            decoded++;
                        }
                    }
                }
            }
        }
        // each codec refuses some of the damage; a decoder that refuses nothing checks nothing
        assertThat(refused).as("%s: damaged blocks refused (%d decoded)", spec, decoded).isGreaterThan(0);
    }

    /** Whether an 842 block's bytes from {@code len} on are all zero and fewer than 8: padding after the CRC. */
    private static boolean paddingOnly(CodecSpec spec, byte[] block, int len) {
        if (spec.algorithm() != CodecSpec.Algorithm.SW842 || block.length - len >= 8) {
            return false;
        }
        for (int i = len; i < block.length; i++) {
            if (block[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** What one decode gave: the decoded page, or the message of the refusal. */
    private record Outcome(byte[] page, String error) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Outcome x && Arrays.equals(page, x.page) && java.util.Objects.equals(error, x.error);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(page) * 31 + java.util.Objects.hashCode(error);
        }

        @Override
        public String toString() {
            return error != null ? "refused: " + error : "decoded " + page.length + " bytes";
        }
    }

    /**
     * Decodes the first {@code len} bytes of {@code block}, placed {@link #PAD} bytes into an array whose bytes
     * after them come from {@code tail} (its bytes from {@code len} on, then zeros), into a {@code dstLen}-byte
     * range of an output array pre-filled with {@code fill} and guarded by sentinels.
     */
    private static Outcome decode(PageCodec c, byte[] block, int len, byte[] tail, int dstLen, byte fill) {
        byte[] src = new byte[PAD + len + 64];
        Arrays.fill(src, (byte) 0x77);
        System.arraycopy(block, 0, src, PAD, len);
        if (tail.length > len) {
            System.arraycopy(tail, len, src, PAD + len, Math.min(64, tail.length - len));
        }
        byte[] dst = new byte[PAD + dstLen + PAD];
        Arrays.fill(dst, SENTINEL);
        Arrays.fill(dst, PAD, PAD + dstLen, fill);
        Outcome out;
        try {
            c.decompress(src, PAD, len, dst, PAD, dstLen);
            out = new Outcome(Arrays.copyOfRange(dst, PAD, PAD + dstLen), null);
        } catch (CorruptPageException e) {
            assertThat(e.codec()).isEqualTo(c.spec().toString());
            assertThat(e.compressedLength()).isEqualTo(len);
            assertThat(e.expectedLength()).isEqualTo(dstLen);
            checkOffsets(e.getMessage(), len, dstLen);
            out = new Outcome(null, e.getMessage());
        } catch (RuntimeException e) {
            throw new AssertionError(c.spec() + ": " + len + " damaged bytes into " + dstLen + " threw "
                    + e + " instead of CorruptPageException", e);
        }
        for (int k = 0; k < PAD; k++) {
            if (dst[k] != SENTINEL || dst[PAD + dstLen + k] != SENTINEL) {
                fail("%s wrote outside its %d-byte output range (%s)", c.spec(), dstLen,
                        dst[k] != SENTINEL ? "before it" : k + " bytes after it");
            }
        }
        return out;
    }

    private static final Pattern INSTRUCTION = Pattern.compile("instruction at compressed byte (\\d+)");
    private static final Pattern INPUT_OVERRUN = Pattern.compile("needs (\\d+) more bytes at compressed byte (\\d+)");
    private static final Pattern OUTPUT_OVERRUN = Pattern.compile("(\\d+) bytes at output byte (\\d+) exceed");

    /**
     * A refusal that names places (the LZO decoder's do) names places that exist: the failing instruction starts
     * within the {@code len} bytes given (or right after them, where the next instruction is missing), and an
     * overrun starts inside its buffer and really runs past its end.
     */
    private static void checkOffsets(String message, int len, int dstLen) {
        Matcher m = INSTRUCTION.matcher(message);
        if (m.find()) {
            assertThat(Integer.parseInt(m.group(1))).as(message).isLessThanOrEqualTo(len);
        }
        checkOverrun(INPUT_OVERRUN.matcher(message), len);
        checkOverrun(OUTPUT_OVERRUN.matcher(message), dstLen);
    }

    /** An overrun of "NEED bytes at AT" named in a message starts inside a buffer of {@code size} and leaves it. */
    private static void checkOverrun(Matcher m, int size) {
        if (m.find()) {
            long need = Long.parseLong(m.group(1));
            int at = Integer.parseInt(m.group(2));
            assertThat(at).as(m.group()).isLessThanOrEqualTo(size);
            assertThat(at + need).as(m.group()).isGreaterThan(size);
        }
    }

    private static byte[] compress(PageCodec c, byte[] page) {
        byte[] out = new byte[c.maxCompressedLength(page.length)];
        return Arrays.copyOf(out, c.compress(page, 0, page.length, out, 0, out.length));
    }

    /** Random bytes to follow a block of {@code len} bytes, seeded by {@code len}. */
    private static byte[] random(int len) {
        byte[] r = new byte[len + 64];
        new SplittableRandom(len).nextBytes(r);
        return r;
    }
}
