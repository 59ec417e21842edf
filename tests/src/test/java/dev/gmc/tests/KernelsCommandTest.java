package dev.gmc.tests;

import static dev.gmc.tests.MeasureCommandTest.gmc;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gmc.core.codec.CodecSpec;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code gmc kernels}: the bundled samples as Android's GKI branches' zram stores them. The rows whose kernel was booted
 * against gmc must carry that kernel's own samples line (docs/results/: 5.15's lz4 and zstd, 6.1's and 5.19's zstd
 * 1.4.10, 6.8's lz4 for 6.6, 6.14's zstd 1.5.2 for 6.12), and what a kernel cannot do is a refused row with the reason,
 * the other rows still printed.
 */
class KernelsCommandTest {

    @Test
    void theGkiBranchesGiveTheirKernelsLines() throws Exception {
        MeasureCommandTest.Run run = gmc("kernels", "--format", "json", "../samples");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.err()).contains("android16-6.12 (Linux 6.12), 5 of 5");
        Map<String, JsonNode> rows = new HashMap<>();
        for (JsonNode r : new ObjectMapper().readTree(run.out()).get("rows")) {
            rows.put(r.get("kernel").asText() + " " + r.get("algo").asText(), r);
        }
        assertThat(rows).hasSize(15);
        assertThat(line(rows.get("android13-5.15 lz4"))).isEqualTo("11845632 754861 1024000 0 1024000 1362 0 60 60");
        assertThat(line(rows.get("android13-5.15 zstd"))).isEqualTo("11845632 489382 815104 0 815104 1362 0 0 0");
        assertThat(rows.get("android13-5.15 zstd").get("codec").asText()).isEqualTo("zstd-1.3.1");
        assertThat(line(rows.get("android15-6.6 lz4"))).isEqualTo("11845632 749481 1429504 0 1429504 1362 0 51 51");
        assertThat(line(rows.get("android15-6.6 zstd"))).isEqualTo("11845632 492054 1355776 0 1355776 1362 0 0 0");
        assertThat(rows.get("android15-6.6 zstd").get("checked").asBoolean()).isFalse(); // between 6.5 and 6.8
        // arm64-zram/linux-6.1-arm64-zstd.txt and x86-64-zram/linux-5.19-x86-64.txt: the samples line of both
        assertThat(line(rows.get("android14-6.1 zstd"))).isEqualTo("11845632 492355 798720 0 798720 1362 0 0 0");
        assertThat(rows.get("android14-6.1 zstd").get("codec").asText()).isEqualTo("zstd-1.4.10");
        assertThat(rows.get("android14-6.1 zstd").get("checked").asBoolean()).isTrue();
        assertThat(line(rows.get("android12-5.10 zstd"))).isEqualTo("11845632 489382 815104 0 815104 1362 0 0 0");
        if (CodecSpec.zstdRelease().equals("1.5.2")) { // 6.12's lib/zstd; a 1.5.7 build refuses the row instead
            assertThat(line(rows.get("android16-6.12 zstd"))).isEqualTo("11845632 480729 1372160 0 1372160 1362 0 0 0");
        } else {
            assertThat(rows.get("android16-6.12 zstd").get("refused").asText()).contains("this gmc links zstd");
        }
    }

    /** At 16 KiB pages only 6.12, 6.18 and 7.3 were booted: the legacy pool of 5.x and 6.1 is not marked checked. */
    @Test
    void sixteenKiBPagesMarkWhatWasCheckedThere() throws Exception {
        MeasureCommandTest.Run run = gmc("kernels", "--format", "json", "--page-size", "16k", "--kernels",
                "android13-5.15,android16-6.12", "--algo", "lz4", "../samples");
        assertThat(run.code()).as(run.err()).isZero();
        JsonNode rows = new ObjectMapper().readTree(run.out()).get("rows");
        assertThat(rows.get(0).get("checked").asBoolean()).isFalse();
        assertThat(rows.get(0).get("settings").asText()).startsWith("Linux 5.15 (not checked at 16 KiB pages), ");
        assertThat(rows.get(1).get("checked").asBoolean()).isTrue();
        assertThat(rows.get(1).get("settings").asText()).startsWith("Linux 6.12, 16 KiB pages, ");
        MeasureCommandTest.Run table = gmc("kernels", "--page-size", "16k", "--kernels", "5.15", "--algo", "lz4",
                "../samples");
        assertThat(table.out()).contains("no (checked at 4 KiB pages only)");
    }

    @Test
    void theChartIsAPngAndAllRefusedDrawsNothing(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path png = dir.resolve("k/kernels.png");
        MeasureCommandTest.Run run = gmc("kernels", "--kernels", "5.15,6.1", "--chart", png.toString(), "../samples");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("chart: " + png);
        byte[] head = java.util.Arrays.copyOf(java.nio.file.Files.readAllBytes(png), 8);
        assertThat(head).containsExactly(0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n');
        MeasureCommandTest.Run none = gmc("kernels", "--kernels", "6.1", "--algo", "lz4:3", "--chart",
                dir.resolve("none.png").toString(), "../samples");
        assertThat(none.code()).isEqualTo(1);
        assertThat(none.err()).contains("every row was refused, nothing to draw");
    }

    @Test
    void tableAndCsvNameEachRowAndBadInputFailsTheCommand() {
        MeasureCommandTest.Run table = gmc("kernels", "--kernels", "5.15,6.1", "--algo", "zstd,lz4:3", "../samples");
        assertThat(table.code()).isZero();
        assertThat(table.out()).containsPattern("5\\.15 +5\\.15 +zstd +zstd-1\\.3\\.1 +11845632 +489382 +815104 +14\\.53x +yes")
                .containsPattern("6\\.1 +6\\.1 +zstd +zstd-1\\.4\\.10 +11845632 +492355 +798720 +14\\.83x +yes")
                .containsPattern("6\\.1 +6\\.1 +lz4:3 +refused: lz4:3: Linux 6\\.1's zram takes no compression level");
        MeasureCommandTest.Run csv = gmc("kernels", "--format", "csv", "--kernels", "android14-6.1", "--algo",
                "lz4,zstd", "../samples");
        assertThat(csv.out().lines().toList()).hasSize(3).first().asString()
                .startsWith("kernel,linux,algo,codec,orig_data_size,compr_data_size,mem_used_total,ratio,checked,refused");
        assertThat(csv.out()).contains("android14-6.1,6.1,lz4,lz4-kernel,11845632,754861,1024000,11.5680,true,")
                .contains("android14-6.1,6.1,zstd,zstd-1.4.10,11845632,492355,798720,14.8308,true,");
        MeasureCommandTest.Run old = gmc("kernels", "--kernels", "6.6,4.19", "../samples");
        assertThat(old.code()).isEqualTo(1);
        assertThat(old.err()).contains("Linux 4.19 (gmc emulates 5.4 and later)");
        MeasureCommandTest.Run missing = gmc("kernels", "--kernels", "6.6", "no-such-dump.bin");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("no-such-dump.bin").doesNotContain("refused");
    }

    private static String line(JsonNode row) {
        assertThat(row.has("refused")).as(row.toString()).isFalse();
        StringBuilder b = new StringBuilder();
        for (JsonNode v : row.get("mm_stat")) {
            b.append(b.length() == 0 ? "" : " ").append(v.asLong());
        }
        return b.toString();
    }
}
