package dev.gmc.tests;

import static dev.gmc.tests.MeasureCommandTest.gmc;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gmc trace-gen --from MANIFEST}: a fault-replay workload over a dump's own buffers. The oracle is
 * {@code gmc measure} of the same manifest: once every app has gone to the background, the replay's store holds
 * exactly the dump's pages, so its mm_stat must be the one measure computes (both lz4-kernel, GMC's reject policy).
 */
class TraceFromManifestTest {
    private static final Path SAMPLES = Path.of("../samples").toAbsolutePath().normalize();

    private static Path dump(Path dir) throws Exception {
        Path d = dir.resolve("dump");
        Files.createDirectories(d);
        // two owners; a buffer that starts inside its file and stops short of its end; names a trace cannot hold
        Files.writeString(d.resolve("manifest.json"), """
                {"gmc_manifest": 1, "buffers": [
                 {"name": "ui colour", "owner": "com.example.mail (1200)", "type": "colour-buffer",
                  "file": "%1$s/ui-colour-720x1280.rgba8888.gz", "length": 3686400},
                 {"name": "icons", "owner": "com.example.mail (1200)", "type": "texture",
                  "file": "%1$s/icons-256x256.rgb565.gz", "offset": 4096, "length": 100000},
                 {"name": "photo", "owner": "com.example.gallery (1300)", "type": "texture",
                  "file": "%1$s/photo-texture-256x256.rgba8888.gz", "length": 262144},
                 {"name": "grid", "owner": "com.example.gallery (1300)", "type": "vertex",
                  "file": "%1$s/vertex-grid-64x64.f32.gz", "offset": 1000, "length": 50000}
                ]}
                """.formatted(SAMPLES));
        return d;
    }

    @Test
    void theStoreHoldsExactlyTheDumpsPagesAsMeasureCountsThem(@TempDir Path dir) throws Exception {
        Path d = dump(dir);
        Path t = dir.resolve("traces/real.gmct");
        MeasureCommandTest.Run g = gmc("trace-gen", "--from", d.toString(), "--switches", "0", "-o", t.toString());
        assertThat(g.code()).as(g.err()).isZero();
        String text = Files.readString(t);
        // paths relative to the trace's directory, so that dump and trace can move together
        String icons = t.toAbsolutePath().getParent().relativize(SAMPLES.resolve("icons-256x256.rgb565.gz")).toString();
        assertThat(text).contains("process 100 com.example.mail_1200", "alloc ui_colour c0 900 type=colour-buffer",
                "content=file:" + icons + "@4096+100000", "alloc grid c1 13 type=vertex");
        MeasureCommandTest.Run r = gmc("replay", "--format", "json", t.toString());
        assertThat(r.code()).as(r.err()).isZero();
        MeasureCommandTest.Run m = gmc("measure", "--format", "json", "--algo", "lz4-kernel", "--policy", "reject",
                d.toString());
        assertThat(m.code()).as(m.err()).isZero();
        JsonNode replay = new ObjectMapper().readTree(r.out());
        JsonNode measure = new ObjectMapper().readTree(m.out()).get("results").get(0);
        assertThat(replay.get("mmStat").asText().trim().split("\\s+"))
                .containsExactly(measure.get("mm_stat").asText().split(" "));
        // the frames only read: nothing the trace wrote was compressed
        assertThat(text).doesNotContain("write=");
    }

    @Test
    void aWorkloadOverTheDumpReplaysClean(@TempDir Path dir) throws Exception {
        Path d = dump(dir);
        Path t = dir.resolve("real.gmct");
        assertThat(gmc("trace-gen", "--from", d.resolve("manifest.json").toString(), "--switches", "5", "-o",
                t.toString()).code()).isZero();
        MeasureCommandTest.Run r = gmc("replay", t.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("OK: every read matched");
    }

    @Test
    void badSourcesAreNamed(@TempDir Path dir) throws Exception {
        MeasureCommandTest.Run none = gmc("trace-gen", "--from", dir.toString());
        assertThat(none.code()).isEqualTo(1);
        assertThat(none.err()).contains("--from " + dir + ": no manifest.json or manifest.tsv in it");
        MeasureCommandTest.Run apps = gmc("trace-gen", "--from", dump(dir).toString(), "--apps", "2");
        assertThat(apps.code()).isEqualTo(1);
        assertThat(apps.err()).contains("--apps conflicts with --from");
    }
}
