package dev.gmc.driver.replay;

/** A malformed or inconsistent trace: names the file, the line and, where one is at fault, the field. */
public final class TraceException extends RuntimeException {
    private final int line;

    public TraceException(String file, int line, String field, String message) {
        super(file + ":" + line + ": " + (field != null ? "field " + field + ": " : "") + message);
        this.line = line;
    }

    public int line() {
        return line;
    }
}
