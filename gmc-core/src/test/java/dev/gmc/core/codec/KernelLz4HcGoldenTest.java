package dev.gmc.core.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code lz4hc-kernel} against the kernel's own LZ4 HC compressor ({@code lib/lz4/lz4hc_compress.c}, compiled in
 * userspace: scripts/oracle/README.md): the length and SHA-256 of its output for every page of two sets at zram's
 * default level 9, and the digest of a whole set's output at seven other levels. (Its sizes through zram are
 * ArmKernelTest's lz4hc lines of Linux 6.11, 6.14 and 6.17.)
 */
class KernelLz4HcGoldenTest {

    static byte[] pageSet(String set) throws IOException {
        return switch (set) {
            case "synthetic-seed1-1200" -> TestPages.pages(1, 1200);
            case "edge-seed1-600" -> TestPages.edgePages(1, 600);
            default -> {
                try (InputStream in = new GZIPInputStream(
                        KernelLz4HcGoldenTest.class.getResourceAsStream("/golden/" + set + ".bin.gz"))) {
                    yield in.readAllBytes();
                }
            }
        };
    }

    static List<String[]> rows(String resource) throws IOException {
        try (InputStream in = KernelLz4HcGoldenTest.class.getResourceAsStream(resource)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(l -> !l.isBlank() && !l.startsWith("#")).map(l -> l.trim().split(" ")).toList();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"real-mix", "synthetic-seed1-1200"})
    void everyPageIsByteIdenticalToTheKernelsAtLevel9(String set) throws Exception {
        byte[] pages = pageSet(set);
        List<String[]> rows = rows("/golden/" + set + ".kernel-lz4hc.sha");
        assertThat(rows).hasSize(pages.length / 4096);
        KernelLz4HcCompressor hc = new KernelLz4HcCompressor(KernelLz4HcCompressor.DEFAULT_LEVEL);
        byte[] out = new byte[KernelLz4Compressor.compressBound(4096)];
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (String[] r : rows) {
            int i = Integer.parseInt(r[0]);
            int n = hc.compress(pages, i * 4096, 4096, out, 0);
            assertThat(n).as("%s page %d length", set, i).isEqualTo(Integer.parseInt(r[1]));
            sha.reset();
            sha.update(out, 0, n);
            assertThat(HexFormat.of().formatHex(sha.digest()).substring(0, 16)).as("%s page %d bytes", set, i)
                    .isEqualTo(r[2]);
        }
    }

    @Test
    void everyLevelGivesTheKernelsBytes() throws Exception {
        List<String[]> rows = rows("/golden/kernel-lz4hc-levels.sha");
        assertThat(rows).hasSize(14);
        for (String[] r : rows) {
            byte[] pages = pageSet(r[0]);
            int level = Integer.parseInt(r[1]);
            KernelLz4HcCompressor hc = new KernelLz4HcCompressor(level);
            byte[] out = new byte[KernelLz4Compressor.compressBound(4096)];
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            long total = 0;
            for (int off = 0; off < pages.length; off += 4096) {
                int n = hc.compress(pages, off, 4096, out, 0);
                all.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(n).array());
                all.write(out, 0, n);
                total += n;
            }
            assertThat(pages.length / 4096).isEqualTo(Integer.parseInt(r[2]));
            assertThat(total).as("%s level %d total", r[0], level).isEqualTo(Long.parseLong(r[3]));
            String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(all.toByteArray()));
            assertThat(digest.substring(0, 16)).as("%s level %d bytes", r[0], level).isEqualTo(r[4]);
        }
    }

    /** The kernel takes a level below 1 as 9 and one above 16 as 16; a larger level never compresses worse here. */
    @Test
    void levelsOutsideOneToSixteenAreTheKernelsNearestAndHcBeatsTheFastCompressor() throws Exception {
        byte[] pages = pageSet("real-mix");
        byte[] a = new byte[KernelLz4Compressor.compressBound(4096)];
        byte[] b = new byte[a.length];
        KernelLz4Compressor fast = new KernelLz4Compressor();
        long hcTotal = 0;
        long fastTotal = 0;
        for (int off = 0; off < pages.length; off += 4096) {
            int n0 = new KernelLz4HcCompressor(0).compress(pages, off, 4096, a, 0);
            int n9 = new KernelLz4HcCompressor(9).compress(pages, off, 4096, b, 0);
            assertThat(Arrays.copyOf(a, n0)).isEqualTo(Arrays.copyOf(b, n9));
            int n40 = new KernelLz4HcCompressor(40).compress(pages, off, 4096, a, 0);
            int n16 = new KernelLz4HcCompressor(16).compress(pages, off, 4096, b, 0);
            assertThat(Arrays.copyOf(a, n40)).isEqualTo(Arrays.copyOf(b, n16));
            hcTotal += n9;
            fastTotal += fast.compress(pages, off, 4096, a, 0);
        }
        assertThat(hcTotal).isLessThan(fastTotal);
    }
}
