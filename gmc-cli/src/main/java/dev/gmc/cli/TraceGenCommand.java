package dev.gmc.cli;

import dev.gmc.driver.replay.TraceGenerator;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gmc trace-gen}: a synthetic app-switching trace ({@link TraceGenerator}) for replays and sweeps. */
@Command(name = "trace-gen", mixinStandardHelpOptions = true,
        description = "Write a synthetic app-switching trace: APPS apps (a colour buffer the compositor maps, depth, "
                + "2-4 textures, vertices) take turns in the foreground; after its first frames an app touches only "
                + "its working set, a fixed fraction of each buffer. The same options give the same trace. For "
                + "'gmc sweep' and 'gmc replay'.")
final class TraceGenCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--driver", defaultValue = "midgard", description = "midgard or utgard (default: ${DEFAULT-VALUE}).")
    String driver;

    @Option(names = "--apps", defaultValue = "3", description = "Apps taking turns, 1..16 (default: ${DEFAULT-VALUE}).")
    int apps;

    @Option(names = "--switches", defaultValue = "12", description = "App switches after every app ran once, "
            + "0..10000 (default: ${DEFAULT-VALUE}).")
    int switches;

    @Option(names = "--frames", defaultValue = "2", description = "GPU frames per visit, 1..100 (default: "
            + "${DEFAULT-VALUE}).")
    int frames;

    @Option(names = "--working-set", defaultValue = "0.1", description = "Fraction of each buffer's pages a frame "
            + "touches after an app's first visit, in (0, 1] (default: ${DEFAULT-VALUE}).")
    double workingSet;

    @Option(names = "--seed", defaultValue = "1", description = "Sizes, contents and switch order (default: "
            + "${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--idle", defaultValue = "0", description = "Fraction of each app's buffers (its last ones, not "
            + "the colour buffer) that its frames stop using after its first visit, in [0, 1): what the cold-buffers "
            + "policy finds cold (default: ${DEFAULT-VALUE}).")
    double idle;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write here (default: standard output).")
    Path output;

    @Option(names = "--from", paramLabel = "MANIFEST|DIR", description = "Build the apps from a dump's manifest "
            + "(docs/MANIFEST.md) instead of synthetic buffers: one app per owner, its buffers filled from the dump "
            + "(content=file:PATH@OFFSET+LENGTH, paths relative to the output file's directory). --apps does not "
            + "apply.")
    Path from;

    @Override
    public Integer call() throws Exception {
        TraceGenerator.Params p;
        try {
            p = new TraceGenerator.Params(driver, apps, switches, frames, workingSet, seed, idle);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--" + e.getMessage().replace("working set", "working-set"), e);
        }
        String text;
        if (from != null) {
            if (spec.commandLine().getParseResult().hasMatchedOption("--apps")) {
                throw new IllegalArgumentException("--apps conflicts with --from (the manifest's owners are the apps)");
            }
            text = TraceGenerator.generate(p, appsOf(from));
        } else {
            text = TraceGenerator.generate(p);
        }
        if (output == null) {
            PrintWriter out = spec.commandLine().getOut();
            out.print(text);
            out.flush();
        } else {
            Path parent = output.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(output, text, StandardCharsets.UTF_8);
        }
        return 0;
    }

    /** The manifest's buffers as apps: one per owner, in the order owners first appear. */
    private List<TraceGenerator.App> appsOf(Path source) throws IOException {
        Path m = Files.isDirectory(source) ? Manifest.inDirectory(source) : source;
        if (m == null) {
            throw new IllegalArgumentException("--from " + source + ": no manifest.json or manifest.tsv in it "
                    + "(docs/MANIFEST.md)");
        }
        if (!Files.isRegularFile(m) || !Manifest.isManifest(m)) {
            throw new IllegalArgumentException("--from " + source + ": not a manifest (manifest.json, manifest.tsv, "
                    + "*.manifest.json or *.manifest.tsv)");
        }
        Manifest manifest = Manifest.read(m);
        Path base = output == null ? null : output.toAbsolutePath().getParent();
        Map<String, List<TraceGenerator.BufferSpec>> byOwner = new LinkedHashMap<>();
        Set<String> names = new HashSet<>();
        for (Manifest.Entry e : manifest.buffers()) {
            if (e.length() == 0) {
                continue;
            }
            Path file = e.file().toAbsolutePath().normalize();
            String path = (base == null ? file : base.relativize(file)).toString().replace('\\', '/');
            if (path.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("--from " + m + ": buffer '" + e.name() + "': its file path '" + path
                        + "' holds white space, which a trace line cannot");
            }
            long pages = (e.length() + 4095) / 4096;
            if (pages > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("--from " + m + ": buffer '" + e.name() + "' is too large");
            }
            String name = unique(names, word(e.name()));
            byOwner.computeIfAbsent(e.owner(), k -> new ArrayList<>()).add(new TraceGenerator.BufferSpec(name,
                    e.type(), (int) pages, "file:" + path + "@" + e.offset() + "+" + e.length()));
        }
        if (byOwner.isEmpty()) {
            throw new IllegalArgumentException("--from " + m + ": no buffer with data");
        }
        List<TraceGenerator.App> apps = new ArrayList<>();
        Set<String> appNames = new HashSet<>();
        for (Map.Entry<String, List<TraceGenerator.BufferSpec>> o : byOwner.entrySet()) {
            String owner = o.getKey().equals("-") ? "app" : word(o.getKey());
            apps.add(new TraceGenerator.App(unique(appNames, owner), o.getValue()));
        }
        return apps;
    }

    /** A trace name: letters, digits, '_', '.', '-'; anything else becomes '_'. */
    private static String word(String s) {
        String w = s.replaceAll("[^A-Za-z0-9_.-]+", "_").replaceAll("^_+|_+$", "");
        return w.isEmpty() || !Character.isLetter(w.charAt(0)) ? "b_" + w : w;
    }

    private static String unique(Set<String> taken, String name) {
        String n = name;
        for (int i = 2; !taken.add(n); i++) {
            n = name + "_" + i;
        }
        return n;
    }
}
