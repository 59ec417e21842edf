package dev.gmc.driver;

/**
 * One step of the GMC mechanism, delivered to {@link GmcListener}s in the order it happened on its thread.
 *
 * @param seq     global sequence number
 * @param type    what happened
 * @param context context (kbase) or session (Utgard) id, or -1
 * @param buffer  buffer id, or -1
 * @param page    page index within the buffer, or -1
 * @param value   type-specific: stored bytes for {@link Type#PAGE_STORED}, fill word for
 *                {@link Type#PAGE_SAME_FILLED}, faulting address for faults, pid for app events, pages for
 *                region-level events; {@link Type#JOB_USES} (one per buffer a job declares, after its
 *                {@link Type#JOB_START}) carries the buffer's pages
 */
public record GmcEvent(long seq, Type type, int context, int buffer, int page, long value) {
    public enum Type {
        CONTEXT_CREATED, CONTEXT_DESTROYED, CONTEXT_KILLED,
        BUFFER_ALLOCATED, CPU_MAPPED, GPU_MAPPED, BUFFER_FREED,
        APP_FOREGROUND, APP_BACKGROUND,
        COMPRESS_START, PAGE_STORED, PAGE_SAME_FILLED, PAGE_REJECTED, PAGE_COMPRESS_ABORTED, COMPRESS_END, PAGE_RECOMPRESSED,
        CPU_FAULT, GPU_FAULT, PAGE_RESTORED, PAGE_REMAPPED, RESTORE_START, PAGE_RESTORE_FAILED, RESTORE_END,
        JOB_START, JOB_USES, JOB_DONE, JOB_FAILED,
        SIGNAL
    }
}
