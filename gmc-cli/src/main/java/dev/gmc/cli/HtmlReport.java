package dev.gmc.cli;

import com.google.common.html.HtmlEscapers;
import dev.gmc.core.store.MmStat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * {@code gmc measure --html}: one self-contained page (charts are PNGs drawn by XChart and inlined as data URIs; no
 * script, no font or style sheet from the network) with the totals, the mm_stat lines, four charts (stored-size
 * histogram, savings per type, the largest buffers, algorithm comparison) and the per-input table.
 */
final class HtmlReport {
    private static final int WIDTH = 900;
    private static final int HEIGHT = 420;
    private static final int TOP = 20;
    private static final int MAX_ROWS = 2000;

    /** Ratio bins over the 64-byte length buckets of {@link MeasurePipeline.Tally#lengths}: label, first, last. */
    private static final Object[][] BINS = {
        {"same-filled", 0, 0}, {">= 16x (<= 256 B)", 1, 4}, {"8-16x", 5, 8}, {"4-8x", 9, 16}, {"2-4x", 17, 32},
        {"1.33-2x", 33, 48}, {"< 1.33x", 49, 64}, {"huge (stored raw)", 65, 65}, {"rejected (resident)", 66, 66},
    };

    private HtmlReport() {
    }

    static void write(Path file, List<MeasureCommand.AlgoResult> results, List<String> failures, List<Path> inputs)
            throws IOException {
        System.setProperty("java.awt.headless", "true");
        StringBuilder h = new StringBuilder(1 << 16);
        MeasureCommand.AlgoResult first = results.get(0);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>gmc measure report</title>\n")
                .append("<style>body{font-family:sans-serif;margin:2em;max-width:1100px;color:#222}"
                        + "table{border-collapse:collapse;margin:1em 0;font-size:90%}"
                        + "th,td{border:1px solid #ccc;padding:3px 8px}td.n{text-align:right;font-family:monospace}"
                        + "th{background:#eef}code,pre{background:#f6f6f6;padding:2px 4px}"
                        + ".warn{color:#a00}img{max-width:100%;border:1px solid #ddd;margin:.5em 0}</style>\n")
                .append("</head><body>\n<h1>gmc measure</h1>\n<p>")
                .append(esc(first.perFile().size() + " input(s), " + first.total().pages + " pages"
                        + (page(first) == 4096 ? "" : " of " + page(first) / 1024 + " KiB") + " ("
                        + Units.bytes(first.total().pages * page(first)) + ") from " + inputs))
                .append("<br>generated ").append(esc(ZonedDateTime.now().format(DateTimeFormatter.RFC_1123_DATE_TIME)))
                .append(" by gmc</p>\n");
        if (!failures.isEmpty()) {
            h.append("<h2 class=\"warn\">Inputs that failed (skipped with --keep-going)</h2><ul>");
            failures.forEach(f -> h.append("<li class=\"warn\">").append(esc(f)).append("</li>"));
            h.append("</ul>\n");
        }

        h.append("<h2>Totals</h2>\n<table><tr><th>algorithm</th><th>settings</th><th>pages</th><th>stored</th>"
                + "<th>mem_used_total</th><th>ratio</th><th>saved</th><th>gmc metadata</th></tr>\n");
        for (MeasureCommand.AlgoResult r : results) {
            MmStat mm = r.mmStat();
            h.append("<tr><td>").append(esc(r.label())).append("</td><td>").append(esc(r.settings()))
                    .append("</td>").append(num(r.total().pages)).append(num(Units.bytes(mm.origDataSize())))
                    .append(num(Units.bytes(mm.memUsedTotal())))
                    .append(num(mm.memUsedTotal() == 0 ? "-" : String.format(Locale.ROOT, "%.2fx",
                            (double) mm.origDataSize() / mm.memUsedTotal())))
                    .append(num(Units.bytes(mm.origDataSize() - mm.memUsedTotal())))
                    .append(num(Units.bytes(r.total().model.metadataBytes()))).append("</tr>\n");
        }
        h.append("</table>\n<p>mm_stat, as the kernel's zram would print it after the same writes "
                + "(orig_data_size compr_data_size mem_used_total mem_limit mem_used_max same_pages pages_compacted "
                + "huge_pages huge_pages_since):</p><pre>");
        for (MeasureCommand.AlgoResult r : results) {
            h.append(esc(String.format("%-14s %s", r.label(), r.mmStatLine()))).append('\n');
        }
        h.append("</pre>\n");

        h.append("<h2>Compression ratio per page</h2>\n<p>Pages by the ratio " + page(first) + " / stored length.</p>\n")
                .append(img(ratioHistogram(results), "Histogram of per-page compression ratios"));
        h.append("<h2>Algorithm comparison</h2>\n").append(img(algorithms(results), "Pool size per algorithm"));
        boolean byType = !first.perType().isEmpty();
        h.append("<h2>Savings per ").append(byType ? "buffer type" : "input").append("</h2>\n")
                .append(img(savings(results, byType ? first.perType().keySet() : topInputs(first, TOP), byType),
                        "Bytes saved per group"));
        h.append("<h2>The largest buffers</h2>\n").append(img(largest(first), "The largest inputs"));

        for (var g : List.of(Map.entry("type", first.perType()), Map.entry("owner", first.perOwner()))) {
            if (!g.getValue().isEmpty()) {
                h.append("<h2>Per ").append(g.getKey()).append("</h2>\n");
                table(h, results, g.getKey(), new ArrayList<>(g.getValue().keySet()), g.getKey().equals("type") ? 1 : 2);
            }
        }
        h.append("<h2>Per input</h2>\n");
        List<String> names = new ArrayList<>(first.perFile().keySet());
        if (names.size() > MAX_ROWS) {
            h.append("<p>The ").append(MAX_ROWS).append(" largest of ").append(names.size())
                    .append(" inputs; all of them are in --json and --csv.</p>");
            names = topInputs(first, MAX_ROWS);
        }
        table(h, results, "input", names, 0);
        h.append("<p>pool (est) charges each object its size class's amortised cost (pages per zspage × " + page(first) + " / "
                + "objects per zspage); saved = stored pages − pool (est) − gmc metadata.</p>\n</body></html>\n");
        Files.writeString(file, h, StandardCharsets.UTF_8);
    }

    private static List<String> topInputs(MeasureCommand.AlgoResult r, int n) {
        return r.perFile().entrySet().stream()
                .sorted(Comparator.comparingLong((Map.Entry<String, MeasurePipeline.Tally> e) -> e.getValue().pages)
                        .reversed())
                .limit(n).map(Map.Entry::getKey).toList();
    }

    private static void table(StringBuilder h, List<MeasureCommand.AlgoResult> results, String what,
            List<String> keys, int group) {
        h.append("<table><tr><th>").append(esc(what)).append("</th><th>algorithm</th><th>pages</th><th>zero</th>"
                + "<th>same</th><th>huge</th><th>rejected</th><th>compressed</th><th>pool (est)</th><th>saved</th>"
                + "<th>ratio</th></tr>\n");
        for (String k : keys) {
            for (MeasureCommand.AlgoResult r : results) {
                Map<String, MeasurePipeline.Tally> m = group == 0 ? r.perFile() : group == 1 ? r.perType() : r.perOwner();
                MeasurePipeline.Tally t = m.get(k);
                h.append("<tr><td>").append(esc(Units.shorten(k, 60))).append("</td><td>").append(esc(r.label()))
                        .append("</td>").append(num(t.pages)).append(num(t.zero())).append(num(t.sameOther()))
                        .append(num(t.huge())).append(num(t.rejected())).append(num(Units.bytes(t.comprBytes())))
                        .append(num(Units.bytes(Math.round(t.poolBytes())))).append(num(Units.bytes(t.savedBytes())))
                        .append(num(Double.isInfinite(t.ratio()) ? "-" : String.format(Locale.ROOT, "%.2fx", t.ratio())))
                        .append("</tr>\n");
            }
        }
        h.append("</table>\n");
    }

    private static CategoryChart chart(String title, String x, String y) {
        CategoryChart c = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(x)
                .yAxisTitle(y).build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS).setChartBackgroundColor(java.awt.Color.WHITE);
        c.getStyler().setXAxisLabelRotation(30);
        return c;
    }

    private static CategoryChart ratioHistogram(List<MeasureCommand.AlgoResult> results) {
        CategoryChart c = chart("Pages by compression ratio", "ratio (page / stored length)", "pages");
        List<String> labels = new ArrayList<>();
        for (Object[] b : BINS) {
            labels.add((String) b[0]);
        }
        for (MeasureCommand.AlgoResult r : results) {
            List<Long> v = new ArrayList<>();
            for (Object[] b : BINS) {
                long n = 0;
                for (int i = (int) b[1]; i <= (int) b[2]; i++) {
                    n += r.total().lengths[i];
                }
                v.add(n);
            }
            c.addSeries(r.label(), labels, v);
        }
        return c;
    }

    private static CategoryChart algorithms(List<MeasureCommand.AlgoResult> results) {
        CategoryChart c = chart("Memory after compression", "algorithm", "MiB");
        List<String> names = new ArrayList<>();
        List<Double> orig = new ArrayList<>();
        List<Double> used = new ArrayList<>();
        for (MeasureCommand.AlgoResult r : results) {
            names.add(r.label());
            orig.add(r.mmStat().origDataSize() / 1048576.0);
            used.add(r.mmStat().memUsedTotal() / 1048576.0);
        }
        c.addSeries("stored pages (orig_data_size)", names, orig);
        c.addSeries("pool (mem_used_total)", names, used);
        c.getStyler().setXAxisLabelRotation(0);
        return c;
    }

    private static CategoryChart savings(List<MeasureCommand.AlgoResult> results, java.util.Collection<String> keys,
            boolean byType) {
        CategoryChart c = chart(byType ? "Saved per buffer type" : "Saved per input (largest " + TOP + ")",
                byType ? "type" : "input", "MiB saved");
        List<String> labels = keys.stream().map(k -> Units.shorten(k, 28)).toList();
        for (MeasureCommand.AlgoResult r : results) {
            Map<String, MeasurePipeline.Tally> m = byType ? r.perType() : r.perFile();
            List<Double> v = new ArrayList<>();
            for (String k : keys) {
                v.add(m.get(k).savedBytes() / 1048576.0);
            }
            c.addSeries(r.label(), labels, v);
        }
        return c;
    }

    private static CategoryChart largest(MeasureCommand.AlgoResult r) {
        CategoryChart c = chart("The largest inputs (" + r.label() + ")", "input", "MiB");
        List<String> keys = topInputs(r, TOP);
        List<String> labels = keys.stream().map(k -> Units.shorten(k, 28)).toList();
        List<Double> orig = new ArrayList<>();
        List<Double> pool = new ArrayList<>();
        for (String k : keys) {
            orig.add(r.perFile().get(k).pages * (double) page(r) / 1048576.0);
            pool.add(r.perFile().get(k).poolBytes() / 1048576.0);
        }
        c.addSeries("original", labels, orig);
        c.addSeries("compressed (pool est)", labels, pool);
        c.getStyler().setOverlapped(true);
        return c;
    }

    private static String img(CategoryChart c, String alt) throws IOException {
        byte[] png = BitmapEncoder.getBitmapBytes(c, BitmapEncoder.BitmapFormat.PNG);
        return "<img alt=\"" + esc(alt) + "\" src=\"data:image/png;base64," + Base64.getEncoder().encodeToString(png)
                + "\">\n";
    }

    private static String num(Object v) {
        return "<td class=\"n\">" + esc(String.valueOf(v)) + "</td>";
    }

    private static String esc(String s) {
        return HtmlEscapers.htmlEscaper().escape(s);
    }

    /** The kernel page size the figures are for (4096, or 16384 with --page-size 16k). */
    private static int page(MeasureCommand.AlgoResult r) {
        return r.config().classes().pageSize();
    }
}
