package dev.gmc.core.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gmc.core.store.MmStat;
import dev.gmc.core.store.SameFilled;
import dev.gmc.core.store.StoreConfig;
import dev.gmc.core.store.ZramDevice;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Golden vectors from the running kernel (Linux 6.18, zram with lz4, chain 8): for every page, what kind zram made
 * of it and the compr_data_size it added. lz4-kernel must reproduce every compressed length exactly, and a
 * {@link ZramDevice} written with the same pages in the same order must print the kernel's final mm_stat line.
 */
class KernelLz4GoldenTest {

    record Golden(byte[] pages, List<String[]> rows, MmStat mmStat) {
    }

    static Golden load(String set) throws IOException {
        return load(set, "zram-lz4");
    }

    /** {@code /golden/SET.KIND.txt}: the running kernel's zram, page by page (scripts/zram-page-sizes.py). */
    static Golden load(String set, String kind) throws IOException {
        byte[] pages;
        if (set.startsWith("synthetic")) {
            pages = TestPages.pages(1, 1200);
        } else if (set.equals("edge-seed1-600")) {
            pages = TestPages.edgePages(1, 600);
        } else {
            try (InputStream in = new GZIPInputStream(KernelLz4GoldenTest.class.getResourceAsStream("/golden/" + set + ".bin.gz"))) {
                pages = in.readAllBytes();
            }
        }
        List<String[]> rows = new ArrayList<>();
        MmStat mm = null;
        String text = new String(KernelLz4GoldenTest.class.getResourceAsStream("/golden/" + set + "." + kind + ".txt")
                .readAllBytes(), StandardCharsets.UTF_8);
        for (String line : text.split("\n")) {
            if (line.startsWith("# mm_stat")) {
                mm = MmStat.parse(line.substring("# mm_stat".length()));
            } else if (!line.startsWith("#") && !line.isBlank()) {
                rows.add(line.trim().split(" "));
            }
        }
        assertThat(rows).hasSize(pages.length / 4096);
        return new Golden(pages, rows, mm);
    }

    @ParameterizedTest
    @ValueSource(strings = {"synthetic-seed1-1200", "real-mix"})
    void everyCompressedLengthEqualsTheKernels(String set) throws IOException {
        Golden g = load(set);
        KernelLz4Compressor k = new KernelLz4Compressor();
        byte[] out = new byte[KernelLz4Compressor.compressBound(4096)];
        byte[] back = new byte[4096];
        int huge = 3625;
        long sumKernel = 0;
        long sumLz4Java = 0;
        try (PageCodec lz4java = CodecSpec.parse("lz4").newCodec()) {
            for (String[] row : g.rows()) {
                int i = Integer.parseInt(row[0]);
                int off = i * 4096;
                if (row[1].equals("same")) {
                    assertThat(SameFilled.test(g.pages(), off)).as("page %d same-filled", i).isTrue();
                    continue;
                }
                assertThat(SameFilled.test(g.pages(), off)).as("page %d not same-filled", i).isFalse();
                int n = k.compress(g.pages(), off, 4096, out, 0);
                Lz4Decoding.decompress("lz4-kernel", out, 0, n, back, 0, 4096);
                assertThat(java.util.Arrays.equals(back, 0, 4096, g.pages(), off, off + 4096)).isTrue();
                if (row[1].equals("huge")) {
                    assertThat(n).as("page %d is huge in the kernel", i).isGreaterThanOrEqualTo(huge);
                } else {
                    assertThat(n).as("%s page %d compressed length", set, i).isEqualTo(Integer.parseInt(row[2]));
                    sumKernel += n;
                    sumLz4Java += lz4java.compress(g.pages(), off, 4096, out, 0, out.length);
                }
            }
        }
        System.out.printf("%s: lz4-kernel total %d B, lz4-java (liblz4 1.10) %d B (%+.3f%%)%n", set, sumKernel,
                sumLz4Java, 100.0 * (sumLz4Java - sumKernel) / sumKernel);
    }

    /**
     * LZ4_compress_fast's acceleration, as zram takes it since kernel 6.12 ({@code algorithm_params} "algo=lz4
     * level=N"): the kernel wrote real-mix at each level, page by page; gmc's {@code lz4-kernel:N} must give every
     * page's length and kind, and a {@link ZramDevice} written in the same order the kernel's {@code mm_stat}. Each
     * level changes the totals (more huge pages, larger objects), so a compressor that ignored the level fails.
     */
    @ParameterizedTest
    @ValueSource(ints = {2, 3, 9, 100})
    void accelerationLevelsGiveTheKernelsLengthsAndMmStat(int level) throws IOException {
        Golden g = load("real-mix", "zram-lz4-accel" + level);
        KernelLz4Compressor k = new KernelLz4Compressor(level);
        byte[] out = new byte[KernelLz4Compressor.compressBound(4096)];
        byte[] back = new byte[4096];
        for (String[] row : g.rows()) {
            int i = Integer.parseInt(row[0]);
            int n = k.compress(g.pages(), i * 4096, 4096, out, 0);
            Lz4Decoding.decompress("lz4-kernel:" + level, out, 0, n, back, 0, 4096);
            assertThat(java.util.Arrays.equals(back, 0, 4096, g.pages(), i * 4096, i * 4096 + 4096)).isTrue();
            assertThat(row[1]).as("page %d kind at level %d", i, level).isEqualTo(n >= 3625 ? "huge" : "obj");
            if (row[1].equals("obj")) {
                assertThat(n).as("page %d length at level %d", i, level).isEqualTo(Integer.parseInt(row[2]));
            }
        }
        StoreConfig cfg = StoreConfig.defaults().withCodec(CodecSpec.parse("lz4-kernel:" + level));
        try (ZramDevice dev = new ZramDevice(cfg, g.rows().size())) {
            for (int i = 0; i < g.rows().size(); i++) {
                assertThat(dev.write(i, g.pages(), i * 4096)).isTrue();
            }
            assertThat(dev.mmStat()).isEqualTo(g.mmStat());
        }
        assertThat(g.mmStat()).as("level %d must differ from acceleration 1", level)
                .isNotEqualTo(load("real-mix").mmStat());
    }

    /**
     * Byte identity: SHA-256 of the kernel compressor's output for every page (huge ones included), made by
     * lib/lz4/lz4_compress.c compiled in userspace — whose lengths equal the running kernel's zram on every page.
     */
    @ParameterizedTest
    @ValueSource(strings = {"synthetic-seed1-1200", "real-mix"})
    void everyCompressedPageIsByteIdenticalToTheKernelSources(String set) throws Exception {
        Golden g = load(set);
        String text = new String(getClass().getResourceAsStream("/golden/" + set + ".kernel-lz4.sha").readAllBytes(),
                StandardCharsets.UTF_8);
        KernelLz4Compressor k = new KernelLz4Compressor();
        byte[] out = new byte[KernelLz4Compressor.compressBound(4096)];
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        int checked = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            String[] f = line.trim().split(" ");
            int i = Integer.parseInt(f[0]);
            int n = k.compress(g.pages(), i * 4096, 4096, out, 0);
            assertThat(n).as("%s page %d length", set, i).isEqualTo(Integer.parseInt(f[1]));
            sha.reset();
            sha.update(out, 0, n);
            String hex = java.util.HexFormat.of().formatHex(sha.digest()).substring(0, 16);
            assertThat(hex).as("%s page %d bytes", set, i).isEqualTo(f[2]);
            checked++;
        }
        assertThat(checked).isEqualTo(g.rows().size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"synthetic-seed1-1200", "real-mix"})
    void zramDeviceWrittenInTheSameOrderPrintsTheKernelsMmStat(String set) throws IOException {
        Golden g = load(set);
        try (ZramDevice dev = new ZramDevice(StoreConfig.defaults(), g.rows().size())) {
            for (int i = 0; i < g.rows().size(); i++) {
                assertThat(dev.write(i, g.pages(), i * 4096)).isTrue();
            }
            assertThat(dev.mmStat()).isEqualTo(g.mmStat());
            assertThat(dev.mmStat().toString()).isEqualTo(g.mmStat().toString());
            byte[] back = new byte[4096];
            for (int i = 0; i < g.rows().size(); i++) {
                dev.read(i, back, 0);
                assertThat(java.util.Arrays.equals(back, 0, 4096, g.pages(), i * 4096, i * 4096 + 4096)).isTrue();
            }
            dev.store().checkInvariants();
        }
    }

    /**
     * One compressor reused for more calls than its epoch counter holds (it wraps at 32,767 and then really clears its
     * table): every output must equal that of a fresh compressor, whose table is all zero as the kernel's memset
     * leaves it. Stale entries from earlier pages, or a wrap that left them visible, would change some output.
     */
    @org.junit.jupiter.api.Test
    void aReusedCompressorMatchesAFreshOneAcrossTheEpochWrap() {
        byte[] pages = TestPages.pages(1, 1200);
        int n = pages.length / 4096;
        byte[][] fresh = new byte[n][];
        byte[] out = new byte[KernelLz4Compressor.compressBound(4096)];
        for (int i = 0; i < n; i++) {
            int len = new KernelLz4Compressor().compress(pages, i * 4096, 4096, out, 0);
            fresh[i] = java.util.Arrays.copyOf(out, len);
        }
        KernelLz4Compressor reused = new KernelLz4Compressor();
        int calls = 0;
        for (int round = 0; calls < 0x7FFF + 2 * n; round++) {
            for (int j = 0; j < n; j++, calls++) {
                int i = (j * 7 + round) % n; // a different order each round: other stale entries
                int len = reused.compress(pages, i * 4096, 4096, out, 0);
                if (!java.util.Arrays.equals(out, 0, len, fresh[i], 0, fresh[i].length)) {
                    throw new AssertionError("call " + calls + " (page " + i + ") differs from a fresh compressor");
                }
            }
        }
    }
}
