package dev.gmc.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.gmc.driver.Policies;
import dev.gmc.driver.replay.ReplayReport;
import dev.gmc.driver.replay.Trace;
import dev.gmc.driver.replay.TraceException;
import dev.gmc.driver.replay.TraceGenerator;
import dev.gmc.driver.replay.TraceRunner;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gmc sweep}: a policy sweep in the manner of Caffeine's simulator. The same traces are replayed once per
 * combination of driver-line settings ({@code --vary}), each run verified against its shadow copies as
 * {@code gmc replay} does, and the runs are compared: what each saves (at its peak and at the end) against what it
 * costs (pages compressed and rejected, faults, pages restored). Runs are independent and go in parallel; the rows
 * come out in combination order whatever finishes first.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = {"Replay traces under every combination of driver-line settings (a policy sweep: "
                + "--vary restore=lazy/eager --vary compress=all/texture,depth ...) and compare what each saves "
                + "against what it costs in compressions, faults and restores. Every run is verified against shadow "
                + "copies as 'gmc replay' does.",
                "Keys: the driver line's options (docs/TRACE-FORMAT.md): algo, policy, threshold, remap, tlb, "
                        + "restore, compress, min-pages, ram, format, reclaim, recompress, recompress-after, "
                        + "recompress-threshold, recompress-compact, pool, arch, daemon and a daemon policy's NAME.KEY "
                        + "(gmc policies); for gen: traces also gen.driver, gen.apps, gen.switches, gen.frames, "
                        + "gen.working-set, gen.seed, gen.idle.",
                "Exit code: 0 every run verified, 1 a malformed trace or option (or a run stopped by a trace error), "
                        + "2 a verification failure or an unexpected outcome in some run."})
final class SweepCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "TRACE", description = "Trace files (.gmct), or gen:KEY=V,... for a "
            + "trace made by trace-gen's generator for each run (keys: driver, apps, switches, frames, working-set, "
            + "seed, idle; e.g. gen:apps=5,switches=40), whose parameters --vary/--set gen.KEY=... change.")
    List<String> traces;

    /** A trace to sweep: a parsed file, or generator parameters whose trace is made per run (with gen.* applied). */
    private record Source(String name, Trace file, TraceGenerator.Params gen) {
    }

    private static final String GEN = "gen.";

    @Option(names = "--vary", paramLabel = "KEY=V1/V2/...", description = "A driver-line option and the values to "
            + "try, separated by '/' (values may hold commas: compress=all/texture,depth). Repeat for more keys; "
            + "every combination runs, the first key varying slowest.")
    List<String> vary = new ArrayList<>();

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "A driver-line option fixed for every run "
            + "(replaces the trace's own).")
    List<String> set = new ArrayList<>();

    @Option(names = "--format", defaultValue = "table", description = "table, csv or json (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--chart", paramLabel = "FILE.png", description = "Also draw bytes saved at the peak against "
            + "major faults, a point per run, as a PNG.")
    Path chart;

    @Option(names = "--threads", defaultValue = "0", description = "Runs at once (default: the CPU count).")
    int threads;

    @Mixin
    PluginOptions plugins;

    /** One run: a trace under one combination; {@code error} set if a trace error stopped it. */
    record Run(String trace, Map<String, String> settings, ReplayReport report, String error, long millis,
            int sameAs) {
        Run(String trace, Map<String, String> settings, ReplayReport report, String error, long millis) {
            this(trace, settings, report, error, millis, 0);
        }

        /** This run's row, reported as the run of row {@code row} (1-based), which had the same effective settings. */
        Run as(Map<String, String> mySettings, int row) {
            return new Run(trace, mySettings, report, error, 0, row);
        }

        long counter(String name) {
            return report == null ? 0 : report.driverCounters().getOrDefault(name, 0L);
        }

        long majorFaults() {
            return counter("cpu_faults_major") + counter("gpu_faults_major");
        }

        long minorFaults() {
            return counter("cpu_faults_minor") + counter("gpu_faults_minor");
        }

        long endSaved() {
            return report == null ? 0 : report.timeline().get(report.timeline().size() - 1).savedBytes();
        }

        String result() {
            String r = error != null ? "error" : report.ok() ? "ok" : report.failures().size() + " failure(s)";
            return sameAs > 0 ? r + " (= row " + sameAs + ")" : r;
        }
    }

    @Override
    public Integer call() throws Exception {
        if (!List.of("table", "csv", "json").contains(format)) {
            throw new IllegalArgumentException("--format: '" + format + "' (expected table, csv or json)");
        }
        Args.threads("--threads", threads, 0);
        Map<String, List<String>> axes = axes();
        Map<String, String> fixed = fixed(axes);
        List<Map<String, String>> combos = combinations(axes, fixed);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Run> runs;
        try (PluginOptions.Loaded policies = plugins.load()) {
            List<Source> parsed = sources(policies.policies(), axes, fixed);
            runs = runAll(parsed, combos, err, policies.policies());
        }
        switch (format) {
            case "csv" -> printCsv(out, runs, axes.keySet());
            case "json" -> out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(json(runs)));
            default -> printTable(out, runs, axes.keySet());
        }
        if (chart != null) {
            drawChart(runs, axes.keySet());
            if (format.equals("table")) {
                out.println("chart: " + chart);
            }
        }
        out.flush();
        for (Run r : runs) {
            if (r.error() != null) {
                err.println("gmc sweep: " + r.trace() + " with " + label(r.settings(), axes.keySet()) + ": "
                        + r.error());
            }
        }
        err.flush();
        return runs.stream().anyMatch(r -> r.error() != null) ? 1
                : runs.stream().allMatch(r -> r.report().ok()) ? 0 : 2;
    }

    /** --vary: key → values, in the order given; a key given twice gets both lists. */
    private Map<String, List<String>> axes() {
        Map<String, List<String>> axes = new LinkedHashMap<>();
        for (String v : vary) {
            String[] kv = keyValue("--vary", v);
            List<String> values = new ArrayList<>();
            for (String x : kv[1].split("/", -1)) {
                if (x.isEmpty()) {
                    throw new IllegalArgumentException("--vary " + v + ": an empty value (expected KEY=V1/V2/...)");
                }
                values.add(x);
            }
            List<String> all = axes.computeIfAbsent(kv[0], k -> new ArrayList<>());
            for (String x : values) {
                if (all.contains(x)) {
                    throw new IllegalArgumentException("--vary " + v + ": value '" + x + "' given twice");
                }
                all.add(x);
            }
        }
        return axes;
    }

    private Map<String, String> fixed(Map<String, List<String>> axes) {
        Map<String, String> f = new LinkedHashMap<>();
        for (String s : set) {
            String[] kv = keyValue("--set", s);
            if (axes.containsKey(kv[0])) {
                throw new IllegalArgumentException("--set " + s + ": '" + kv[0] + "' is also varied by --vary");
            }
            if (f.put(kv[0], kv[1]) != null) {
                throw new IllegalArgumentException("--set " + s + ": '" + kv[0] + "' set twice");
            }
        }
        return f;
    }

    private static String[] keyValue(String option, String s) {
        int eq = s.indexOf('=');
        if (eq <= 0 || eq == s.length() - 1) {
            throw new IllegalArgumentException(option + " " + s + ": expected KEY=VALUE");
        }
        return new String[] {s.substring(0, eq).toLowerCase(Locale.ROOT), s.substring(eq + 1)};
    }

    /** The cartesian product of the axes, the first axis varying slowest, each with the fixed settings first. */
    static List<Map<String, String>> combinations(Map<String, List<String>> axes, Map<String, String> fixed) {
        List<Map<String, String>> out = new ArrayList<>();
        out.add(new LinkedHashMap<>(fixed));
        for (Map.Entry<String, List<String>> axis : axes.entrySet()) {
            List<Map<String, String>> next = new ArrayList<>();
            for (Map<String, String> c : out) {
                for (String v : axis.getValue()) {
                    Map<String, String> m = new LinkedHashMap<>(c);
                    m.put(axis.getKey(), v);
                    next.add(m);
                }
            }
            out = next;
        }
        return out;
    }

    /** The TRACE arguments, parsed (files) or checked (gen: specs), with every setting checked against each. */
    private List<Source> sources(Policies policies, Map<String, List<String>> axes, Map<String, String> fixed)
            throws java.io.IOException {
        List<Source> out = new ArrayList<>();
        for (String t : traces) {
            Source src;
            Trace check;
            if (t.startsWith("gen:")) {
                TraceGenerator.Params p;
                try {
                    p = TraceGenerator.Params.parse(t.substring("gen:".length()));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("trace " + t + ": " + e.getMessage(), e);
                }
                src = new Source(t, null, p);
                check = Trace.parse(t, TraceGenerator.generate(p), policies);
            } else {
                Path f = Path.of(t);
                if (!Files.isRegularFile(f)) {
                    throw new IllegalArgumentException("trace " + t + ": no such file");
                }
                check = Trace.parse(f, policies);
                src = new Source(t, check, null);
            }
            checkValues(check, src.gen(), axes, fixed);
            out.add(src);
        }
        boolean anyGen = out.stream().anyMatch(x -> x.gen() != null);
        for (String k : concat(axes.keySet(), fixed.keySet())) {
            if (k.startsWith(GEN) && !anyGen) {
                throw new IllegalArgumentException("'" + k + "' is a generator parameter, and no TRACE is gen:... "
                        + "(e.g. gen:apps=5)");
            }
        }
        return out;
    }

    private static List<String> concat(java.util.Collection<String> a, java.util.Collection<String> b) {
        List<String> l = new ArrayList<>(a);
        l.addAll(b);
        return l;
    }

    /**
     * Every key and value before anything runs, so that a typo fails at once and names its option. A value is valid
     * if it is valid on its own, or with the {@code --set} options, or with those and one value of another axis: a
     * value that needs another option (e.g. {@code recompress-after=} needs {@code recompress=}) passes when some
     * setting supplies it, and the combinations that lack it become error rows of the sweep. The error reported is
     * the value's own.
     */
    private static void checkValues(Trace trace, TraceGenerator.Params gen, Map<String, List<String>> axes,
            Map<String, String> fixed) {
        for (Map.Entry<String, String> f : fixed.entrySet()) {
            checkSomehow(trace, gen, axes, fixed, "--set", f.getKey(), f.getValue());
        }
        for (Map.Entry<String, List<String>> a : axes.entrySet()) {
            for (String v : a.getValue()) {
                checkSomehow(trace, gen, axes, fixed, "--vary", a.getKey(), v);
            }
        }
    }

    private static void checkSomehow(Trace trace, TraceGenerator.Params gen, Map<String, List<String>> axes,
            Map<String, String> fixed, String option, String key, String value) {
        List<Map<String, String>> contexts = new ArrayList<>();
        contexts.add(Map.of());
        Map<String, String> with = driverSettings(fixed);
        contexts.add(with);
        for (Map.Entry<String, List<String>> b : axes.entrySet()) {
            if (!b.getKey().equals(key) && !b.getKey().startsWith(GEN)) {
                for (String w : b.getValue()) {
                    Map<String, String> m = new LinkedHashMap<>(with);
                    m.put(b.getKey(), w);
                    contexts.add(m);
                }
            }
        }
        IllegalArgumentException first = null;
        for (Map<String, String> c : contexts) {
            try {
                check(trace, gen, option, key, value, c);
                return;
            } catch (IllegalArgumentException e) {
                first = first == null ? e : first;
            }
        }
        throw first;
    }

    /** {@code key=value} on the trace, together with the driver settings {@code with}. */
    private static void check(Trace trace, TraceGenerator.Params gen, String option, String key, String value,
            Map<String, String> with) {
        try {
            if (key.startsWith(GEN)) {
                (gen != null ? gen : TraceGenerator.Params.DEFAULT).with(key.substring(GEN.length()), value);
            } else {
                Map<String, String> all = new LinkedHashMap<>(with);
                all.put(key, value);
                trace.withDriverOptions(all);
            }
        } catch (TraceException | IllegalArgumentException e) {
            throw new IllegalArgumentException(option + " " + key + "=" + value + ": " + e.getMessage(), e);
        }
    }

    /** The driver settings (not the generator's) among {@code settings}. */
    private static Map<String, String> driverSettings(Map<String, String> settings) {
        Map<String, String> m = new LinkedHashMap<>();
        settings.forEach((k, v) -> {
            if (!k.startsWith(GEN)) {
                m.put(k, v);
            }
        });
        return m;
    }

    private List<Run> runAll(List<Source> parsed, List<Map<String, String>> combos, PrintWriter err,
            Policies policies) throws InterruptedException {
        int total = parsed.size() * combos.size();
        int n = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(n, total)));
        Progress progress = Progress.items(err, total, "runs");
        try {
            // Combinations that differ only in options of a policy they do not select are one run: it is made once
            // and its row repeated, marked with the row it repeats.
            List<Future<Run>> futures = new ArrayList<>();
            List<Integer> sameAs = new ArrayList<>();
            List<Map<String, String>> settingsOf = new ArrayList<>();
            Map<String, Integer> firstRow = new java.util.HashMap<>();
            for (Source t : parsed) {
                for (Map<String, String> c : combos) {
                    String key = t.name() + "\u0000" + effective(t, c);
                    Integer first = firstRow.putIfAbsent(key, futures.size());
                    sameAs.add(first == null ? -1 : first);
                    settingsOf.add(c);
                    if (first != null) {
                        futures.add(null);
                        progress.advance(1);
                        continue;
                    }
                    futures.add(pool.submit(() -> {
                        Run r = runOne(t, c, policies);
                        progress.advance(1);
                        return r;
                    }));
                }
            }
            List<Run> runs = new ArrayList<>();
            for (int i = 0; i < futures.size(); i++) {
                if (sameAs.get(i) >= 0) {
                    runs.add(runs.get(sameAs.get(i)).as(settingsOf.get(i), sameAs.get(i) + 1));
                    continue;
                }
                try {
                    runs.add(futures.get(i).get());
                } catch (ExecutionException e) {
                    throw new IllegalStateException(Errors.message(e.getCause()), e.getCause());
                }
            }
            return runs;
        } finally {
            progress.done();
            pool.shutdownNow();
        }
    }

    /**
     * The settings that make a difference to a run: all of them, less the {@code NAME.KEY} options of a daemon policy
     * that the run does not select (its own {@code daemon=}, else the trace's, else {@code background}).
     */
    private static String effective(Source src, Map<String, String> settings) {
        String daemon = settings.getOrDefault("daemon",
                src.file() != null ? src.file().header().opt("daemon", Policies.DEFAULT) : Policies.DEFAULT);
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(settings).entrySet()) {
            int dot = e.getKey().indexOf('.');
            boolean otherPolicy = dot > 0 && !e.getKey().startsWith("gen.")
                    && !e.getKey().substring(0, dot).equals(daemon);
            if (!otherPolicy) {
                b.append(e.getKey()).append('=').append(e.getValue()).append('\u0000');
            }
        }
        return b.toString();
    }

    private static Run runOne(Source src, Map<String, String> settings, Policies policies) {
        long t0 = System.nanoTime();
        try {
            Map<String, String> driver = new LinkedHashMap<>();
            TraceGenerator.Params gen = src.gen();
            for (Map.Entry<String, String> e : settings.entrySet()) {
                if (!e.getKey().startsWith(GEN)) {
                    driver.put(e.getKey(), e.getValue());
                } else if (gen != null) { // a file trace has no generator: gen.* settings leave it as it is
                    gen = gen.with(e.getKey().substring(GEN.length()), e.getValue());
                }
            }
            Trace t = gen != null ? Trace.parse(src.name(), TraceGenerator.generate(gen), policies) : src.file();
            ReplayReport r = new TraceRunner(t.withDriverOptions(driver), ReplayCommand::readDump, null).run();
            return new Run(src.name(), settings, r, null, (System.nanoTime() - t0) / 1_000_000);
        } catch (TraceException e) { // e.g. a RAM size too small for this trace: the run stops, the sweep goes on
            return new Run(src.name(), settings, null, e.getMessage(), (System.nanoTime() - t0) / 1_000_000);
        }
    }

    private static String label(Map<String, String> settings, java.util.Collection<String> keys) {
        List<String> parts = new ArrayList<>();
        for (String k : keys) {
            parts.add(k + "=" + settings.get(k));
        }
        return parts.isEmpty() ? "the traces' own settings" : String.join(" ", parts);
    }

    private void printTable(PrintWriter out, List<Run> runs, java.util.Collection<String> keys) {
        boolean manyTraces = traces.size() > 1;
        List<String> head = new ArrayList<>();
        if (manyTraces) {
            head.add("trace");
        }
        head.addAll(keys);
        List<String[]> rows = new ArrayList<>();
        for (Run r : runs) {
            List<String> row = new ArrayList<>();
            if (manyTraces) {
                row.add(r.trace().startsWith("gen:") ? r.trace() : Path.of(r.trace()).getFileName().toString());
            }
            for (String k : keys) {
                row.add(r.settings().get(k));
            }
            rows.add(row.toArray(String[]::new));
        }
        int[] w = new int[head.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = head.get(i).length();
            for (String[] row : rows) {
                w[i] = Math.max(w[i], row[i].length());
            }
        }
        StringBuilder h = new StringBuilder();
        for (int i = 0; i < w.length; i++) {
            h.append(String.format("%-" + w[i] + "s  ", head.get(i)));
        }
        // The reclaim and recompression columns only when some run reclaimed under memory pressure (reclaim= on the
        // driver line) or recompressed pages (recompress-after=, recompress lines).
        boolean reclaim = runs.stream().anyMatch(r -> r.counter("daemon_reclaimed_regions") > 0);
        boolean recompress = runs.stream().anyMatch(r -> r.counter("pages_recompressed") > 0);
        String metrics = "%12s %12s %10s %9s %9s %9s %9s %9s " + (reclaim ? "%9s " : "%s")
                + (recompress ? "%12s %10s " : "%s%s") + "%8s  %s";
        out.printf("%s" + metrics + "%n", h, "peak saved", "end saved", "compressed", "rejected", "major", "minor",
                "restored", "eager", reclaim ? "reclaimed" : "", recompress ? "recompressed" : "",
                recompress ? "re-decoded" : "", "ms", "result");
        for (int j = 0; j < runs.size(); j++) {
            Run r = runs.get(j);
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < w.length; i++) {
                s.append(String.format("%-" + w[i] + "s  ", rows.get(j)[i]));
            }
            out.printf("%s" + metrics + "%n", s, r.report() == null ? "-" : Units.bytes(r.report().peak().savedBytes()),
                    r.report() == null ? "-" : Units.bytes(r.endSaved()),
                    r.counter("pages_stored") + r.counter("pages_same_filled"), r.counter("pages_rejected"),
                    r.majorFaults(), r.minorFaults(), r.counter("pages_restored"), r.counter("eager_restores"),
                    reclaim ? Long.toString(r.counter("daemon_reclaimed_regions")) : "",
                    recompress ? Long.toString(r.counter("pages_recompressed")) : "",
                    recompress ? Long.toString(r.counter("pages_restored_recompressed")) : "", r.millis(), r.result());
        }
        out.println();
        out.println("peak saved: the most memory saved after any line (stored pages minus the pool); compressed: "
                + "pages stored or same-filled; major/minor: CPU+GPU faults that did / did not restore a page; "
                + "restored: pages decompressed (on fault, eagerly, before Utgard jobs); eager: of those, on "
                + "foreground" + (reclaim ? "; reclaimed: buffers compressed by reclaim under memory pressure" : "")
                + (recompress ? "; recompressed: pages whose object a recompression codec replaced; re-decoded: "
                        + "restored pages that a recompression codec had written (each paid its decode)" : "") + ".");
    }

    private static final String[] CSV_COLUMNS = {"peak_saved_bytes", "peak_line", "peak_pool_bytes",
        "end_saved_bytes", "pages_compressed", "pages_rejected", "major_faults", "minor_faults", "pages_restored",
        "eager_restores", "pre_job_restores", "frames_freed", "reclaimed_regions", "pages_recompressed",
        "pages_restored_recompressed", "millis", "failures", "error"};

    private static void printCsv(PrintWriter out, List<Run> runs, java.util.Collection<String> keys) {
        List<String> head = new ArrayList<>();
        head.add("trace");
        keys.forEach(head::add);
        head.addAll(List.of(CSV_COLUMNS));
        out.println(String.join(",", head));
        for (Run r : runs) {
            List<String> row = new ArrayList<>();
            row.add(Csv.field(r.trace()));
            for (String k : keys) {
                row.add(Csv.field(r.settings().get(k)));
            }
            ReplayReport p = r.report();
            row.add(p == null ? "" : Long.toString(p.peak().savedBytes()));
            row.add(p == null ? "" : Integer.toString(p.peak().line()));
            row.add(p == null ? "" : Long.toString(p.peak().poolBytes()));
            row.add(p == null ? "" : Long.toString(r.endSaved()));
            row.add(Long.toString(r.counter("pages_stored") + r.counter("pages_same_filled")));
            row.add(Long.toString(r.counter("pages_rejected")));
            row.add(Long.toString(r.majorFaults()));
            row.add(Long.toString(r.minorFaults()));
            row.add(Long.toString(r.counter("pages_restored")));
            row.add(Long.toString(r.counter("eager_restores")));
            row.add(Long.toString(r.counter("pre_job_restores")));
            row.add(Long.toString(r.counter("frames_freed")));
            row.add(Long.toString(r.counter("daemon_reclaimed_regions")));
            row.add(Long.toString(r.counter("pages_recompressed")));
            row.add(Long.toString(r.counter("pages_restored_recompressed")));
            row.add(Long.toString(r.millis()));
            row.add(p == null ? "" : Integer.toString(p.failures().size()));
            row.add(r.error() == null ? "" : Csv.field(r.error()));
            out.println(String.join(",", row));
        }
    }

    private static List<Object> json(List<Run> runs) {
        List<Object> list = new ArrayList<>();
        for (Run r : runs) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("trace", r.trace());
            m.put("settings", r.settings());
            m.put("millis", r.millis());
            if (r.sameAs() > 0) {
                m.put("same_as_row", r.sameAs());
            }
            if (r.error() != null) {
                m.put("error", r.error());
            } else {
                m.put("ok", r.report().ok());
                m.put("peak", r.report().peak());
                m.put("end_saved_bytes", r.endSaved());
                m.put("report", r.report());
            }
            list.add(m);
        }
        return list;
    }

    private void drawChart(List<Run> runs, java.util.Collection<String> keys) throws IOException {
        XYChart c = new XYChartBuilder().width(900).height(560).title("Memory saved against faults, a point per run")
                .xAxisTitle("major faults (CPU + GPU)").yAxisTitle("MiB saved at the peak").build();
        c.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter)
                .setLegendPosition(Styler.LegendPosition.OutsideS).setChartBackgroundColor(java.awt.Color.WHITE)
                .setMarkerSize(10);
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (Run r : runs) {
            if (r.report() != null) {
                String name = label(r.settings(), keys);
                series.computeIfAbsent(name, k -> new ArrayList<>())
                        .add(new double[] {r.majorFaults(), r.report().peak().savedBytes() / 1048576.0});
            }
        }
        if (series.isEmpty()) {
            throw new IllegalStateException("--chart " + chart + ": no run finished, nothing to draw");
        }
        for (Map.Entry<String, List<double[]>> e : series.entrySet()) {
            double[] x = e.getValue().stream().mapToDouble(p -> p[0]).toArray();
            double[] y = e.getValue().stream().mapToDouble(p -> p[1]).toArray();
            c.addSeries(e.getKey(), x, y);
        }
        Path parent = chart.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        BitmapEncoder.saveBitmap(c, chart.toString().replaceFirst("(?i)\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
    }
}
