package dev.gmc.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.luben.zstd.util.ZstdVersion;
import dev.gmc.cli.Main;
import dev.gmc.core.codec.CodecSpec;
import dev.gmc.core.store.StoreConfig;
import dev.gmc.core.store.ZramDevice;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.api.io.TempDir;

/** {@code gmc measure} end to end: its JSON figures equal a ZramDevice fed the same pages; bad input is reported. */
class MeasureCommandTest {

    record Run(int code, String out, String err) {
    }

    /**
     * Skips the test when a run failed for want of an OpenCL device, except under CI or with GMC_REQUIRE_OPENCL=1
     * (there PoCL is installed, and such a failure must fail the test).
     */
    static void skipWithoutOpenCl(Run r) {
        if (r.code() != 0 && r.err().contains("OpenCL") && System.getenv("CI") == null
                && !"1".equals(System.getenv("GMC_REQUIRE_OPENCL"))) {
            org.junit.jupiter.api.Assumptions.abort("no OpenCL device: " + r.err());
        }
    }

    static Run gmc(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** {@code data} as an .xz file's bytes. */
    static byte[] xz(byte[] data) throws java.io.IOException {
        ByteArrayOutputStream xz = new ByteArrayOutputStream();
        try (OutputStream o = new org.tukaani.xz.XZOutputStream(xz, new org.tukaani.xz.LZMA2Options())) {
            o.write(data);
        }
        return xz.toByteArray();
    }

    static byte[] buffer(int pages, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] b = new byte[pages * 4096 - 1000]; // a partial last page
        for (int i = 0; i < b.length; i++) {
            int page = i / 4096;
            b[i] = switch (page % 4) {
                case 0 -> 0;
                case 1 -> (byte) (i % 17);
                case 2 -> (byte) r.nextInt();
                default -> (byte) (r.nextInt(8) == 0 ? r.nextInt() : i / 64);
            };
        }
        return b;
    }

    /**
     * zram's default compressor on the bundled samples: the running kernel (Linux 6.18.44 zram, written by
     * {@code gmc kernel-check --algo lzo-rle|lzo samples/}, raw output in docs/results/kernel-check-lzo/) reported
     * these mm_stat lines; {@code gmc measure} must print the same without a kernel.
     */
    @Test
    void lzoRleAndLzoOnTheSamplesGiveTheKernelsMmStat() throws Exception {
        Run run = gmc("measure", "--format", "json", "--algo", "lzo-rle,lzo", "../samples");
        assertThat(run.code()).as(run.err()).isZero();
        JsonNode results = new ObjectMapper().readTree(run.out()).get("results");
        assertThat(results.get(0).get("algorithm").asText()).isEqualTo("lzo-rle");
        assertThat(results.get(0).get("mm_stat").asText()).isEqualTo("11845632 771442 1515520 0 1515520 1362 0 55 55");
        assertThat(results.get(1).get("algorithm").asText()).isEqualTo("lzo");
        assertThat(results.get(1).get("mm_stat").asText()).isEqualTo("11845632 766884 1486848 0 1486848 1362 0 55 55");
    }

    /**
     * ARM phones: Debian's armhf kernels and its arm64 kernel 6.1, booted under qemu, wrote the bundled samples through
     * their own zram (scripts/oracle/arm-zram.sh; raw output in docs/results/arm32-zram/ and arm64-zram/). {@code --arch} with the kernel's
     * size-class rule (6.1: legacy chain 4; 6.12: chain 8) must print their mm_stat lines, LPAE's 2048-byte smallest
     * class (three times the pool) included. The zstd lines (levels set through algorithm_params) hold only for the
     * kernel's own zstd release: 6.12's 1.5.2 (the pom's; with 1.5.6, level 1 is a byte off) for the arm32 rows, and
     * 6.18's 1.5.7 for the arm64 chain-8 row, which runs in a build with -Dzstd.version=1.5.7-6. The arm64 lz4 row is
     * 6.18's; 5.10's lines equal 6.1's.
     */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
            "arm32      | --legacy-classes | lzo-rle,lzo,lz4-kernel | 11845632 773852 1073152 0 1073152 1362 0 59 59;"
                    + "11845632 769302 1073152 0 1073152 1362 0 59 59;11845632 754861 1032192 0 1032192 1362 0 60 60",
            "arm32-lpae | --legacy-classes | lzo-rle,lzo,lz4-kernel | 11845632 773852 3313664 0 3313664 1362 0 59 59;"
                    + "11845632 769302 3313664 0 3313664 1362 0 59 59;11845632 754861 3289088 0 3289088 1362 0 60 60",
            "arm32      | --chain=8        | lz4-kernel             | 11845632 749481 1445888 0 1445888 1362 0 51 51",
            "arm32-lpae | --chain=8        | lz4-kernel             | 11845632 749481 3416064 0 3416064 1362 0 51 51",
            "arm32      | --chain=8        | zstd:3,zstd:1,zstd:7,zstd:-1 | "
                    + "11845632 480729 1368064 0 1368064 1362 0 0 0;11845632 495686 1482752 0 1482752 1362 0 0 0;"
                    + "11845632 479157 1277952 0 1277952 1362 0 0 0;11845632 612205 1626112 0 1626112 1362 0 44 44",
            "arm32-lpae | --chain=8        | zstd:3,zstd:1,zstd:7,zstd:-1 | "
                    + "11845632 480729 3399680 0 3399680 1362 0 0 0;11845632 495686 3375104 0 3375104 1362 0 0 0;"
                    + "11845632 479157 3375104 0 3375104 1362 0 0 0;11845632 612205 3424256 0 3424256 1362 0 44 44",
            "arm64      | --chain=8        | lz4-kernel             | 11845632 749481 1429504 0 1429504 1362 0 51 51",
            "arm64      | --chain=8        | zstd:3,zstd:1,zstd:7,zstd:-1 | "
                    + "11845632 480748 1339392 0 1339392 1362 0 0 0;11845632 495687 1429504 0 1429504 1362 0 0 0;"
                    + "11845632 479157 1290240 0 1290240 1362 0 0 0;11845632 612205 1556480 0 1556480 1362 0 44 44",
            "arm64      | --legacy-classes | lzo-rle,lzo,lz4-kernel | 11845632 773852 1089536 0 1089536 1362 0 59 59;"
                    + "11845632 769302 1060864 0 1060864 1362 0 59 59;11845632 754861 1024000 0 1024000 1362 0 60 60"})
    void armKernelsOnTheSamplesGiveTheirMmStat(String arch, String classes, String algos, String kernel)
            throws Exception {
        if (algos.contains("zstd")) { // the arm32 lines are 6.12's (zstd 1.5.2, the pom's), the arm64 ones 6.18's (1.5.7)
            String release = arch.startsWith("arm32") ? "1.5.2" : "1.5.7";
            String linked = CodecSpec.zstdRelease();
            Assumptions.assumeTrue(linked.equals(release), "the kernel's lib/zstd is " + release
                    + "; this build links zstd " + linked);
        }
        Run run = gmc("measure", "--format", "json", "--arch", arch, classes, "--algo", algos, "../samples");
        assertThat(run.code()).as(run.err()).isZero();
        JsonNode results = new ObjectMapper().readTree(run.out()).get("results");
        String[] want = kernel.split(";");
        assertThat(results.size()).isEqualTo(want.length);
        for (int i = 0; i < want.length; i++) {
            assertThat(results.get(i).get("mm_stat").asText()).as("%s %s", arch, algos.split(",")[i])
                    .isEqualTo(want[i]);
            if (arch.startsWith("arm32")) { // a 64-bit kernel is the default, which the settings do not name
                assertThat(results.get(i).get("settings").asText()).startsWith(arch + " kernel, ");
            }
        }
    }

    /**
     * A kernel between 6.3 and 6.11: Ubuntu 24.04's x86-64 6.8 wrote the bundled samples through its zram
     * (scripts/oracle/arm-zram.sh, docs/results/x86-64-zram/). Its zstd goes through the crypto API (level 3 at the
     * parameters for an unknown size): {@code zstd-crypto} must print its line, and 6.12's {@code zstd} must not.
     */
    @Test
    void linux68OnTheSamplesGivesItsMmStatWithZstdThroughTheCryptoApi() throws Exception {
        Run run = gmc("measure", "--format", "json", "--algo", "lzo-rle,lzo,lz4-kernel,zstd-crypto,zstd", "../samples");
        assertThat(run.code()).as(run.err()).isZero();
        JsonNode results = new ObjectMapper().readTree(run.out()).get("results");
        String[] want = {"11845632 771442 1515520 0 1515520 1362 0 55 55", "11845632 766884 1486848 0 1486848 1362 0 55 55",
            "11845632 749481 1429504 0 1429504 1362 0 51 51", "11845632 492054 1355776 0 1355776 1362 0 0 0"};
        for (int i = 0; i < want.length; i++) {
            assertThat(results.get(i).get("mm_stat").asText()).as(results.get(i).get("algorithm").asText())
                    .isEqualTo(want[i]);
        }
        assertThat(results.get(3).get("settings").asText()).contains("zstd-crypto: zstd 1.5.6 (Linux 6.2-6.11's output)");
        assertThat(results.get(4).get("mm_stat").asText()).isNotEqualTo(want[3]);
    }

    /**
     * Linux 6.14 and 6.17 (Ubuntu 24.04's HWE x86-64 kernels): zram's own backends, with lz4hc, deflate and 842. Both
     * wrote the bundled samples through their zram (scripts/oracle/arm-zram.sh, docs/results/x86-64-zram/);
     * {@code lz4hc-kernel}, {@code deflate} and {@code 842} must print their lines. Their zstd lines hold for the kernel's lib/zstd release (6.14: 1.5.2, the pom's;
     * 6.17: 1.5.7) and are checked when this build links it.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "6.14 | 1.5.2 | 11845632 480729 1372160 0 1372160 1362 0 0 0;11845632 495686 1429504 0 1429504 1362 0 0 0;"
                    + "11845632 479157 1290240 0 1290240 1362 0 0 0;11845632 612205 1556480 0 1556480 1362 0 44 44",
            "6.17 | 1.5.7 | 11845632 480748 1339392 0 1339392 1362 0 0 0;11845632 495687 1429504 0 1429504 1362 0 0 0;"
                    + "11845632 479157 1290240 0 1290240 1362 0 0 0;11845632 612205 1556480 0 1556480 1362 0 44 44"})
    void linux614And617OnTheSamplesGiveTheirMmStatWithLz4hcDeflateAnd842(String kernel, String release, String zstdLines)
            throws Exception {
        boolean zstd = CodecSpec.zstdRelease().equals(release);
        String algos = "lzo-rle,lzo,lz4-kernel,lz4hc-kernel,deflate,842" + (zstd ? ",zstd:3,zstd:1,zstd:7,zstd:-1" : "");
        Run run = gmc("measure", "--format", "json", "--algo", algos, "../samples");
        assertThat(run.code()).as(run.err()).isZero();
        JsonNode results = new ObjectMapper().readTree(run.out()).get("results");
        List<String> want = new ArrayList<>(List.of("11845632 771442 1515520 0 1515520 1362 0 55 55",
                "11845632 766884 1486848 0 1486848 1362 0 55 55", "11845632 749481 1429504 0 1429504 1362 0 51 51",
                "11845632 699728 1241088 0 1241088 1362 0 49 49", "11845632 537036 1605632 0 1605632 1362 0 0 0",
                "11845632 926840 2117632 0 2117632 1362 0 0 0"));
        if (zstd) {
            want.addAll(List.of(zstdLines.split(";")));
        }
        assertThat(results.size()).isEqualTo(want.size());
        for (int i = 0; i < want.size(); i++) {
            assertThat(results.get(i).get("mm_stat").asText()).as("%s %s", kernel, algos.split(",")[i])
                    .isEqualTo(want.get(i));
        }
    }

    /**
     * {@code --kernel VERSION} picks what that kernel's zram does: Ubuntu's 6.8 (the new pool, zstd through the crypto
     * API) and 5.15 (the pre-6.3 pool) wrote the bundled samples through their zram (docs/results/x86-64-zram/), and
     * plain {@code lz4}, {@code lz4hc} and {@code zstd} must print their lines, as the kernels' own codecs. What a
     * kernel cannot do is refused naming it.
     */
    /**
     * {@code measure --kernel KERNEL --algo ALGOS} on the samples: each result's mm_stat must be the kernel's line
     * ({@code want}, in --algo order) and its settings start with {@code settings}. Returns the results.
     */
    private static JsonNode kernelLines(String kernel, String algos, String settings, String... want) throws Exception {
        Run run = gmc("measure", "--format", "json", "--kernel", kernel, "--algo", algos, "../samples");
        assertThat(run.code()).as(run.err()).isZero();
        JsonNode r = new ObjectMapper().readTree(run.out()).get("results");
        assertThat(r).hasSize(want.length);
        for (int i = 0; i < want.length; i++) {
            assertThat(r.get(i).get("mm_stat").asText()).as(kernel + " " + r.get(i).get("algorithm").asText())
                    .isEqualTo(want[i]);
            assertThat(r.get(i).get("settings").asText()).startsWith(settings);
        }
        return r;
    }

    @Test
    void kernelOptionGivesThatKernelsLinesFromPlainCodecNames() throws Exception {
        JsonNode r68 = kernelLines("6.8.0-151-generic", "lzo-rle,lz4,zstd", "Linux 6.8, chain 8, ",
                "11845632 771442 1515520 0 1515520 1362 0 55 55", "11845632 749481 1429504 0 1429504 1362 0 51 51",
                "11845632 492054 1355776 0 1355776 1362 0 0 0");
        assertThat(r68.get(1).get("algorithm").asText()).isEqualTo("lz4-kernel");
        assertThat(r68.get(2).get("algorithm").asText()).isEqualTo("zstd-crypto");
        JsonNode r515 = kernelLines("5.15", "lzo-rle,lz4,lz4hc,deflate,842,zstd", "Linux 5.15, chain 4 legacy, ",
                "11845632 773852 1089536 0 1089536 1362 0 59 59", "11845632 754861 1024000 0 1024000 1362 0 60 60",
                "11845632 706620 942080 0 942080 1362 0 60 60", "11845632 537036 884736 0 884736 1362 0 0 0",
                "11845632 952488 1355776 0 1355776 1362 0 43 43", "11845632 489382 815104 0 815104 1362 0 0 0");
        assertThat(r515.get(5).get("algorithm").asText()).isEqualTo("zstd-1.3.1");
        assertThat(r515.get(5).get("settings").asText()).contains("zstd-1.3.1: zstd 1.3.1 (Linux 5.4-5.15's output)");
        // Debian's 7.3 (docs/results/x86-64-zram/linux-7.3-x86-64.txt: the samples lines)
        kernelLines("7.3.4+deb13-amd64", "lz4,lz4hc,deflate", "Linux 7.3, chain 8, ",
                "11845632 749481 1429504 0 1429504 1362 0 51 51", "11845632 699728 1241088 0 1241088 1362 0 49 49",
                "11845632 537036 1605632 0 1605632 1362 0 0 0");
        // Debian's 6.1 arm64 and Ubuntu's 5.19 (arm64-zram/linux-6.1-arm64-zstd.txt, x86-64-zram/linux-5.19-x86-64.txt)
        JsonNode r61 = kernelLines("android14-6.1", "zstd", "Linux 6.1, chain 4 legacy, ",
                "11845632 492355 798720 0 798720 1362 0 0 0");
        assertThat(r61.get(0).get("algorithm").asText()).isEqualTo("zstd-1.4.10");
        assertThat(r61.get(0).get("settings").asText()).contains("zstd-1.4.10: gmc's port of zstd 1.4.10");
        kernelLines("5.19", "zstd", "Linux 5.19, chain 4 legacy, ", "11845632 492355 798720 0 798720 1362 0 0 0");
        Run crypto61 = gmc("measure", "--kernel", "6.1", "--algo", "zstd-crypto", "../samples");
        assertThat(crypto61.code()).isEqualTo(1);
        assertThat(crypto61.err()).contains("--algo: zstd-crypto: Linux 6.1's zstd is zstd 1.4.10 (zstd-crypto is 6.2 "
                + "to 6.11's); use zstd");
        Run level61 = gmc("measure", "--kernel", "6.1", "--algo", "lz4:3", "../samples");
        assertThat(level61.err()).contains("Linux 6.1's zram takes no compression level");
        Run rc61 = gmc("measure", "--kernel", "6.1", "--recompress", "zstd", "../samples");
        assertThat(rc61.err()).contains("--recompress: Linux 6.1's zram has no recompression");
        Run legacy68 = gmc("measure", "--kernel", "6.8", "--legacy-classes", "../samples");
        assertThat(legacy68.err()).contains("Linux 6.8 has the classes of 6.3 and later");
        Run old = gmc("measure", "--kernel", "4.19", "../samples");
        assertThat(old.err()).contains("--kernel: Linux 4.19 (gmc emulates 5.4 and later)");
        Run unchecked = gmc("measure", "--format", "json", "--kernel", "6.6", "../samples");
        assertThat(new ObjectMapper().readTree(unchecked.out()).get("results").get(0).get("settings").asText())
                .startsWith("Linux 6.6 (not checked), ");
    }

    /**
     * arm64 with 16 KiB pages: Debian's arm64-16k kernels 6.12 and 6.18 wrote the bundled samples through their zram,
     * one 16 KiB page per write (scripts/oracle/arm-zram.sh; docs/results/arm64-16k-zram/). {@code --page-size 16k}
     * must print their mm_stat lines: 723 pages, 335 same-filled (of the 4 KiB run's 1,362), a pool of 2.5 MiB where
     * 4 KiB pages need 1.4 MiB. The zstd lines hold for the kernel's zstd release (6.12: 1.5.2, the pom's; 6.18:
     * 1.5.7, a build with -Dzstd.version=1.5.7-6); lz4's is the same on both.
     */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
            "6.12 | lz4-kernel,zstd:3,zstd:1,zstd:7,zstd:-1 | 11845632 578659 2572288 0 2572288 335 0 0 0;"
                    + "11845632 329304 2506752 0 2506752 335 0 0 0;11845632 345434 2998272 0 2998272 335 0 0 0;"
                    + "11845632 322871 2015232 0 2015232 335 0 0 0;11845632 419465 2719744 0 2719744 335 0 0 0",
            "6.18 | lz4-kernel,zstd:3,zstd:1,zstd:7,zstd:-1 | 11845632 578659 2572288 0 2572288 335 0 0 0;"
                    + "11845632 329292 2506752 0 2506752 335 0 0 0;11845632 345433 2998272 0 2998272 335 0 0 0;"
                    + "11845632 322871 2015232 0 2015232 335 0 0 0;11845632 419465 2719744 0 2719744 335 0 0 0"})
    void sixteenKiBPageKernelsOnTheSamplesGiveTheirMmStat(String kernel, String algos, String want) throws Exception {
        String release = kernel.equals("6.12") ? "1.5.2" : "1.5.7";
        Assumptions.assumeTrue(CodecSpec.zstdRelease().equals(release), "the kernel's lib/zstd is " + release
                + "; this build links zstd " + CodecSpec.zstdRelease());
        Run run = gmc("measure", "--format", "json", "--page-size", "16k", "--algo", algos, "../samples");
        assertThat(run.code()).as(run.err()).isZero();
        JsonNode results = new ObjectMapper().readTree(run.out()).get("results");
        String[] lines = want.split(";");
        assertThat(results.size()).isEqualTo(lines.length);
        for (int i = 0; i < lines.length; i++) {
            assertThat(results.get(i).get("mm_stat").asText()).as(algos.split(",")[i]).isEqualTo(lines[i]);
            assertThat(results.get(i).get("page_size").asInt()).isEqualTo(16384);
            assertThat(results.get(i).get("settings").asText()).startsWith("16 KiB pages, chain 8");
            assertThat(results.get(i).get("total").get("stored_length_histogram").has("1-256")).isTrue();
        }
    }

    @Test
    void aPageSizeNoKernelHasIsRefusedNamingTheOption(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("x.raw"), buffer(8, 3));
        Run bad = gmc("measure", "--page-size", "8k", dir.toString());
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("gmc measure: --page-size: '8k' (expected 4k, 16k or 64k)")
                .doesNotContain("Exception");
        Run arm32 = gmc("measure", "--page-size", "16k", "--arch", "arm32", dir.toString());
        assertThat(arm32.code()).isEqualTo(1);
        assertThat(arm32.err()).contains("--page-size: page size: 16384 bytes on a arm32 kernel (32-bit ARM kernels "
                + "have 4 KiB pages only");
        String plain = gmc("measure", "--format", "json", dir.toString()).out();
        assertThat(gmc("measure", "--format", "json", "--page-size", "4K", dir.toString()).out()).isEqualTo(plain);
        // 8 pages of 4 KiB are 2 of 16 KiB
        JsonNode r = new ObjectMapper().readTree(gmc("measure", "--format", "json", "--page-size", "16384",
                dir.toString()).out()).get("results").get(0);
        assertThat(r.get("total").get("pages").asLong()).isEqualTo(2);
    }

    @Test
    void classesPrintsTheSixteenKiBTable() throws Exception {
        Run run = gmc("classes", "--page-size", "16k");
        assertThat(run.code()).as(run.err()).isZero();
        List<String> lines = run.out().lines().toList();
        assertThat(lines.get(0)).contains("page=16384", "classes=121", "huge_class_size=14553");
        assertThat(lines).hasSize(2 + 121);
        assertThat(lines.get(2)).startsWith("0,32,");
        assertThat(lines.get(lines.size() - 1)).isEqualTo("256,16384,1,1,16384.00,14553,16384,1");
    }

    @Test
    void anUnknownArchIsNamedAndArm64IsTheDefault(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("x.raw"), buffer(8, 3));
        Run bad = gmc("measure", "--arch", "sparc", dir.toString());
        assertThat(bad.code()).isNotZero();
        assertThat(bad.err()).contains("--arch: kernel arch: 'sparc' (expected one of 64, arm32, arm32-lpae)")
                .doesNotContain("Exception");
        String plain = gmc("measure", "--format", "json", dir.toString()).out();
        assertThat(gmc("measure", "--format", "json", "--arch", "arm64", dir.toString()).out()).isEqualTo(plain);
    }

    @Test
    void jsonFiguresEqualAZramDeviceFedTheSamePages(@TempDir Path dir) throws Exception {
        byte[] a = buffer(300, 1);
        byte[] b = buffer(200, 2);
        Files.write(dir.resolve("a.bin"), a);
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(dir.resolve("b.bin.gz")))) {
            o.write(b);
        }
        Run run = gmc("measure", "--format", "json", "--algo", "lz4-kernel,zstd:3", dir.toString());
        assertThat(run.code()).as(run.err()).isZero();
        JsonNode root = new ObjectMapper().readTree(run.out());
        JsonNode lz4 = root.get("results").get(0);
        assertThat(lz4.get("algorithm").asText()).isEqualTo("lz4-kernel");
        assertThat(lz4.get("total").get("pages").asLong()).isEqualTo(500);
        assertThat(lz4.get("total").get("padded_tail_pages").asLong()).isEqualTo(2);

        int pages = 500;
        byte[] page = new byte[4096];
        try (ZramDevice dev = new ZramDevice(StoreConfig.defaults(), pages)) {
            int slot = 0;
            for (byte[] buf : new byte[][] {a, b}) {
                for (int off = 0; off < buf.length; off += 4096) {
                    java.util.Arrays.fill(page, (byte) 0);
                    System.arraycopy(buf, off, page, 0, Math.min(4096, buf.length - off));
                    dev.write(slot++, page, 0);
                }
            }
            assertThat(lz4.get("mm_stat").asText()).isEqualTo(dev.mmStat().toString().trim().replaceAll("\\s+", " "));
        }
        assertThat(root.get("results").get(1).get("algorithm").asText()).isEqualTo("zstd");
        // zram's zstd sizes hold for one zstd release only: the report names the one that ran (the pom pins 6.12's)
        // read on its own here (the report uses CodecSpec.zstdRelease), by reflection: a run-time value
        String linked = ((String) ZstdVersion.class.getField("VERSION").get(null)).replaceFirst("-.*", "");
        assertThat(root.get("results").get(1).get("settings").asText()).endsWith(", zstd " + linked + " (Linux "
                + (linked.equals("1.5.2") ? "6.12" : "6.18") + "'s)");
        assertThat(lz4.get("settings").asText()).doesNotContain("zstd");
    }

    /**
     * {@code --recompress}: each algorithm gets a second result after recompression; its figures equal a ZramDevice
     * written with the same pages, marked idle, recompressed and compacted (pages_compacted aside), for any thread
     * count. Bad settings are named.
     */
    @Test
    void recompressionFiguresEqualAZramDeviceRecompressedAndCompacted(@TempDir Path dir) throws Exception {
        byte[] a = buffer(400, 5);
        SplittableRandom r = new SplittableRandom(6);
        for (int i = 300 * 4096; i < a.length; i += 2) {
            a[i] = (byte) (0x30 + r.nextInt(16)); // 16 symbols at every other byte: huge for LZ4, not for zstd
        }
        Files.write(dir.resolve("a.bin"), a);
        for (String[] v : new String[][] {{"all", "0"}, {"huge_idle", "0"}, {"all", "3000"}}) {
            Run run = gmc("measure", "--format", "json", "--threads", "3", "--recompress", "lz4hc:12,zstd:9",
                    "--recompress-type", v[0], "--recompress-threshold", v[1], dir.toString());
            assertThat(run.code()).as(run.err()).isZero();
            JsonNode results = new ObjectMapper().readTree(run.out()).get("results");
            assertThat(results).hasSize(2);
            JsonNode rc = results.get(1);
            assertThat(rc.get("recompress").toString()).isEqualTo("[\"lz4hc:12\",\"zstd:9\"]");
            StoreConfig cfg = StoreConfig.defaults().withRecompressCodecs(
                    java.util.List.of(CodecSpec.parse("lz4hc:12"), CodecSpec.parse("zstd:9")));
            byte[] page = new byte[4096];
            try (ZramDevice dev = new ZramDevice(cfg, 400)) {
                for (int off = 0, slot = 0; off < a.length; off += 4096) {
                    java.util.Arrays.fill(page, (byte) 0);
                    System.arraycopy(a, off, page, 0, Math.min(4096, a.length - off));
                    dev.write(slot++, page, 0);
                }
                assertThat(results.get(0).get("mm_stat").asText())
                        .isEqualTo(dev.mmStat().toString().trim().replaceAll("\\s+", " "));
                dev.markIdle();
                ZramDevice.RecompressReport rep = dev.recompress(ZramDevice.RecompressRequest.parse(
                        "type=" + v[0] + " threshold=" + v[1]));
                dev.compact();
                String[] want = dev.mmStat().toString().trim().split("\\s+");
                assertThat(rep.recompressed()).as("%s", (Object) v).isPositive();
                want[6] = "-"; // pages_compacted: depends on the write order, not given
                assertThat(rc.get("mm_stat").asText()).as("%s", (Object) v).isEqualTo(String.join(" ", want));
                assertThat(rc.get("recompressed_pages").asLong()).isEqualTo(rep.recompressed()).isPositive();
                assertThat(rc.get("mm_stat_fields").get("pagesCompacted").isNull()).isTrue();
            }
        }
        assertThat(gmc("measure", "--recompress", "zstd", "--recompress-threshold", "3625", dir.toString()).err())
                .contains("--recompress-threshold: 3625");
        assertThat(gmc("measure", "--recompress", "zstd", "--recompress-type", "cold", dir.toString()).err())
                .contains("--recompress-type: 'cold'");
        assertThat(gmc("measure", "--recompress-type", "huge", dir.toString()).err()).contains("need --recompress");
        Run table = gmc("measure", "--recompress", "zstd:9", dir.toString());
        assertThat(table.out()).contains("algorithm lz4-kernel -> zstd:9").contains("recompressed ")
                .contains("after recompress + compact");
    }

    @Test
    void everyFigureIsTheSameForAnyThreadCount(@TempDir Path dir) throws Exception {
        for (int i = 0; i < 3; i++) {
            Files.write(dir.resolve("f" + i + ".bin"), buffer(700 + 131 * i, 20 + i)); // chunks of 256 and tails
        }
        String one = gmc("measure", "--threads", "1", "--format", "json", "--algo", "lz4-kernel,lz4,zstd:3,lz4hc:9",
                dir.toString()).out();
        String three = gmc("measure", "--threads", "3", "--format", "json", "--algo", "lz4-kernel,lz4,zstd:3,lz4hc:9",
                dir.toString()).out();
        assertThat(one).contains("mm_stat").isEqualTo(three);
    }

    @Test
    void tableIsTheDefaultAndPrintsTheMmStatLine(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("x.raw"), buffer(40, 3));
        Run run = gmc("measure", dir.toString());
        assertThat(run.code()).isZero();
        assertThat(run.out()).contains("algorithm lz4-kernel").contains("mm_stat").contains("x.raw").contains("total");
    }

    @Test
    void theTableNamesFilesWhoseLastPageWasShort(@TempDir Path dir) throws Exception {
        // The figures count a zero-padded page either way; a person reading the table must learn which file was cut.
        Files.write(dir.resolve("whole.raw"), java.util.Arrays.copyOf(buffer(4, 3), 4 * 4096));
        Files.write(dir.resolve("cut.raw"), buffer(4, 4)); // ends 1000 bytes short of a page
        Run run = gmc("measure", dir.toString());
        assertThat(run.code()).isZero();
        Run whole = gmc("measure", dir.resolve("whole.raw").toString());
        assertThat(whole.out()).contains("whole.raw").doesNotContain("short page");
        String note = run.out().lines().filter(l -> l.contains("short page")).findFirst().orElseThrow();
        assertThat(note).contains("1 file(s) end in a short page, measured zero-padded").contains("cut.raw")
                .doesNotContain("whole.raw");
        assertThat(run.out()).contains("(a truncated dump?)");

        // An image's surface and a manifest buffer have the size they have: their short last page is noted apart,
        // without suggesting that the input was cut.
        Path sized = dir.resolve("sized");
        Files.createDirectories(sized);
        Files.write(sized.resolve("pages.bin"), buffer(4, 5));
        Files.writeString(sized.resolve("manifest.json"), "{\"gmc_manifest\": 1, \"buffers\": ["
                + "{\"name\": \"fb\", \"type\": \"colour-buffer\", \"file\": \"pages.bin\", \"length\": 10000}]}");
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(10, 10, java.awt.image.BufferedImage.TYPE_INT_RGB);
        javax.imageio.ImageIO.write(img, "png", dir.resolve("icon.png").toFile());
        Run own = gmc("measure", sized.resolve("manifest.json").toString(), dir.resolve("icon.png").toString(),
                dir.resolve("cut.raw").toString());
        assertThat(own.code()).as(own.err()).isZero();
        List<String> notes = own.out().lines().filter(l -> l.contains("short page")).toList();
        assertThat(notes).hasSize(2);
        assertThat(notes.get(0)).contains("1 file(s)").contains("cut.raw").contains("truncated")
                .doesNotContain("icon.png").doesNotContain("fb");
        assertThat(notes.get(1)).contains("2 image(s) or manifest buffer(s) end in a short page").contains("fb")
                .contains("icon.png").doesNotContain("truncated").doesNotContain("cut.raw");
    }

    @Test
    void missingAndCorruptInputsAreNamedAndKeepGoingReportsTheRest(@TempDir Path dir) throws Exception {
        Run missing = gmc("measure", dir.resolve("nope.bin").toString());
        assertThat(missing.code()).isNotZero();
        assertThat(missing.err()).contains("nope.bin").contains("no such file").doesNotContain("Exception");

        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (OutputStream o = new GZIPOutputStream(gz)) {
            o.write(buffer(50, 4));
        }
        byte[] truncated = java.util.Arrays.copyOf(gz.toByteArray(), gz.size() / 2);
        Files.write(dir.resolve("bad.bin.gz"), truncated);
        Files.write(dir.resolve("good.bin"), buffer(10, 5));
        Run strict = gmc("measure", dir.toString());
        assertThat(strict.code()).isNotZero();
        assertThat(strict.err()).contains("bad.bin.gz at decompressed byte ").contains("--keep-going");

        Run lenient = gmc("measure", "--keep-going", "--format", "csv", dir.toString());
        assertThat(lenient.code()).isEqualTo(2);
        assertThat(lenient.err()).contains("bad.bin.gz");
        assertThat(lenient.out()).contains("good.bin,10,");
    }

    @Test
    void aCorruptCompressedDumpNamesItsFormatAndTheDecompressedByteWhereItFailed(@TempDir Path dir)
            throws Exception {
        // gzip checks its trailer's CRC only after it has inflated everything: the failure is at the data's end
        byte[] data = buffer(50, 4);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (OutputStream o = new GZIPOutputStream(gz)) {
            o.write(data);
        }
        byte[] badCrc = gz.toByteArray();
        badCrc[badCrc.length - 8] ^= 1; // the trailer: CRC-32, then ISIZE
        Files.write(dir.resolve("crc.bin.gz"), badCrc);
        Run gzRun = gmc("measure", dir.resolve("crc.bin.gz").toString());
        assertThat(gzRun.code()).isEqualTo(1);
        assertThat(gzRun.err()).contains("cannot read " + dir.resolve("crc.bin.gz") + " at decompressed byte "
                + data.length + ": gzip: Corrupt GZIP trailer");

        ByteArrayOutputStream zst = new ByteArrayOutputStream();
        try (OutputStream o = new com.github.luben.zstd.ZstdOutputStream(zst)) {
            o.write(data);
        }
        byte[] cut = java.util.Arrays.copyOf(zst.toByteArray(), zst.size() - 3);
        Files.write(dir.resolve("cut.bin.zst"), cut);
        Run zstRun = gmc("measure", dir.resolve("cut.bin.zst").toString());
        assertThat(zstRun.code()).isEqualTo(1);
        assertThat(zstRun.err()).contains("cut.bin.zst at decompressed byte ").contains(": zstd: ")
                .doesNotContain("\tat ");
    }

    @Test
    void aTruncatedXzDumpIsNamedAsTruncatedNotNull(@TempDir Path dir) throws Exception {
        // The xz decoder throws a bare EOFException (no message) on a cut stream; the user must still learn what.
        byte[] xz = xz(buffer(50, 4));
        Files.write(dir.resolve("cut.bin.xz"), java.util.Arrays.copyOf(xz, xz.length / 2));
        Run run = gmc("measure", dir.resolve("cut.bin.xz").toString());
        assertThat(run.code()).isEqualTo(1);
        assertThat(run.err()).contains("cut.bin.xz at decompressed byte ").contains("truncated")
                .doesNotContain("null").doesNotContain("\tat ");
    }

    @Test
    void aCompressedStreamIsRecognisedByItsMagicBytes(@TempDir Path dir) throws Exception {
        // A FIFO (as standard input) has no telling name: gzip, zstd and xz streams are found by their magic and
        // give the same figures as the raw pages; before, the compressed bytes themselves were measured.
        byte[] raw = buffer(30, 9);
        Files.write(dir.resolve("raw.bin"), raw);
        String want = gmc("measure", "--format", "csv", dir.resolve("raw.bin").toString()).out().split("\n")[1]
                .replaceFirst(",[^,]*,", ",X,");
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (OutputStream o = new GZIPOutputStream(gz)) {
            o.write(raw);
        }
        byte[][] streams = {gz.toByteArray(), com.github.luben.zstd.Zstd.compress(raw), xz(raw), raw};
        for (byte[] stream : streams) {
            Path fifo = dir.resolve("pipe");
            Files.deleteIfExists(fifo);
            org.junit.jupiter.api.Assumptions.assumeTrue(
                    new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0, "mkfifo");
            Thread writer = new Thread(() -> {
                try (OutputStream o = Files.newOutputStream(fifo)) {
                    o.write(stream);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            writer.start();
            Run run = gmc("measure", "--format", "csv", fifo.toString());
            writer.join();
            assertThat(run.code()).as(run.err()).isZero();
            assertThat(run.out().split("\n")[1].replaceFirst(",[^,]*,", ",X,")).isEqualTo(want);
        }
    }

    @Test
    void htmlReportIsOneSelfContainedPageWithTheFiguresAndFourCharts(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("a.bin"), buffer(120, 7));
        Files.write(dir.resolve("b <&> c.bin"), buffer(60, 8)); // a name that must be escaped
        Path html = dir.resolve("report.html");
        Run run = gmc("measure", "--format", "json", "--algo", "lz4-kernel,zstd:3", "--html", html.toString(),
                dir.resolve("a.bin").toString(), dir.resolve("b <&> c.bin").toString());
        assertThat(run.code()).as(run.err()).isZero();
        String page = Files.readString(html);
        assertThat(page).startsWith("<!DOCTYPE html>").endsWith("</html>\n");
        assertThat(page.split("src=\"data:image/png;base64,", -1)).hasSize(5);
        assertThat(page).doesNotContain("http://").doesNotContain("https://").doesNotContain("<script")
                .doesNotContain("b <&> c").contains("b &lt;&amp;&gt; c.bin");
        JsonNode root = new ObjectMapper().readTree(run.out());
        String[] raw = {"lz4-kernel", "zstd"};
        for (int i = 0; i < raw.length; i++) {
            JsonNode f = root.get("results").get(i).get("mm_stat_fields");
            assertThat(page).contains(String.format("%8d %8d %8d", f.get("origDataSize").asLong(),
                    f.get("comprDataSize").asLong(), f.get("memUsedTotal").asLong()));
        }
    }

    @Test
    void zstdWithATrainedDictionaryIsMeasuredBesideThePlainCodec(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("a.bin"), buffer(400, 9));
        Run run = gmc("measure", "--format", "json", "--algo", "zstd:3,zstd:3+dict", "--dict-pages", "64",
                "--dict-size", "8192", dir.toString());
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.err()).contains("trained on the first 64 non-same-filled pages");
        JsonNode results = new ObjectMapper().readTree(run.out()).get("results");
        assertThat(results.get(1).get("algorithm").asText()).isEqualTo("zstd+dict");
        JsonNode plain = results.get(0).get("mm_stat_fields");
        JsonNode dict = results.get(1).get("mm_stat_fields");
        assertThat(dict.get("origDataSize").asLong()).isEqualTo(plain.get("origDataSize").asLong());
        assertThat(dict.get("comprDataSize").asLong()).isNotEqualTo(plain.get("comprDataSize").asLong());
        Files.write(dir.resolve("a.bin"), new byte[40 * 4096]); // zero pages only: nothing to train on
        Run nothing = gmc("measure", "--algo", "zstd:3+dict", dir.toString());
        assertThat(nothing.code()).isNotZero();
        assertThat(nothing.err()).contains("0 sample pages").doesNotContain("Exception");
        // a codec that takes no dictionary is refused before any training
        Files.write(dir.resolve("a.bin"), buffer(400, 9));
        Run crypto = gmc("measure", "--algo", "zstd-crypto+dict", dir.toString());
        assertThat(crypto.code()).isEqualTo(1);
        assertThat(crypto.err()).contains("--algo: 'zstd-crypto+dict': only zstd takes a dictionary, not zstd-crypto")
                .doesNotContain("trained");
    }

    @Test
    void everySubcommandHasHelp() {
        java.util.Set<String> subs = new picocli.CommandLine(new Main()).getSubcommands().keySet();
        assertThat(subs).contains("measure", "zram-replay", "sweep", "new-policy");
        for (String sub : subs) {
            Run r = gmc(sub, "--help");
            assertThat(r.code()).as(sub).isZero();
            assertThat(r.out()).as(sub).contains("Usage: gmc " + sub);
        }
    }

    /** The --kernel help names every version that was booted against gmc, no fewer. */
    @Test
    void theKernelHelpListsEveryCheckedVersion() {
        String help = gmc("measure", "--help").out().replaceAll("\\s+", " ");
        assertThat(help).contains("Checked: " + String.join(", ", dev.gmc.core.store.ZramKernel.CHECKED) + ".");
    }
}
