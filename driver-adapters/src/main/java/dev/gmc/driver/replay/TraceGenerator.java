package dev.gmc.driver.replay;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Synthetic app-switching workloads as trace text (Caffeine's {@code Synthetic} in spirit): several apps, each with a
 * colour buffer the compositor maps, a depth buffer, a few textures of different contents and a vertex buffer, take
 * turns in the foreground. Every app's first frames touch all of its buffers; after that, the frames of a visit touch
 * only its <em>working set</em>: one fixed contiguous range of each buffer, a fraction of its pages. The same
 * parameters give the same trace, so a sweep over policies compares like with like.
 */
public final class TraceGenerator {
    /**
     * @param driver     {@code midgard} or {@code utgard}
     * @param apps       apps taking turns (1..16)
     * @param switches   app switches after every app has run once (0..10000)
     * @param frames     GPU frames per visit (1..100)
     * @param workingSet fraction of each buffer's pages a frame touches after the first visit, in (0, 1]
     * @param seed       for sizes, contents and the order of switches
     * @param idle       fraction of each app's buffers (its last ones: the later textures, the vertices) that its
     *                   frames stop declaring and touching after its first visit, in [0, 1): buffers that
     *                   {@code cold-buffers} finds cold
     */
    public record Params(String driver, int apps, int switches, int frames, double workingSet, long seed,
            double idle) {
        /** No idle buffers. */
        public Params(String driver, int apps, int switches, int frames, double workingSet, long seed) {
            this(driver, apps, switches, frames, workingSet, seed, 0);
        }

        /** @throws IllegalArgumentException naming the parameter */
        public Params {
            if (!(idle >= 0 && idle < 1)) {
                throw new IllegalArgumentException("idle " + idle + " (expected at least 0, less than 1)");
            }
            if (!driver.equals("midgard") && !driver.equals("utgard")) {
                throw new IllegalArgumentException("driver '" + driver + "' (expected midgard or utgard)");
            }
            check("apps", apps, 1, 16);
            check("switches", switches, 0, 10_000);
            check("frames", frames, 1, 100);
            if (!(workingSet > 0 && workingSet <= 1)) {
                throw new IllegalArgumentException("working set " + workingSet + " (expected more than 0, at most 1)");
            }
        }

        /** {@code gmc trace-gen}'s defaults. */
        public static final Params DEFAULT = new Params("midgard", 3, 12, 2, 0.1, 1);

        /** The parameter names {@link #with} takes, as {@code gmc trace-gen}'s options spell them. */
        public static final java.util.List<String> KEYS = java.util.List.of("driver", "apps", "switches", "frames",
                "working-set", "seed", "idle");

        /**
         * These parameters with one changed.
         *
         * @throws IllegalArgumentException naming the parameter if the key is unknown or the value malformed
         */
        public Params with(String key, String value) {
            try {
                return switch (key) {
                    case "driver" -> new Params(value, apps, switches, frames, workingSet, seed, idle);
                    case "apps" -> new Params(driver, Integer.parseInt(value), switches, frames, workingSet, seed,
                            idle);
                    case "switches" -> new Params(driver, apps, Integer.parseInt(value), frames, workingSet, seed,
                            idle);
                    case "frames" -> new Params(driver, apps, switches, Integer.parseInt(value), workingSet, seed,
                            idle);
                    case "working-set" -> new Params(driver, apps, switches, frames, Double.parseDouble(value), seed,
                            idle);
                    case "seed" -> new Params(driver, apps, switches, frames, workingSet, Long.parseLong(value), idle);
                    case "idle" -> new Params(driver, apps, switches, frames, workingSet, seed,
                            Double.parseDouble(value));
                    default -> throw new IllegalArgumentException("no generator parameter '" + key + "' (expected "
                            + String.join(", ", KEYS) + ")");
                };
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(key + " '" + value + "' is not a number");
            }
        }

        /**
         * {@code KEY=VALUE,KEY=VALUE...} over {@link #DEFAULT} (empty: the defaults), e.g. {@code apps=5,switches=40}.
         *
         * @throws IllegalArgumentException naming the entry that is wrong
         */
        public static Params parse(String spec) {
            Params p = DEFAULT;
            if (spec.isEmpty()) {
                return p;
            }
            for (String kv : spec.split(",", -1)) {
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("'" + kv + "' (expected KEY=VALUE, keys "
                            + String.join(", ", KEYS) + ")");
                }
                p = p.with(kv.substring(0, eq), kv.substring(eq + 1));
            }
            return p;
        }

        private static void check(String what, int v, int min, int max) {
            if (v < min || v > max) {
                throw new IllegalArgumentException(what + " " + v + " (expected " + min + ".." + max + ")");
            }
        }
    }

    private static final String[] TEXTURE_CONTENT = {"gradient", "text", "mix", "noise", "gradient", "text"};

    /** One buffer of an app: its trace name, type, pages, and the working-set range [hotFrom, hotFrom + hotPages). */
    private record Buf(String name, String type, int pages, String content, boolean cpuMapped, int hotFrom,
            int hotPages) {
        String range(boolean all) {
            int from = all ? 0 : hotFrom;
            int n = all ? pages : hotPages;
            return name + "+0x" + Long.toHexString((long) from * 4096) + ":" + (long) n * 4096;
        }
    }

    private TraceGenerator() {
    }

    public static String generate(Params p) {
        SplittableRandom r = new SplittableRandom(p.seed());
        String header = String.format(Locale.ROOT, "# generated: gmc trace-gen --driver %s --apps %d --switches %d "
                + "--frames %d --working-set %s --seed %d%s%n", p.driver(), p.apps(), p.switches(), p.frames(),
                p.workingSet(), p.seed(), p.idle() > 0 ? " --idle " + p.idle() : "");
        // Buffers are drawn app by app, each buffer's working set right after its size, as earlier versions did,
        // so that the same parameters keep giving the same trace (docs/results quote generated traces).
        List<String> names = new ArrayList<>();
        List<List<Buf>> apps = new ArrayList<>();
        for (int a = 0; a < p.apps(); a++) {
            List<Buf> bufs = new ArrayList<>();
            bufs.add(buf(r, new BufferSpec("fb" + a, "colour-buffer", 900, "mix"), p.workingSet()));
            bufs.add(buf(r, new BufferSpec("depth" + a, "depth", 300, "gradient"), p.workingSet()));
            int textures = 2 + r.nextInt(3);
            for (int k = 0; k < textures; k++) {
                int n = 64 << r.nextInt(4); // 64..512 pages
                bufs.add(buf(r, new BufferSpec("tex" + a + "_" + k, "texture", n,
                        TEXTURE_CONTENT[r.nextInt(TEXTURE_CONTENT.length)]), p.workingSet()));
            }
            bufs.add(buf(r, new BufferSpec("vtx" + a, "vertex", 32, "mix"), p.workingSet()));
            names.add("app" + a);
            apps.add(bufs);
        }
        return generate(p, names, apps, header, r, true);
    }

    /**
     * One app of {@link #generate(Params, List)}: its process name and buffers.
     *
     * @param name    process name (one word)
     * @param buffers its buffers; the first colour buffer, if any, is the frame the compositor reads
     */
    public record App(String name, List<BufferSpec> buffers) {
    }

    /**
     * A buffer of an {@link App}.
     *
     * @param name    trace name (letters, digits, {@code _ . -})
     * @param type    {@code texture}, {@code colour-buffer}, {@code depth}, {@code vertex} or {@code other}
     * @param pages   size
     * @param content an {@code alloc} content spec ({@code gradient}, {@code file:PATH@OFFSET+LENGTH}, ...)
     */
    public record BufferSpec(String name, String type, int pages, String content) {
    }

    /**
     * The same app-switching workload over given apps and buffers (say, a captured dump's, from its manifest): apps
     * take turns as {@link #generate(Params)}'s do; {@code p.apps()} is ignored. The frames only read, so what is
     * compressed is the buffers' own content (a dump's bytes as captured), not bytes the trace wrote.
     */
    public static String generate(Params p, List<App> apps) {
        if (apps.isEmpty()) {
            throw new IllegalArgumentException("no apps to generate a trace for");
        }
        SplittableRandom r = new SplittableRandom(p.seed());
        List<String> names = new ArrayList<>();
        List<List<Buf>> bufs = new ArrayList<>();
        for (App app : apps) {
            names.add(app.name());
            List<Buf> l = new ArrayList<>();
            for (BufferSpec b : app.buffers()) {
                l.add(buf(r, b, p.workingSet()));
            }
            bufs.add(l);
        }
        return generate(p, names, bufs, String.format(Locale.ROOT, "# generated: gmc trace-gen --from ... --driver "
                + "%s --switches %d --frames %d --working-set %s --seed %d%s%n", p.driver(), p.switches(), p.frames(),
                p.workingSet(), p.seed(), p.idle() > 0 ? " --idle " + p.idle() : ""), r, false);
    }

    private static String generate(Params p, List<String> names, List<List<Buf>> apps, String header,
            SplittableRandom r, boolean writes) {
        StringBuilder t = new StringBuilder();
        t.append("gmc-trace 1\n").append(header);
        long pages = 0;
        for (List<Buf> bufs : apps) {
            for (Buf b : bufs) {
                pages += b.pages();
            }
        }
        int n = apps.size();
        // RAM for every buffer resident at once, plus page tables and room to spare, in MiB
        long ramMib = Math.max(64, (pages * 4096 * 3 / 2 >> 20) + 32);
        t.append("driver ").append(p.driver()).append(" ram=").append(ramMib).append("M\n\n");
        t.append("process 99 compositor\n");
        for (int a = 0; a < n; a++) {
            t.append("process ").append(100 + a).append(' ').append(names.get(a)).append('\n');
            t.append("context c").append(a).append(' ').append(100 + a).append('\n');
        }
        for (int a = 0; a < n; a++) {
            t.append('\n');
            for (Buf b : apps.get(a)) {
                t.append("alloc ").append(b.name()).append(" c").append(a).append(' ').append(b.pages())
                        .append(" type=").append(b.type()).append(" content=").append(b.content()).append(" seed=")
                        .append(r.nextInt(1 << 20)).append(b.type().equals("texture") ? " gpu=ro" : "").append('\n');
            }
            for (Buf b : apps.get(a)) {
                if (b.cpuMapped()) {
                    t.append("cpumap ").append(b.name()).append(' ').append(100 + a).append('\n');
                }
                t.append("gpumap ").append(b.name()).append('\n');
            }
            Buf fb = frameBuffer(apps.get(a));
            if (fb != null) {
                t.append("cpumap ").append(fb.name()).append(" 99\n");
            }
        }
        t.append("\n# every app runs once, touching all its buffers, then goes to the background\n");
        for (int a = 0; a < n; a++) {
            frames(t, apps.get(a), a, p.frames(), true, writes);
            t.append("background ").append(100 + a).append('\n');
        }
        t.append("stats all-background\n");
        int cur = -1;
        for (int s = 0; s < p.switches(); s++) {
            int next = n == 1 ? 0 : r.nextInt(n);
            if (next == cur) {
                next = (next + 1) % n;
            }
            t.append("\n# switch ").append(s + 1).append(": ").append(names.get(next)).append('\n');
            if (cur >= 0 && cur != next) {
                t.append("background ").append(100 + cur).append('\n');
            }
            t.append("foreground ").append(100 + next).append('\n');
            frames(t, active(apps.get(next), p.idle()), next, p.frames(), false, writes);
            t.append("stats switch-").append(s + 1).append('\n');
            cur = next;
        }
        t.append("\ncheck\n");
        return t.toString();
    }

    /**
     * The buffers an app's frames still use after its first visit: all but the last {@code idle} share of those that
     * are not colour buffers (the compositor reads the frame), keeping at least one.
     */
    private static List<Buf> active(List<Buf> bufs, double idle) {
        if (idle == 0) {
            return bufs;
        }
        List<Buf> others = new ArrayList<>();
        for (Buf b : bufs) {
            if (!b.type().equals("colour-buffer")) {
                others.add(b);
            }
        }
        int k = Math.min((int) Math.round(idle * others.size()), bufs.size() - 1);
        List<Buf> gone = others.subList(others.size() - k, others.size());
        List<Buf> out = new ArrayList<>(bufs);
        out.removeAll(gone);
        return out;
    }

    /** The app's first colour buffer: the frame the compositor reads. */
    private static Buf frameBuffer(List<Buf> bufs) {
        for (Buf b : bufs) {
            if (b.type().equals("colour-buffer")) {
                return b;
            }
        }
        return null;
    }

    /** A buffer and its working set; colour buffers, vertices and "other" buffers are also mapped on the CPU. */
    private static Buf buf(SplittableRandom r, BufferSpec b, double ws) {
        int pages = b.pages();
        int hot = (int) Math.max(1, Math.min(pages, Math.ceil(pages * ws)));
        int draw = r.nextInt(1 << 30); // drawn whatever the working set, so that it changes nothing else
        int from = draw % (pages - hot + 1);
        boolean cpu = b.type().equals("colour-buffer") || b.type().equals("vertex") || b.type().equals("other");
        return new Buf(b.name(), b.type(), pages, b.content(), cpu, from, hot);
    }

    /** GPU frames of one app: textures and vertices read, colour and depth written; the compositor reads the frame. */
    private static void frames(StringBuilder t, List<Buf> bufs, int a, int frames, boolean all, boolean writes) {
        List<String> uses = new ArrayList<>();
        for (Buf b : bufs) {
            uses.add(b.name());
        }
        for (int f = 0; f < frames; f++) {
            t.append("job c").append(a).append(" uses=").append(String.join(",", uses));
            for (Buf b : bufs) {
                boolean written = writes && (b.type().equals("colour-buffer") || b.type().equals("depth"));
                t.append(written ? " write=" : " read=").append(b.range(all));
            }
            t.append('\n');
            Buf fb = frameBuffer(bufs);
            if (fb != null) {
                t.append("cpu-read 99 ").append(fb.range(all).replace(':', ' ')).append('\n');
            }
        }
    }
}
