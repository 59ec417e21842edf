package dev.gmc.driver;

import java.util.function.Predicate;

/**
 * Direct reclaim, as the kernel's page allocator enters it when an allocation finds no free page: the driver calls
 * it when a restore (a fault, an eager restore, Utgard's pre-job hook) finds no frame, then tries again. A
 * {@link ResourceDaemon} with reclaim on registers itself with its driver as this.
 *
 * <p>The driver calls it with <em>no lock held</em> (it drops the buffer lock and retries the whole step), because
 * reclaim compresses other buffers and takes their locks: calling it with one held could deadlock two threads that
 * each reclaim the other's buffer. A path that cannot drop its locks (Utgard's pre-job hook, which holds its session
 * and the buffer) reclaims ahead, before it takes them, for the frames it expects to need.
 */
@FunctionalInterface
public interface DirectReclaimer {
    /**
     * Compresses buffers until {@code frames} frames are free, never one that {@code spare} accepts (the buffer the
     * caller is restoring: compressing it to make room for itself would undo the work).
     *
     * @return whether it found or made room ({@code frames} frames free when it stopped, or frames freed by its
     *         compressions): the caller tries again, though other threads may take that room first; false when it
     *         could free nothing
     */
    boolean reclaimFor(long frames, Predicate<Buffer> spare);
}
