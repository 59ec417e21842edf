package dev.gmc.core.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gmc.core.codec.KernelLz4GoldenTest.Golden;
import dev.gmc.core.pool.SizeClassTable;
import dev.gmc.core.store.SameFilled;
import dev.gmc.core.store.StoreConfig;
import dev.gmc.core.store.ZramDevice;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Golden vectors for {@code lzo} and {@code lzo-rle} (zram's default) from two independent sources:
 * <ul>
 *   <li>{@code SET.zram-ALGO.txt}: the running kernel's zram (Linux 6.18), page by page: what kind it made of each
 *       page and the compr_data_size it added, and its final mm_stat;</li>
 *   <li>{@code SET.kernel-ALGO.sha}: length and SHA-256 prefix of every page's output of the kernel's own
 *       lib/lzo/lzo1x_compress.c compiled in userspace (scripts/oracle/README.md), whose lengths equal zram's.</li>
 * </ul>
 * Sets: real-mix (real files), synthetic-seed1-1200 (the {@link TestPages} kinds) and edge-seed1-600 (zero runs,
 * literal runs and matches at the lengths where the encodings change).
 */
class KernelLzoGoldenTest {

    private static String[] lines(String resource) throws Exception {
        return new String(KernelLzoGoldenTest.class.getResourceAsStream(resource).readAllBytes(),
                StandardCharsets.UTF_8).split("\n");
    }

    private static String sha16(MessageDigest sha, byte[] b, int n) {
        sha.reset();
        sha.update(b, 0, n);
        return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
    }

    @ParameterizedTest
    @CsvSource({"real-mix,lzo", "real-mix,lzo-rle", "synthetic-seed1-1200,lzo", "synthetic-seed1-1200,lzo-rle",
            "edge-seed1-600,lzo", "edge-seed1-600,lzo-rle"})
    void everyPageIsByteIdenticalToTheKernelAndHasZramsLengthAndKind(String set, String algo) throws Exception {
        Golden g = KernelLz4GoldenTest.load(set, "zram-" + algo);
        KernelLzoCompressor k = new KernelLzoCompressor(algo.equals("lzo-rle"));
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] out = new byte[KernelLzoCompressor.worstCase(4096)];
        byte[] back = new byte[4096];
        int huge = SizeClassTable.kernelDefault().hugeClassSize();
        int checked = 0;
        try (PageCodec codec = CodecSpec.parse(algo).newCodec()) {
            for (String line : lines("/golden/" + set + ".kernel-" + algo + ".sha")) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                String[] f = line.trim().split(" ");
                int i = Integer.parseInt(f[0]);
                int off = i * 4096;
                int n = k.compress(g.pages(), off, 4096, out, 0);
                assertThat(n).as("%s %s page %d length", set, algo, i).isEqualTo(Integer.parseInt(f[1]));
                assertThat(sha16(sha, out, n)).as("%s %s page %d bytes", set, algo, i).isEqualTo(f[2]);
                Arrays.fill(back, (byte) 0x5A);
                codec.decompress(out, 0, n, back, 0, 4096);
                assertThat(Arrays.equals(back, 0, 4096, g.pages(), off, off + 4096)).as("page %d restored", i).isTrue();

                String[] row = g.rows().get(i);
                switch (row[1]) {
                    case "same" -> assertThat(SameFilled.test(g.pages(), off)).as("page %d same-filled", i).isTrue();
                    case "huge" -> assertThat(n).as("page %d is huge in the kernel", i).isGreaterThanOrEqualTo(huge);
                    default -> assertThat(n).as("%s %s page %d zram comp_len", set, algo, i)
                            .isEqualTo(Integer.parseInt(row[2]));
                }
                checked++;
            }
        }
        assertThat(checked).isEqualTo(g.rows().size());
    }

    @ParameterizedTest
    @CsvSource({"real-mix,lzo", "real-mix,lzo-rle", "synthetic-seed1-1200,lzo", "synthetic-seed1-1200,lzo-rle",
            "edge-seed1-600,lzo", "edge-seed1-600,lzo-rle"})
    void zramDeviceWrittenInTheSameOrderPrintsTheKernelsMmStat(String set, String algo) throws Exception {
        Golden g = KernelLz4GoldenTest.load(set, "zram-" + algo);
        try (ZramDevice dev = new ZramDevice(StoreConfig.defaults().withCodec(CodecSpec.parse(algo)), g.rows().size())) {
            for (int i = 0; i < g.rows().size(); i++) {
                assertThat(dev.write(i, g.pages(), i * 4096)).isTrue();
            }
            assertThat(dev.mmStat()).as("%s %s", set, algo).isEqualTo(g.mmStat());
            byte[] back = new byte[4096];
            for (int i = 0; i < g.rows().size(); i++) {
                dev.read(i, back, 0);
                assertThat(Arrays.equals(back, 0, 4096, g.pages(), i * 4096, i * 4096 + 4096)).isTrue();
            }
            dev.store().checkInvariants();
        }
    }

    /**
     * Inputs other than a page, against the kernel sources: every length from 1 to 64 (below 32 bytes the kernel
     * writes literals only) and inputs of several chunks, where the dictionary is cleared per chunk, unencoded bytes
     * carry over, and matches more than 16 KiB back take the M4 form.
     */
    @Test
    void shortInputsAndInputsOfSeveralChunksEqualTheKernelSources() throws Exception {
        byte[] data = TestPages.edgePages(1, 600);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        KernelLzoCompressor lzo = new KernelLzoCompressor(false);
        KernelLzoCompressor rle = new KernelLzoCompressor(true);
        int checked = 0;
        for (String line : lines("/golden/edge-seed1-600.kernel-lzo-lengths.sha")) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            String[] f = line.trim().split(" ");
            int len = Integer.parseInt(f[1]);
            byte[] out = new byte[KernelLzoCompressor.worstCase(len)];
            int n = (f[0].equals("lzo-rle") ? rle : lzo).compress(data, 0, len, out, 0);
            assertThat(n).as("%s input %d length", f[0], len).isEqualTo(Integer.parseInt(f[2]));
            assertThat(sha16(sha, out, n)).as("%s input %d bytes", f[0], len).isEqualTo(f[3]);
            byte[] back = new byte[len];
            LzoDecoder.decompress(f[0], out, 0, n, back, 0, len);
            assertThat(Arrays.equals(back, 0, len, data, 0, len)).as("%s input %d restored", f[0], len).isTrue();
            checked++;
        }
        assertThat(checked).isEqualTo(2 * 75);
    }

    /**
     * One compressor reused for more chunks than its epoch counter holds (it wraps at 32,767 and then really clears
     * its dictionary): every output must equal a fresh compressor's, as the kernel's memset leaves the dictionary.
     */
    @Test
    void aReusedCompressorMatchesAFreshOneAcrossTheEpochWrap() {
        byte[] pages = TestPages.edgePages(2, 300);
        int n = pages.length / 4096;
        byte[][] fresh = new byte[n][];
        byte[] out = new byte[KernelLzoCompressor.worstCase(4096)];
        for (int i = 0; i < n; i++) {
            int len = new KernelLzoCompressor(true).compress(pages, i * 4096, 4096, out, 0);
            fresh[i] = Arrays.copyOf(out, len);
        }
        KernelLzoCompressor reused = new KernelLzoCompressor(true);
        int calls = 0;
        for (int round = 0; calls < 0x7FFF + 2 * n; round++) {
            for (int j = 0; j < n; j++, calls++) {
                int i = (j * 7 + round) % n;
                int len = reused.compress(pages, i * 4096, 4096, out, 0);
                if (!Arrays.equals(out, 0, len, fresh[i], 0, fresh[i].length)) {
                    throw new AssertionError("call " + calls + " (page " + i + ") differs from a fresh compressor");
                }
            }
        }
    }
}
