package dev.gmc.cli;

import dev.gmc.driver.replay.TraceGenerator;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write here (default: standard output).")
    Path output;

    @Override
    public Integer call() throws Exception {
        TraceGenerator.Params p;
        try {
            p = new TraceGenerator.Params(driver, apps, switches, frames, workingSet, seed);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--" + e.getMessage().replace("working set", "working-set"), e);
        }
        String text = TraceGenerator.generate(p);
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
}
