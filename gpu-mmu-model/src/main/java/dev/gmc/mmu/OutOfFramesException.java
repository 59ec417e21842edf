package dev.gmc.mmu;

/** The emulated RAM has no free frame: the caller must back off (a restore fails, an allocation is refused). */
public final class OutOfFramesException extends RuntimeException {
    public OutOfFramesException(String what, long totalFrames) {
        super("out of physical frames while allocating " + what + " (all " + totalFrames + " frames of "
                + (totalFrames * PhysicalMemory.PAGE_SIZE >> 20) + " MiB RAM in use)");
    }
}
