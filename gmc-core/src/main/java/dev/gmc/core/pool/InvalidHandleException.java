package dev.gmc.core.pool;

/**
 * A handle that does not name a live object: 0, forged (reserved bits set, index never handed out) or stale
 * (the object was freed; the slot's generation moved on). Thrown before any byte is read or written, so no other
 * object is affected.
 */
public final class InvalidHandleException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long handle;

    public InvalidHandleException(String kind, long handle, String detail) {
        super(kind + " handle 0x" + Long.toHexString(handle) + ": " + detail);
        this.handle = handle;
    }

    public long handle() {
        return handle;
    }
}
