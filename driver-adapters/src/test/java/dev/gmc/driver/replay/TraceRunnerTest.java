package dev.gmc.driver.replay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gmc.core.store.BatchLoader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a replay reports besides pass or fail: the figures of its report, the lines it logs (what {@code gmc replay}
 * prints), and that its own verification catches a wrong byte that the driver did not notice.
 */
class TraceRunnerTest {
    private static final String HEAD = "gmc-trace 1\ndriver midgard ram=16M\nprocess 100 app\ncontext c 100\n";

    private static ReplayReport run(String text, List<String> log) {
        return new TraceRunner(Trace.parse("t.gmct", text), (p, o, l) -> new byte[0], log::add).run();
    }

    /** A batch loader that restores every page and then flips the first byte of batch page {@code bad}, silently. */
    private static BatchLoader lying(int bad) {
        return new BatchLoader() {
            @Override
            public List<Failure> loadAll(dev.gmc.core.store.PageStore store, long[] ids, int count,
                    Destinations dst) {
                List<Failure> f = BatchLoader.CPU.loadAll(store, ids, count, dst);
                if (bad < count) {
                    dst.array(bad)[dst.offset(bad)] ^= 0x5a;
                }
                return f;
            }

            @Override
            public String name() {
                return "liar";
            }
        };
    }

    @Test
    void aLoaderThatCorruptsAPageSilentlyIsCaughtByTheNextReadAndByCheck() {
        String t = HEAD.replace("ram=16M", "ram=16M restore=eager") + "alloc b c 4 content=gradient\n"
                + "cpumap b 100\nbackground 100\nforeground 100\ncpu-read 100 b+4096 4096\ncpu-read 100 b+0 4096\n"
                + "cpu-read 100 b+4000 200\ncheck\n";
        List<String> log = new ArrayList<>();
        ReplayReport r = new TraceRunner(Trace.parse("t.gmct", t), (p, o, l) -> new byte[0], log::add)
                .withLoader(lying(1)).run();
        assertThat(r.ok()).isFalse();
        // the read starting at the bad byte (a mismatch at its first byte) and the whole-buffer check both see it
        assertThat(r.failures()).containsExactly(
                "line 9: read of buffer 'b' differs from the last write at offset 4096",
                "line 11: read of buffer 'b' differs from the last write at offset 4096",
                "line 12: check: page 1 of buffer 'b' differs from the shadow");
        assertThat(log).contains("line 8: foreground: 4 page(s) of 1 buffer(s) restored (liar)",
                "line 12: check: 1 buffer(s), 1 page(s) differ");
        // the same trace with the default loader is clean: the failure above is the loader's, not the trace's
        ReplayReport clean = run(t, new ArrayList<>());
        assertThat(clean.ok()).isTrue();
        assertThat(clean.failures()).isEmpty();
    }

    /** The counts of the report, worked out by hand from the trace's lines. */
    @Test
    void theReportCountsLinesAccessesAndVerifiedBytes() {
        String t = HEAD + "alloc a c 3 content=text\n" // line 5
                + "alloc b c 2 content=gradient\ncpumap a 100\ngpumap a\ngpumap b\n"
                + "cpu-read 100 a+100 5000\n" // line 10: 1 access, 5,000 bytes verified
                + "# a comment is not a line\n"
                + "cpu-write 100 a+0 10\n" // 1 access, nothing to verify
                + "gpu-read c a+8000 4288\n" // 1 access up to a's end: 4,288 bytes
                + "job c read=a+0:10 read=b+0:20 write=b+100:30\n" // 3 accesses, 30 bytes read
                + "cpu-read 100 a+12000 1000 expect=sigsegv\n" // 1 access, faults after a's 288 last bytes
                + "check\n"; // 5 pages: 20,480 bytes
        ReplayReport r = run(t, new ArrayList<>());
        assertThat(r.failures()).isEmpty();
        assertThat(r.ok()).isTrue();
        assertThat(r.lines()).isEqualTo(14); // the driver line and every command line after it, not the comment
        assertThat(r.accesses()).isEqualTo(7);
        assertThat(r.bytesVerified()).isEqualTo(5000 + 4288 + 30 + 288 + 5 * 4096);
        assertThat(r.reported()).singleElement().asString().startsWith("line 15: ");
        // with no stats line the timeline is one sample at the last line; the MMU's counters are reported
        assertThat(r.timeline()).extracting(ReplayReport.Sample::line, ReplayReport.Sample::label)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(16, "end"));
        assertThat(r.mmuCounters()).as("nothing was compressed: the SIGSEGV is the one CPU fault")
                .containsEntry("cpu_fault", 1L).containsEntry("gpu_fault", 0L)
                .as("one page-table flush per gpumap").containsEntry("kbase_flush_pt", 2L);
    }

    /**
     * Writes put their content= bytes into the buffer, whichever way they come (CPU, GPU access, job): three pages of
     * a zero buffer get text, so a compression finds one same-filled page, not four. The assert line pins it.
     */
    @Test
    void writesOfEveryKindLandTheirContentInTheBuffer() {
        String t = HEAD + "alloc z c 4\ncpumap z 100\ngpumap z\ncpu-write 100 z+0 4096 content=text\n"
                + "gpu-write c z+4096 4096 content=text\njob c write=z+8192:4096\ncompress z\n"
                + "assert mm_stat.same_pages=1 mm_stat.orig_data_size=16K\ncheck\n";
        ReplayReport r = run(t, new ArrayList<>());
        assertThat(r.failures()).isEmpty();
        ReplayReport allZero = run(t.replace("cpu-write 100 z+0 4096 content=text\n", "")
                .replace("gpu-write c z+4096 4096 content=text\njob c write=z+8192:4096\n", ""), new ArrayList<>());
        assertThat(allZero.failures()).containsExactly("line 9: assert mm_stat.same_pages: expected 1, got 4");
    }

    @Test
    void anAbsoluteGpuAddressIsUsedAsWritten() {
        ReplayReport r = run(HEAD + "gpu-read c 0x7000 16 expect=fault\n", new ArrayList<>());
        assertThat(r.failures()).isEmpty();
        assertThat(r.reported()).singleElement().asString().startsWith("line 5: ").contains("0x7000");
    }

    /**
     * Each app event, compression, check and assert is logged with its line and its figures, which the report's
     * counters confirm: {@code gmc replay} prints these lines, so a wrong one misleads whoever reads the replay.
     */
    @Test
    void theLogNamesEachLineAndWhatItDid() {
        String t = "gmc-trace 1\ndriver midgard ram=16M restore=eager recompress=zstd recompress-after=1\n"
                + "process 100 app\ncontext c 100\nprocess 200 other\n"
                + "alloc a c 3 content=text\nalloc b c 2 content=gradient\ncpumap a 100\n"
                + "background 100\n" // line 9: both buffers compressed
                + "foreground 200\n" // line 10: app 100 is one event old: its buffers are recompressed
                + "foreground 100\n" // line 11: eager restore of all 5 pages
                + "compress b\ncompact\ncpu-read 100 a+0 16\ncpu-read 100 a+12288 4 expect=sigsegv\ncheck\n"
                + "assert pages_restored=5 frames_freed=1000..\nrecompress b threshold=100\nstats\n";
        List<String> log = new ArrayList<>();
        ReplayReport r = run(t, log);
        assertThat(r.failures()).containsExactly("line 17: assert frames_freed: expected at least 1000, got "
                + r.driverCounters().get("frames_freed"));
        long recompressed = r.driverCounters().get("pages_recompressed");
        assertThat(recompressed).isPositive();
        assertThat(r.driverCounters().get("regions_compressed")).isEqualTo(3);
        assertThat(log).containsExactly(
                "line 9: background: 2 buffer(s) compressed",
                "line 10: foreground: " + recompressed + " page(s) of 2 buffer(s) recompressed",
                "line 11: foreground: 5 page(s) of 2 buffer(s) restored (cpu)",
                log.get(3), // the compression's result, checked below
                "line 13: compact: 0 pool page(s) freed",
                "line 14: cpu-read: ok",
                "line 15: cpu-read: sigsegv",
                "line 16: check: 2 buffer(s), 0 page(s) differ",
                "line 17: assert: 1 of 2 hold",
                log.get(9)); // the recompression's result, checked below
        assertThat(log.get(3)).startsWith("line 12: compress: CompressResult[bufferId=").contains("pages=2, stored=2");
        assertThat(log.get(9)).startsWith("line 18: recompress: RecompressResult[bufferId=").contains("considered=2");
        // the stats line is the last: no extra end sample
        assertThat(r.timeline()).extracting(ReplayReport.Sample::line).containsExactly(19);
    }

    /** An eager restore that finds too few frames says how many pages it left compressed; their faults bring them back. */
    @Test
    void anEagerRestoreShortOfFramesSaysWhatItLeftCompressed() {
        String t = "gmc-trace 1\ndriver midgard ram=1M restore=eager\nprocess 1 a\nprocess 2 b\ncontext ca 1\n"
                + "context cb 2\nalloc x ca 150 content=text\ncpumap x 1\nbackground 1\n"
                + "alloc y cb 150 content=gradient\n"
                + "foreground 1\n" // line 11
                + "free y\ncpu-read 1 x+0 614400\ncheck\n";
        List<String> log = new ArrayList<>();
        ReplayReport r = run(t, log);
        assertThat(r.failures()).isEmpty();
        long left = r.driverCounters().get("restore_no_frame");
        long eager = r.driverCounters().get("eager_restores");
        assertThat(left).isPositive();
        assertThat(eager + left).isEqualTo(150);
        assertThat(r.driverCounters().get("cpu_faults_major")).as("the pages left fault back").isEqualTo(left);
        assertThat(log).containsSubsequence(
                "line 11: foreground: " + eager + " page(s) of 1 buffer(s) restored (cpu)",
                "line 11: foreground: buffer 1: " + left + " page(s) left compressed, no frame",
                "line 13: cpu-read: ok");
    }

    /** kswapd-like balancing and direct reclaim are logged with the line that set them off. */
    @Test
    void reclaimsAreLogged() {
        // 1024 frames; two background apps of 400 pages each leave about 200 free, above the 1 % low watermark; the
        // third app's 400 pages do not fit, so its alloc reclaims directly (a, which left first)
        String t = "gmc-trace 1\ndriver midgard ram=4M daemon=lru-apps lru-apps.warm=16 reclaim=1:2\n"
                + "process 1 a\nprocess 2 b\nprocess 3 c\ncontext ca 1\ncontext cb 2\ncontext cc 3\n"
                + "alloc ta ca 400 type=texture content=gradient\nbackground 1\n"
                + "alloc tb cb 400 type=texture content=gradient seed=2\nbackground 2\n"
                + "alloc tc cc 400 type=texture content=gradient seed=3\n"; // line 13
        List<String> log = new ArrayList<>();
        ReplayReport r = run(t, log);
        assertThat(r.failures()).isEmpty();
        assertThat(r.driverCounters().get("daemon_direct_reclaims")).isEqualTo(1);
        assertThat(log).contains("line 13: alloc: direct reclaim freed room for 400 frame(s)");
        // a high low watermark: balancing after the second alloc (800 of 1024 frames used) compresses until 60 % of
        // RAM is available
        List<String> kswapd = new ArrayList<>();
        ReplayReport b = run(t.replace("reclaim=1:2", "reclaim=40:60").replace("alloc tc cc 400", "alloc tc cc 100"),
                kswapd);
        assertThat(b.failures()).isEmpty();
        long regions = b.driverCounters().get("daemon_reclaimed_regions");
        assertThat(regions).isPositive();
        assertThat(kswapd).filteredOn(l -> l.contains("reclaim:")).singleElement().asString()
                .startsWith("line 11: reclaim: " + regions + " buffer(s) compressed, ").endsWith(" frame(s) available");
    }
}
