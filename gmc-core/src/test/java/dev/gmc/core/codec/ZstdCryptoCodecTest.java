package dev.gmc.core.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * {@code zstd-crypto} (zram's zstd in Linux 6.2-6.11): what its frames must look like, that it is not {@code zstd:3}
 * under another name, and that its second zstd-jni lives apart from the one the rest of gmc links. Its sizes are the
 * kernel's: ArmKernelTest holds it to Linux 6.8's zram.
 */
class ZstdCryptoCodecTest {

    @Test
    void framesCarryTheContentSizeAndNoChecksumAsTheCryptoApiWritesThem() {
        try (PageCodec c = CodecSpec.parse("zstd-crypto").newCodec()) {
            byte[] out = new byte[c.maxCompressedLength(4096)];
            for (int i = 0; i < 3 * TestPages.KINDS; i++) {
                byte[] page = TestPages.page(4, i);
                int n = c.compress(page, 0, 4096, out, 0, out.length);
                // magic FD 2F B5 28; frame header descriptor 0x60: a 2-byte content size (FCS flag 1), single segment
                // (the page fits the window), no checksum, no dictionary ID; the size is stored less 256
                assertThat(Arrays.copyOf(out, 7)).as("page %d", i)
                        .containsExactly(0x28, 0xB5, 0x2F, 0xFD, 0x60, (4096 - 256) & 0xFF, (4096 - 256) >>> 8);
                assertThat(Zstd.decompressedSize(out, 0, n)).isEqualTo(4096);
            }
        }
    }

    @Test
    void everyFrameDecodesWithTheKernelsReleaseAndWithAnIndependentJavaDecoder() {
        everyFrameDecodesWithZstd152AndAircompressor("zstd-crypto");
    }

    /** 10 pages of each kind through {@code spec}: each frame decodes to the page with zstd-jni 1.5.2 and aircompressor. */
    static void everyFrameDecodesWithZstd152AndAircompressor(String spec) {
        io.airlift.compress.zstd.ZstdDecompressor java = new io.airlift.compress.zstd.ZstdDecompressor();
        try (PageCodec c = CodecSpec.parse(spec).newCodec()) {
            byte[] out = new byte[c.maxCompressedLength(4096)];
            byte[] back = new byte[4096];
            for (int i = 0; i < 10 * TestPages.KINDS; i++) {
                byte[] page = TestPages.page(6, i);
                int n = c.compress(page, 0, 4096, out, 0, out.length);
                assertThat(Zstd.decompressByteArray(back, 0, 4096, out, 0, n)).isEqualTo(4096); // zstd-jni 1.5.2
                assertThat(back).as("page %d via zstd 1.5.2", i).isEqualTo(page);
                Arrays.fill(back, (byte) 0);
                assertThat(java.decompress(out, 0, n, back, 0, 4096)).isEqualTo(4096);
                assertThat(back).as("page %d via aircompressor", i).isEqualTo(page);
            }
        }
    }

    /**
     * The crypto API's parameters are level 3's for an unknown size (minMatch 5); 6.12's backend asks for level 3's
     * for a 4 KiB source (minMatch 4). Over a page set the two give other sizes, and zstd-jni 1.5.2 at
     * {@code ZSTD_c_compressionLevel} 3 gives 6.12's, not these.
     */
    @Test
    void itIsNotZstdLevelThreeUnderAnotherName() {
        long crypto = 0;
        long level3 = 0;
        long plain = 0;
        try (PageCodec c = CodecSpec.parse("zstd-crypto").newCodec(); PageCodec z = CodecSpec.parse("zstd:3").newCodec();
             ZstdCompressCtx jni = new ZstdCompressCtx()) {
            jni.setLevel(3).setChecksum(false).setContentSize(true);
            byte[] out = new byte[c.maxCompressedLength(4096)];
            byte[] page = TestPages.pages(1, 600);
            for (int off = 0; off < page.length; off += 4096) {
                crypto += c.compress(page, off, 4096, out, 0, out.length);
                level3 += z.compress(page, off, 4096, out, 0, out.length);
                plain += jni.compressByteArray(out, 0, out.length, page, off, 4096);
            }
        }
        assertThat(level3).isEqualTo(plain);
        assertThat(crypto).isNotEqualTo(level3);
    }

    @Test
    void itsZstdJniIsLoadedApartFromTheOneGmcLinks() {
        assertThat(CodecSpec.zstdCryptoRelease()).isEqualTo("1.5.6");
        assertThat(CodecSpec.zstdRelease()).isNotEqualTo("unknown"); // still the pom's, in the same JVM
        assertThat(CryptoZstd.api().compress.type().parameterType(0)).isEqualTo(Object.class);
        try (PageCodec c = CodecSpec.parse("zstd-crypto").newCodec(); PageCodec z = CodecSpec.parse("zstd:3").newCodec()) {
            byte[] page = TestPages.page(2, 3);
            byte[] a = new byte[c.maxCompressedLength(4096)];
            byte[] b = new byte[a.length];
            int n = c.compress(page, 0, 4096, a, 0, a.length);
            z.decompress(a, 0, n, b, 0, 4096); // gmc's zstd decodes zstd-crypto's frames
            assertThat(Arrays.copyOf(b, 4096)).isEqualTo(page);
        }
    }

    @Test
    void noLevelAndNoDictionaryCanBeChosenAsInTheKernel() {
        assertThatThrownBy(() -> CodecSpec.parse("zstd-crypto:5")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("level: 5 (expected 3..3 for zstd-crypto)");
        assertThatThrownBy(() -> CodecSpec.parse("zstd-crypto").withDictionary(new byte[100]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only zstd takes a dictionary");
        assertThat(CodecSpec.parse("zstd-crypto:3").toString()).isEqualTo("zstd-crypto");
    }
}
