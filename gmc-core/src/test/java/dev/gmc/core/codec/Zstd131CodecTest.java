package dev.gmc.core.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.Zstd;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * {@code zstd-1.3.1} (zram's zstd in Linux 5.4-5.15): what its frames must look like, that it is neither
 * {@code zstd:3} nor {@code zstd-crypto} under another name, that every frame decodes with two other decoders, and
 * that its zstd-jni lives apart from the one the rest of gmc links. Its sizes are the kernels': ArmKernelTest holds it
 * to the zram of 5.4, 5.8, 5.11, 5.13 and 5.15.
 */
class Zstd131CodecTest {

    @Test
    void framesHaveNoContentSizeAndNoChecksumAsTheCryptoApiWritesThem() {
        try (PageCodec c = CodecSpec.parse("zstd-1.3.1").newCodec()) {
            byte[] out = new byte[c.maxCompressedLength(4096)];
            for (int i = 0; i < 3 * TestPages.KINDS; i++) {
                byte[] page = TestPages.page(4, i);
                int n = c.compress(page, 0, 4096, out, 0, out.length);
                // magic FD 2F B5 28; frame header descriptor 0: no content size (the crypto API's fParams are zero),
                // so not a single segment, no checksum, no dictionary ID; then a window descriptor: 2^20 bytes, the
                // window of 1.3.1's level 3 for a source of unknown size
                assertThat(Arrays.copyOf(out, 6)).as("page %d", i).containsExactly(0x28, 0xB5, 0x2F, 0xFD, 0x00, 0x50);
                assertThat(Zstd.decompressedSize(out, 0, n)).as("no content size").isZero();
            }
        }
    }

    @Test
    void everyFrameDecodesWithGmcsZstdAndWithAnIndependentJavaDecoder() {
        ZstdCryptoCodecTest.everyFrameDecodesWithZstd152AndAircompressor("zstd-1.3.1");
    }

    /** Over a page set its sizes are neither 6.12's ({@code zstd:3}) nor 6.2-6.11's ({@code zstd-crypto}). */
    @Test
    void itIsNeitherZstdLevelThreeNorZstdCryptoUnderAnotherName() {
        long old = 0;
        long crypto = 0;
        long level3 = 0;
        try (PageCodec o = CodecSpec.parse("zstd-1.3.1").newCodec(); PageCodec c = CodecSpec.parse("zstd-crypto").newCodec();
             PageCodec z = CodecSpec.parse("zstd:3").newCodec()) {
            byte[] out = new byte[o.maxCompressedLength(4096) + 64];
            byte[] page = TestPages.pages(1, 600);
            for (int off = 0; off < page.length; off += 4096) {
                old += o.compress(page, off, 4096, out, 0, out.length);
                crypto += c.compress(page, off, 4096, out, 0, out.length);
                level3 += z.compress(page, off, 4096, out, 0, out.length);
            }
        }
        assertThat(old).isNotEqualTo(crypto).isNotEqualTo(level3);
    }

    /** One stream per codec, a frame per page: the same page gives the same frame however many came before. */
    @Test
    void eachPageIsAFrameOfItsOwn() {
        byte[] pages = TestPages.pages(3, 40);
        try (PageCodec a = CodecSpec.parse("zstd-1.3.1").newCodec(); PageCodec b = CodecSpec.parse("zstd-1.3.1").newCodec()) {
            byte[] out = new byte[a.maxCompressedLength(4096)];
            byte[] fresh = new byte[out.length];
            for (int p = 0; p < 40; p++) {
                a.compress(pages, p * 4096, 4096, out, 0, out.length);
            }
            int n = a.compress(pages, 7 * 4096, 4096, out, 0, out.length);
            int m = b.compress(pages, 7 * 4096, 4096, fresh, 0, fresh.length);
            assertThat(Arrays.copyOf(out, n)).isEqualTo(Arrays.copyOf(fresh, m));
        }
    }

    @Test
    void aBufferTooSmallIsRefusedAndTheNextPageStillCompresses() {
        try (PageCodec c = CodecSpec.parse("zstd-1.3.1").newCodec()) {
            byte[] page = TestPages.page(5, 0);
            byte[] small = new byte[8];
            assertThatThrownBy(() -> c.compress(page, 0, 4096, small, 0, small.length))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("zstd-1.3.1: cannot compress 4096"
                            + " bytes into 8 bytes");
            byte[] out = new byte[c.maxCompressedLength(4096)];
            byte[] back = new byte[4096];
            int n = c.compress(page, 0, 4096, out, 0, out.length);
            c.decompress(out, 0, n, back, 0, 4096);
            assertThat(back).isEqualTo(page);
        }
    }

    @Test
    void itsZstdJniIsLoadedApartAndNoLevelOrDictionaryCanBeChosen() {
        assertThat(Zstd131Codec.api().newStream.type().returnType()).isEqualTo(Object.class);
        assertThat(CodecSpec.zstdRelease()).isNotEqualTo("1.3.1"); // the pom's, in the same JVM
        assertThatThrownBy(() -> CodecSpec.parse("zstd-1.3.1:5")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("level: 5 (expected 3..3 for zstd-1.3.1)");
        assertThatThrownBy(() -> CodecSpec.parse("zstd-1.3.1").withDictionary(new byte[100]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only zstd takes a dictionary");
        assertThat(CodecSpec.parse("zstd-1.3.1:3").toString()).isEqualTo("zstd-1.3.1");
        assertThat(CodecSpec.Algorithm.ZSTD_131.decodesArbitraryBytesSafely()).isFalse();
    }
}
