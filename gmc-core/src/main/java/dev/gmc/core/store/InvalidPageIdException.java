package dev.gmc.core.store;

/** An ID that names no stored page (0, negative, forged or stale). Thrown before any page data is touched. */
public final class InvalidPageIdException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long id;

    public InvalidPageIdException(String kind, long id, String detail) {
        super(kind + " " + PageId.describe(id) + ": " + detail);
        this.id = id;
    }

    /** With the pool's exception as the cause (a page freed while it was being loaded). */
    public InvalidPageIdException(String kind, long id, String detail, Throwable cause) {
        super(kind + " " + PageId.describe(id) + ": " + detail, cause);
        this.id = id;
    }

    public long id() {
        return id;
    }
}
