package dev.gmc.core.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.jcraft.jzlib.Deflater;
import com.jcraft.jzlib.Inflater;
import com.jcraft.jzlib.JZlib;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code deflate} (zram's deflate): the stream is raw deflate within the kernel's 2 KiB window, the reused (reset)
 * deflater gives what a fresh one gives, and a second inflater restores every page. Its sizes against the kernels'
 * are {@code ArmKernelTest}'s lines (Linux 6.11, 6.14, 6.17).
 */
class DeflateCodecTest {

    /** A fresh JZlib deflater per page at the kernel's settings: what the codec's reset deflater must equal. */
    static byte[] freshDeflate(byte[] page, int level) throws Exception {
        Deflater d = new Deflater(level, -DeflateCodec.WINDOW_BITS, DeflateCodec.MEM_LEVEL);
        byte[] out = new byte[8192];
        d.setInput(page, 0, page.length, false);
        d.setOutput(out, 0, out.length);
        assertThat(d.deflate(JZlib.Z_FINISH)).isEqualTo(JZlib.Z_STREAM_END);
        int n = (int) d.getTotalOut();
        d.end();
        return Arrays.copyOf(out, n);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 4, 6, 9}) // deflate_fast (1-3) and deflate_slow (4-9)
    void reusedDeflaterEqualsAFreshOneOnEveryKindOfPage(int level) throws Exception {
        try (PageCodec c = CodecSpec.of(CodecSpec.Algorithm.DEFLATE, level).newCodec()) {
            byte[] out = new byte[c.maxCompressedLength(4096)];
            for (int i = 0; i < 6 * TestPages.KINDS; i++) {
                byte[] page = TestPages.page(31, i);
                int n = c.compress(page, 0, 4096, out, 0, out.length);
                assertThat(Arrays.copyOf(out, n)).as("level %d page %d", level, i).isEqualTo(freshDeflate(page, level));
            }
        }
    }

    /**
     * Raw deflate (no zlib header) whose distances stay within 2 KiB: an inflater with an 11-bit window (JZlib's,
     * independent of the JDK's that the codec decodes with) restores every page, and a page whose only repeat lies
     * 3,000 bytes back compresses no better than random data, where a 32 KiB window would halve it.
     */
    @Test
    void streamsAreRawDeflateWithinTheKernelsTwoKiBWindow() throws Exception {
        try (PageCodec c = CodecSpec.parse("deflate").newCodec()) {
            byte[] out = new byte[c.maxCompressedLength(4096)];
            for (int i = 0; i < 6 * TestPages.KINDS; i++) {
                byte[] page = TestPages.page(32, i);
                int n = c.compress(page, 0, 4096, out, 0, out.length);
                Inflater inf = new Inflater(-DeflateCodec.WINDOW_BITS);
                byte[] back = new byte[8192];
                // zlib 1.1's raw inflate may want one byte past the stream to see its end (zlib.h's "dummy byte")
                byte[] in = Arrays.copyOf(out, n + 1);
                inf.setInput(in, 0, n + 1, false);
                inf.setOutput(back, 0, back.length);
                assertThat(inf.inflate(JZlib.Z_FINISH)).as("page %d", i).isEqualTo(JZlib.Z_STREAM_END);
                assertThat(inf.getTotalOut()).isEqualTo(4096);
                assertThat(Arrays.copyOf(back, 4096)).as("page %d", i).isEqualTo(page);
                inf.end();
            }
            byte[] far = new byte[4096];
            SplittableRandom r = new SplittableRandom(5);
            byte[] block = new byte[1000];
            r.nextBytes(block);
            System.arraycopy(block, 0, far, 0, 1000);
            r.nextBytes(far);
            System.arraycopy(block, 0, far, 0, 1000);
            System.arraycopy(block, 0, far, 3000, 1000); // the only repeat: 3,000 bytes back
            int n = c.compress(far, 0, 4096, out, 0, out.length);
            assertThat(n).isGreaterThan(4000);
            java.util.zip.Deflater jdk = new java.util.zip.Deflater(6, true); // 32 KiB window
            jdk.setInput(far);
            jdk.finish();
            int wide = jdk.deflate(new byte[8192]);
            jdk.end();
            assertThat(wide).isLessThan(n - 900);
        }
    }

    @Test
    void trailingBytesShortOutputAndTooSmallBuffersAreClearErrors() {
        try (PageCodec c = CodecSpec.parse("deflate").newCodec()) {
            byte[] page = TestPages.page(4, 2);
            byte[] out = new byte[c.maxCompressedLength(4096) + 1];
            int n = c.compress(page, 0, 4096, out, 0, out.length - 1);
            byte[] back = new byte[8192];
            assertThatThrownBy(() -> c.decompress(out, 0, n + 1, back, 0, 4096))
                    .isInstanceOf(CorruptPageException.class).hasMessageContaining("deflate")
                    .hasMessageContaining("1 bytes follow the end of the stream");
            assertThatThrownBy(() -> c.decompress(out, 0, n, back, 0, 8192))
                    .isInstanceOf(CorruptPageException.class).hasMessageContaining("the stream ends after 4096 bytes");
            assertThatThrownBy(() -> c.decompress(out, 0, n, back, 0, 4000))
                    .isInstanceOf(CorruptPageException.class).hasMessageContaining("goes on past 4000 bytes");
            byte[] random = new byte[4096];
            new SplittableRandom(9).nextBytes(random);
            assertThatThrownBy(() -> c.compress(random, 0, 4096, out, 0, 4096))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("deflate: cannot compress 4096 bytes into 4096 bytes");
            // the codec is still usable after a refusal: the next page is what a fresh deflater makes
            int m = c.compress(page, 0, 4096, out, 0, out.length);
            assertThat(m).isEqualTo(n);
            c.decompress(out, 0, m, back, 0, 4096);
            assertThat(Arrays.equals(back, 0, 4096, page, 0, 4096)).isTrue();
        }
    }

    @Test
    void levelsAreTheKernelsOneToNine() {
        assertThat(CodecSpec.parse("deflate").level()).isEqualTo(6); // Z_DEFAULT_COMPRESSION
        assertThat(CodecSpec.parse("deflate:6").toString()).isEqualTo("deflate");
        assertThat(CodecSpec.parse("deflate:1").toString()).isEqualTo("deflate:1");
        assertThatThrownBy(() -> CodecSpec.parse("deflate:0")).hasMessageContaining("1..9 for deflate");
        assertThatThrownBy(() -> CodecSpec.parse("deflate:10")).hasMessageContaining("1..9 for deflate");
        assertThatThrownBy(() -> CodecSpec.parse("deflate").withDictionary(new byte[8])).hasMessageContaining("only zstd");
        assertThat(CodecSpec.parse("deflate").algorithm().decodesArbitraryBytesSafely()).isFalse();
    }
}
