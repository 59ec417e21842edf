package dev.gmc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gmc.core.store.ZramKernel;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gmc kernels}: the same dumps as several kernels' zram would store them, one row per kernel and compressor.
 * Each row is what {@code gmc measure --kernel K --algo A} prints in total (it runs that command), so each kernel gets
 * its own class rule and its own form of the codec; a compressor a kernel cannot run as asked (a level before 6.12,
 * another kernel's zstd, a zstd release this build does not link) is a refused row with measure's reason, and the
 * other rows still come.
 */
@Command(name = "kernels", mixinStandardHelpOptions = true,
        description = {"Measure dumps as the zram of several kernels would store them: one row per kernel and "
                + "compressor with mm_stat's orig_data_size, compr_data_size and mem_used_total, each what 'gmc "
                + "measure --kernel K --algo A' gives (its class rule, its form of the codec). A compressor a "
                + "kernel cannot run as asked (a level before 6.12, another kernel's zstd) shows as refused, with the "
                + "reason.",
                "By default the kernels are Android's GKI branches android12-5.10 to android16-6.12 and the "
                        + "compressors lzo-rle, lz4 and zstd."})
final class KernelsCommand implements Callable<Integer> {
    /** Android's GKI branches that phones ship, oldest first. */
    static final String GKI = "android12-5.10,android13-5.15,android14-6.1,android15-6.6,android16-6.12";

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "Dump files or directories, as for gmc measure.")
    List<Path> paths;

    @Option(names = "--kernels", split = ",", paramLabel = "VERSION", defaultValue = GKI,
            description = "Kernels, as measure --kernel takes them (6.6, 5.15.148, android14-6.1; default: "
                    + "${DEFAULT-VALUE}).")
    List<String> kernels;

    @Option(names = "--algo", split = ",", paramLabel = "ALGO", defaultValue = "lzo-rle,lz4,zstd",
            description = "zram compressors, as the kernel names them (lz4 runs as the kernel's own port; default: "
                    + "${DEFAULT-VALUE}).")
    List<String> algos;

    @Option(names = "--page-size", defaultValue = "4k", paramLabel = "SIZE", description = Args.PAGE_SIZE_HELP)
    String pageSize;

    @Option(names = "--arch", defaultValue = "64", paramLabel = "ARCH", description = Args.ARCH_HELP)
    String arch;

    @Option(names = "--threads", defaultValue = "0",
            description = "Worker threads for each measurement (default: the number of processors).")
    int threads;

    @Option(names = "--format", defaultValue = "table", description = "table, json or csv (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--chart", paramLabel = "FILE.png",
            description = "Also draw mem_used_total per kernel, a bar per compressor (refused ones left out).")
    Path chart;

    /** The page size in bytes, from --page-size (set in call()). */
    private int pageBytes = 4096;

    /** One row: a kernel and a compressor, measured or refused. */
    record Row(String kernel, String linux, String algo, String codec, String settings, long[] mmStat, String refused) {
    }

    @Override
    public Integer call() throws Exception {
        if (!List.of("table", "json", "csv").contains(format)) {
            throw new IllegalArgumentException("--format: '" + format + "' (expected table, json or csv)");
        }
        Args.threads("--threads", threads, 0);
        for (List<String> list : List.of(kernels, algos)) {
            if (list.isEmpty() || list.stream().anyMatch(String::isBlank)) {
                throw new IllegalArgumentException((list == kernels ? "--kernels" : "--algo") + ": '"
                        + String.join(",", list) + "' has an empty entry");
            }
        }
        pageBytes = Args.classes(false, 8, arch, pageSize).pageSize(); // --page-size and --arch checked here too
        List<ZramKernel> parsed = new ArrayList<>();
        for (String k : kernels) {
            parsed.add(Args.kernel(k.trim())); // every version refused before anything is read
        }
        PrintWriter err = spec.commandLine().getErr();
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < kernels.size(); i++) {
            String k = kernels.get(i).trim();
            err.printf("gmc kernels: %s (Linux %s), %d of %d%n", k, parsed.get(i), i + 1, kernels.size());
            err.flush();
            for (String a : algos) {
                rows.add(measure(k, parsed.get(i), a.trim()));
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        switch (format) {
            case "json" -> json(out, rows);
            case "csv" -> csv(out, rows);
            default -> table(out, rows);
        }
        if (chart != null) {
            drawChart(rows);
            if (format.equals("table")) {
                out.println("chart: " + chart);
            }
        }
        out.flush();
        return 0;
    }

    /**
     * {@code gmc measure --kernel K --algo A --format json} in this JVM: its total mm_stat, or its refusal. An input
     * that cannot be read fails the whole command, as it would fail measure.
     */
    private Row measure(String kernel, ZramKernel linux, String algo) throws Exception {
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(new MeasureCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(spec.commandLine().getErr()); // measure's progress and notes; its refusals come back as exceptions
        Exception[] failure = new Exception[1];
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            failure[0] = ex;
            return 1;
        });
        List<String> args = new ArrayList<>(List.of("--kernel", kernel, "--algo", algo, "--format", "json",
                "--page-size", pageSize, "--arch", arch, "--threads", String.valueOf(threads)));
        paths.forEach(p -> args.add(p.toString()));
        int code = cl.execute(args.toArray(String[]::new));
        if (code != 0) {
            // measure refuses a codec (or a page size, an arch) for this kernel with IllegalArgumentException; anything
            // else (an unreadable input, a bug) is not a refusal and ends this command too
            if (failure[0] instanceof IllegalArgumentException && Errors.isUserError(failure[0])
                    && failure[0].getMessage().startsWith("--algo")) {
                return new Row(kernel, linux.toString(), algo, null, null, null,
                        failure[0].getMessage().replaceFirst("^--algo: ", ""));
            }
            if (failure[0] != null) {
                throw failure[0];
            }
            throw new IllegalArgumentException("gmc measure --kernel " + kernel + " --algo " + algo + " failed (exit "
                    + code + ")");
        }
        JsonNode r = new ObjectMapper().readTree(out.toString()).get("results").get(0);
        String[] f = r.get("mm_stat").asText().trim().split("\\s+");
        long[] mm = new long[f.length];
        for (int i = 0; i < f.length; i++) {
            mm[i] = Long.parseLong(f[i]);
        }
        return new Row(kernel, linux.toString(), algo, r.get("algorithm").asText(), r.get("settings").asText(), mm, null);
    }

    /** Grouped bars: a group per kernel, a bar per compressor; a refused one is a gap (0) in its group. */
    private void drawChart(List<Row> rows) throws java.io.IOException {
        List<String> groups = new ArrayList<>();
        java.util.Map<String, List<Double>> series = new java.util.LinkedHashMap<>();
        for (Row r : rows) {
            if (!groups.contains(r.kernel())) {
                groups.add(r.kernel());
            }
        }
        for (Row r : rows) {
            List<Double> ys = series.computeIfAbsent(r.algo(), a -> new ArrayList<>(java.util.Collections.nCopies(
                    groups.size(), 0.0)));
            ys.set(groups.indexOf(r.kernel()), r.refused() == null ? r.mmStat()[2] / 1048576.0 : 0.0);
        }
        if (rows.stream().allMatch(r -> r.refused() != null)) {
            throw new IllegalStateException("--chart " + chart + ": every row was refused, nothing to draw");
        }
        org.knowm.xchart.CategoryChart c = new org.knowm.xchart.CategoryChartBuilder().width(900).height(560)
                .title("zram's pool (mem_used_total) for the same pages, per kernel")
                .xAxisTitle("kernel").yAxisTitle("MiB").build();
        c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideS)
                .setChartBackgroundColor(java.awt.Color.WHITE);
        for (java.util.Map.Entry<String, List<Double>> e : series.entrySet()) {
            c.addSeries(e.getKey(), groups, e.getValue());
        }
        Path parent = chart.toAbsolutePath().getParent();
        if (parent != null) {
            java.nio.file.Files.createDirectories(parent);
        }
        org.knowm.xchart.BitmapEncoder.saveBitmap(c, chart.toString().replaceFirst("(?i)\\.png$", ""),
                org.knowm.xchart.BitmapEncoder.BitmapFormat.PNG);
    }

    private String checkedText(String linux) {
        ZramKernel k = ZramKernel.parse(linux);
        return k.checked(pageBytes) ? "yes" : k.checked() ? "no (checked at 4 KiB pages only)"
                : "no (this version was not booted)";
    }

    private static String ratio(long[] mm) {
        return mm[2] == 0 ? "-" : String.format(Locale.ROOT, "%.2fx", (double) mm[0] / mm[2]);
    }

    private void table(PrintWriter out, List<Row> rows) {
        String fmt = "%-16s %-6s %-8s %-12s %12s %12s %12s %8s  %s%n";
        out.printf(fmt, "kernel", "linux", "algo", "gmc codec", "orig_data", "compr_data", "mem_used", "ratio*",
                "checked");
        for (Row r : rows) {
            if (r.refused() != null) {
                out.printf("%-16s %-6s %-8s refused: %s%n", r.kernel(), r.linux(), r.algo(), r.refused());
            } else {
                out.printf(fmt, r.kernel(), r.linux(), r.algo(), r.codec(), r.mmStat()[0], r.mmStat()[1],
                        r.mmStat()[2], ratio(r.mmStat()), checkedText(r.linux()));
            }
        }
        out.println("* ratio = orig_data_size / mem_used_total (the pool as written, same-filled pages cost nothing). "
                + "'checked': this kernel version was booted against gmc at this page size.");
    }

    private void csv(PrintWriter out, List<Row> rows) {
        out.println("kernel,linux,algo,codec,orig_data_size,compr_data_size,mem_used_total,ratio,checked,refused");
        for (Row r : rows) {
            boolean ok = r.refused() == null;
            out.println(String.join(",", Csv.field(r.kernel()), r.linux(), Csv.field(r.algo()),
                    ok ? r.codec() : "", ok ? String.valueOf(r.mmStat()[0]) : "", ok ? String.valueOf(r.mmStat()[1]) : "",
                    ok ? String.valueOf(r.mmStat()[2]) : "",
                    ok && r.mmStat()[2] > 0 ? String.format(Locale.ROOT, "%.4f", (double) r.mmStat()[0] / r.mmStat()[2])
                            : "",
                    String.valueOf(ZramKernel.parse(r.linux()).checked(pageBytes)), ok ? "" : Csv.field(r.refused())));
        }
    }

    private void json(PrintWriter out, List<Row> rows) throws Exception {
        ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = om.createObjectNode();
        ArrayNode list = root.putArray("rows");
        for (Row r : rows) {
            ObjectNode n = list.addObject();
            n.put("kernel", r.kernel()).put("linux", r.linux()).put("algo", r.algo())
                    .put("checked", ZramKernel.parse(r.linux()).checked(pageBytes));
            if (r.refused() != null) {
                n.put("refused", r.refused());
            } else {
                n.put("codec", r.codec()).put("settings", r.settings());
                ArrayNode mm = n.putArray("mm_stat");
                for (long v : r.mmStat()) {
                    mm.add(v);
                }
            }
        }
        out.println(om.writeValueAsString(root));
    }
}
