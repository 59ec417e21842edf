package dev.gmc.driver;

import java.util.List;

/**
 * What one batch restore of a buffer did ({@link GpuDriverModel#restore}: eager restore when its app returns to the
 * foreground, or Utgard's pre-job hook).
 *
 * @param restored    pages decompressed into new frames and mapped again
 * @param failed      pages the batch loader could not decode; they stay compressed, nothing of them is lost
 * @param noFrame     pages left compressed because no frame was free
 * @param loader      the batch loader's name ("cpu", "gpu:coop", ...)
 * @param errors      one message per failed page (page index and cause), and the loader's own failure if it threw
 * @param skipped     why the restore did nothing, or null
 */
public record RestoreResult(int bufferId, int pages, int restored, int failed, int noFrame, String loader,
        List<String> errors, String skipped) {

    static RestoreResult skipped(Buffer b, String loader, String why) {
        return new RestoreResult(b.id(), b.pages(), 0, 0, 0, loader, List.of(), why);
    }

    /** Pages still compressed after the restore because of it (a failure or no frame). */
    public int leftCompressed() {
        return failed + noFrame;
    }
}
