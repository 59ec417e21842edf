package dev.gmc.driver.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Generated traces read back line by line against the shape that {@code gmc trace-gen --help} and TraceGenerator's
 * javadoc promise: the apps and their buffers, what is mapped where, every app's first visit touching all of its
 * buffers, then switches whose frames touch one fixed working-set range of each active buffer. Only the text is
 * read (no replay), so many parameter sets are cheap.
 */
class TraceGeneratorShapeTest {
    private static final int PAGE = 4096;

    /** One alloc line. */
    private record Alloc(String name, int app, String type, int pages, String content, boolean ro) {
    }

    private static Map<String, String> opts(String[] tok) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String s : tok) {
            int eq = s.indexOf('=');
            if (eq > 0) {
                m.merge(s.substring(0, eq), s.substring(eq + 1), (a, b) -> a + " " + b);
            }
        }
        return m;
    }

    /** {@code BUF+0xOFF:LEN} → {name, offset, length}. */
    private static String[] range(String s) {
        int plus = s.indexOf('+');
        int colon = s.lastIndexOf(':');
        return new String[] {s.substring(0, plus), String.valueOf(Long.parseLong(s.substring(plus + 3, colon), 16)),
                s.substring(colon + 1)};
    }

    /** Checks {@code text} against the documented shape for {@code p}; returns the allocs for further checks. */
    private static List<Alloc> checkShape(TraceGenerator.Params p, String text) {
        Trace.parse("gen.gmct", text); // it is a valid trace
        List<String> lines = text.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .toList();
        int i = 0;
        assertThat(lines.get(i++)).isEqualTo("gmc-trace 1");
        String[] driver = lines.get(i++).split(" ");
        assertThat(driver[0]).isEqualTo("driver");
        assertThat(driver[1]).isEqualTo(p.driver());
        assertThat(driver).hasSize(3);
        long ramMib = Long.parseLong(driver[2].substring("ram=".length(), driver[2].length() - 1));
        assertThat(lines.get(i++)).isEqualTo("process 99 compositor");
        for (int a = 0; a < p.apps(); a++) {
            assertThat(lines.get(i++)).isEqualTo("process " + (100 + a) + " app" + a);
            assertThat(lines.get(i++)).isEqualTo("context c" + a + " " + (100 + a));
        }
        List<Alloc> allocs = new ArrayList<>();
        Map<Integer, List<Alloc>> byApp = new HashMap<>();
        for (int a = 0; a < p.apps(); a++) {
            List<Alloc> mine = new ArrayList<>();
            while (lines.get(i).startsWith("alloc ")) {
                String[] t = lines.get(i++).split(" ");
                Map<String, String> o = opts(t);
                assertThat(t[2]).isEqualTo("c" + a);
                assertThat(o.get("seed")).matches("\\d+");
                mine.add(new Alloc(t[1], a, o.get("type"), Integer.parseInt(t[3]), o.get("content"),
                        "ro".equals(o.get("gpu"))));
            }
            // fb, depth, 2..4 textures, vertices
            assertThat(mine.size()).as("app %d's buffers", a).isBetween(5, 7);
            assertThat(mine.get(0)).isEqualTo(new Alloc("fb" + a, a, "colour-buffer", 900, "mix", false));
            assertThat(mine.get(1)).isEqualTo(new Alloc("depth" + a, a, "depth", 300, "gradient", false));
            for (int k = 2; k < mine.size() - 1; k++) {
                Alloc tex = mine.get(k);
                assertThat(tex.name()).isEqualTo("tex" + a + "_" + (k - 2));
                assertThat(tex.type()).isEqualTo("texture");
                assertThat(tex.ro()).isTrue();
                assertThat(tex.pages()).isIn(64, 128, 256, 512);
                assertThat(tex.content()).isIn("gradient", "text", "mix", "noise");
            }
            assertThat(mine.get(mine.size() - 1)).isEqualTo(new Alloc("vtx" + a, a, "vertex", 32, "mix", false));
            // colour buffers and vertices are mapped by their app on the CPU, every buffer on the GPU, the frame
            // also by the compositor
            for (Alloc b : mine) {
                if (!b.type().equals("texture") && !b.type().equals("depth")) {
                    assertThat(lines.get(i++)).isEqualTo("cpumap " + b.name() + " " + (100 + a));
                }
                assertThat(lines.get(i++)).isEqualTo("gpumap " + b.name());
            }
            assertThat(lines.get(i++)).isEqualTo("cpumap fb" + a + " 99");
            allocs.addAll(mine);
            byApp.put(a, mine);
        }
        long pages = allocs.stream().mapToLong(Alloc::pages).sum();
        // room for every buffer resident at once, half as much again, 32 MiB of spare; at least 64 MiB
        long need = (pages * PAGE * 3 / 2 >> 20) + 32;
        assertThat(ramMib).as("ram for %d pages", pages).isEqualTo(Math.max(64, need));

        // first visits: every buffer whole, colour and depth written, the compositor reads the whole frame
        for (int a = 0; a < p.apps(); a++) {
            for (int f = 0; f < p.frames(); f++) {
                i = checkFrame(lines, i, a, byApp.get(a), null);
            }
            assertThat(lines.get(i++)).isEqualTo("background " + (100 + a));
        }
        assertThat(lines.get(i++)).isEqualTo("stats all-background");

        // switches: one fixed working-set range per buffer, idle buffers left out after the first visit
        Map<String, String> hot = new HashMap<>();
        int cur = -1;
        for (int s = 1; s <= p.switches(); s++) {
            if (cur >= 0 && lines.get(i).startsWith("background ")) {
                assertThat(lines.get(i++)).isEqualTo("background " + (100 + cur));
            }
            String fg = lines.get(i++);
            assertThat(fg).startsWith("foreground ");
            int next = Integer.parseInt(fg.substring("foreground ".length())) - 100;
            assertThat(next).isBetween(0, p.apps() - 1);
            if (p.apps() > 1) {
                assertThat(next).as("switch %d goes to another app", s).isNotEqualTo(cur);
                if (cur >= 0) {
                    assertThat(lines.get(i - 2)).as("the app left goes to the background first")
                            .isEqualTo("background " + (100 + cur));
                }
            }
            List<Alloc> active = active(byApp.get(next), p.idle());
            for (int f = 0; f < p.frames(); f++) {
                i = checkFrame(lines, i, next, active, hot);
            }
            assertThat(lines.get(i++)).isEqualTo("stats switch-" + s);
            cur = next;
        }
        assertThat(lines.get(i++)).isEqualTo("check");
        assertThat(i).as("nothing after check").isEqualTo(lines.size());
        // every working set is one range of max(1, ceil(pages * ws)) pages inside its buffer
        Map<String, Alloc> byName = new HashMap<>();
        allocs.forEach(b -> byName.put(b.name(), b));
        hot.forEach((name, r) -> {
            String[] x = range(r);
            Alloc b = byName.get(name);
            long want = Math.max(1, Math.min(b.pages(), (long) Math.ceil(b.pages() * p.workingSet()))) * PAGE;
            assertThat(Long.parseLong(x[2])).as("%s's working set", name).isEqualTo(want);
            assertThat(Long.parseLong(x[1]) % PAGE).isZero();
            assertThat(Long.parseLong(x[1]) + want).as("%s's working set ends inside it", name)
                    .isLessThanOrEqualTo((long) b.pages() * PAGE);
        });
        return allocs;
    }

    /** The buffers still used after the first visit: all but the last round(idle × non-colour) (at least one left). */
    private static List<Alloc> active(List<Alloc> bufs, double idle) {
        List<Alloc> others = bufs.stream().filter(b -> !b.type().equals("colour-buffer")).toList();
        int drop = Math.min((int) Math.round(idle * others.size()), bufs.size() - 1);
        List<Alloc> out = new ArrayList<>(bufs);
        out.removeAll(others.subList(others.size() - drop, others.size()));
        return out;
    }

    /**
     * One frame: a job of app {@code a} declaring {@code bufs}, one access per buffer (whole buffers when {@code hot}
     * is null, else each buffer's working set, the same every time), and the compositor's read of the frame.
     */
    private static int checkFrame(List<String> lines, int i, int a, List<Alloc> bufs, Map<String, String> hot) {
        String[] t = lines.get(i++).split(" ");
        assertThat(t[0] + " " + t[1]).isEqualTo("job c" + a);
        assertThat(t[2]).isEqualTo("uses=" + String.join(",", bufs.stream().map(Alloc::name).toList()));
        assertThat(t).hasSize(3 + bufs.size());
        String frame = null;
        for (int k = 0; k < bufs.size(); k++) {
            Alloc b = bufs.get(k);
            boolean written = b.type().equals("colour-buffer") || b.type().equals("depth");
            String want = written ? "write=" : "read=";
            assertThat(t[3 + k]).startsWith(want + b.name() + "+0x");
            String r = t[3 + k].substring(want.length());
            if (hot == null) {
                assertThat(r).isEqualTo(b.name() + "+0x0:" + (long) b.pages() * PAGE);
            } else {
                assertThat(hot.computeIfAbsent(b.name(), x -> r)).as("%s's working set is fixed", b.name())
                        .isEqualTo(r);
            }
            if (frame == null && b.type().equals("colour-buffer")) {
                frame = r;
            }
        }
        assertThat(frame).as("app %d's frame is used", a).isNotNull();
        assertThat(lines.get(i++)).isEqualTo("cpu-read 99 " + frame.replace(':', ' '));
        return i;
    }

    @ParameterizedTest(name = "{0} apps={1} switches={2} frames={3} ws={4} seed={5} idle={6}")
    @CsvSource({
        "midgard, 1, 0, 1, 1.0, 1, 0",
        "midgard, 1, 3, 2, 0.5, 2, 0",
        "utgard, 2, 5, 1, 0.1, 3, 0",
        "midgard, 3, 12, 2, 0.1, 1, 0",
        "midgard, 5, 20, 3, 0.0001, 9, 0.5",
        "utgard, 4, 9, 1, 0.37, 11, 0.99",
        "midgard, 16, 40, 1, 0.25, 12, 0.25",
    })
    void generatedTracesHaveTheDocumentedShape(String driver, int apps, int switches, int frames, double ws,
            long seed, double idle) {
        TraceGenerator.Params p = new TraceGenerator.Params(driver, apps, switches, frames, ws, seed, idle);
        checkShape(p, TraceGenerator.generate(p));
    }

    /** Over many seeds, every texture count (2 to 4), size (64 to 512 pages) and content appears. */
    @Test
    void theDrawsCoverEveryTextureCountSizeAndContent() {
        Set<Integer> counts = new TreeSet<>();
        Set<Integer> sizes = new TreeSet<>();
        Set<String> contents = new TreeSet<>();
        for (long seed = 0; seed < 40; seed++) {
            TraceGenerator.Params p = new TraceGenerator.Params("midgard", 3, 2, 1, 0.2, seed);
            List<Alloc> allocs = checkShape(p, TraceGenerator.generate(p));
            for (int a = 0; a < 3; a++) {
                int app = a;
                List<Alloc> tex = allocs.stream().filter(b -> b.app() == app && b.type().equals("texture")).toList();
                counts.add(tex.size());
                tex.forEach(b -> sizes.add(b.pages()));
                tex.forEach(b -> contents.add(b.content()));
            }
        }
        assertThat(counts).containsExactly(2, 3, 4);
        assertThat(sizes).containsExactly(64, 128, 256, 512);
        assertThat(contents).containsExactly("gradient", "mix", "noise", "text");
    }

    @Test
    void parametersParseFromKeyValueListsAndEveryRangeEndIsAccepted() {
        assertThat(TraceGenerator.Params.parse("")).isEqualTo(TraceGenerator.Params.DEFAULT);
        assertThat(TraceGenerator.Params.parse("apps=5,switches=40,driver=utgard,working-set=0.5,seed=-3,idle=0.2"))
                .isEqualTo(new TraceGenerator.Params("utgard", 5, 40, 2, 0.5, -3, 0.2));
        assertThatThrownBy(() -> TraceGenerator.Params.parse("apps")).hasMessageStartingWith("'apps' (expected "
                + "KEY=VALUE, keys driver, apps, switches");
        assertThatThrownBy(() -> TraceGenerator.Params.parse("=5")).hasMessageStartingWith("'=5' (expected KEY=VALUE");
        assertThatThrownBy(() -> TraceGenerator.Params.parse("apps=2,")).hasMessageStartingWith("'' (expected");
        assertThatThrownBy(() -> TraceGenerator.Params.parse("colour=red")).hasMessageStartingWith(
                "no generator parameter 'colour'");
        assertThatThrownBy(() -> TraceGenerator.Params.parse("apps=two")).hasMessage("apps 'two' is not a number");
        TraceGenerator.Params d = TraceGenerator.Params.DEFAULT;
        for (String[] ok : new String[][] {{"apps", "1"}, {"apps", "16"}, {"switches", "0"}, {"switches", "10000"},
                {"frames", "1"}, {"frames", "100"}, {"working-set", "1"}, {"idle", "0"}}) {
            assertThat(d.with(ok[0], ok[1])).as("%s=%s", ok[0], ok[1]).isNotNull();
        }
        for (String[] bad : new String[][] {{"apps", "0"}, {"apps", "17"}, {"switches", "10001"}, {"frames", "101"},
                {"working-set", "1.0001"}}) {
            assertThatThrownBy(() -> d.with(bad[0], bad[1])).as("%s=%s", bad[0], bad[1])
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    /** The variant over given apps (a dump's manifest): only reads, the apps' own names and buffers. */
    @Test
    void aTraceOverGivenAppsOnlyReadsTheirBuffers() {
        List<TraceGenerator.App> apps = List.of(
                new TraceGenerator.App("game", List.of(new TraceGenerator.BufferSpec("fbA", "colour-buffer", 8, "mix"),
                        new TraceGenerator.BufferSpec("texA", "texture", 4, "gradient"))),
                new TraceGenerator.App("mail", List.of(new TraceGenerator.BufferSpec("other1", "other", 3, "text"))));
        TraceGenerator.Params p = new TraceGenerator.Params("midgard", 7, 4, 2, 0.5, 5);
        String text = TraceGenerator.generate(p, apps);
        Trace.parse("from.gmct", text);
        assertThat(text).startsWith("gmc-trace 1\n# generated: gmc trace-gen --from ... --driver midgard --switches 4 "
                + "--frames 2 --working-set 0.5 --seed 5\n");
        assertThat(text).contains("process 100 game\n", "process 101 mail\n", "cpumap fbA 100\n", "cpumap fbA 99\n",
                "cpumap other1 101\n").doesNotContain("cpumap texA", "process 102", "write=");
        // an app with no colour buffer has no compositor read
        assertThat(text.lines().filter(l -> l.startsWith("cpu-read 99 other1"))).isEmpty();
        assertThat(text.lines().filter(l -> l.startsWith("foreground "))).hasSize(4);
        assertThatThrownBy(() -> TraceGenerator.generate(p, List.of())).hasMessage("no apps to generate a trace for");
    }
}
