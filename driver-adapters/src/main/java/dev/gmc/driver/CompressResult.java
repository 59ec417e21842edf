package dev.gmc.driver;

/**
 * What one compression pass over a buffer did.
 *
 * @param stored       pages stored (compressed or huge); their frames were freed
 * @param sameFilled   same-filled pages recorded as a fill word; their frames were freed
 * @param rejected     pages refused (poorly compressible or pool full); they stay resident and mapped
 * @param aborted      pages a fault took back during the pass
 * @param storedBytes  compressed bytes of the stored pages
 * @param skipped      why the pass did nothing, or null
 */
public record CompressResult(int bufferId, int pages, int stored, int sameFilled, int rejected, int aborted,
        long storedBytes, String skipped) {

    /** {@link #skipped()} when another thread is compressing the buffer: its frames are being freed meanwhile. */
    static final String BUSY = "already being compressed";

    static CompressResult skipped(Buffer b, String why) {
        return new CompressResult(b.id(), b.pages(), 0, 0, 0, 0, 0, why);
    }

    /** Skipped because another thread is compressing the buffer. */
    public boolean busy() {
        return BUSY.equals(skipped);
    }

    public int framesFreed() {
        return stored + sameFilled;
    }
}
