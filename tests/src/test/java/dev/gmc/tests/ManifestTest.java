package dev.gmc.tests;

import static dev.gmc.tests.MeasureCommandTest.buffer;
import static dev.gmc.tests.MeasureCommandTest.gmc;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dump manifests: buffers that are byte ranges of one file are measured exactly as the same bytes in separate raw
 * files (the oracle), and grouped by type and owner; a truncated entry is named.
 */
class ManifestTest {

    @Test
    void manifestBuffersEqualTheSameBytesAsFilesAndGroupByTypeAndOwner(@TempDir Path dir) throws Exception {
        byte[] a = Arrays.copyOf(buffer(30, 11), 30 * 4096);
        byte[] b = buffer(20, 12); // a partial last page
        byte[] c = Arrays.copyOf(buffer(10, 13), 10 * 4096);
        byte[] all = new byte[a.length + b.length + c.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        System.arraycopy(c, 0, all, a.length + b.length, c.length);
        Path dump = Files.createDirectories(dir.resolve("dump"));
        Files.write(dump.resolve("pages.bin"), all);
        Files.writeString(dump.resolve("manifest.tsv"), "name\towner\ttype\tformat\twidth\theight\tstride\tfile\toffset"
                + "\tlength\n"
                + "tex\tgame (1)\ttexture\trgba8888\t128\t240\t512\tpages.bin\t0\t" + a.length + "\n"
                + "fb\tgame (1)\tcolour-buffer\trgba8888\t-\t-\t-\tpages.bin\t" + a.length + "\t" + b.length + "\n"
                + "vbo\tui (2)\tvertex\t-\t-\t-\t-\tpages.bin\t" + (a.length + b.length) + "\t" + c.length + "\n");
        Path raw = Files.createDirectories(dir.resolve("raw"));
        Files.write(raw.resolve("1-tex"), a);
        Files.write(raw.resolve("2-fb"), b);
        Files.write(raw.resolve("3-vbo"), c);

        ObjectMapper om = new ObjectMapper();
        MeasureCommandTest.Run m = gmc("measure", "--format", "json", dump.toString());
        MeasureCommandTest.Run r = gmc("measure", "--format", "json", raw.toString());
        assertThat(m.code()).as(m.err()).isZero();
        JsonNode mr = om.readTree(m.out()).get("results").get(0);
        JsonNode rr = om.readTree(r.out()).get("results").get(0);
        assertThat(mr.get("mm_stat").asText()).isEqualTo(rr.get("mm_stat").asText());
        assertThat(mr.get("total").get("padded_tail_pages").asLong()).isEqualTo(1);
        for (int i = 0; i < 3; i++) {
            JsonNode x = mr.get("per_file").get(i);
            JsonNode y = rr.get("per_file").get(i);
            assertThat(x.get("compressed_bytes")).isEqualTo(y.get("compressed_bytes"));
            assertThat(x.get("pages")).isEqualTo(y.get("pages"));
        }
        JsonNode owners = mr.get("per_owner");
        assertThat(owners.get(0).get("file").asText()).isEqualTo("game (1)");
        assertThat(owners.get(0).get("pages").asLong()).isEqualTo(50);
        assertThat(owners.get(0).get("compressed_bytes").asLong()).isEqualTo(
                rr.get("per_file").get(0).get("compressed_bytes").asLong()
                        + rr.get("per_file").get(1).get("compressed_bytes").asLong());
        assertThat(mr.get("per_type")).extracting(n -> n.get("file").asText())
                .containsExactly("colour-buffer", "texture", "vertex");
    }

    @Test
    void aTruncatedOrMalformedEntryIsNamed(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("pages.bin"), buffer(4, 1));
        Files.writeString(dir.resolve("manifest.json"), "{\"gmc_manifest\": 1, \"buffers\": ["
                + "{\"name\": \"ok\", \"type\": \"depth\", \"file\": \"pages.bin\", \"offset\": 0, \"length\": 4096},"
                + "{\"name\": \"cut\", \"type\": \"texture\", \"file\": \"pages.bin\", \"offset\": 8192, "
                + "\"length\": 65536}]}");
        MeasureCommandTest.Run strict = gmc("measure", dir.toString());
        assertThat(strict.code()).isEqualTo(1);
        assertThat(strict.err()).contains("buffer 'cut'").contains("truncated").contains("offset 8192, length 65536");
        MeasureCommandTest.Run lenient = gmc("measure", "--keep-going", "--format", "csv", dir.toString());
        assertThat(lenient.code()).isEqualTo(2);
        assertThat(lenient.out()).contains("lz4-kernel,ok,1,").contains("type=depth");

        Files.writeString(dir.resolve("manifest.json"), "{\"gmc_manifest\": 1, \"buffers\": [{\"name\": \"x\", "
                + "\"type\": \"sprite\", \"file\": \"pages.bin\", \"length\": 1}]}");
        MeasureCommandTest.Run bad = gmc("measure", dir.toString());
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("buffers[0]").contains("type 'sprite'");

        // A file that names a directory is refused with the entry's place (found by fuzzing: "/" was an internal
        // error); a missing file fails when it is read, naming the entry and the file.
        for (String dirName : new String[] {"/", "sub/", "."}) {
            Files.writeString(dir.resolve("manifest.tsv"), "name\tfile\tlength\nx\t" + dirName + "\t4096\n");
            MeasureCommandTest.Run d = gmc("measure", dir.resolve("manifest.tsv").toString());
            assertThat(d.code()).as(dirName).isEqualTo(1);
            assertThat(d.err()).as(dirName).contains("manifest.tsv:2 (x): field 'file': '" + dirName
                    + "' names a directory").doesNotContain("internal error");
        }
        Files.writeString(dir.resolve("manifest.tsv"), "name\tfile\tlength\nx\tgone.bin\t4096\n");
        MeasureCommandTest.Run gone = gmc("measure", dir.resolve("manifest.tsv").toString());
        assertThat(gone.code()).isEqualTo(1);
        assertThat(gone.err()).contains("buffer 'x' (" + dir.resolve("manifest.tsv") + ":2, file "
                + dir.resolve("gone.bin") + ")");
    }

    @Test
    void aBufferInADamagedCompressedFileFailsEvenWhenTheDamageLiesAfterIt(@TempDir Path dir) throws Exception {
        byte[] data = buffer(16, 2);
        java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
        try (java.io.OutputStream o = new java.util.zip.GZIPOutputStream(gz)) {
            o.write(data);
        }
        byte[] bad = gz.toByteArray();
        bad[bad.length - 8] ^= 1; // the trailer's CRC-32: checked after all 16 pages
        Files.write(dir.resolve("pages.bin.gz"), bad);
        Files.writeString(dir.resolve("manifest.json"), "{\"gmc_manifest\": 1, \"buffers\": [{\"name\": \"head\", "
                + "\"file\": \"pages.bin.gz\", \"offset\": 0, \"length\": 16384}]}");
        MeasureCommandTest.Run r = gmc("measure", dir.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("buffer 'head'").contains("pages.bin.gz is damaged after this buffer (at "
                + "decompressed byte " + data.length + ")").contains("gzip: Corrupt GZIP trailer");
        Files.write(dir.resolve("pages.bin.gz"), gz.toByteArray()); // the same, undamaged: measured
        MeasureCommandTest.Run ok = gmc("measure", dir.toString());
        assertThat(ok.code()).as(ok.err()).isZero();
    }

    @Test
    void aManifestThatIsNotJsonOrNotUtf8IsPlacedByLineAndColumn(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("pages.bin"), buffer(1, 1));
        Path json = dir.resolve("manifest.json");
        Files.writeString(json, "{\"gmc_manifest\": 1, \"buffers\": [\n  {\"name\": \"a\", \"file\" \"pages.bin\"}]}");
        MeasureCommandTest.Run notJson = gmc("measure", dir.toString());
        assertThat(notJson.code()).isEqualTo(1);
        // line 2, column 24: the string where the ':' should be (Jackson counts columns from 1)
        assertThat(notJson.err()).contains(json + ":2:24: not valid JSON: Unexpected character")
                .doesNotContain("Source").doesNotContain("REDACTED");
        assertThat(notJson.err().lines().filter(l -> l.contains("Unexpected character")).count()).isEqualTo(1);

        Files.delete(json);
        Path tsv = dir.resolve("manifest.tsv");
        Files.write(tsv, "name\tfile\tlength\ncaf\u00e9\tpages.bin\t4096\n".getBytes(StandardCharsets.ISO_8859_1));
        MeasureCommandTest.Run latin1 = gmc("measure", dir.toString());
        assertThat(latin1.code()).isEqualTo(1);
        assertThat(latin1.err()).contains(tsv + ":2: column 4: byte 0xe9 (file offset "
                + ("name\tfile\tlength\n".length() + 3) + ") is not UTF-8")
                .doesNotContain("Input length");
    }

    /**
     * A capture from a 16K-page host ({@code source.page_size}, as {@code gmc capture} writes it) measured with the
     * default 4 KiB pages gets a note naming the option; with {@code --page-size 16k} it gets none, and its figures
     * are those of 16 KiB pages.
     */
    @Test
    void aCaptureFromASixteenKiBPageHostIsNotedWhenMeasuredWithFourKiBPages(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("pages.bin"), Arrays.copyOf(buffer(8, 5), 8 * 4096));
        Files.writeString(dir.resolve("manifest.json"), "{\"gmc_manifest\": 1, \"source\": {\"pid\": 7, "
                + "\"page_size\": 16384}, \"buffers\": [{\"name\": \"heap\", \"file\": \"pages.bin\", "
                + "\"length\": 32768}]}");
        MeasureCommandTest.Run four = gmc("measure", "--format", "json", dir.toString());
        assertThat(four.code()).as(four.err()).isZero();
        assertThat(four.err()).contains(dir.resolve("manifest.json") + " was captured on a host with 16384-byte "
                + "pages; these figures are for 4096-byte pages (--page-size 16k gives that kernel's)");
        MeasureCommandTest.Run sixteen = gmc("measure", "--format", "json", "--page-size", "16k", dir.toString());
        assertThat(sixteen.code()).as(sixteen.err()).isZero();
        assertThat(sixteen.err()).doesNotContain("captured on a host");
        JsonNode total = new ObjectMapper().readTree(sixteen.out()).get("results").get(0).get("total");
        assertThat(total.get("pages").asLong()).isEqualTo(2);
    }
}
