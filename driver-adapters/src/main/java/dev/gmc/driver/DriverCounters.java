package dev.gmc.driver;

import dev.gmc.mmu.EnumCounters;

/** The GMC mechanism's counters (MMU work is in {@link dev.gmc.mmu.MmuCounters}). */
public final class DriverCounters extends EnumCounters<DriverCounters.Counter> {
    public enum Counter {
        /** Compression passes over a region. */
        REGIONS_COMPRESSED,
        /** Pages stored compressed or huge (frames freed). */
        PAGES_STORED,
        /** Same-filled pages recorded as a fill word (frames freed), zero pages included. */
        PAGES_SAME_FILLED,
        /** Zero pages among the same-filled ones. */
        PAGES_ZERO,
        /** Pages refused as poorly compressible: they stay resident and mapped. */
        PAGES_REJECTED,
        /** Pages refused because the pool hit its memory limit: they stay resident. */
        PAGES_POOL_FULL,
        /** Compressions abandoned because a fault took the page back first (or the buffer was freed). */
        PAGES_ABORTED,
        /** Data frames given back by compression. */
        FRAMES_FREED,
        /** Pages decompressed into a new frame. */
        PAGES_RESTORED,
        /** CPU faults that restored a page. */
        CPU_FAULTS_MAJOR,
        /** CPU faults on a resident page (mapping re-inserted; also faults that aborted a compression). */
        CPU_FAULTS_MINOR,
        /** GPU faults that restored a page. */
        GPU_FAULTS_MAJOR,
        /** GPU faults on a resident page. */
        GPU_FAULTS_MINOR,
        /** Pages restored by the Utgard pre-job hook. */
        PRE_JOB_RESTORES,
        /** Pages restored ahead of any fault by {@link GpuDriverModel#restore} (eager restore on foreground). */
        EAGER_RESTORES,
        /** Batch restores ({@link GpuDriverModel#restore} and Utgard's pre-job hook) that decoded at least one page. */
        BATCH_RESTORES,
        /** Pages a batch restore could not decode (corrupt or stale): they stay compressed. */
        RESTORE_FAILED,
        /** Pages cleaned and invalidated from the CPU caches before compression. */
        CACHE_MAINTENANCE_PAGES,
        JOBS, JOBS_FAILED, CONTEXTS_KILLED, SIGSEGV, SIGBUS,
        /** Restores that failed for want of a frame (the access gets SIGBUS / the job fails). */
        RESTORE_NO_FRAME,
        /**
         * Restores (a fault, an eager restore, Utgard's pre-job hook) that found too few free frames and called the
         * {@link DirectReclaimer} to make room (a {@link ResourceDaemon} with reclaim on).
         */
        RESTORE_RECLAIMS,
        /** Compressed pages whose object {@link GpuDriverModel#recompress} replaced with a smaller one. */
        PAGES_RECOMPRESSED,
        /**
         * Pages restored (by any path) whose object a recompression codec wrote: the restores that paid its decode
         * (zstd's, say, instead of LZ4's).
         */
        PAGES_RESTORED_RECOMPRESSED
    }

    public DriverCounters() {
        super(Counter.class);
    }
}
