package dev.gmc.tests;

import static dev.gmc.tests.MeasureCommandTest.gmc;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gmc new-policy}: the project it writes compiles, loads through --plugin, and does what it says. */
class NewPolicyCommandTest {
    @Test
    void theProjectCompilesLoadsAndCompressesAtMostMaxBuffersLargestFirst(@TempDir Path dir) throws Exception {
        Path project = dir.resolve("rule");
        MeasureCommandTest.Run w = gmc("new-policy", "my-rule", "--package", "com.acme.gpu", "-o", project.toString());
        assertThat(w.code()).as(w.err()).isZero();
        assertThat(project.resolve("src/main/java/com/acme/gpu/MyRulePolicy.java")).exists();
        assertThat(Files.readString(project.resolve("src/main/resources/META-INF/services/dev.gmc.driver.PolicyProvider")))
                .isEqualTo("com.acme.gpu.MyRulePolicy\n");
        assertThat(Files.readString(project.resolve("pom.xml"))).contains("<artifactId>my-rule</artifactId>")
                .containsPattern("<artifactId>driver-adapters</artifactId><version>\\d+\\.\\d+\\.\\d+[^<$]*</version>")
                .doesNotContain("@@");
        Path jar = PolicyPluginTest.buildJar(project.resolve("src/main"), dir.resolve("build"), "my-rule.jar");

        JsonNode list = new ObjectMapper().readTree(gmc("policies", "--format", "json", "--plugin", jar.toString()).out());
        assertThat(list.findValuesAsText("name")).contains("my-rule");

        // Three buffers of 16, 8 and 4 pages; with max-buffers=1 only the 16-page one is compressed, with 2 the two
        // largest: the oracle is the same trace with those compressions written out.
        String body = """
                process 1 app
                context c 1
                alloc small c 4 type=texture content=gradient
                alloc big c 16 type=texture content=gradient seed=2
                alloc mid c 8 type=texture content=gradient seed=3
                background 1
                check
                """;
        for (int max = 1; max <= 2; max++) {
            Path t = dir.resolve("t" + max + ".gmct");
            Files.writeString(t, "gmc-trace 1\ndriver midgard ram=16M daemon=my-rule my-rule.max-buffers=" + max
                    + "\n" + body);
            MeasureCommandTest.Run r = gmc("replay", "--format", "json", "--plugin", jar.toString(), t.toString());
            assertThat(r.code()).as(r.err()).isZero();
            Path o = dir.resolve("o" + max + ".gmct");
            Files.writeString(o, "gmc-trace 1\ndriver midgard ram=16M min-pages=1000\n"
                    + body.replace("background 1\n", max == 1 ? "compress big\n" : "compress big\ncompress mid\n"));
            MeasureCommandTest.Run want = gmc("replay", "--format", "json", o.toString());
            JsonNode got = new ObjectMapper().readTree(r.out());
            JsonNode exp = new ObjectMapper().readTree(want.out());
            assertThat(got.get("driverCounters").get("regions_compressed").asLong()).isEqualTo(max);
            assertThat(got.get("driverCounters").get("frames_freed")).isEqualTo(exp.get("driverCounters").get("frames_freed"));
            assertThat(got.get("mmStat")).isEqualTo(exp.get("mmStat"));
        }
    }

    @Test
    void aBadNameOrANonEmptyDirectoryIsRefusedAndNothingIsWritten(@TempDir Path dir) throws Exception {
        MeasureCommandTest.Run bad = gmc("new-policy", "My Rule", "-o", dir.resolve("x").toString());
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("NAME 'My Rule' (expected lower-case letters");
        assertThat(dir.resolve("x")).doesNotExist();
        Files.writeString(dir.resolve("keep.txt"), "mine");
        MeasureCommandTest.Run full = gmc("new-policy", "rule", "-o", dir.toString());
        assertThat(full.code()).isEqualTo(1);
        assertThat(full.err()).contains("exists and is not an empty directory (nothing written)");
        assertThat(dir.resolve("pom.xml")).doesNotExist();
        MeasureCommandTest.Run pkg = gmc("new-policy", "rule", "--package", "Org.Example", "-o", dir.resolve("y").toString());
        assertThat(pkg.code()).isEqualTo(1);
        assertThat(pkg.err()).contains("--package 'Org.Example'");
    }
}
