package dev.gmc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Callable;
import javax.imageio.IIOException;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * How gmc words a failure for the user ({@link Errors}, {@link Main#execute}): one line that says what happened,
 * never a Java class name where a message exists, never a stack trace, exit code 1.
 */
class ErrorLinesTest {

    @Test
    void aWrapperThatOnlyRepeatsItsCauseGivesTheCausesMessage() {
        // ImageIO's IIOException(cause.toString(), cause), found by fuzzing gmc measure on damaged PNGs
        IllegalArgumentException cause = new IllegalArgumentException("Invalid scanline stride");
        assertThat(Errors.message(new IIOException(cause.toString(), cause))).isEqualTo("Invalid scanline stride");
        assertThat(Errors.message(new IOException(cause))).isEqualTo("Invalid scanline stride");
        // a wrapper with words of its own keeps them, and the cause is appended once
        assertThat(Errors.message(new IOException("Caught exception during read:", cause)))
                .isEqualTo("Caught exception during read: Invalid scanline stride");
        assertThat(Errors.message(new IOException("bad header: Invalid scanline stride", cause)))
                .isEqualTo("bad header: Invalid scanline stride");
        assertThat(Errors.message(new EOFException())).isEqualTo("unexpected end of data (the input is truncated)");
    }

    @Command(name = "boom")
    static final class Boom implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new OutOfMemoryError("Java heap space");
        }
    }

    @Command(name = "refuse")
    static final class Refuse implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new IllegalArgumentException("--pages: 0 (expected at least 1)");
        }
    }

    @Test
    void runningOutOfHeapIsOneLineThatSaysHowToRaiseItNotAStackTrace() {
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new Main()).addSubcommand(new Boom()).addSubcommand(new Refuse());
        cl.setErr(new PrintWriter(err, true));
        int code;
        try {
            code = Main.execute(cl, "boom");
        } catch (OutOfMemoryError e) { // JUnit would rethrow it and abort the run, not fail this test
            throw new AssertionError("the OutOfMemoryError escaped Main.execute", e);
        }
        assertThat(code).isEqualTo(1);
        assertThat(err.toString().strip()).isEqualTo(
                "gmc boom: out of Java heap (Java heap space; raise it with GMC_JAVA_OPTS=-Xmx…)");

        StringWriter err2 = new StringWriter();
        cl = new CommandLine(new Main()).addSubcommand(new Boom()).addSubcommand(new Refuse());
        cl.setErr(new PrintWriter(err2, true));
        assertThat(Main.execute(cl, "refuse")).isEqualTo(1);
        assertThat(err2.toString().strip()).isEqualTo("gmc refuse: --pages: 0 (expected at least 1)");
    }
}
