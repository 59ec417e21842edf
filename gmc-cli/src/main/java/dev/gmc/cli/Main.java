package dev.gmc.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code gmc}: the graphics-memory compression emulator. */
@Command(name = "gmc", mixinStandardHelpOptions = true, version = "gmc 0.1.0",
        description = "Graphics-memory compression emulator: zram/zsmalloc-exact savings on GPU buffer dumps.",
        subcommands = {MeasureCommand.class, CaptureCommand.class, KernelCheckCommand.class, ReplayCommand.class, FaultBenchCommand.class,
                MeasureBenchCommand.class, ClassesCommand.class,
                SampleDataCommand.class, GpuBenchCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (for tests). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            // A user error is one line naming what and where, never a stack trace.
            cmd.getErr().println("gmc " + cmd.getCommandName() + ": " + ex.getMessage());
            if (System.getenv("GMC_DEBUG") != null) {
                ex.printStackTrace(cmd.getErr());
            }
            return 1;
        });
        return cl.execute(args);
    }
}
