package dev.gmc.tests;

import static dev.gmc.tests.MeasureCommandTest.gmc;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gmc replay} and {@code gmc fault-bench} end to end: exit codes, reports, no stack traces. */
class ReplayCommandTest {

    @Test
    void theSampleTracesReplayCleanWithTablesAndJson() throws Exception {
        MeasureCommandTest.Run r = gmc("replay", "../traces/midgard-background.gmct", "../traces/utgard-jobs.gmct",
                "../traces/recompress-cold.gmct");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("kbase FLUSH_PT / FLUSH_MEM").contains("Utgard ZAP_CACHE")
                .contains("OK: every read matched").contains("mm_stat:").contains("pages recompressed");
        MeasureCommandTest.Run j = gmc("replay", "--format", "json", "../traces/midgard-shared-lpae.gmct");
        assertThat(j.code()).isZero();
        JsonNode n = new ObjectMapper().readTree(j.out());
        assertThat(n.get("driver").asText()).isEqualTo("midgard");
        assertThat(n.get("driverCounters").get("frames_freed").asLong()).isPositive();
        assertThat(n.get("timeline").size()).isGreaterThan(1);
    }

    @Test
    void theFullRamTraceReplaysCleanWithReclaimAndFailsItsAllocWithout(@TempDir Path dir) throws Exception {
        // its assert lines pin the direct reclaims (alloc, eager restore) and that no page is left compressed
        MeasureCommandTest.Run r = gmc("replay", "../traces/full-ram-foreground.gmct");
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("reclaim=2:4").contains("OK: every read matched");
        Path off = dir.resolve("off.gmct");
        java.nio.file.Files.writeString(off, java.nio.file.Files.readString(Path.of("../traces/full-ram-foreground.gmct"))
                .replace(" reclaim=2:4", "").replace("../samples/", Path.of("../samples").toAbsolutePath() + "/"));
        MeasureCommandTest.Run o = gmc("replay", off.toString());
        assertThat(o.code()).isNotZero();
        assertThat(o.err()).contains("off.gmct:28:").contains("out of physical frames").contains("16 MiB RAM");
    }

    @Test
    void eventsAreWrittenOnePerLineAndAddUpToTheReportsCounters(@TempDir Path dir) throws Exception {
        Path ev = dir.resolve("ev/app.jsonl");
        MeasureCommandTest.Run r = gmc("replay", "--events", ev.toString(), "../traces/app-switch.gmct",
                "../traces/utgard-jobs.gmct");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("events: " + ev).contains("events: " + dir.resolve("ev/app-2.jsonl"));
        MeasureCommandTest.Run j = gmc("replay", "--format", "json", "../traces/app-switch.gmct");
        JsonNode counters = new ObjectMapper().readTree(j.out()).get("driverCounters");
        java.util.Map<String, Long> byType = new java.util.HashMap<>();
        long lastSeq = 0;
        int traceLines = Files.readAllLines(Path.of("../traces/app-switch.gmct")).size();
        for (String line : Files.readAllLines(ev)) {
            JsonNode e = new ObjectMapper().readTree(line);
            byType.merge(e.get("type").asText(), 1L, Long::sum);
            assertThat(e.get("seq").asLong()).isGreaterThan(lastSeq);
            lastSeq = e.get("seq").asLong();
            assertThat(e.get("line").asInt()).isBetween(1, traceLines);
            if (e.get("type").asText().equals("page_restored")) {
                assertThat(e.get("buffer").asText()).as("named as in the trace").isNotEmpty();
            }
        }
        // The oracle: the driver's own counters for the same trace, replayed without --events.
        assertThat(byType.get("page_stored")).isEqualTo(counters.get("pages_stored").asLong());
        assertThat(byType.get("page_same_filled")).isEqualTo(counters.get("pages_same_filled").asLong());
        assertThat(byType.get("page_rejected")).isEqualTo(counters.get("pages_rejected").asLong());
        assertThat(byType.get("page_restored")).isEqualTo(counters.get("pages_restored").asLong());
        assertThat(byType.get("compress_start")).isEqualTo(counters.get("regions_compressed").asLong());
        assertThat(byType.get("gpu_fault")).isEqualTo(counters.get("gpu_faults_major").asLong()
                + counters.get("gpu_faults_minor").asLong());
        assertThat(Files.size(dir.resolve("ev/app-2.jsonl"))).isPositive();
    }

    @Test
    void updateAssertsRewritesOnlyTheMissedFiguresAndKeepsTheRest(@TempDir Path dir) throws Exception {
        Path t = dir.resolve("pinned.gmct");
        String original = Files.readString(Path.of("../traces/midgard-shared-lpae.gmct"));
        String pinned = "assert cpu_faults_major=1 cpu_faults_minor=0 gpu_faults_major=0";
        assertThat(original).contains(pinned);
        Files.writeString(t, original.replace(pinned, "assert cpu_faults_major=7 cpu_faults_minor=..0 "
                + "gpu_faults_major=0 pages_stored=0x10"));
        MeasureCommandTest.Run before = gmc("replay", t.toString());
        assertThat(before.code()).isEqualTo(2);
        MeasureCommandTest.Run update = gmc("replay", "--update-asserts", t.toString());
        assertThat(update.code()).as(update.err()).isZero();
        assertThat(update.out()).contains("updated 2 assert figure(s) in " + t);
        String after = Files.readString(t);
        // the missed figures now hold the run's values; the range that held, the other lines and the comment stay
        assertThat(after).contains("assert cpu_faults_major=1 cpu_faults_minor=..0 gpu_faults_major=0 pages_stored=")
                .contains("# pinned: one restore served all four mappings")
                .doesNotContain("pages_stored=0x10");
        assertThat(after.lines().count()).isEqualTo(original.lines().count());
        MeasureCommandTest.Run again = gmc("replay", t.toString());
        assertThat(again.code()).as(again.out()).isZero();
        // a failure other than a missed figure still fails the run
        Files.writeString(t, after.replace("cpu-read 402 frame0+0x3000 4096      # no fault",
                "cpu-read 402 frame0+0x3000 4096 expect=sigsegv     # no fault")
                .replace("assert cpu_faults_major=1 ", "assert cpu_faults_major=9 "));
        MeasureCommandTest.Run mixed = gmc("replay", "--update-asserts", t.toString());
        assertThat(mixed.code()).isEqualTo(2);
        assertThat(mixed.out()).contains("updated 1 assert figure(s)");
        MeasureCommandTest.Run both = gmc("replay", "--update-asserts", "--restore", "eager", t.toString());
        assertThat(both.code()).isEqualTo(1);
        assertThat(both.err()).contains("--update-asserts with --restore");
    }

    @Test
    void chartsAreDrawnOnePerTrace(@TempDir Path dir) throws Exception {
        Path chart = dir.resolve("out/memory.png");
        MeasureCommandTest.Run r = gmc("replay", "--chart", chart.toString(), "../traces/app-switch.gmct",
                "../traces/utgard-jobs.gmct");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("chart: " + chart).contains("chart: " + dir.resolve("out/memory-2.png"));
        for (Path p : new Path[] {chart, dir.resolve("out/memory-2.png")}) {
            java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(p.toFile());
            assertThat(img).as(p.toString()).isNotNull();
            assertThat(img.getWidth()).isEqualTo(900);
            assertThat(img.getHeight()).isEqualTo(520);
        }
    }

    @Test
    void aDamagedCompressedDumpFailsTheLineThatReadsItEvenWhenItsDamageLiesFurtherOn(@TempDir Path dir)
            throws Exception {
        // The trace reads only the first 4 pages; the damage is the gzip trailer's CRC, checked after all 32. Before,
        // the 4 pages were handed over without a word (a damaged deflate stream can decode to wrong bytes).
        byte[] data = MeasureCommandTest.buffer(32, 3);
        java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
        try (java.io.OutputStream o = new java.util.zip.GZIPOutputStream(gz)) {
            o.write(data);
        }
        byte[] good = gz.toByteArray();
        byte[] bad = good.clone();
        bad[bad.length - 8] ^= 1;
        Files.write(dir.resolve("good.bin.gz"), good);
        Files.write(dir.resolve("bad.bin.gz"), bad);
        String trace = "gmc-trace 1\ndriver midgard ram=16M\nprocess 1 a\ncontext c 1\n"
                + "alloc b c 4 content=file:DUMP\ncpumap b 1\nbackground 1\ncpu-read 1 b+0 16384\ncheck\n";
        Path t = dir.resolve("t.gmct");
        Files.writeString(t, trace.replace("DUMP", "good.bin.gz"));
        MeasureCommandTest.Run ok = gmc("replay", t.toString());
        assertThat(ok.code()).as(ok.err()).isZero();
        Files.writeString(t, trace.replace("DUMP", "bad.bin.gz"));
        MeasureCommandTest.Run r = gmc("replay", t.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains(t + ":5: dump " + dir.resolve("bad.bin.gz") + " at decompressed byte "
                + data.length + " (after the bytes this line reads").contains("gzip: Corrupt GZIP trailer");
        MeasureCommandTest.Run again = gmc("replay", t.toString()); // no "already checked" shortcut for a bad file
        assertThat(again.code()).isEqualTo(1);
    }

    @Test
    void aMalformedTraceNamesLineAndFieldWithExit1(@TempDir Path dir) throws Exception {
        Path t = dir.resolve("bad.gmct");
        Files.writeString(t, "gmc-trace 1\ndriver utgard\nprocess 1 a\ncontext s 1\nalloc b s many\n");
        MeasureCommandTest.Run r = gmc("replay", t.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("bad.gmct:5: field PAGES: expected a number").doesNotContain("Exception")
                .doesNotContain("\tat ");
    }

    @Test
    void aTruncatedCompressedDumpNamesTheDumpAndTheLine(@TempDir Path dir) throws Exception {
        byte[] page = new byte[8 * 4096];
        new java.util.SplittableRandom(3).nextBytes(page);
        byte[] xz = MeasureCommandTest.xz(page);
        Files.write(dir.resolve("cut.bin.xz"), java.util.Arrays.copyOf(xz, xz.length / 3));
        Path t = dir.resolve("t.gmct");
        Files.writeString(t, "gmc-trace 1\ndriver midgard\nprocess 1 a\ncontext c 1\n"
                + "alloc b c 8 content=file:cut.bin.xz@4096\n");
        MeasureCommandTest.Run r = gmc("replay", t.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("t.gmct:5").contains("cut.bin.xz at decompressed byte ").contains("truncated")
                .doesNotContain("null").doesNotContain("\tat ");
    }

    @Test
    void aBufferLargerThanTheEmulatedRamIsATraceErrorNotACrash(@TempDir Path dir) throws Exception {
        Path t = dir.resolve("big.gmct");
        Files.writeString(t, "gmc-trace 1\ndriver midgard ram=64M\nprocess 1 a\ncontext c 1\n"
                + "alloc small c 16\nalloc big c 16385\n");
        MeasureCommandTest.Run r = gmc("replay", t.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("big.gmct:6").contains("out of physical frames").contains("raise ram=")
                .doesNotContain("internal error");
    }

    @Test
    void aWrongExpectationExits2(@TempDir Path dir) throws Exception {
        Path t = dir.resolve("x.gmct");
        Files.writeString(t, "gmc-trace 1\ndriver midgard\nprocess 1 a\ncontext c 1\n"
                + "gpu-read c 0x9000 4   # nothing is mapped there: the context is killed\n");
        MeasureCommandTest.Run r = gmc("replay", t.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).contains("line 5: expected ok, got fault").contains("Memory is not mapped on the GPU");
    }

    @Test
    void faultBenchRunsSmall(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("fb.json");
        MeasureCommandTest.Run r = gmc("fault-bench", "--input", "../gmc-core/src/test/resources/golden/real-mix.bin.gz", "--pages", "256", "--rounds", "1",
                "--threads", "3", "--json", json.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("CPU fault").contains("GPU fault").contains("restore throughput, 3 threads");
        JsonNode n = new ObjectMapper().readTree(json.toFile());
        assertThat(n.get("cpu_fault_ns").get("p50").asLong()).isPositive();
        assertThat(n.get("region_vs_raw").asDouble()).isPositive();
        assertThat(n.get("parallel_restore").get("threads").asInt()).isEqualTo(3);
        assertThat(n.get("parallel_restore").get("cpu_fault_pages_per_s").asDouble()).isPositive();

        r = gmc("fault-bench", "--input", "../gmc-core/src/test/resources/golden/real-mix.bin.gz", "--pages", "256",
                "--rounds", "1", "--threads", "3", "--buffers", "apart", "--json", json.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("restore throughput, 3 threads, a buffer each");
        assertThat(new ObjectMapper().readTree(json.toFile()).get("parallel_restore").get("buffers").asText())
                .isEqualTo("apart");

        // the pages are chosen with the store's own codec: some real-mix pages that lz4 stores, lzo-rle refuses
        r = gmc("fault-bench", "--algo", "lzo-rle", "--input", "../gmc-core/src/test/resources/golden/real-mix.bin.gz",
                "--pages", "256", "--rounds", "1");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("lzo-rle codec").contains("CPU fault");
    }
}
