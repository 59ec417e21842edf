package dev.gmc.core.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.Zstd;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Golden vectors for {@code zstd-1.4.10} (zram's zstd in Linux 5.16 to 6.1) from two independent sources:
 * <ul>
 *   <li>{@code SET.kernel-zstd-1.4.10.sha}: length and SHA-256 prefix of every record's frame from Debian 6.1's
 *       lib/zstd compiled in user space and called as {@code crypto/zstd.c} calls it
 *       ({@code scripts/oracle/zstd-1.4.10-oracle.sh});</li>
 *   <li>{@code real-mix.zram-zstd-5.19.txt}: what Ubuntu's 5.19 zram added to {@code compr_data_size} for each page
 *       of real-mix, written one at a time under qemu (scripts/oracle/arm-zram.sh with a churn of one write per
 *       slot, a checkpoint after each): every non-huge page's length must be the frame's.</li>
 * </ul>
 * Sets: real-mix (real files), synthetic-seed1-1200 and edge-seed1-600 ({@link TestPages}), 16 KiB pages (the
 * {@link TestPages#sixteenKiBPage} of 300), and {@link #oddRecords}: 400 sources of 0 to 128 KiB of many kinds.
 */
class KernelZstdGoldenTest {

    /** Records of 0 to 131,072 bytes, of kinds that reach the compressor's rarer paths (few symbols, RLE, long runs). */
    static List<byte[]> oddRecords() {
        SplittableRandom r = new SplittableRandom(1410);
        List<byte[]> recs = new ArrayList<>();
        int[] fixed = {0, 1, 5, 6, 7, 8, 12, 13, 63, 64, 65, 255, 256, 257, 1023, 1024, 4095, 4096, 4097, 16383, 16384,
            65535, 65536, 65791, 65792, 131072};
        for (int k = 0; k < 400; k++) {
            int len = k < fixed.length ? fixed[k] : switch (r.nextInt(4)) {
                case 0 -> r.nextInt(300);
                case 1 -> r.nextInt(20_000);
                case 2 -> 1 + r.nextInt(4096);
                default -> r.nextInt(131_073);
            };
            byte[] b = new byte[len];
            int kind = r.nextInt(7);
            int alpha = 1 + r.nextInt(255);
            for (int j = 0; j < len; j++) {
                b[j] = switch (kind) {
                    case 0 -> (byte) r.nextInt(256);
                    case 1 -> (byte) r.nextInt(alpha);
                    case 2 -> (byte) (j % (1 + alpha % 40));
                    case 3 -> (byte) (r.nextInt(8) == 0 ? r.nextInt(256) : (j / 16) % 5);
                    case 4 -> j > 0 && r.nextInt(10) != 0 ? b[j - 1 - r.nextInt(Math.min(j, 300))] : (byte) r.nextInt(alpha);
                    case 5 -> (byte) (Math.sqrt(j) * alpha);
                    default -> (byte) (r.nextInt(3) == 0 ? r.nextInt() : j % 7);
                };
            }
            recs.add(b);
        }
        return recs;
    }

    /** The records of a set, as the oracle script was given them. */
    static List<byte[]> records(String set) throws Exception {
        if (set.equals("odd")) {
            return oddRecords();
        }
        byte[] all;
        int size = 4096;
        switch (set) {
            case "real-mix":
                try (InputStream in = new GZIPInputStream(
                        KernelZstdGoldenTest.class.getResourceAsStream("/golden/real-mix.bin.gz"))) {
                    all = in.readAllBytes();
                }
                break;
            case "synthetic-seed1-1200":
                all = TestPages.pages(1, 1200);
                break;
            case "edge-seed1-600":
                all = TestPages.edgePages(1, 600);
                break;
            case "sixteen-300":
                all = TestPages.sixteenKiBPages(300);
                size = 16384;
                break;
            default:
                throw new IllegalArgumentException(set);
        }
        List<byte[]> recs = new ArrayList<>();
        for (int off = 0; off < all.length; off += size) {
            recs.add(Arrays.copyOfRange(all, off, off + size));
        }
        return recs;
    }

    private static List<String[]> rows(String resource) throws Exception {
        List<String[]> rows = new ArrayList<>();
        for (String line : new String(KernelZstdGoldenTest.class.getResourceAsStream(resource).readAllBytes(),
                StandardCharsets.UTF_8).split("\n")) {
            if (!line.startsWith("#") && !line.isBlank()) {
                rows.add(line.trim().split(" "));
            }
        }
        return rows;
    }

    @ParameterizedTest
    @ValueSource(strings = {"real-mix", "synthetic-seed1-1200", "edge-seed1-600", "sixteen-300", "odd"})
    void everyFrameIsByteIdenticalToTheKernelsLibZstdAndDecodes(String set) throws Exception {
        List<byte[]> recs = records(set);
        List<String[]> golden = rows("/golden/" + set + ".kernel-zstd-1.4.10.sha");
        assertThat(golden).hasSize(recs.size());
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (PageCodec codec = CodecSpec.parse("zstd-1.4.10").newCodec()) {
            byte[] out = new byte[codec.maxCompressedLength(KernelZstdCompressor.MAX_SOURCE)];
            for (int i = 0; i < recs.size(); i++) {
                byte[] src = recs.get(i);
                int n = codec.compress(src, 0, src.length, out, 0, out.length);
                sha.reset();
                sha.update(out, 0, n);
                String[] g = golden.get(i);
                assertThat(n).as("%s record %d (%d bytes): length", set, i, src.length)
                        .isEqualTo(Integer.parseInt(g[1]));
                assertThat(HexFormat.of().formatHex(sha.digest()).substring(0, 16))
                        .as("%s record %d: bytes", set, i).isEqualTo(g[2]);
                byte[] back = new byte[src.length];
                codec.decompress(out, 0, n, back, 0, src.length);
                assertThat(back).as("%s record %d restored", set, i).isEqualTo(src);
                assertThat(Zstd.decompressedSize(out, 0, n)).as("content size in the frame").isEqualTo(src.length);
            }
        }
    }

    @Test
    void everyNonHugePageHasWhatLinux519sZramAdded() throws Exception {
        List<byte[]> recs = records("real-mix");
        List<String[]> zram = rows("/golden/real-mix.zram-zstd-5.19.txt");
        assertThat(zram).hasSize(recs.size());
        int huge = 0;
        try (PageCodec codec = CodecSpec.parse("zstd-1.4.10").newCodec()) {
            byte[] out = new byte[codec.maxCompressedLength(4096)];
            for (int i = 0; i < recs.size(); i++) {
                int n = codec.compress(recs.get(i), 0, 4096, out, 0, out.length);
                int added = Integer.parseInt(zram.get(i)[1]);
                if (added == 4096) { // stored raw: at or above 5.19's huge_class_size (3,264 with chain 4)
                    assertThat(n).as("page %d", i).isGreaterThanOrEqualTo(3264);
                    huge++;
                } else {
                    assertThat(n).as("page %d", i).isEqualTo(added);
                }
            }
        }
        assertThat(huge).isEqualTo(23);
    }

    @Test
    void parametersAreTheUnknownSizeRowFittedToTheSource() {
        assertThat(KernelZstdCompressor.params(4096)).containsExactly(12, 12, 13);
        assertThat(KernelZstdCompressor.params(16384)).containsExactly(14, 14, 15);
        assertThat(KernelZstdCompressor.params(65536)).containsExactly(16, 16, 17);
        assertThat(KernelZstdCompressor.params(100)).containsExactly(10, 7, 8); // window at least 1 KiB
        assertThat(KernelZstdCompressor.params(131072)).containsExactly(17, 16, 17);
    }

    @Test
    void aSourceOverOneBlockOrAShortBufferIsRefusedWithoutSpoilingTheNext() {
        try (PageCodec codec = CodecSpec.parse("zstd-1.4.10").newCodec()) {
            byte[] big = new byte[KernelZstdCompressor.MAX_SOURCE + 1];
            assertThatThrownBy(() -> codec.compress(big, 0, big.length, new byte[200_000], 0, 200_000))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("zstd-1.4.10")
                    .hasMessageContaining("at most 131072");
            byte[] page = TestPages.page(3, 0);
            byte[] small = new byte[10];
            assertThatThrownBy(() -> codec.compress(page, 0, 4096, small, 0, 10))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("into 10 bytes");
            byte[] out = new byte[codec.maxCompressedLength(4096)];
            int n = codec.compress(page, 0, 4096, out, 0, out.length);
            byte[] back = new byte[4096];
            codec.decompress(out, 0, n, back, 0, 4096);
            assertThat(back).isEqualTo(page);
        }
    }

    /**
     * Sources that push the block towards the raw fallback: short matches at far, varied offsets (many sequence bits
     * per source byte), near-uniform literals that Huffman still codes, repeats of the last offset, and noise, at
     * sizes between the 4 KiB page and one block, off the powers of two. Each must compress without an error, fit the
     * bound, carry its size and decode to itself with zstd-jni (an independent decoder). None of them brings the
     * block within 64 bytes of its source's size (a smaller buffer passed them too), so the buffer's room is sized by
     * the bounds in the compressor, not by this test.
     */
    @Test
    void hostileSourcesOfOddSizesFitTheBoundAndDecode() {
        SplittableRandom r = new SplittableRandom(39);
        int[] sizes = {4097, 5000, 6143, 6144, 7168, 7169, 8191, 8192, 12_288, 16_385, 32_768, 65_536, 100_000, 131_072};
        try (PageCodec codec = CodecSpec.parse("zstd-1.4.10").newCodec()) {
            byte[] out = new byte[codec.maxCompressedLength(KernelZstdCompressor.MAX_SOURCE)];
            int compressedBlocks = 0;
            for (int size : sizes) {
                for (int kind = 0; kind < 4; kind++) {
                    byte[] src = new byte[size];
                    int j = 0;
                    while (j < size) {
                        if (kind == 0 && j >= 5 && r.nextInt(4) != 0) { // a 5-byte match far back
                            int from = r.nextInt(j - 4);
                            int n = Math.min(5, size - j);
                            System.arraycopy(src, from, src, j, n);
                            j += n;
                        } else if (kind == 1) { // 200 symbols, one of them a little more frequent
                            src[j++] = (byte) (r.nextInt(8) == 0 ? 7 : r.nextInt(200));
                        } else if (kind == 2 && j >= 4 && r.nextInt(3) == 0) { // a 4-byte repeat of the last offset
                            System.arraycopy(src, j - 4, src, j, Math.min(4, size - j));
                            j += 4;
                        } else {
                            src[j++] = (byte) r.nextInt(256);
                        }
                    }
                    int n = codec.compress(src, 0, size, out, 0, out.length);
                    assertThat(n).as("size %d kind %d", size, kind).isLessThanOrEqualTo(KernelZstdCompressor.bound(size));
                    assertThat(Zstd.decompressedSize(out, 0, n)).isEqualTo(size);
                    byte[] back = new byte[size];
                    codec.decompress(out, 0, n, back, 0, size);
                    assertThat(back).as("size %d kind %d restored", size, kind).isEqualTo(src);
                    compressedBlocks += n < size ? 1 : 0;
                }
            }
            assertThat(compressedBlocks).as("sources that took the compressed path, not raw").isGreaterThan(10);
        }
    }

    /**
     * Writes a set's records to standard output as the oracle reads them: the length in decimal, a newline, the
     * bytes ({@code scripts/oracle/zstd-1.4.10-oracle.sh}).
     */
    public static void main(String[] args) throws Exception {
        java.io.OutputStream out = new java.io.BufferedOutputStream(System.out, 1 << 20);
        for (byte[] b : records(args[0])) {
            out.write((b.length + "\n").getBytes(StandardCharsets.US_ASCII));
            out.write(b);
        }
        out.flush();
    }
}
