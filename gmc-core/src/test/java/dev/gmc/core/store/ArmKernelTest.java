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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * ARM kernels against the real thing: Debian's armhf kernels 6.1 and 6.12, with and without LPAE, and its arm64 kernel
 * 6.1 (zsmalloc before 6.3 on a 64-bit kernel, as on many phones), booted under qemu, wrote the golden page sets
 * through their own zram (scripts/oracle/arm-zram.sh; raw output in docs/results/arm32-zram/ and arm64-zram/). A
 * {@link ZramDevice} with the matching {@link KernelArch} and size-class rule, written in the same order, must print
 * the same nine {@code mm_stat} numbers. The 32-bit lines differ from a 64-bit kernel's in all three places the arch
 * reaches: 4-byte handles move objects between classes, 4-byte same-filled words halve the synthetic set's same
 * pages (100 instead of 200), and LPAE's 2048-byte smallest class triples the pool. (The 64-bit kernel of 6.3 and
 * later is this machine's own: KernelCheckTest.)
 */
class ArmKernelTest {

    static Stream<String> lines() throws IOException {
        String text;
        try (InputStream in = ArmKernelTest.class.getResourceAsStream("/golden/arm-kernels.mm_stat.txt")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        return text.lines().filter(l -> !l.isBlank() && !l.startsWith("#"));
    }

    static byte[] pageSet(String name) throws IOException {
        if (name.equals("synthetic-seed1-1200")) {
            return TestPages.pages(1, 1200);
        }
        try (InputStream in = new GZIPInputStream(ArmKernelTest.class.getResourceAsStream("/golden/" + name + ".bin.gz"))) {
            return in.readAllBytes();
        }
    }

    /**
     * The kernel build named in the golden file: 6.2 and earlier (5.4, 5.10, 5.15, 6.1, 6.2 checked) have the legacy
     * chain-4 classes (and the pool before 6.3), 6.3 and later the chain-8 default.
     */
    static SizeClassTable classesOf(String kernel) {
        if (kernel.endsWith("-arm64-16k")) { // Debian's arm64-16k flavour: 16 KiB pages
            return classesOf(kernel.substring(0, kernel.length() - 4)).withPageSize(16384);
        }
        KernelArch arch = kernel.endsWith("-lpae") ? KernelArch.ARM32_LPAE
                : kernel.endsWith("-arm64") || kernel.endsWith("-x86-64") ? KernelArch.BIT64 : KernelArch.ARM32;
        return ZramKernel.parse(kernel).legacyClasses() // 6.2 and earlier: 5.4, 5.10, 5.15, 6.1, 6.2
                ? SizeClassTable.of(4, ChainRule.LEGACY_USED_PERCENT, arch)
                : SizeClassTable.of(8, ChainRule.MIN_TAIL_WASTE, arch);
    }

    /**
     * The pages the churn and writeback workloads write ("SLOT SRC": page SRC): the 1,200 synthetic pages at 4 KiB, or
     * their 16 KiB counterparts ({@link TestPages#sixteenKiBPage}, the same kind at each number) for a 16 KiB kernel.
     */
    static byte[] workloadPages(int pageSize) {
        return pageSize == 4096 ? TestPages.pages(1, 1200) : TestPages.sixteenKiBPages(1200);
    }

    /** The zstd release gmc links ("1.5.2" for zstd-jni 1.5.2-5), as the class path has it at run time. */
    static final String LINKED_ZSTD = CodecSpec.zstdRelease();

    /**
     * The zstd release in a kernel's lib/zstd: 1.5.2 in 6.12 (Debian 6.12.107's include/linux/zstd_lib.h) and 6.14,
     * 1.5.7 in 6.17 and 6.18 (their zram gives zstd 1.5.7's sizes and no other release's). A zstd line can hold only
     * when gmc links the same release; the root pom pins 6.12's, and {@code -Dzstd.version=1.5.7-6} builds a gmc for
     * 6.17 and later ({@link ZramKernel#zstdRelease}).
     */
    static String zstdReleaseOf(String kernel) {
        return ZramKernel.parse(kernel).zstdRelease();
    }

    /**
     * The zram behaviours of a kernel ({@link ZramKernel#behaviour}, which these golden runs check): slot order and one
     * word up to 6.12 (5.4 to 5.10 knowing only {@code idle} and {@code huge}, 5.11 to 5.15 also {@code page_index=N},
     * 5.19 also {@code huge_idle}); size buckets,
     * one word and the early free in 6.14; size buckets and parameters in 6.17 and 6.18.
     */
    static ZramDevice.Behaviour behaviourOf(String kernel) {
        return ZramKernel.parse(kernel).behaviour();
    }

    static void assumeZstdReleaseOf(String kernel, String codec) {
        // zstd-crypto, zstd-1.3.1 and zstd-1.4.10 bring their own releases
        if (codec.startsWith("zstd") && !codec.startsWith("zstd-crypto") && !codec.startsWith("zstd-1.")) {
            Assumptions.assumeTrue(LINKED_ZSTD.equals(zstdReleaseOf(kernel)), () -> kernel + "'s lib/zstd is "
                    + zstdReleaseOf(kernel) + "; this build links zstd " + LINKED_ZSTD);
        }
    }

    /**
     * The first {@code n} numbers of an mm_stat line, blanks collapsed: 5.10's zram prints eight (huge_pages_since
     * came later), which must equal the first eight of gmc's nine.
     */
    static String firstFields(String line, int n) {
        String[] f = line.trim().split("\\s+");
        return String.join(" ", Arrays.copyOf(f, Math.min(n, f.length)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"lines", "lines16k"})
    void zramDeviceWrittenInTheSameOrderPrintsTheArmKernelsMmStat(String line) throws Exception {
        String[] f = line.trim().split("\\s+");
        byte[] pages = pageSet(f[1]);
        SizeClassTable classes = classesOf(f[0]); // a -16k kernel's: 16 KiB pages, slots and pool frames
        int ps = classes.pageSize();
        int n = pages.length / ps;
        assumeZstdReleaseOf(f[0], f[2]);
        int fields = f.length - 3; // 9, or 8 from 5.10
        String kernel = String.join(" ", Arrays.copyOfRange(f, 3, f.length));
        StoreConfig config = StoreConfig.defaults().withCodec(CodecSpec.parse(f[2])).withClasses(classes);
        try (ZramDevice dev = new ZramDevice(config, n)) {
            for (int i = 0; i < n; i++) {
                assertThat(dev.write(i, pages, i * ps)).isTrue();
            }
            assertThat(firstFields(dev.mmStat().toString(), fields)).as(line).isEqualTo(kernel);
            byte[] back = new byte[ps];
            for (int i = 0; i < n; i++) {
                dev.read(i, back, 0);
                assertThat(Arrays.equals(back, 0, ps, pages, i * ps, i * ps + ps)).as("page %d", i).isTrue();
            }
            dev.store().checkInvariants(); // walks every slot's 4-byte handle word and free link
        }
        // A 64-bit kernel of the same version gives other figures wherever LPAE's 2048-byte floor or the 4-byte
        // same-filled word (the synthetic set's alternating words) plays a part. (Without them the 4-byte handle
        // alone can leave the total unchanged: it does on real-mix with lz4 under 6.1.)
        if (f[0].endsWith("-arm64") || f[0].endsWith("-16k") || f[0].endsWith("-x86-64")
                || !f[0].endsWith("-lpae") && !f[1].startsWith("synthetic")) {
            return;
        }
        StoreConfig x64 = config.withClasses(SizeClassTable.of(classes.maxChain(), classes.rule()));
        try (ZramDevice dev = new ZramDevice(x64, n)) {
            for (int i = 0; i < n; i++) {
                dev.write(i, pages, i * 4096);
            }
            assertThat(firstFields(dev.mmStat().toString(), fields)).as("64-bit " + line).isNotEqualTo(kernel);
        }
    }

    static Stream<String> lines16k() throws IOException {
        try (InputStream in = ArmKernelTest.class.getResourceAsStream("/golden/arm64-16k.mm_stat.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(l -> !l.isBlank() && !l.startsWith("#")).toList().stream();
        }
    }

    /**
     * arm64 with 16 KiB pages (Debian's arm64-16k kernels 6.12 and 6.18, the page size of Android's 16K-page
     * devices): every 16 KiB page written once, in order. A {@link WriteOnceModel} over the 16 KiB-page table
     * ({@code ZS_SIZE_CLASS_DELTA} 64, 257 size indices), fed each 16 KiB page's same-filled test or compressed length
     * (lz4-kernel and zstd on 16,384-byte inputs), must print the kernel's nine numbers. The same pages cut in 4 KiB
     * pages give other figures on every line (the synthetic set's 200 same-filled 4 KiB pages are no 16 KiB one).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("lines16k")
    void sixteenKiBPagesWrittenOnceGiveTheArm64_16kKernelsMmStat(String line) throws Exception {
        String[] f = line.trim().split("\\s+");
        assertThat(f).hasSize(12);
        assumeZstdReleaseOf(f[0], f[2]);
        byte[] pages = pageSet(f[1]);
        String kernel = String.join(" ", Arrays.copyOfRange(f, 3, f.length));
        SizeClassTable classes = classesOf("6.12-arm64").withPageSize(16384);
        StoreConfig config = StoreConfig.defaults().withCodec(CodecSpec.parse(f[2])).withClasses(classes);
        assertThat(writeOnce(config, pages).mmStat().toString().trim().replaceAll("\\s+", " ")).as(line)
                .isEqualTo(kernel);
        String fourK = writeOnce(config.withClasses(classesOf("6.12-arm64")), pages).mmStat().toString();
        assertThat(fourK.trim().replaceAll("\\s+", " ")).as("4 KiB pages: " + line).isNotEqualTo(kernel);
    }

    /** Every page of {@code pages} (of the config's page size) written once into a {@link WriteOnceModel}. */
    static WriteOnceModel writeOnce(StoreConfig config, byte[] pages) throws Exception {
        int size = config.classes().pageSize();
        assertThat(pages.length % size).isZero();
        WriteOnceModel m = new WriteOnceModel(config);
        byte[] out = new byte[2 * size];
        try (dev.gmc.core.codec.PageCodec codec = config.codec().newCodec()) {
            for (int off = 0; off < pages.length; off += size) {
                if (SameFilled.testPage(pages, off, size)) {
                    m.addSame(SameFilled.fillValue(pages, off));
                } else {
                    m.addCompressed(codec.compress(pages, off, size, out, 0, out.length));
                }
            }
        }
        return m;
    }

    /**
     * The pool's dynamics, replayed on Debian's ARM kernels with each of their compressors that
     * gmc reproduces byte for byte. Two workloads on a 1,000-page device (a line "SLOT SRC" writes synthetic page SRC
     * into SLOT; "C" reads mm_stat, compacts and reads it again):
     * <ul>
     *   <li>{@code churn}: 4,000 overwrites with random synthetic pages, a checkpoint every 1,000;</li>
     *   <li>{@code fragment}: 6,261 writes in which a third to two thirds of the slots at a time are overwritten
     *       with the zero page (a free), then refilled with pages of three near-huge kinds, so that classes hold many
     *       partly used zspages: chosen because each of three wrong pools misses the 6.1 kernels on it (the tenths of
     *       6.3 on 14 of 16 lzo-rle lines, the 6.3 compaction loop on 12, head-only insertion on 4), where the random
     *       churn catches only the first.</li>
     * </ul>
     * Every checkpoint's nine numbers (5.10: eight), pages_compacted and mem_used_max included, must be the kernel's.
     * 5.10's and 6.1's lines test the pre-6.3 pool (four fullness groups, the old insertion order and compaction loop),
     * on 32-bit and 64-bit kernels; 6.12's and 6.18's the tenths of 6.3 and later, with lz4 and zstd (a zstd run only
     * where gmc links the kernel's zstd release).
     */
    @ParameterizedTest(name = "{0} {1} {2}")
    @org.junit.jupiter.params.provider.CsvSource({
            "churn, 5.10-armmp, lzo-rle", "churn, 5.10-armmp, lzo", "churn, 5.10-armmp, lz4",
            "churn, 5.10-armmp-lpae, lzo-rle", "churn, 5.10-armmp-lpae, lzo", "churn, 5.10-armmp-lpae, lz4",
            "churn, 5.10-arm64, lzo-rle", "churn, 5.10-arm64, lzo", "churn, 5.10-arm64, lz4",
            "churn, 6.1-armmp, lzo-rle", "churn, 6.1-armmp, lzo", "churn, 6.1-armmp, lz4",
            "churn, 6.1-armmp-lpae, lzo-rle", "churn, 6.1-armmp-lpae, lzo", "churn, 6.1-armmp-lpae, lz4",
            "churn, 6.12-armmp, lz4", "churn, 6.12-armmp-lpae, lz4", "churn, 6.12-armmp, zstd", "churn, 6.12-armmp-lpae, zstd",
            "churn, 6.18-arm64, lz4", "churn, 6.18-arm64, zstd",
            "churn, 6.12-arm64-16k, lz4", "churn, 6.12-arm64-16k, zstd", "churn, 6.18-arm64-16k, lz4",
            "churn, 6.18-arm64-16k, zstd", "churn, 6.8-x86-64, lz4", "churn, 6.8-x86-64, zstd-crypto",
            "churn, 6.14-x86-64, lz4", "churn, 6.14-x86-64, zstd", "churn, 6.14-x86-64, deflate",
            "churn, 6.17-x86-64, lz4", "churn, 6.17-x86-64, zstd", "churn, 6.17-x86-64, deflate",
            "churn, 7.0-x86-64, lz4", "churn, 7.0-x86-64, zstd", "churn, 7.0-x86-64, deflate",
            "churn, 7.3-x86-64, lz4", "churn, 7.3-x86-64, zstd", "churn, 7.3-x86-64, deflate",
            "churn, 5.15-x86-64, zstd-1.3.1",
            "fragment, 6.1-armmp, lzo-rle", "fragment, 6.1-armmp, lzo", "fragment, 6.1-armmp, lz4",
            "fragment, 6.1-armmp-lpae, lzo-rle", "fragment, 6.1-armmp-lpae, lzo", "fragment, 6.1-armmp-lpae, lz4",
            "fragment, 6.12-armmp, lz4", "fragment, 6.12-armmp-lpae, lz4",
            "fragment, 6.12-armmp, zstd", "fragment, 6.12-armmp-lpae, zstd",
            "fragment, 6.18-arm64, lz4", "fragment, 6.18-arm64, zstd", "fragment, 6.12-arm64-16k, lz4",
            "fragment, 6.18-arm64-16k, lz4", "fragment, 6.8-x86-64, lz4", "fragment, 6.11-x86-64, lz4",
            "fragment, 6.14-x86-64, lz4", "fragment, 6.17-x86-64, lz4", "fragment, 5.4-x86-64, lz4",
            "fragment, 5.15-x86-64, lz4", "fragment, 6.2-x86-64, lz4", "fragment, 6.5-x86-64, lz4",
            "fragment, 5.8-x86-64, lz4", "fragment, 5.11-x86-64, lz4", "fragment, 5.13-x86-64, lz4",
            "fragment, 5.19-x86-64, lz4", "fragment, 7.0-x86-64, lz4", "fragment, 6.19-x86-64, lz4", "fragment, 6.16-x86-64, lz4",
            "fragment, 7.3-x86-64, lz4",
            "fragment, 6.1-arm64, lzo-rle", "fragment, 6.1-arm64, lzo", "fragment, 6.1-arm64, lz4",
            "fragment, 5.10-armmp, lzo-rle", "fragment, 5.10-armmp, lzo", "fragment, 5.10-armmp, lz4",
            "fragment, 5.10-armmp-lpae, lzo-rle", "fragment, 5.10-armmp-lpae, lzo", "fragment, 5.10-armmp-lpae, lz4",
            "fragment, 5.10-arm64, lzo-rle", "fragment, 5.10-arm64, lzo", "fragment, 5.10-arm64, lz4"})
    void churnGivesTheKernelsMmStatAtEveryCheckpoint(String workload, String kernel, String comp) throws Exception {
        assumeZstdReleaseOf(kernel, comp);
        List<String> want = golden("/golden/arm-" + workload + "." + kernel + ".txt", comp);
        int tokens = want.get(0).split(" ").length; // "churn COMP N written|compacted" and 9 numbers, or 8 from 5.10
        List<String> got = churn("/golden/arm-" + workload + ".ops", comp, kernel).stream()
                .map(l -> firstFields(l, tokens)).toList();
        assertThat(got).isEqualTo(want);
    }

    /**
     * Writeback (CONFIG_ZRAM_WRITEBACK), replayed on Debian's 6.12 armhf kernels and its 6.18 arm64 kernel, and on
     * Ubuntu's 6.8 x86-64 kernel (slot order, as 6.12), with lz4:
     * a 1,000-page device whose backing_dev is a loop device of 300 blocks (block 0 unused) is filled, written back
     * ({@code huge}, {@code idle} after {@code echo all > idle} and reads, {@code page_index=N}, {@code huge_idle}),
     * overwritten, discarded, read and compacted ({@code zram-writeback.ops}; "S" lines print mm_stat and bd_stat).
     * Every S line's twelve numbers must be the kernel's, and every writeback the kernel refused (ENOSPC when the 299
     * usable blocks run out) must be refused here; every slot reads back as written, from the pool or the backing
     * device.
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"6.12-armmp", "6.12-armmp-lpae", "6.18-arm64",
            "6.12-arm64-16k", "6.18-arm64-16k", "6.8-x86-64", "6.11-x86-64", "6.14-x86-64", "6.17-x86-64", "5.4-x86-64",
            "5.15-x86-64", "6.2-x86-64", "6.5-x86-64", "5.8-x86-64", "5.11-x86-64", "5.13-x86-64", "5.19-x86-64",
            "5.10-arm64", "6.1-arm64", "6.16-x86-64", "6.19-x86-64", "7.0-x86-64", "7.3-x86-64"})
    void writebackGivesTheKernelsMmStatAndBdStat(String kernel) throws IOException {
        replayWriteback(kernel, "/golden/zram-writeback.ops", "/golden/arm-writeback." + kernel + ".txt");
    }

    /**
     * The writeback limit ({@code writeback_limit_enable}, {@code writeback_limit}; {@code zram-writeback-limit.ops},
     * "Q" lines print both) on the same device: small limits that run out in {@code huge}, {@code idle} and
     * {@code huge_idle} passes, a limit larger than the free blocks (ENOSPC first), the limit switched off and on,
     * and {@code page_index=N} on an empty slot with a limit of 0, where 6.12 refuses with EIO (it checks before each
     * slot it scans) and 6.18 does not (it checks before each slot it chose). Every S and Q line and every refusal,
     * EIO or ENOSPC, must be the kernel's.
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"6.12-armmp", "6.18-arm64", "6.12-arm64-16k",
            "6.18-arm64-16k", "6.14-x86-64", "6.16-x86-64", "6.17-x86-64", "6.19-x86-64",
            "7.0-x86-64", "7.3-x86-64", "7.3-arm64-16k"})
    void theWritebackLimitStopsWritebackWhereTheKernelsDoes(String kernel) throws IOException {
        List<String> refusals = replayWriteback(kernel, "/golden/zram-writeback-limit.ops",
                "/golden/arm-writeback-limit." + kernel + ".txt");
        assertThat(refusals).anyMatch(l -> l.endsWith("EIO")).anyMatch(l -> l.endsWith("ENOSPC"));
    }

    /**
     * What one may write to {@code writeback} ({@code zram-writeback-grammar.ops}): 6.17 and 6.18 read several parameters in
     * order ({@code page_index=N}, {@code page_indexes=A-B}, {@code type=MODE} or a bare mode), scanning each range
     * as it is read, so that {@code page_indexes=50-59 type=huge} writes back every stored slot of 50..59 and
     * overlapping ranges list a slot twice (its second entry still meets the limit check: EIO with the limit used
     * up, though nothing is left to write); bad numbers are EINVAL, ranges past the device or reversed ERANGE, and
     * unknown parameters are ignored. 6.12 and 6.14 take one word and refuse all of that with EINVAL, but accept
     * {@code page_index=+95} (6.14 then writes back in 6.18's order). Every S and Q line and every refusal, with its
     * errno, must be the kernel's, at 4 KiB and at 16 KiB pages.
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"6.12-armmp", "6.18-arm64", "6.14-x86-64", "6.17-x86-64",
            "6.12-arm64-16k", "6.18-arm64-16k", "6.16-x86-64", "6.19-x86-64", "7.0-x86-64",
            "7.3-x86-64", "7.3-arm64-16k"})
    void writebackParametersAreReadAsTheKernelReadsThem(String kernel) throws IOException {
        List<String> refusals = replayWriteback(kernel, "/golden/zram-writeback-grammar.ops",
                "/golden/arm-writeback-grammar." + kernel + ".txt");
        if (behaviourOf(kernel).writebackParameters()) {
            assertThat(refusals).anyMatch(l -> l.endsWith("EINVAL")).anyMatch(l -> l.endsWith("ERANGE"))
                    .anyMatch(l -> l.contains("page_index=604 page_index=604 failed ENOSPC"))
                    .anyMatch(l -> l.endsWith("ENOSPC"));
            if (classesOf(kernel).pageSize() == 4096) { // a 16 KiB page takes 4 off the limit: the small ones wrap
                assertThat(refusals).anyMatch(l -> l.contains("page_index=601 page_index=601 failed EIO"));
            }
        } else {
            assertThat(refusals).hasSize(39).allMatch(l -> l.endsWith("EINVAL"));
        }
    }

    /**
     * Replays a writeback ops resource ("W SLOT SRC", "R SLOT", "D SLOT", "I", "B MODE", "C", "S", "E N", "L N", "Q")
     * on a 1,000-page device with a 300-block backing device and compares its S, Q and refusal lines with the
     * kernel's output; every slot must read back as written. Returns the refusal lines.
     */
    private static List<String> replayWriteback(String kernel, String opsResource, String goldenResource)
            throws IOException {
        return replayWriteback(kernel, opsResource, goldenResource, 0);
    }

    /**
     * Idle marking by age ({@code echo AGE > idle}, CONFIG_ZRAM_TRACK_ENTRY_ACTIME; {@code zram-idle-age.ops}): pages
     * written in three phases 20 seconds apart (the guest sleeps; gmc's clock moves by as much), some read again,
     * then {@code idle} by ages that fall between the phases, each followed by {@code writeback idle}: which pages
     * are idle shows in mm_stat and bd_stat. Also {@code echo all > idle} then an age that only older pages meet,
     * and two texts the kernel refuses with EINVAL. 5.19 to 6.5 keep the mark of a slot read after {@code echo all >
     * idle} (they write 16 more pages back), 6.8 and later clear it; 5.11 and 5.15 refuse every age with EINVAL.
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"7.3-x86-64", "7.0-x86-64", "6.16-x86-64", "6.14-x86-64",
            "6.11-x86-64",
            "6.8-x86-64", "6.5-x86-64", "6.2-x86-64", "5.19-x86-64", "5.15-x86-64", "5.11-x86-64"})
    void idleByAgeMarksWhatTheKernelMarks(String kernel) throws IOException {
        List<String> refusals = replayWriteback(kernel, "/golden/zram-idle-age.ops",
                "/golden/arm-idle-age." + kernel + ".txt");
        // 5.15 and earlier take "all" only: each of the three ages is refused too
        int refused = behaviourOf(kernel).idleAge() == ZramDevice.IdleAge.NONE ? 5 : 2;
        assertThat(refusals).hasSize(refused).allMatch(l -> l.endsWith("EINVAL"));
    }

    /**
     * An age beyond the guest's clock ({@code zram-idle-wrap.ops}: {@code echo 4000000 > idle} about a minute after
     * boot, then {@code writeback idle}) and ages in other bases: 7.0 to 7.2's u32 seconds wrap and mark every page,
     * 6.8 to 6.19's nanoseconds and 7.3 mark none; {@code 0x10}, {@code 017} and {@code +3} are read, {@code 08} is
     * EINVAL, and 2<sup>32</sup> is EINVAL from 7.0 (a u64 before).
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"7.3-x86-64", "7.2-x86-64", "7.1-x86-64", "7.0-x86-64",
            "6.19-x86-64", "6.16-x86-64", "6.14-x86-64", "6.8-x86-64"})
    void anAgeBeyondTheClockWrapsIn70To72(String kernel) throws IOException {
        List<String> refusals = replayWriteback(kernel, "/golden/zram-idle-wrap.ops",
                "/golden/arm-idle-wrap." + kernel + ".txt");
        assertThat(refusals).hasSize(kernel.startsWith("7.") ? 2 : 1).allMatch(l -> l.endsWith("EINVAL"));
    }

    /**
     * An age equal to the clock ({@code zram-idle-now.ops}: {@code echo $(seconds since boot) > idle}, a cutoff of 0,
     * then {@code writeback idle}): 7.0 to 7.2 take a cutoff of 0 as "all" and write every page back; 7.3 marks nothing, as
     * 6.19 does (whose cutoff, in nanoseconds, is the fraction of the second, older than no slot).
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"7.3-x86-64", "7.2-x86-64", "7.1-x86-64", "7.0-x86-64",
            "6.19-x86-64"})
    void anAgeEqualToTheClockMarksAllOn70To72Only(String kernel) throws IOException {
        assertThat(replayWriteback(kernel, "/golden/zram-idle-now.ops", "/golden/arm-idle-now." + kernel + ".txt"))
                .isEmpty();
    }

    /**
     * 6.19's batched writeback with {@code writeback_batch_size} 1 ({@code WB_BATCH=1}, Debian's 7.3): each write
     * completes before the next entry is looked at, so the grammar run's slots listed twice are written once, as on
     * 6.17 (its lines differ from 6.17's only where block 0, unused there, holds a page), where the default batch of
     * 32 writes them twice (bd_writes runs ahead of bd_count: {@code writebackParametersAreReadAsTheKernelReadsThem}).
     */
    @org.junit.jupiter.api.Test
    void aBatchOfOneWritesASlotListedTwiceOnce() throws IOException {
        replayWriteback("7.3-x86-64", "/golden/zram-writeback-grammar.ops",
                "/golden/arm-writeback-grammar-batch1.7.3-x86-64.txt", 1);
    }

    /**
     * {@code compressed_writeback} on Linux 7.3 ({@code WB_COMPRESSED=1}), at 4 and 16 KiB pages: the writeback run's
     * lines are those without it (blocks hold compressed objects, but a page still takes a block and every figure
     * counts as before), and every page read from a block decodes to what was written.
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"7.3-x86-64", "7.3-arm64-16k"})
    void compressedWritebackPrintsTheSameLinesAndReadsBackEveryPage(String kernel) throws IOException {
        replayWriteback(kernel, "/golden/zram-writeback.ops", "/golden/arm-writeback-compressed." + kernel + ".txt",
                dev -> dev.compressedWriteback(true));
    }

    /** As above, with {@code writeback_batch_size} set to {@code batch} first (0: the kernel's default). */
    private static List<String> replayWriteback(String kernel, String opsResource, String goldenResource, int batch)
            throws IOException {
        return replayWriteback(kernel, opsResource, goldenResource, dev -> {
            if (batch > 0) {
                dev.writebackBatchSize(batch);
            }
        });
    }

    /** As above, with {@code setup} applied to the fresh device first (its sysfs writes before {@code disksize}). */
    private static List<String> replayWriteback(String kernel, String opsResource, String goldenResource,
                                                java.util.function.Consumer<ZramDevice> setup) throws IOException {
        List<String> want;
        try (InputStream k = ArmKernelTest.class.getResourceAsStream(goldenResource)) {
            // a refused writeback: the shell's words for the kernel's error number
            want = new String(k.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .map(l -> ZramScript.kernelLine(l, "lz4")).filter(java.util.Objects::nonNull).toList();
        }
        assertThat(want).hasSizeGreaterThan(3).noneMatch(l -> l.contains("failed:"));
        SizeClassTable classes = classesOf(kernel);
        byte[] pages = workloadPages(classes.pageSize());
        List<String> ops;
        try (InputStream o = ArmKernelTest.class.getResourceAsStream(opsResource)) {
            ops = new String(o.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
        StoreConfig config = StoreConfig.defaults().withCodec(CodecSpec.parse("lz4-kernel")).withClasses(classes);
        int mmFields = ZramKernel.parse(kernel).mmStatFields(); // 8 before 5.11 (no huge_pages_since)
        ZramScript.Outcome run;
        try (ZramDevice dev = new ZramDevice(config, 1000, 300, behaviourOf(kernel))) {
            setup.accept(dev);
            // the guest's boot clock: only the "T N" sleeps move it (an operation takes 0 s); every read and, at the
            // end, every slot is checked against what was written
            run = ZramScript.run(dev, ops, pages, "lz4", mmFields, 1000);
        }
        assertThat(run.pagesChecked()).isGreaterThanOrEqualTo(1000);
        List<String> got = run.lines();
        List<String> refusals = run.refusals();
        assertThat(got).isEqualTo(want);
        return refusals;
    }

    /** The lines of a kernel's churn output for one compressor, blanks collapsed (the kernel pads with %8llu). */
    static List<String> golden(String resource, String comp) throws IOException {
        try (InputStream k = ArmKernelTest.class.getResourceAsStream(resource)) {
            List<String> want = new String(k.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(l -> l.startsWith("churn " + comp + " ")).map(l -> l.trim().replaceAll("\\s+", " ")).toList();
            assertThat(want).as(resource + " " + comp).hasSizeGreaterThanOrEqualTo(8);
            return want;
        }
    }

    /**
     * Replays an ops resource on a fresh 1,000-page device; the mm_stat lines at its checkpoints, the pool's
     * invariants checked after each compaction and every page read back on the way out.
     */
    static List<String> churn(String ops, String comp, String kernel) throws IOException {
        SizeClassTable classes = classesOf(kernel);
        int ps = classes.pageSize();
        byte[] pages = workloadPages(ps);
        List<String> lines;
        try (InputStream o = ArmKernelTest.class.getResourceAsStream(ops)) {
            lines = new String(o.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
        }
        // lzo and lzo-rle are the kernel's own ports; zstd is zstd-jni at the kernel's default level 3, the same zstd
        // release (1.5.2) as 6.12's lib/zstd
        String codec = comp.equals("lz4") ? "lz4-kernel" : comp.equals("zstd") ? "zstd:3" : comp;
        StoreConfig config = StoreConfig.defaults().withCodec(CodecSpec.parse(codec)).withClasses(classes);
        try (ZramDevice dev = new ZramDevice(config, 1000, 0, behaviourOf(kernel))) {
            // every slot is read back against what was written last, after the checkpoints are taken
            ZramScript.Outcome run = ZramScript.runChurn(dev, lines, pages, comp,
                    ZramKernel.parse(kernel).mmStatFields());
            assertThat(run.pagesChecked()).isEqualTo(1000);
            return run.lines();
        }
    }
}
