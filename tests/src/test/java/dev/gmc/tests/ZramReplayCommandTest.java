package dev.gmc.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gmc.core.codec.TestPages;
import dev.gmc.tests.MeasureCommandTest.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gmc zram-replay} against the kernels' own output of the same workloads (docs/results/x86-64-zram/, made by
 * scripts/oracle/arm-zram.sh on the synthetic pages): equal where gmc behaves as that kernel, the first difference
 * named where it behaves as another, and bad input refused with the line it is on.
 */
class ZramReplayCommandTest {
    private static final String OPS = "../gmc-core/src/test/resources/golden/";
    private static final String RESULTS = "../docs/results/x86-64-zram/";

    @TempDir
    static Path dir;

    private static Run gmc(String... args) {
        return MeasureCommandTest.gmc(args);
    }
    static Path pages;

    @BeforeAll
    static void pages() throws Exception {
        pages = dir.resolve("synthetic-seed1-1200.bin"); // the script's CHURN_SRC
        Files.write(pages, TestPages.pages(1, 1200));
    }

    @Test
    void writebackOn73EqualsThatKernelsLinesAnd617sDoNot() throws Exception {
        Run same = gmc("zram-replay", OPS + "zram-writeback.ops", "--pages", pages.toString(), "--kernel",
                "7.3", "--check", RESULTS + "fragment-writeback-linux-7.3-x86-64.txt");
        assertThat(same.code()).as(same.err()).isZero();
        assertThat(same.out()).contains("wb lz4 1157 mm 4096000 558070 1417216 0 2437120 167 0 0 168 bd 300 27 300")
                .contains("# equal to ").contains(": 15 lines").contains("1250 page reads checked, 3 refusals");
        // 6.17 leaves block 0 unused: one page fewer fits on the backing device
        Run other = gmc("zram-replay", OPS + "zram-writeback.ops", "--pages", pages.toString(), "--kernel",
                "6.17", "--check", RESULTS + "fragment-writeback-linux-7.3-x86-64.txt");
        assertThat(other.code()).isEqualTo(1);
        assertThat(other.out()).contains("# not equal to ").contains("line 5 differs: kernel 'wb lz4 1157 mm 4096000 "
                + "558070").contains("gmc 'wb lz4 1157 mm 4096000 560374");
    }

    /** --compressed-writeback (the script's WB_COMPRESSED=1) on 7.3, and refused by a kernel without it. */
    @Test
    void compressedWritebackOn73EqualsThatKernelsLines() throws Exception {
        Run on = gmc("zram-replay", OPS + "zram-writeback.ops", "--pages", pages.toString(), "--kernel", "7.3",
                "--compressed-writeback", "--check", RESULTS + "writeback-compressed-linux-7.3-x86-64.txt");
        assertThat(on.code()).as(on.out() + on.err()).isZero();
        assertThat(on.out()).contains("backing blocks, compressed_writeback").contains(": 15 lines")
                .contains("1250 page reads checked");
        Run old = gmc("zram-replay", OPS + "zram-writeback.ops", "--pages", pages.toString(), "--kernel", "6.19",
                "--compressed-writeback");
        assertThat(old.code()).isEqualTo(1);
        assertThat(old.err()).contains("--compressed-writeback: compressed_writeback: this device's kernel has no such "
                + "attribute (it came with 7.0)");
    }

    @Test
    void idleByAgeOn62AndTheGrammarOn70InJson() throws Exception {
        Run age = gmc("zram-replay", OPS + "zram-idle-age.ops", "--pages", pages.toString(), "--kernel",
                "6.2", "--check", RESULTS + "idle-age-linux-6.2-x86-64.txt");
        assertThat(age.code()).as(age.out() + age.err()).isZero();
        Run grammar = gmc("zram-replay", OPS + "zram-writeback-grammar.ops", "--pages", pages.toString(),
                "--kernel", "7.0.0-43-generic", "--format", "json", "--check",
                RESULTS + "writeback-grammar-linux-7.0-x86-64.txt");
        assertThat(grammar.code()).as(grammar.out() + grammar.err()).isZero();
        JsonNode r = new ObjectMapper().readTree(grammar.out());
        assertThat(r.get("equal").asBoolean()).isTrue();
        assertThat(r.get("settings").asText()).startsWith("Linux 7.0, lz4-kernel, 4096-byte pages");
        assertThat(r.get("refusals").size()).isGreaterThan(5);
        assertThat(r.get("pages_checked").asLong()).isGreaterThanOrEqualTo(1000);
    }

    /** Churn ops with compaction checkpoints, zstd included where gmc links the kernel's zstd release (6.14's). */
    @Test
    void churnOn614EqualsThatKernelsCheckpoints() throws Exception {
        for (String algo : new String[] {"lz4", "zstd", "deflate"}) {
            Run churn = gmc("zram-replay", OPS + "arm-churn.ops", "--pages",
                    pages.toString(), "--kernel", "6.14", "--algo", algo, "--check",
                    RESULTS + "churn-linux-6.14-x86-64.txt");
            if (algo.equals("zstd") && churn.err().contains("this gmc links zstd")) {
                continue; // a -Dzstd.version=1.5.7-6 build
            }
            assertThat(churn.code()).as(algo + churn.out() + churn.err()).isZero();
            assertThat(churn.out()).contains("churn " + algo + " 1000 compacted").contains(": 8 lines");
        }
    }

    @Test
    void badInputIsNamedWithItsLine() throws Exception {
        Path ops = dir.resolve("bad.ops");
        Files.writeString(ops, "W 0 1\nW 0 5000\n");
        Run src = gmc("zram-replay", ops.toString(), "--pages", pages.toString());
        assertThat(src.code()).isEqualTo(1);
        assertThat(src.err()).contains("bad.ops: ops line 2: 'W 0 5000' (source page '5000': expected 0..1199)");
        Files.writeString(ops, "W 0 1\nX\n");
        Run op = gmc("zram-replay", ops.toString(), "--pages", pages.toString());
        assertThat(op.err()).contains("ops line 2: 'X' (expected W, R, D, I, A, B, C, S, E, L, Q, T or U)");
        Files.write(ops, "W 0 1\nW 1 \u00e92\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        Run latin1 = gmc("zram-replay", ops.toString(), "--pages", pages.toString());
        assertThat(latin1.code()).isEqualTo(1); // was "Input length = 1" (stop 40's InputFuzzTest)
        assertThat(latin1.err()).contains(ops + ":2: column 5: byte 0xe9 (file offset 10) is not UTF-8");
        Files.writeString(ops, "W 0 1\nB idle\n");
        Run nodev = gmc("zram-replay", ops.toString(), "--pages", pages.toString(), "--backing", "0");
        assertThat(nodev.err()).contains("ops line 2: 'B idle': writeback: this zram device has no backing device "
                + "(ENODEV)");
        Path odd = dir.resolve("odd.bin");
        Files.write(odd, new byte[5000]);
        Run size = gmc("zram-replay", ops.toString(), "--pages", odd.toString());
        assertThat(size.err()).contains("source pages: 5000 bytes (expected a non-zero multiple of the device's "
                + "4096-byte page)");
        Run missing = gmc("zram-replay", dir.resolve("none.ops").toString(), "--pages", pages.toString());
        assertThat(missing.err()).contains("OPS: ").contains("none.ops (no such file)");
        Run batch = gmc("zram-replay", ops.toString(), "--pages", pages.toString(), "--kernel", "6.18", "--batch", "8");
        assertThat(batch.err()).contains("--batch: writeback_batch_size: this device's kernel has no such attribute "
                + "(it came with 6.19)");
        Run old = gmc("zram-replay", ops.toString(), "--pages", pages.toString(), "--kernel", "6.1",
                "--algo", "zstd-crypto");
        assertThat(old.err()).contains("--algo: zstd-crypto: Linux 6.1's zstd is zstd 1.4.10 (zstd-crypto is 6.2 to "
                + "6.11's); use zstd");
    }
}
