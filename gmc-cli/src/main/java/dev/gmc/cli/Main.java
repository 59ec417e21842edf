package dev.gmc.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code gmc}: the graphics-memory compression emulator. */
@Command(name = "gmc", mixinStandardHelpOptions = true, version = "gmc 0.1.0",
        description = "Graphics-memory compression emulator: zram/zsmalloc-exact savings on GPU buffer dumps.",
        subcommands = {MeasureCommand.class, KernelsCommand.class, CaptureCommand.class, KernelCheckCommand.class,
                ZramReplayCommand.class,
                ReplayCommand.class, SweepCommand.class, TraceGenCommand.class,
                PoliciesCommand.class, NewPolicyCommand.class,
                FaultBenchCommand.class,
                MeasureBenchCommand.class, ClassesCommand.class,
                SampleDataCommand.class, GpuBenchCommand.class, GpuRestoreBenchCommand.class,
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
        return execute(new CommandLine(new Main()), args);
    }

    /** Runs {@code cl} with gmc's handling of errors: one line each, exit code 1 (for tests: any command tree). */
    static int execute(CommandLine cl, String... args) {
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            // A user error is one line naming what and where, never a stack trace.
            // Anything else is a bug in gmc: say so, with its type, and how to get the stack trace.
            boolean user = Errors.isUserError(ex);
            cmd.getErr().println("gmc " + cmd.getCommandName() + ": " + (user ? Errors.message(ex)
                    : "internal error, please report it: " + ex.getClass().getName() + ": " + Errors.message(ex)
                    + (System.getenv("GMC_DEBUG") == null ? " (GMC_DEBUG=1 prints the stack trace)" : "")));
            if (System.getenv("GMC_DEBUG") != null) {
                ex.printStackTrace(cmd.getErr());
            }
            return 1;
        });
        // A command line that does not parse (an unknown option, a value of the wrong type) is exit code 1, as every
        // other refused input: picocli's own 2 would read as "verification failed" for replay and sweep, "skipped
        // inputs" for measure --keep-going, and "the process exited" for capture. One line, plus picocli's
        // suggestions for a mistyped option, and where the usage is, not the whole usage text.
        cl.setParameterExceptionHandler((ex, arguments) -> {
            CommandLine cmd = ex.getCommandLine();
            java.io.PrintWriter err = cmd.getErr();
            err.println(cmd.getCommandSpec().qualifiedName() + ": " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
            err.println("(" + cmd.getCommandSpec().qualifiedName() + " --help shows the options)");
            return 1;
        });
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            // picocli passes Errors through; running out of heap on a large input is the user's to fix (a larger
            // -Xmx), so it gets the same one line as a refused input, not a JVM stack trace.
            String sub = cl.getParseResult() != null && cl.getParseResult().subcommand() != null
                    ? " " + cl.getParseResult().subcommand().commandSpec().name() : "";
            cl.getErr().println("gmc" + sub + ": " + Errors.message(e));
            return 1;
        }
    }
}
