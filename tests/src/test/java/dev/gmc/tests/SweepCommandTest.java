package dev.gmc.tests;

import static dev.gmc.tests.MeasureCommandTest.gmc;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gmc sweep} end to end: every combination runs, and each run is what {@code gmc replay} gives alone. */
class SweepCommandTest {
    private static final String DRIVER = "driver midgard ram=32M";
    private static final String BODY = """
            process 100 game
            context g 100
            alloc tex g 64 type=texture content=gradient
            alloc cb g 48 type=colour-buffer content=text
            alloc depth g 32 type=depth content=mix
            alloc tiny g 2 type=texture content=noise
            cpumap cb 100
            cpumap tiny 100
            gpumap tex
            gpumap cb
            gpumap depth
            job g read=tex+0:65536 write=cb+0:8192
            background 100
            stats background
            foreground 100
            job g read=tex+0x8000:16384 read=depth+0:4096 write=cb+0x4000:4096
            cpu-read 100 cb+0 12288
            cpu-read 100 tiny+0 8192
            check
            """;

    private static Path trace(Path dir, String name, String driverLine) throws Exception {
        Path t = dir.resolve(name);
        Files.writeString(t, "gmc-trace 1\n" + driverLine + "\n" + BODY);
        return t;
    }

    @Test
    void everyCombinationRunsAndEachRowIsWhatReplayGivesForATraceWrittenWithThoseSettings(@TempDir Path dir)
            throws Exception {
        Path t = trace(dir, "game.gmct", DRIVER);
        MeasureCommandTest.Run r = gmc("sweep", "--format", "json", "--threads", "2", "--vary", "restore=lazy/eager",
                "--vary", "compress=all/texture,depth", "--vary", "min-pages=1/16", "--set", "algo=lz4", t.toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode rows = new ObjectMapper().readTree(r.out());
        assertThat(rows.size()).isEqualTo(8);
        List<String> seen = new ArrayList<>();
        for (JsonNode row : rows) {
            JsonNode s = row.get("settings");
            String opts = "algo=" + s.get("algo").asText() + " restore=" + s.get("restore").asText() + " compress="
                    + s.get("compress").asText() + " min-pages=" + s.get("min-pages").asText();
            seen.add(opts);
            // The oracle: the trace written with these options on its driver line, replayed alone.
            Path alone = trace(dir, "alone-" + seen.size() + ".gmct", DRIVER + " " + opts);
            MeasureCommandTest.Run j = gmc("replay", "--format", "json", alone.toString());
            assertThat(j.code()).as(j.err()).isZero();
            JsonNode want = new ObjectMapper().readTree(j.out());
            JsonNode got = row.get("report");
            assertThat(row.get("ok").asBoolean()).isTrue();
            assertThat(got.get("driverCounters")).as(opts).isEqualTo(want.get("driverCounters"));
            assertThat(got.get("mmuCounters")).as(opts).isEqualTo(want.get("mmuCounters"));
            assertThat(got.get("mmStat")).as(opts).isEqualTo(want.get("mmStat"));
            assertThat(row.get("peak")).as(opts).isEqualTo(want.get("peak"));
        }
        assertThat(seen).as("the first key varies slowest").startsWith(
                "algo=lz4 restore=lazy compress=all min-pages=1", "algo=lz4 restore=lazy compress=all min-pages=16",
                "algo=lz4 restore=lazy compress=texture,depth min-pages=1");
        assertThat(seen).doesNotHaveDuplicates();
        // The settings make a difference where they should: the tiny buffer is compressed only with min-pages=1,
        // nothing faults with eager restore, and colour buffers stay resident with compress=texture,depth.
        JsonNode lazyAll = rows.get(0).get("report").get("driverCounters");
        JsonNode lazyAllBig = rows.get(1).get("report").get("driverCounters");
        JsonNode lazyTexDepth = rows.get(2).get("report").get("driverCounters");
        JsonNode eagerAll = rows.get(4).get("report").get("driverCounters");
        assertThat(lazyAll.get("regions_compressed").asLong()).isEqualTo(4);
        assertThat(lazyAllBig.get("regions_compressed").asLong()).isEqualTo(3);
        assertThat(lazyTexDepth.get("regions_compressed").asLong()).isEqualTo(3);
        assertThat(lazyAll.get("cpu_faults_major").asLong()).isPositive();
        assertThat(lazyTexDepth.get("cpu_faults_major").asLong()).as("cb and tiny stayed resident").isZero();
        assertThat(eagerAll.get("cpu_faults_major").asLong() + eagerAll.get("gpu_faults_major").asLong()).isZero();
        assertThat(eagerAll.get("eager_restores").asLong()).isPositive();
    }

    @Test
    void tableCsvAndChart(@TempDir Path dir) throws Exception {
        Path t = trace(dir, "game.gmct", DRIVER);
        Path u = Path.of("../traces/utgard-jobs.gmct");
        Path png = dir.resolve("out/sweep.png");
        MeasureCommandTest.Run r = gmc("sweep", "--vary", "compress=all/texture,depth", "--chart", png.toString(),
                t.toString(), u.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("trace").contains("compress").contains("peak saved").contains("game.gmct")
                .contains("utgard-jobs.gmct").contains("texture,depth").contains("chart: " + png);
        assertThat(r.out().lines().filter(l -> l.endsWith("  ok")).count()).isEqualTo(4);
        byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(png), 8);
        assertThat(head).isEqualTo(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});

        MeasureCommandTest.Run c = gmc("sweep", "--format", "csv", "--vary", "compress=all/texture,depth",
                t.toString());
        assertThat(c.code()).as(c.err()).isZero();
        List<String> lines = c.out().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("trace,compress,peak_saved_bytes,peak_line,");
        assertThat(lines.get(2)).contains(",\"texture,depth\",");
        assertThat(lines.get(1).split(",", -1)).hasSize(lines.get(0).split(",", -1).length);
    }

    @Test
    void aRunStoppedByATraceErrorIsReportedAndTheOthersStillRun(@TempDir Path dir) throws Exception {
        Path t = trace(dir, "game.gmct", DRIVER);
        MeasureCommandTest.Run r = gmc("sweep", "--format", "csv", "--vary", "ram=32M/256K", t.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("game.gmct with ram=256K").contains("game.gmct:").contains("ram=")
                .doesNotContain("\tat ");
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(1)).contains(",32M,").endsWith(",0,");
        assertThat(lines.get(2)).contains(",256K,");
    }

    @Test
    void aVerificationFailureInAnyRunExitsWith2(@TempDir Path dir) throws Exception {
        Path t = dir.resolve("wrong.gmct");
        Files.writeString(t, "gmc-trace 1\n" + DRIVER + "\n" + BODY + "cpu-read 100 cb+0 16 expect=sigsegv\n");
        MeasureCommandTest.Run r = gmc("sweep", "--vary", "restore=lazy/eager", t.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out().lines().filter(l -> l.endsWith("1 failure(s)")).count()).isEqualTo(2);
    }

    @Test
    void traceGenWritesATraceThatReplaysAndSweeps(@TempDir Path dir) throws Exception {
        Path t = dir.resolve("gen/apps.gmct");
        MeasureCommandTest.Run g = gmc("trace-gen", "--apps", "2", "--switches", "3", "--working-set", "0.2",
                "--seed", "5", "-o", t.toString());
        assertThat(g.code()).as(g.err()).isZero();
        assertThat(Files.readString(t)).startsWith("gmc-trace 1\n# generated: gmc trace-gen --driver midgard --apps 2 "
                + "--switches 3 --frames 2 --working-set 0.2 --seed 5");
        MeasureCommandTest.Run same = gmc("trace-gen", "--apps", "2", "--switches", "3", "--working-set", "0.2",
                "--seed", "5");
        assertThat(same.out()).isEqualTo(Files.readString(t));
        MeasureCommandTest.Run s = gmc("sweep", "--format", "csv", "--vary", "restore=lazy/eager", t.toString());
        assertThat(s.code()).as(s.err()).isZero();
        assertThat(s.out().lines().skip(1).filter(l -> l.endsWith(",0,"))).hasSize(2);
        String[][] bad = {
            {"--working-set", "0", "--working-set 0.0 (expected more than 0, at most 1)"},
            {"--apps", "17", "--apps 17 (expected 1..16)"},
            {"--driver", "bifrost", "--driver 'bifrost'"},
        };
        for (String[] b : bad) {
            MeasureCommandTest.Run r = gmc("trace-gen", b[0], b[1]);
            assertThat(r.code()).isEqualTo(1);
            assertThat(r.err()).contains(b[2]).doesNotContain("\tat ");
        }
    }

    @Test
    void generatorParametersAreSweptAndEachRowIsTheTraceThatTraceGenWrites(@TempDir Path dir) throws Exception {
        MeasureCommandTest.Run r = gmc("sweep", "--format", "json", "--vary", "gen.working-set=0.1/1", "--vary",
                "restore=lazy/eager", "--set", "gen.seed=7", "gen:apps=2,switches=4");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode rows = new ObjectMapper().readTree(r.out());
        assertThat(rows.size()).isEqualTo(4);
        for (JsonNode row : rows) {
            JsonNode s = row.get("settings");
            assertThat(row.get("trace").asText()).isEqualTo("gen:apps=2,switches=4");
            // The oracle: trace-gen writes the trace with those parameters, replay runs it with that restore mode.
            Path t = dir.resolve("g.gmct");
            MeasureCommandTest.Run g = gmc("trace-gen", "--apps", "2", "--switches", "4", "--seed", "7",
                    "--working-set", s.get("gen.working-set").asText(), "-o", t.toString());
            assertThat(g.code()).as(g.err()).isZero();
            MeasureCommandTest.Run j = gmc("replay", "--format", "json", "--restore", s.get("restore").asText(),
                    t.toString());
            assertThat(j.code()).as(j.err()).isZero();
            JsonNode want = new ObjectMapper().readTree(j.out());
            assertThat(row.get("report").get("driverCounters")).as(s.toString()).isEqualTo(want.get("driverCounters"));
            assertThat(row.get("report").get("mmStat")).as(s.toString()).isEqualTo(want.get("mmStat"));
        }
        // the working set matters with lazy restore only
        long narrow = rows.get(0).get("report").get("driverCounters").get("pages_restored").asLong();
        long wide = rows.get(2).get("report").get("driverCounters").get("pages_restored").asLong();
        assertThat(narrow).isLessThan(wide);
    }

    @Test
    void reclaimUnderMemoryPressureIsReportedPerRun() throws Exception {
        String[] args = {"--set", "daemon=lru-apps", "--set", "lru-apps.warm=16", "--set", "ram=32M", "--vary",
            "reclaim=off/40:50", "gen:apps=3,switches=6"};
        MeasureCommandTest.Run csv = gmc(concat(new String[] {"sweep", "--format", "csv"}, args));
        assertThat(csv.code()).as(csv.err()).isZero();
        String[] lines = csv.out().split("\n");
        List<String> head = List.of(lines[0].split(",", -1));
        int col = head.indexOf("reclaimed_regions");
        assertThat(col).isPositive();
        // the trace name holds a comma, so it is quoted: count columns from the end
        String[] off = lines[1].split(",", -1);
        String[] on = lines[2].split(",", -1);
        int fromEnd = head.size() - col;
        assertThat(off[off.length - fromEnd]).isEqualTo("0");
        long reclaimed = Long.parseLong(on[on.length - fromEnd]);
        assertThat(reclaimed).isPositive();
        JsonNode rows = new ObjectMapper().readTree(gmc(concat(new String[] {"sweep", "--format", "json"}, args)).out());
        assertThat(rows.get(1).get("report").get("driverCounters").get("daemon_reclaimed_regions").asLong())
                .isEqualTo(reclaimed);
        assertThat(rows.get(0).get("report").get("driverCounters").get("regions_compressed").asLong())
                .as("warm=16 and no reclaim: nothing compressed").isZero();
        MeasureCommandTest.Run table = gmc(concat(new String[] {"sweep"}, args));
        assertThat(table.out()).contains("reclaimed");
    }

    /**
     * The daemon's recompression in a sweep: its columns appear, a value that needs another axis's value passes the
     * up-front check and fails only in the combinations that lack it (as an error row), and a value no axis can
     * make valid stops the sweep before it runs.
     */
    @Test
    void recompressionIsSweptAndAnOptionThatNeedsAnotherAxisFailsOnlyWhereItLacksIt() throws Exception {
        String[] args = {"--vary", "recompress=none/zstd:9", "--vary", "recompress-after=0/2",
            "gen:apps=3,switches=6"};
        JsonNode rows = new ObjectMapper().readTree(gmc(concat(new String[] {"sweep", "--format", "json"}, args)).out());
        assertThat(rows.size()).isEqualTo(4);
        for (JsonNode row : rows) {
            JsonNode s = row.get("settings");
            boolean codecs = s.get("recompress").asText().equals("zstd:9");
            boolean byAge = s.get("recompress-after").asText().equals("2");
            if (byAge && !codecs) {
                assertThat(row.get("error").asText()).contains("recompress-after").contains("recompress=");
                continue;
            }
            JsonNode c = row.get("report").get("driverCounters");
            assertThat(c.get("daemon_recompressed_regions").asLong() > 0).as(s.toString()).isEqualTo(byAge);
            assertThat(c.get("pages_recompressed").asLong() > 0).as(s.toString()).isEqualTo(byAge);
        }
        MeasureCommandTest.Run table = gmc(concat(new String[] {"sweep"}, args));
        assertThat(table.out()).contains("recompressed").contains("re-decoded");
        MeasureCommandTest.Run csv = gmc(concat(new String[] {"sweep", "--format", "csv"}, args));
        assertThat(csv.out().lines().findFirst().orElseThrow()).contains(",pages_recompressed,pages_restored_recompressed,");

        MeasureCommandTest.Run bad = gmc("sweep", "--vary", "recompress-after=0/2", "gen:apps=3,switches=6");
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("--vary recompress-after=2").contains("recompress=")
                .doesNotContain("internal error");
        assertThat(bad.out()).isEmpty();
    }

    /** sweep --help names every driver-line option the trace parser accepts (the parser's refusal lists them). */
    @Test
    void theHelpListsEveryDriverOption() {
        MeasureCommandTest.Run bad = gmc("sweep", "--set", "colour=red", "gen:apps=2");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\(it takes ([a-z, -]+), and a daemon")
                .matcher(bad.err());
        assertThat(m.find()).as(bad.err()).isTrue();
        String help = gmc("sweep", "--help").out().replaceAll("\\s+", " ");
        for (String key : m.group(1).split(", ")) {
            assertThat(help).as(key).containsPattern("[ (:,]" + java.util.regex.Pattern.quote(key) + "[,. ]");
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    @Test
    void aCombinationThatDiffersOnlyInAnotherPolicysOptionsIsRunOnceAndItsRowRepeated() throws Exception {
        String[] args = {"sweep", "--format", "json", "--vary", "daemon=background/lru-apps", "--vary",
            "lru-apps.warm=1/2", "../traces/app-switch.gmct"};
        MeasureCommandTest.Run r = gmc(args);
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode rows = new ObjectMapper().readTree(r.out());
        assertThat(rows.size()).isEqualTo(4);
        assertThat(rows.get(0).has("same_as_row")).isFalse();
        assertThat(rows.get(1).get("same_as_row").asInt()).as("background ignores lru-apps.warm").isEqualTo(1);
        assertThat(rows.get(1).get("settings").get("lru-apps.warm").asText()).isEqualTo("2");
        assertThat(rows.get(1).get("report")).isEqualTo(rows.get(0).get("report"));
        assertThat(rows.get(2).has("same_as_row")).isFalse();
        assertThat(rows.get(3).has("same_as_row")).as("lru-apps reads its warm").isFalse();
        MeasureCommandTest.Run table = gmc("sweep", "--vary", "daemon=background/lru-apps", "--vary",
                "lru-apps.warm=1/2", "../traces/app-switch.gmct");
        assertThat(table.out()).contains("ok (= row 1)");
    }

    @Test
    void badGeneratorSettingsAreNamed() {
        String[][] cases = {
            {"gen:apps=x", "--set", "restore=lazy", "trace gen:apps=x: apps 'x' is not a number"},
            {"gen:", "--vary", "gen.colour=1/2", "--vary gen.colour=1: no generator parameter 'colour' (expected driver"},
            {"gen:", "--vary", "gen.apps=2/99", "--vary gen.apps=99: apps 99 (expected 1..16)"},
            {"../traces/utgard-jobs.gmct", "--set", "gen.apps=2", "'gen.apps' is a generator parameter, and no TRACE "
                    + "is gen:"},
        };
        for (String[] c : cases) {
            MeasureCommandTest.Run r = gmc("sweep", c[1], c[2], c[0]);
            assertThat(r.code()).as(String.join(" ", c)).isEqualTo(1);
            assertThat(r.err()).as(c[0]).contains(c[3]).doesNotContain("\tat ");
            assertThat(r.out()).isEmpty();
        }
    }

    @Test
    void badSweepOptionsFailBeforeAnythingRunsNamingTheOption() {
        String t = "../traces/midgard-background.gmct";
        String[][] cases = {
            {"--vary", "threshold=abc", "--vary threshold=abc: ", "field threshold: expected a number"},
            {"--vary", "colour=red/blue", "--vary colour=red: ", "'driver' takes no option 'colour'"},
            {"--vary", "restore=lazy//eager", "--vary restore=lazy//eager: an empty value", ""},
            {"--vary", "restore=", "--vary restore=: expected KEY=VALUE", ""},
            {"--vary", "remap=all/all", "value 'all' given twice", ""},
            {"--set", "policy=keep", "--set policy=keep: ", "incompressible policy: 'keep'"},
        };
        for (String[] c : cases) {
            MeasureCommandTest.Run r = gmc("sweep", c[0], c[1], t);
            assertThat(r.code()).as(String.join(" ", c)).isEqualTo(1);
            assertThat(r.err()).as(c[1]).contains(c[2]).contains(c[3]).doesNotContain("internal error")
                    .doesNotContain("\tat ");
            assertThat(r.out()).as("nothing ran").isEmpty();
        }
        MeasureCommandTest.Run both = gmc("sweep", "--set", "restore=eager", "--vary", "restore=lazy/eager", t);
        assertThat(both.code()).isEqualTo(1);
        assertThat(both.err()).contains("'restore' is also varied by --vary");
    }
}
