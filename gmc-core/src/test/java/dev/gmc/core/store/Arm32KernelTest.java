package dev.gmc.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gmc.core.codec.CodecSpec;
import dev.gmc.core.codec.TestPages;
import dev.gmc.core.pool.KernelArch;
import dev.gmc.core.pool.SizeClassTable;
import dev.gmc.core.pool.SizeClassTable.ChainRule;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * 32-bit kernels against the real thing: Debian's armhf kernels 6.1 and 6.12, with and without LPAE, booted under
 * qemu, wrote the golden page sets through their own zram (scripts/oracle/arm32-zram.sh; raw output in
 * docs/results/arm32-zram/). A {@link ZramDevice} with the matching {@link KernelArch} and size-class rule, written
 * in the same order, must print the same nine {@code mm_stat} numbers. The lines differ from a 64-bit kernel's in
 * all three places the arch reaches: 4-byte handles move objects between classes, 4-byte same-filled words halve
 * the synthetic set's same pages (100 instead of 200), and LPAE's 2048-byte smallest class triples the pool.
 */
class Arm32KernelTest {

    static Stream<String> lines() throws IOException {
        String text;
        try (InputStream in = Arm32KernelTest.class.getResourceAsStream("/golden/arm32-kernels.mm_stat.txt")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        return text.lines().filter(l -> !l.isBlank() && !l.startsWith("#"));
    }

    static byte[] pageSet(String name) throws IOException {
        if (name.equals("synthetic-seed1-1200")) {
            return TestPages.pages(1, 1200);
        }
        try (InputStream in = new GZIPInputStream(Arm32KernelTest.class.getResourceAsStream("/golden/" + name + ".bin.gz"))) {
            return in.readAllBytes();
        }
    }

    /** The kernel build named in the golden file: 6.1 has the legacy chain-4 classes, 6.12 the chain-8 default. */
    static SizeClassTable classesOf(String kernel) {
        KernelArch arch = kernel.endsWith("-lpae") ? KernelArch.ARM32_LPAE : KernelArch.ARM32;
        return kernel.startsWith("6.1-") ? SizeClassTable.of(4, ChainRule.LEGACY_USED_PERCENT, arch)
                : SizeClassTable.of(8, ChainRule.MIN_TAIL_WASTE, arch);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("lines")
    void zramDeviceWrittenInTheSameOrderPrintsTheArmKernelsMmStat(String line) throws Exception {
        String[] f = line.trim().split("\\s+");
        byte[] pages = pageSet(f[1]);
        int n = pages.length / 4096;
        MmStat kernel = MmStat.parse(String.join(" ", Arrays.copyOfRange(f, 3, 12)));
        SizeClassTable classes = classesOf(f[0]);
        StoreConfig config = StoreConfig.defaults().withCodec(CodecSpec.parse(f[2])).withClasses(classes);
        try (ZramDevice dev = new ZramDevice(config, n)) {
            for (int i = 0; i < n; i++) {
                assertThat(dev.write(i, pages, i * 4096)).isTrue();
            }
            assertThat(dev.mmStat()).as(line).isEqualTo(kernel);
            byte[] back = new byte[4096];
            for (int i = 0; i < n; i++) {
                dev.read(i, back, 0);
                assertThat(Arrays.equals(back, 0, 4096, pages, i * 4096, i * 4096 + 4096)).as("page %d", i).isTrue();
            }
            dev.store().checkInvariants(); // walks every slot's 4-byte handle word and free link
        }
        // A 64-bit kernel of the same version gives other figures wherever LPAE's 2048-byte floor or the 4-byte
        // same-filled word (the synthetic set's alternating words) plays a part. (Without them the 4-byte handle
        // alone can leave the total unchanged: it does on real-mix with lz4 under 6.1.)
        if (!f[0].endsWith("-lpae") && !f[1].startsWith("synthetic")) {
            return;
        }
        StoreConfig x64 = config.withClasses(SizeClassTable.of(classes.maxChain(), classes.rule()));
        try (ZramDevice dev = new ZramDevice(x64, n)) {
            for (int i = 0; i < n; i++) {
                dev.write(i, pages, i * 4096);
            }
            assertThat(dev.mmStat()).as("64-bit " + line).isNotEqualTo(kernel);
        }
    }

    /**
     * The pool's dynamics on a 32-bit kernel: 4,000 overwrites of a 1,000-page device (golden/arm32-churn.ops:
     * "SLOT SRC" writes synthetic page SRC into SLOT; "C" reads mm_stat, compacts and reads it again), replayed on
     * Debian's armhf kernels with each of their compressors that gmc reproduces byte for byte. Every checkpoint's nine
     * numbers, pages_compacted and mem_used_max included, must be the kernel's. 6.1's lines test the pre-6.3 pool
     * (four fullness groups, the old insertion order and compaction loop); 6.12's the tenths of 6.3 and later.
     */
    @ParameterizedTest(name = "{0} {1}")
    @org.junit.jupiter.params.provider.CsvSource({"6.1-armmp, lzo-rle", "6.1-armmp, lzo", "6.1-armmp, lz4",
            "6.1-armmp-lpae, lzo-rle", "6.1-armmp-lpae, lzo", "6.1-armmp-lpae, lz4", "6.12-armmp, lz4",
            "6.12-armmp-lpae, lz4"})
    void churnGivesTheKernelsMmStatAtEveryCheckpoint(String kernel, String comp) throws Exception {
        assertThat(churn(kernel, comp, classesOf(kernel))).isEqualTo(churnGolden(kernel, comp));
    }

    private static java.util.List<String> churnGolden(String kernel, String comp) throws IOException {
        try (InputStream k = Arm32KernelTest.class.getResourceAsStream("/golden/arm32-churn." + kernel + ".txt")) {
            java.util.List<String> want = new String(k.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(l -> l.startsWith("churn " + comp + " ")).map(l -> l.replaceAll("\\s+", " ")).toList();
            assertThat(want).as(kernel + " " + comp).hasSize(8);
            return want;
        }
    }

    /** Replays golden/arm32-churn.ops; the mm_stat lines at its checkpoints, every page read back on the way out. */
    private static java.util.List<String> churn(String kernel, String comp, SizeClassTable classes) throws IOException {
        byte[] pages = TestPages.pages(1, 1200);
        java.util.List<String> ops;
        try (InputStream o = Arm32KernelTest.class.getResourceAsStream("/golden/arm32-churn.ops")) {
            ops = new String(o.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
        }
        String codec = comp.equals("lz4") ? "lz4-kernel" : comp; // lzo and lzo-rle are the kernel's own ports
        StoreConfig config = StoreConfig.defaults().withCodec(CodecSpec.parse(codec)).withClasses(classes);
        java.util.List<String> got = new java.util.ArrayList<>();
        byte[][] model = new byte[1000][];
        try (ZramDevice dev = new ZramDevice(config, 1000)) {
            int n = 0;
            for (String op : ops) {
                if (op.equals("C")) {
                    got.add(("churn " + comp + " " + n + " written " + dev.mmStat()).replaceAll("\\s+", " "));
                    dev.compact();
                    dev.store().checkInvariants();
                    got.add(("churn " + comp + " " + n + " compacted " + dev.mmStat()).replaceAll("\\s+", " "));
                    continue;
                }
                String[] f = op.split(" ");
                int slot = Integer.parseInt(f[0]);
                int src = Integer.parseInt(f[1]);
                assertThat(dev.write(slot, pages, src * 4096)).isTrue();
                model[slot] = Arrays.copyOfRange(pages, src * 4096, src * 4096 + 4096);
                n++;
            }
            byte[] back = new byte[4096];
            for (int slot = 0; slot < model.length; slot++) {
                if (model[slot] != null) {
                    dev.read(slot, back, 0);
                    assertThat(back).as("slot %d", slot).isEqualTo(model[slot]);
                }
            }
            dev.store().checkInvariants();
        }
        return got;
    }
}
