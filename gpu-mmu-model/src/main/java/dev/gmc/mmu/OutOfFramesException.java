package dev.gmc.mmu;

/** The emulated RAM has no free frame: the caller must back off (a restore fails, an allocation is refused). */
public final class OutOfFramesException extends RuntimeException {
    public OutOfFramesException(String what, long totalFrames) {
        // frame 0 is never handed out, so RAM is one frame more than the usable frames (16 MiB, not "15 MiB")
        super("out of physical frames while allocating " + what + " (all " + totalFrames + " frames of "
                + ramSize((totalFrames + 1) * PhysicalMemory.PAGE_SIZE) + " RAM in use)");
    }

    private static String ramSize(long bytes) {
        return bytes % (1 << 20) == 0 ? (bytes >> 20) + " MiB" : (bytes >> 10) + " KiB";
    }
}
