package dev.gmc.tests;

import static dev.gmc.tests.MeasureCommandTest.gmc;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --plugin}: the example plug-in under examples/policy-plugin, compiled from its source by this test into a jar
 * that is not on the class path, selected by {@code daemon=skip-refaulted} and checked against a trace that makes
 * the same compressions explicitly.
 */
class PolicyPluginTest {
    private static final Path EXAMPLE = Path.of("../examples/policy-plugin/src/main");
    @TempDir
    static Path dir;
    static Path jar;

    private static final String APP = """
            process 100 game
            context g 100
            alloc t1 g 16 type=texture content=gradient
            alloc t2 g 16 type=texture content=gradient seed=2
            alloc cb g 8 type=colour-buffer content=text
            cpumap t1 100
            cpumap t2 100
            cpumap cb 100
            gpumap t1
            gpumap t2
            """;

    /** The app leaves three times; what it reads in between decides what skip-refaulted leaves resident. */
    private static String visits(String afterFirst, String afterSecond, String afterThird) {
        return "background 100\n" + afterFirst + "foreground 100\ncpu-read 100 t1+0 65536\njob g read=t2+0:4096\n"
                + "background 100\n" + afterSecond + "foreground 100\ncpu-read 100 cb+0 32768\n"
                + "background 100\n" + afterThird + "foreground 100\ncpu-read 100 t1+0 65536\n"
                + "cpu-read 100 t2+0 65536\ncheck\n";
    }

    @BeforeAll
    static void buildThePlugin() throws IOException {
        jar = buildJar(EXAMPLE, dir.resolve("example"), "policy-plugin.jar");
    }

    /**
     * Compiles a Maven-layout plug-in's {@code src/main/java} against the test class path and packs it with its
     * {@code src/main/resources} into {@code out/jarName} (a jar that is not on the class path).
     */
    static Path buildJar(Path srcMain, Path out, String jarName) throws IOException {
        Path classes = out.resolve("classes");
        Files.createDirectories(classes);
        List<String> sources;
        try (Stream<Path> s = Files.walk(srcMain.resolve("java"))) {
            sources = s.filter(p -> p.toString().endsWith(".java")).map(Path::toString).toList();
        }
        assertThat(sources).isNotEmpty();
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> args = new java.util.ArrayList<>(List.of("-d", classes.toString(), "--release", "17",
                "-cp", System.getProperty("java.class.path")));
        args.addAll(sources);
        assertThat(javac.run(null, null, null, args.toArray(String[]::new))).as("javac").isZero();
        Path jarFile = out.resolve(jarName);
        try (JarOutputStream o = new JarOutputStream(Files.newOutputStream(jarFile))) {
            add(o, classes, classes);
            add(o, srcMain.resolve("resources"), srcMain.resolve("resources"));
        }
        return jarFile;
    }

    private static void add(JarOutputStream out, Path root, Path p) throws IOException {
        if (Files.isDirectory(p)) {
            try (Stream<Path> s = Files.list(p)) {
                for (Path c : s.sorted().toList()) {
                    add(out, root, c);
                }
            }
        } else {
            out.putNextEntry(new JarEntry(root.relativize(p).toString().replace('\\', '/')));
            Files.copy(p, out);
            out.closeEntry();
        }
    }

    private static Path trace(String name, String driver, String body) throws IOException {
        Path t = dir.resolve(name);
        Files.writeString(t, "gmc-trace 1\n" + driver + "\n" + APP + body);
        return t;
    }

    private static JsonNode json(MeasureCommandTest.Run r) throws IOException {
        assertThat(r.code()).as(r.err()).isZero();
        return new ObjectMapper().readTree(r.out());
    }

    @Test
    void thePluginDecidesAsItsExplicitOracleDoes() throws IOException {
        Path t = trace("skip.gmct", "driver midgard ram=32M daemon=skip-refaulted", visits("", "", ""));
        JsonNode got = json(gmc("replay", "--format", "json", "--plugin", jar.toString(), t.toString()));
        // First leave: everything is compressed. Second: t1 (read back whole) and t2 (one page back by the GPU)
        // faulted back, so both stay resident; cb is still compressed. Third: t1 and t2 had no faults in the last
        // visit, so they are compressed again (t2's one resident page); cb faulted back whole, so it stays resident.
        Path oracle = trace("explicit.gmct", "driver midgard ram=32M min-pages=1000",
                visits("compress t1\ncompress t2\ncompress cb\n", "", "compress t1\ncompress t2\n"));
        JsonNode want = json(gmc("replay", "--format", "json", oracle.toString()));
        assertThat(got.get("driverCounters")).isEqualTo(want.get("driverCounters"));
        assertThat(got.get("mmuCounters")).isEqualTo(want.get("mmuCounters"));
        assertThat(got.get("mmStat")).isEqualTo(want.get("mmStat"));
        assertThat(got.get("failures")).isEmpty();
        JsonNode background = json(gmc("replay", "--format", "json",
                trace("bg.gmct", "driver midgard ram=32M", visits("", "", "")).toString()));
        assertThat(got.get("driverCounters").get("regions_compressed").asLong())
                .isLessThan(background.get("driverCounters").get("regions_compressed").asLong());
    }

    @Test
    void policiesListsThePluginWithItsOptionsAndJar() throws IOException {
        JsonNode rows = json(gmc("policies", "--format", "json", "--plugin", jar.toString()));
        assertThat(rows.findValuesAsText("name")).containsExactly("background", "lru-apps", "cold-buffers", "skip-refaulted");
        JsonNode p = rows.get(3);
        assertThat(p.get("source").asText()).endsWith("policy-plugin.jar");
        assertThat(p.get("options").has("skip-refaulted.faults")).isTrue();
        assertThat(rows.get(0).get("source").asText()).isEqualTo("built-in");
        MeasureCommandTest.Run table = gmc("policies");
        assertThat(table.code()).isZero();
        assertThat(table.out()).contains("lru-apps.warm=").doesNotContain("skip-refaulted");
    }

    @Test
    void sweepComparesThePluginWithTheBuiltInPolicies() throws IOException {
        Path t = trace("sweep.gmct", "driver midgard ram=32M", visits("", "", ""));
        JsonNode rows = json(gmc("sweep", "--format", "json", "--plugin", jar.toString(), "--vary",
                "daemon=background/skip-refaulted", "--set", "skip-refaulted.faults=1", t.toString()));
        assertThat(rows.size()).isEqualTo(2);
        JsonNode alone = json(gmc("replay", "--format", "json", "--plugin", jar.toString(),
                trace("alone.gmct", "driver midgard ram=32M daemon=skip-refaulted skip-refaulted.faults=1",
                        visits("", "", "")).toString()));
        assertThat(rows.get(1).get("report").get("driverCounters")).isEqualTo(alone.get("driverCounters"));
    }

    @Test
    void withoutThePluginOrWithABadOneTheErrorSaysWhat() throws IOException {
        Path t = trace("needs.gmct", "driver midgard ram=32M daemon=skip-refaulted", visits("", "", ""));
        MeasureCommandTest.Run r = gmc("replay", t.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("needs.gmct:2: field daemon: no daemon policy 'skip-refaulted' (known: "
                + "background, lru-apps, cold-buffers; a plug-in's jar is given with --plugin JAR)");
        MeasureCommandTest.Run missing = gmc("replay", "--plugin", dir.resolve("nope.jar").toString(), t.toString());
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("--plugin " + dir.resolve("nope.jar") + ": no such file");
        MeasureCommandTest.Run badValue = gmc("sweep", "--plugin", jar.toString(), "--set", "skip-refaulted.faults=0",
                t.toString());
        assertThat(badValue.code()).isEqualTo(1);
        assertThat(badValue.err()).contains("skip-refaulted.faults '0' (expected an integer from 1 to 2147483647)");
    }
}
