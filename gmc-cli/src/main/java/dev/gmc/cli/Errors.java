package dev.gmc.cli;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;

/** One-line wording of exceptions for the user: never "null", never a bare class name without a hint. */
final class Errors {
    private Errors() {
    }

    /**
     * The exception's message; for one without a message (decoders throw a bare {@link EOFException} on a truncated
     * stream) a phrase naming what happened, and the cause's message when there is one.
     */
    static String message(Throwable e) {
        String m = e.getMessage();
        if (m != null && !m.isBlank()) {
            return m;
        }
        if (e instanceof EOFException) {
            return "unexpected end of data (the input is truncated)";
        }
        Throwable cause = e.getCause();
        return e.getClass().getSimpleName() + (cause != null && cause != e ? " (" + message(cause) + ")" : "");
    }

    /**
     * True for the exceptions through which gmc reports bad input or a refused operation (their message names what
     * and where); anything else is a bug in gmc and is reported as one.
     */
    static boolean isUserError(Throwable e) {
        return e instanceof IOException || e instanceof UncheckedIOException || e instanceof IllegalArgumentException
                || e instanceof IllegalStateException || e instanceof UnsupportedOperationException;
    }
}
