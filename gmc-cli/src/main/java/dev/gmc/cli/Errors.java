package dev.gmc.cli;

import dev.gmc.kernels.OpenClException;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;

/** One-line wording of exceptions for the user: never "null", never a bare class name without a hint. */
final class Errors {
    private Errors() {
    }

    /**
     * The exception's message; for one without a message (decoders throw a bare {@link EOFException} on a truncated
     * stream) a phrase naming what happened. A cause that the message does not already tell is appended (ImageIO
     * wraps a decoder's failure as "Caught exception during read: "), a wrapper whose message is its cause's
     * {@code toString()} gives the cause's message alone, and running out of heap says how to raise it.
     */
    static String message(Throwable e) {
        if (e instanceof OutOfMemoryError) {
            return "out of Java heap (" + e.getMessage() + "; raise it with GMC_JAVA_OPTS=-Xmx…)";
        }
        String m = e.getMessage() == null ? "" : e.getMessage().strip();
        if (m.endsWith(":")) {
            m = m.substring(0, m.length() - 1);
        }
        if (m.isEmpty()) {
            m = e instanceof EOFException ? "unexpected end of data (the input is truncated)" : e.getClass().getSimpleName();
        }
        Throwable cause = e.getCause();
        if (cause != null && cause != e && m.equals(cause.toString().strip())) {
            // A wrapper made with new XException(cause) (ImageIO's IIOException is one) repeats the cause's class
            // name and message: say the cause's message alone.
            return message(cause);
        }
        if (cause != null && cause != e) {
            String c = message(cause);
            if (!m.contains(c) && (cause.getMessage() == null || !m.contains(cause.getMessage()))) {
                m += ": " + c;
            }
        }
        return m;
    }

    /**
     * True for the exceptions through which gmc reports bad input, a refused operation or a failure of the machine's
     * OpenCL driver (their message names what and where: the call and its error code, or the devices there are);
     * anything else is a bug in gmc and is reported as one.
     */
    static boolean isUserError(Throwable e) {
        return e instanceof IOException || e instanceof UncheckedIOException || e instanceof IllegalArgumentException
                || e instanceof IllegalStateException || e instanceof UnsupportedOperationException
                || e instanceof OpenClException;
    }
}
