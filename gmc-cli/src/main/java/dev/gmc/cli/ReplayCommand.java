package dev.gmc.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.gmc.driver.Policies;
import dev.gmc.driver.replay.ReplayReport;
import dev.gmc.driver.replay.RestoreMode;
import dev.gmc.driver.replay.Trace;
import dev.gmc.driver.replay.TraceException;
import dev.gmc.driver.replay.TraceRunner;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gmc replay}: runs a fault-replay trace on an emulated Midgard or Utgard driver. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Replay a trace (docs/TRACE-FORMAT.md) on an emulated Mali driver with GMC: buffers are "
                + "compressed on app background and restored on CPU/GPU faults; every access is checked against a "
                + "shadow copy.",
                "Exit code: 0 all reads verified and every outcome as expected, 1 malformed trace or I/O error, "
                        + "2 a verification failure or an unexpected outcome."})
final class ReplayCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "TRACE", description = "Trace files (.gmct).")
    Path[] traces;

    @Option(names = "--format", defaultValue = "table", description = "table or json (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = {"-v", "--verbose"}, description = "Print the outcome of every trace line (stderr).")
    boolean verbose;

    @Option(names = "--restore", paramLabel = "lazy|eager[:TYPES]", description = "Overrides the traces' restore= "
            + "policy: lazy (pages come back on fault, the published design), eager (an app's compressed buffers are "
            + "restored in batches when it returns to the foreground) or eager:TYPE,... (only buffers of those types, "
            + "e.g. eager:colour-buffer,depth).")
    String restore;

    @Option(names = "--chart", paramLabel = "FILE.png", description = "Also draw each trace's memory over its lines "
            + "(data frames, page tables, pool, bytes saved, at every stats line and the end) as a PNG; with several "
            + "traces the second goes to FILE-2.png, and so on.")
    Path chart;

    @Option(names = "--events", paramLabel = "FILE.jsonl", description = "Also write every step of the GMC mechanism "
            + "(compressions, pages stored/rejected, faults, restores, TLB-relevant events, app events, jobs) as JSON "
            + "lines with the trace line that caused it; with several traces the second goes to FILE-2.jsonl, and "
            + "so on.")
    Path events;

    @Option(names = "--update-asserts", description = "Rewrite the traces' assert lines whose figures missed with the "
            + "values this run gave (a figure that moved for a good reason, after a driver or policy change); the "
            + "other lines, comments included, are kept. Exit code 0 if the misses were the only failures.")
    boolean updateAsserts;

    @Mixin
    BatchLoaderOptions batch;

    @Mixin
    PluginOptions plugins;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean json = switch (format.toLowerCase(Locale.ROOT)) {
            case "json" -> true;
            case "table" -> false;
            default -> throw new IllegalArgumentException("--format " + format + " (expected table or json)");
        };
        int code = 0;
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        try (PluginOptions.Loaded policies = plugins.load(); BatchLoaderOptions.Opened loader = batch.open()) {
            if (!json && !loader.description().equals("cpu")) {
                out.println("batch restores decode through " + loader.description());
            }
            code = replayAll(out, err, json, mapper, loader, policies.policies());
        }
        out.flush();
        return code;
    }

    private int replayAll(PrintWriter out, PrintWriter err, boolean json, ObjectMapper mapper,
            BatchLoaderOptions.Opened loader, Policies policies) throws IOException {
        int code = 0;
        if (restore != null) {
            RestoreMode.parse(restore); // a bad --restore names itself once, before any trace runs
            if (updateAsserts) {
                throw new IllegalArgumentException("--update-asserts with --restore: the figures would be those of a "
                        + "run the trace does not describe");
            }
        }
        for (int ti = 0; ti < traces.length; ti++) {
            Path t = traces[ti];
            if (!Files.isRegularFile(t)) {
                throw new IllegalArgumentException("trace " + t + ": no such file");
            }
            ReplayReport r;
            try {
                Trace trace = Trace.parse(t, policies);
                if (restore != null) {
                    trace = trace.withDriverOptions(Map.of("restore", restore));
                }
                TraceRunner runner = new TraceRunner(trace, ReplayCommand::readDump, verbose ? err::println : null)
                        .withLoader(loader.loader());
                runnerMisses = List.of();
                if (events != null) {
                    Path file = numbered(events, ti + 1);
                    try (EventWriter w = new EventWriter(file)) {
                        r = runner.withEvents(w).run();
                    }
                    if (!json) {
                        out.println("events: " + file);
                    }
                } else {
                    r = runner.run();
                }
                runnerMisses = runner.assertMisses();
            } catch (TraceException e) {
                err.println("gmc replay: " + e.getMessage());
                err.flush();
                return 1;
            }
            if (json) {
                out.println(mapper.writeValueAsString(r));
            } else {
                printTable(out, r);
            }
            if (chart != null) {
                Path file = numbered(chart, ti + 1);
                drawChart(file, r);
                if (!json) {
                    out.println("chart: " + file);
                }
            }
            int updated = 0;
            if (updateAsserts && !runnerMisses.isEmpty()) {
                updated = updateAsserts(t, runnerMisses);
                (json ? err : out).println("updated " + updated + " assert figure(s) in " + t);
            }
            if (!r.ok() && r.failures().size() > updated) {
                code = 2;
            }
        }
        out.flush();
        return code;
    }

    private List<TraceRunner.AssertMiss> runnerMisses = List.of();

    /** Rewrites the missed assert figures of trace file {@code t} with their actual values; returns how many. */
    static int updateAsserts(Path t, List<TraceRunner.AssertMiss> misses) throws IOException {
        String[] lines = Files.readString(t, java.nio.charset.StandardCharsets.UTF_8).split("\n", -1);
        int n = 0;
        for (TraceRunner.AssertMiss m : misses) {
            String line = lines[m.line() - 1];
            int hash = line.indexOf('#');
            String code = hash < 0 ? line : line.substring(0, hash);
            String fixed = code.replaceFirst("(?<=\\s|^)" + java.util.regex.Pattern.quote(m.key() + "=" + m.bound())
                    + "(?=\\s|$)", java.util.regex.Matcher.quoteReplacement(m.key() + "=" + m.actual()));
            if (!fixed.equals(code)) {
                lines[m.line() - 1] = fixed + (hash < 0 ? "" : line.substring(hash));
                n++;
            }
        }
        Files.writeString(t, String.join("\n", lines), java.nio.charset.StandardCharsets.UTF_8);
        return n;
    }

    /** The n-th trace's file of an output option: FILE.ext, FILE-2.ext, ... */
    static Path numbered(Path first, int n) {
        if (n == 1) {
            return first;
        }
        String name = first.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return first.resolveSibling(dot > 0 ? name.substring(0, dot) + "-" + n + name.substring(dot)
                : name + "-" + n);
    }

    /** --events: one JSON object per line; events may come from the daemon's and the driver's threads. */
    private static final class EventWriter implements java.util.function.Consumer<TraceRunner.LineEvent>,
            AutoCloseable {
        private final java.io.BufferedWriter w;
        private final ObjectMapper mapper = new ObjectMapper();
        private IOException failed;

        EventWriter(Path file) throws IOException {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            w = Files.newBufferedWriter(file, java.nio.charset.StandardCharsets.UTF_8);
        }

        @Override
        public synchronized void accept(TraceRunner.LineEvent e) {
            if (failed != null) {
                return;
            }
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("seq", e.event().seq());
            m.put("line", e.line());
            m.put("type", e.event().type().name().toLowerCase(Locale.ROOT));
            m.put("context", e.event().context());
            m.put("buffer", e.buffer());
            m.put("buffer_id", e.event().buffer());
            m.put("page", e.event().page());
            m.put("value", e.event().value());
            try {
                w.write(mapper.writeValueAsString(m));
                w.write('\n');
            } catch (IOException x) {
                failed = x; // reported at close: the replay itself goes on
            }
        }

        @Override
        public synchronized void close() throws IOException {
            w.close();
            if (failed != null) {
                throw new IOException("--events: " + failed.getMessage(), failed);
            }
        }
    }

    /** Memory over the trace's lines, from its timeline (stats lines and the end), as a PNG. */
    static void drawChart(Path file, ReplayReport r) throws IOException {
        List<ReplayReport.Sample> t = r.timeline();
        XYChart c = new XYChartBuilder().width(900).height(520).title("Memory over " + Path.of(r.trace()).getFileName())
                .xAxisTitle("trace line").yAxisTitle("MiB").build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS).setChartBackgroundColor(java.awt.Color.WHITE)
                .setMarkerSize(6);
        double[] x = t.stream().mapToDouble(ReplayReport.Sample::line).toArray();
        c.addSeries("data frames", x, mib(t, ReplayReport.Sample::dataFrames, 4096));
        c.addSeries("page tables", x, mib(t, ReplayReport.Sample::tableFrames, 4096));
        c.addSeries("compressed pool", x, mib(t, ReplayReport.Sample::poolBytes, 1));
        c.addSeries("saved", x, mib(t, ReplayReport.Sample::savedBytes, 1));
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        BitmapEncoder.saveBitmap(c, file.toString().replaceFirst("(?i)\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
    }

    private static double[] mib(List<ReplayReport.Sample> t, java.util.function.ToLongFunction<ReplayReport.Sample> f,
            long unit) {
        return t.stream().mapToDouble(s -> f.applyAsLong(s) * (double) unit / 1048576.0).toArray();
    }

    /** Reads {@code len} bytes at {@code offset} of a dump (compressed dumps decompressed on the fly). */
    /**
     * {@code len} bytes at {@code offset} of a dump (decompressed when it is .gz/.zst/.xz, whose whole stream is then
     * checked once, so that a damaged file is an error and not silently different content).
     */
    static byte[] readDump(Path file, long offset, int len) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("dump " + file + ": no such file");
        }
        long skipped;
        byte[] data;
        com.google.common.io.CountingInputStream in = null;
        try (InputStream opened = PageInput.open(file)) {
            in = new com.google.common.io.CountingInputStream(opened);
            skipped = in.skip(offset);
            while (skipped < offset && in.read() >= 0) {
                skipped++;
                skipped += in.skip(offset - skipped);
            }
            data = skipped < offset ? null : in.readNBytes(len);
            if (data != null) {
                PageInput.checkRest(file, opened, in);
            }
        } catch (IOException e) { // a corrupt or truncated compressed dump: name the file and where
            throw new IOException("dump " + file + " at decompressed byte " + (in == null ? 0 : in.getCount())
                    + (in != null && in.getCount() > offset + len ? " (after the bytes this line reads: the dump is "
                    + "damaged, so they cannot be trusted either)" : "") + ": " + Errors.message(e), e);
        }
        if (data == null) {
            throw new IOException("dump " + file + ": offset " + offset + " is past its end (" + skipped + " bytes)");
        }
        return data;
    }

    private static void printTable(PrintWriter out, ReplayReport r) {
        out.printf("%s: %s driver%s, daemon %s, %d lines, %d GPU/CPU accesses, %s verified against the shadow copy%n",
                r.trace(), r.driver(), r.pool().isEmpty() ? "" : " (" + r.pool() + ")", r.daemon(), r.lines(), r.accesses(), Units.bytes(r.bytesVerified()));
        Map<String, Long> c = r.driverCounters();
        Map<String, Long> m = r.mmuCounters();
        out.println();
        out.println("GMC");
        row(out, "regions compressed", c.get("regions_compressed"));
        row(out, "pages stored (compressed)", c.get("pages_stored"));
        row(out, "pages same-filled (zero)", c.get("pages_same_filled") + " (" + c.get("pages_zero") + ")");
        row(out, "pages rejected / pool full", c.get("pages_rejected") + " / " + c.get("pages_pool_full"));
        row(out, "compressions aborted by a fault", c.get("pages_aborted"));
        if (c.getOrDefault("pages_recompressed", 0L) > 0) {
            row(out, "pages recompressed", c.get("pages_recompressed"));
        }
        row(out, "frames freed", c.get("frames_freed") + " (" + Units.bytes(c.get("frames_freed") * 4096) + ")");
        row(out, "pages restored", c.get("pages_restored"));
        if (c.getOrDefault("pages_recompressed", 0L) > 0) {
            row(out, "  of them recompressed ones", c.get("pages_restored_recompressed"));
        }
        if (c.getOrDefault("daemon_recompressed_regions", 0L) > 0) {
            row(out, "daemon recompression passes", c.get("daemon_recompressed_regions"));
        }
        row(out, "CPU faults major / minor", c.get("cpu_faults_major") + " / " + c.get("cpu_faults_minor"));
        row(out, "GPU faults major / minor", c.get("gpu_faults_major") + " / " + c.get("gpu_faults_minor"));
        row(out, "pre-job restores (Utgard)", c.get("pre_job_restores"));
        row(out, "eager restores (on foreground)", c.get("eager_restores"));
        row(out, "batch restores / pages failed", c.get("batch_restores") + " / " + c.get("restore_failed"));
        row(out, "jobs / failed", c.get("jobs") + " / " + c.get("jobs_failed"));
        row(out, "contexts killed", c.get("contexts_killed"));
        row(out, "SIGSEGV / SIGBUS", c.get("sigsegv") + " / " + c.get("sigbus"));
        out.println();
        out.println("MMU");
        row(out, "CPU TLB range flushes", m.get("cpu_tlb_flush_range"));
        if (r.driver().equals("midgard")) {
            row(out, "kbase AS LOCK / UNLOCK", m.get("kbase_lock") + " / " + m.get("kbase_unlock"));
            row(out, "kbase FLUSH_PT / FLUSH_MEM", m.get("kbase_flush_pt") + " / " + m.get("kbase_flush_mem"));
        } else {
            row(out, "Utgard ZAP_CACHE / ZAP_ONE_LINE", m.get("utgard_zap_cache") + " / "
                    + m.get("utgard_zap_one_line"));
            row(out, "Utgard stall / unstall", m.get("utgard_stall") + " / " + m.get("utgard_unstall"));
            row(out, "Utgard L2 page-table invalidations", m.get("utgard_l2_invalidate"));
            row(out, "Utgard PAGE_FAULT_DONE", m.get("utgard_page_fault_done"));
        }
        row(out, "GPU TLB hits / misses", m.get("tlb_hit") + " / " + m.get("tlb_miss"));
        row(out, "GPU TLB entries invalidated", m.get("tlb_entries_invalidated"));
        out.println();
        out.printf("%-6s %-16s %12s %12s %12s %12s %12s%n", "line", "memory after", "data", "page tables",
                "in store", "pool", "saved");
        for (ReplayReport.Sample s : r.timeline()) {
            out.printf("%-6d %-16s %12s %12s %12s %12s %12s%n", s.line(), Units.shorten(s.label(), 16),
                    Units.bytes(s.dataFrames() * 4096), Units.bytes(s.tableFrames() * 4096),
                    Units.bytes(s.storedPages() * 4096), Units.bytes(s.poolBytes()), Units.bytes(s.savedBytes()));
        }
        ReplayReport.Sample p = r.peak();
        out.printf("%-6d %-16s %12s %12s %12s %12s %12s%n", p.line(), "(peak saving)", Units.bytes(p.dataFrames() * 4096),
                Units.bytes(p.tableFrames() * 4096), Units.bytes(p.storedPages() * 4096), Units.bytes(p.poolBytes()),
                Units.bytes(p.savedBytes()));
        out.println();
        out.println("mm_stat: " + r.mmStat());
        if (!r.reported().isEmpty()) {
            out.println();
            out.println("Reported by the driver (as the real one would):");
            r.reported().forEach(s -> out.println("  " + s));
        }
        out.println();
        if (r.ok()) {
            out.println("OK: every read matched the last write, every outcome was as expected.");
        } else {
            out.println("FAILED:");
            r.failures().forEach(s -> out.println("  " + s));
        }
    }

    private static void row(PrintWriter out, String k, Object v) {
        out.printf("  %-36s %s%n", k, v);
    }
}
