package dev.gmc.core.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import net.jpountz.lz4.LZ4Factory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The codec contract (aircompressor's AbstractTestCompression, adapted): round trips of every kind of page and of
 * odd lengths, output written only inside its range, statelessness, and clear errors on corrupt input. LZ4-format
 * codecs are also cross-decoded by every other LZ4 decoder at hand.
 */
class CodecContractTest {

    static Stream<CodecSpec> specs() {
        byte[] dict = TestPages.pages(9, 24);
        return Stream.of(CodecSpec.parse("lz4"), CodecSpec.parse("lz4:8"), CodecSpec.parse("lz4-kernel"),
                CodecSpec.parse("lz4-kernel:4"), CodecSpec.parse("lz4hc:9"), CodecSpec.parse("lz4hc:3"),
                CodecSpec.parse("lz4hc-kernel"), CodecSpec.parse("lz4hc-kernel:1"), CodecSpec.parse("lz4hc-kernel:16"),
                CodecSpec.parse("zstd:1"), CodecSpec.parse("zstd:3"), CodecSpec.parse("zstd:3").withDictionary(dict),
                CodecSpec.parse("zstd:3").withDictionary(ZstdDictionaryTest.trained()), CodecSpec.parse("zstd-crypto"),
                CodecSpec.parse("zstd-1.3.1"), CodecSpec.parse("zstd-1.4.10"),
                CodecSpec.parse("lzo"),
                CodecSpec.parse("lzo-rle"), CodecSpec.parse("deflate"), CodecSpec.parse("deflate:1"),
                CodecSpec.parse("deflate:9"), CodecSpec.parse("842"));
    }

    @ParameterizedTest
    @MethodSource("specs")
    void roundTripsEveryKindOfPageWithSentinelsIntact(CodecSpec spec) {
        try (PageCodec c = spec.newCodec()) {
            int max = c.maxCompressedLength(4096);
            byte[] out = new byte[max + 64]; // 32 sentinel bytes either side
            byte[] back = new byte[4096 + 64];
            for (int i = 0; i < 10 * TestPages.KINDS; i++) {
                byte[] page = TestPages.page(5, i);
                Arrays.fill(out, (byte) 0x5A);
                int n = c.compress(page, 0, 4096, out, 32, max);
                assertThat(n).isBetween(1, max);
                for (int k = 0; k < 32; k++) {
                    assertThat(out[k]).as("byte before output").isEqualTo((byte) 0x5A);
                }
                for (int k = 32 + max; k < out.length; k++) { // scratch use up to dstCap is allowed (zstd does)
                    assertThat(out[k]).as("%s: byte %d after capacity %d", spec, k, max).isEqualTo((byte) 0x5A);
                }
                Arrays.fill(back, (byte) 0x33);
                c.decompress(out, 32, n, back, 16, 4096);
                assertThat(Arrays.equals(back, 16, 16 + 4096, page, 0, 4096)).as("%s page %d", spec, i).isTrue();
                assertThat(back[15]).isEqualTo((byte) 0x33);
                assertThat(back[16 + 4096]).isEqualTo((byte) 0x33);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("specs")
    void oddLengthsFromZeroToTwoPages(CodecSpec spec) {
        SplittableRandom r = new SplittableRandom(11);
        try (PageCodec c = spec.newCodec()) {
            for (int len : new int[] {0, 1, 2, 12, 13, 14, 15, 16, 17, 64, 255, 256, 270, 4095, 4097, 8192}) {
                byte[] src = new byte[len];
                for (int i = 0; i < len; i++) {
                    src[i] = (byte) (r.nextInt(3) == 0 ? r.nextInt() : i % 7);
                }
                byte[] out = new byte[c.maxCompressedLength(len)];
                int n = c.compress(src, 0, len, out, 0, out.length);
                byte[] back = new byte[len];
                c.decompress(out, 0, n, back, 0, len);
                assertThat(back).as("%s length %d", spec, len).isEqualTo(src);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("specs")
    void statelessOutputDependsOnlyOnInput(CodecSpec spec) {
        byte[] page = TestPages.page(7, 6);
        try (PageCodec fresh = spec.newCodec(); PageCodec used = spec.newCodec()) {
            byte[] a = new byte[fresh.maxCompressedLength(4096)];
            byte[] b = new byte[a.length];
            for (int i = 0; i < 50; i++) { // warm 'used' with other data
                byte[] other = TestPages.page(8, i);
                used.compress(other, 0, 4096, b, 0, b.length);
            }
            int na = fresh.compress(page, 0, 4096, a, 0, a.length);
            int nb = used.compress(page, 0, 4096, b, 0, b.length);
            assertThat(Arrays.copyOf(b, nb)).isEqualTo(Arrays.copyOf(a, na));
        }
    }

    @ParameterizedTest
    @MethodSource("specs")
    void corruptTruncatedOrMislabelledInputGivesAClearError(CodecSpec spec) {
        byte[] page = TestPages.page(3, 6);
        try (PageCodec c = spec.newCodec()) {
            byte[] out = new byte[c.maxCompressedLength(4096)];
            int n = c.compress(page, 0, 4096, out, 0, out.length);
            byte[] back = new byte[4096];
            assertThatThrownBy(() -> c.decompress(out, 0, n / 2, back, 0, 4096))
                    .isInstanceOf(CorruptPageException.class).hasMessageContaining(spec.toString())
                    .hasMessageContaining("compressed length " + n / 2);
            assertThatThrownBy(() -> c.decompress(out, 0, n, back, 0, 2048))
                    .isInstanceOf(CorruptPageException.class).hasMessageContaining("expected decompressed length 2048");
            byte[] garbage = new byte[n];
            new SplittableRandom(1).nextBytes(garbage);
            assertThatThrownBy(() -> c.decompress(garbage, 0, n, back, 0, 4096)).isInstanceOf(CorruptPageException.class);
            assertThatThrownBy(() -> c.decompress(out, 0, n, back, 1, 4096)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("dst");
            assertThatThrownBy(() -> c.compress(page, 0, 4096, out, 0, 10)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    /**
     * Ranges outside the arrays are refused before any byte is read or written, naming the argument, on both
     * calls; a negative offset, one past the end and a length reaching past the end each.
     */
    @ParameterizedTest
    @MethodSource("specs")
    void rangesOutsideTheArraysAreRefusedNamingTheArgument(CodecSpec spec) {
        byte[] page = TestPages.page(4, 6);
        try (PageCodec c = spec.newCodec()) {
            int max = c.maxCompressedLength(4096);
            byte[] out = new byte[max];
            int n = c.compress(page, 0, 4096, out, 0, max);
            byte[] block = Arrays.copyOf(out, n);
            byte[] back = new byte[4096];
            byte[] before = out.clone();
            byte[] roomy = new byte[c.maxCompressedLength(8192)]; // so that the output's capacity is not what fails
            for (int[] bad : new int[][] {{-1, 4096}, {1, 4096}, {0, 4097}, {4097, 0}, {0, -1}}) {
                assertThatThrownBy(() -> c.compress(page, bad[0], bad[1], roomy, 0, roomy.length))
                        .as("%s compress src %d+%d", spec, bad[0], bad[1])
                        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("src: offset " + bad[0]);
            }
            assertThat(roomy).as("%s: a refused compress wrote nothing", spec).isEqualTo(new byte[roomy.length]);
            for (int[] bad : new int[][] {{-1, max}, {1, max}, {max + 1, 0}}) {
                assertThatThrownBy(() -> c.compress(page, 0, 4096, out, bad[0], bad[1]))
                        .as("%s compress dst %d+%d", spec, bad[0], bad[1])
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dst");
            }
            assertThat(out).as("%s: a refused compress wrote nothing", spec).isEqualTo(before);
            for (int[] bad : new int[][] {{-1, n}, {1, n}, {0, n + 1}, {n + 1, 0}}) {
                assertThatThrownBy(() -> c.decompress(block, bad[0], bad[1], back, 0, 4096))
                        .as("%s decompress src %d+%d", spec, bad[0], bad[1])
                        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("src: offset " + bad[0]);
            }
            for (int[] bad : new int[][] {{-1, 4096}, {1, 4096}, {0, 4097}}) {
                assertThatThrownBy(() -> c.decompress(block, 0, n, back, bad[0], bad[1]))
                        .as("%s decompress dst %d+%d", spec, bad[0], bad[1])
                        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("dst: offset " + bad[0]);
            }
            assertThat(back).as("%s: a refused decompress wrote nothing", spec).isEqualTo(new byte[4096]);
            assertThatThrownBy(() -> c.compress(null, 0, 0, out, 0, max)).isInstanceOf(NullPointerException.class)
                    .hasMessage("src");
            assertThatThrownBy(() -> c.decompress(block, 0, n, null, 0, 0)).isInstanceOf(NullPointerException.class)
                    .hasMessage("dst");
        }
    }

    /**
     * The output bound of each codec with a kernel or library definition is that definition: LZ4's
     * {@code LZ4_COMPRESSBOUND} (lz4.h, the kernel's and liblz4's), LZO's {@code lzo1x_worst_compress}
     * (include/linux/lzo.h, with lzo-rle's 2 bytes) and zlib's conservative {@code deflateBound}; a larger bound
     * would pass every round trip while wasting a caller's buffer, a smaller one would overflow it.
     */
    @Test
    void outputBoundsAreTheKernelsAndLibrariesDefinitions() {
        for (int n : new int[] {0, 1, 7, 8, 15, 16, 63, 64, 254, 255, 256, 4095, 4096, 16384, 65536}) {
            int lz4 = n + n / 255 + 16;
            for (String s : new String[] {"lz4", "lz4:8", "lz4-kernel", "lz4-kernel:4", "lz4hc:9", "lz4hc-kernel"}) {
                try (PageCodec c = CodecSpec.parse(s).newCodec()) {
                    assertThat(c.maxCompressedLength(n)).as("%s bound of %d", s, n).isEqualTo(lz4);
                }
            }
            assertThat(KernelLz4Compressor.compressBound(n)).isEqualTo(lz4);
            for (String s : new String[] {"lzo", "lzo-rle"}) {
                try (PageCodec c = CodecSpec.parse(s).newCodec()) {
                    assertThat(c.maxCompressedLength(n)).as("%s bound of %d", s, n).isEqualTo(n + n / 16 + 64 + 3 + 2);
                }
            }
            try (PageCodec c = CodecSpec.parse("deflate").newCodec()) {
                assertThat(c.maxCompressedLength(n)).as("deflate bound of %d", n)
                        .isEqualTo(n + ((n + 7) >> 3) + ((n + 63) >> 6) + 5);
            }
        }
    }

    @Test
    void lz4FormatCodecsCrossDecodeWithEveryOtherLz4Decoder() {
        List<CodecSpec> lz4s = List.of(CodecSpec.parse("lz4"), CodecSpec.parse("lz4-kernel"), CodecSpec.parse("lz4hc:9"),
                CodecSpec.parse("lz4hc-kernel"));
        List<net.jpountz.lz4.LZ4SafeDecompressor> decoders = List.of(LZ4Factory.nativeInstance().safeDecompressor(),
                LZ4Factory.safeInstance().safeDecompressor());
        byte[] back = new byte[4096];
        for (CodecSpec spec : lz4s) {
            try (PageCodec c = spec.newCodec()) {
                byte[] out = new byte[c.maxCompressedLength(4096)];
                for (int i = 0; i < 5 * TestPages.KINDS; i++) {
                    byte[] page = TestPages.page(21, i);
                    int n = c.compress(page, 0, 4096, out, 0, out.length);
                    for (net.jpountz.lz4.LZ4SafeDecompressor d : decoders) {
                        Arrays.fill(back, (byte) 0);
                        assertThat(d.decompress(out, 0, n, back, 0, 4096)).isEqualTo(4096);
                        assertThat(back).as("%s page %d via %s", spec, i, d).isEqualTo(page);
                    }
                    for (CodecSpec other : lz4s) { // and through every other codec's own decoder
                        try (PageCodec o = other.newCodec()) {
                            o.decompress(out, 0, n, back, 0, 4096);
                            assertThat(back).isEqualTo(page);
                        }
                    }
                }
            }
        }
    }

    /**
     * LZO1X has no second decoder in the JDK or in lz4-java: aircompressor's independent Java LZO1X (a port of
     * liblzo2's) decodes gmc's {@code lzo} output, and gmc's decoder decodes aircompressor's output (its compressor
     * chooses other instructions, longer literal runs and matches than the kernel's).
     */
    @Test
    void lzoCrossDecodesWithAircompressor() {
        io.airlift.compress.lzo.LzoDecompressor theirsDecoder = new io.airlift.compress.lzo.LzoDecompressor();
        io.airlift.compress.lzo.LzoCompressor theirsEncoder = new io.airlift.compress.lzo.LzoCompressor();
        byte[] back = new byte[4096];
        try (PageCodec lzo = CodecSpec.parse("lzo").newCodec(); PageCodec rle = CodecSpec.parse("lzo-rle").newCodec()) {
            byte[] out = new byte[Math.max(lzo.maxCompressedLength(4096), theirsEncoder.maxCompressedLength(4096))];
            for (int i = 0; i < 10 * TestPages.KINDS; i++) {
                byte[] page = TestPages.page(23, i);
                int n = lzo.compress(page, 0, 4096, out, 0, out.length);
                Arrays.fill(back, (byte) 1);
                assertThat(theirsDecoder.decompress(out, 0, n, back, 0, 4096)).isEqualTo(4096);
                assertThat(back).as("gmc lzo page %d via aircompressor", i).isEqualTo(page);

                n = theirsEncoder.compress(page, 0, 4096, out, 0, out.length);
                for (PageCodec ours : List.of(lzo, rle)) { // a v0 stream decodes under either codec's decoder
                    Arrays.fill(back, (byte) 1);
                    ours.decompress(out, 0, n, back, 0, 4096);
                    assertThat(back).as("aircompressor page %d via gmc %s", i, ours).isEqualTo(page);
                }
            }
        }
    }

    @Test
    void specTextFormRoundTripsAndRejectsNonsense() {
        for (String s : new String[] {"lz4", "lz4:3", "lz4-kernel", "lz4hc", "lz4hc:12", "zstd", "zstd:-3", "zstd:19",
                "lzo", "lzo-rle"}) {
            assertThat(CodecSpec.parse(s).toString()).isEqualTo(s.equals("lz4hc") ? "lz4hc" : s);
        }
        assertThatThrownBy(() -> CodecSpec.parse("lzo2")).hasMessageContaining("'lzo2'");
        assertThatThrownBy(() -> CodecSpec.parse("lzo-rle:2")).hasMessageContaining("1..1 for lzo-rle");
        assertThat(CodecSpec.parse("lzo").algorithm().isLz4Format()).isFalse();
        assertThatThrownBy(() -> CodecSpec.parse("zstd:x")).hasMessageContaining("not an integer");
        assertThatThrownBy(() -> CodecSpec.parse("lz4hc:13")).hasMessageContaining("1..12");
        assertThatThrownBy(() -> CodecSpec.parse("lz4").withDictionary(new byte[10])).hasMessageContaining("only zstd");
    }
}
