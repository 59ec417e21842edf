package dev.gmc.driver;

/**
 * A buffer's state as a whole. Pages have their own states (see {@link Buffer}); the region state says which
 * operation owns the buffer right now.
 */
public enum RegionState {
    /** Every page holds a frame (mapped or mappable on the next fault). */
    RESIDENT,
    /** A compression pass is running: access is stopped, pages are being handed to the store one by one. */
    COMPRESSING,
    /** At least one page is held by the store. */
    COMPRESSED,
    /** A fault or a pre-job hook is decompressing pages back. */
    RESTORING,
    /** Freed; every access is refused. */
    FREED
}
