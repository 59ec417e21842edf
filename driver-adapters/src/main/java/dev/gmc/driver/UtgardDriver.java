package dev.gmc.driver;

import dev.gmc.driver.DriverCounters.Counter;
import dev.gmc.mmu.CpuProcess;
import dev.gmc.mmu.GpuFaultException;
import dev.gmc.mmu.PhysicalMemory;
import dev.gmc.mmu.UtgardAddressSpace;
import dev.gmc.mmu.UtgardEntry;
import java.util.ArrayList;
import java.util.List;

/**
 * Mali Utgard (Mali-300/400/450) with GMC: sessions with a 2-level page directory, allocations, and jobs.
 *
 * <p>Utgard has no demand paging: an MMU page fault during a job ends the job with
 * {@code _MALI_UK_JOB_STATUS_END_SEG_FAULT} and resets the group (kernel-facts.md §5.5). So GMC restores a job's
 * compressed buffers in a job-submission hook, before the job starts (as the driver's own
 * {@code mali_mem_swap_in_pages} does for swappable memory), and pins them until the job ends so they are not
 * compressed under it. A job that touches memory it did not declare, or memory that is not mapped, fails exactly
 * as it would on the real driver. Jobs of one session run one at a time (one MMU per session in the emulation).
 */
public final class UtgardDriver extends AbstractGmcDriver {
    static final long GPU_VA_BASE = 0x0100_0000L;
    static final long GPU_VA_LIMIT = 0xF000_0000L;

    public UtgardDriver(DriverConfig config) {
        super(config);
        if (config.ramBytes() > (1L << 32)) {
            throw new IllegalArgumentException("Utgard addresses 32-bit physical memory; RAM "
                    + (config.ramBytes() >> 20) + " MiB is too large");
        }
    }

    @Override
    public String name() {
        return "utgard";
    }

    @Override
    protected GpuContext newContext(int id, CpuProcess owner) {
        UtgardAddressSpace as = new UtgardAddressSpace(id, mem, mmu, config.tlbEntries());
        return new GpuContext(id, owner, as, GPU_VA_BASE, GPU_VA_LIMIT);
    }

    @Override
    protected int regionFlags(boolean gpuReadOnly) {
        return gpuReadOnly ? UtgardEntry.PRESENT | UtgardEntry.READ_PERMISSION : UtgardEntry.FLAGS_DEFAULT;
    }

    private static UtgardAddressSpace as(GpuContext c) {
        return (UtgardAddressSpace) c.addressSpace();
    }

    @Override
    protected void gpuMapPages(Buffer b, int first, int n) {
        as(b.context()).map(b.gpuVa + ((long) first << PhysicalMemory.PAGE_SHIFT), b.pfn, first, n, b.flags());
    }

    @Override
    protected void gpuUnmapPages(Buffer b, int first, int n) {
        as(b.context()).unmap(b.gpuVa + ((long) first << PhysicalMemory.PAGE_SHIFT), n);
    }

    @Override
    public JobResult submitJob(GpuContext ctx, Job job) {
        counters.inc(Counter.JOBS);
        UtgardAddressSpace as = as(ctx);
        // The pre-job hook restores under the session and buffer locks, which it cannot drop to reclaim: if the
        // declared buffers' restore may need more frames than are free, direct reclaim runs first, sparing them.
        reclaimAhead(framesToRestore(job.uses()), job.uses()::contains);
        synchronized (ctx) {
            List<Buffer> pinned = new ArrayList<>();
            try {
                for (Buffer b : job.uses()) {
                    String err = pinAndRestore(ctx, b);
                    if (err != null) {
                        counters.inc(Counter.JOBS_FAILED);
                        emit(GmcEvent.Type.JOB_FAILED, ctx.id(), b.id(), -1, 0);
                        return new JobResult(false, JobResult.UTGARD_END_SEG_FAULT, err, null);
                    }
                    pinned.add(b);
                }
                emit(GmcEvent.Type.JOB_START, ctx.id(), -1, -1, job.accesses().size());
                for (Buffer used : job.uses()) { // what a policy can know of access recency: the declared buffers
                    emit(GmcEvent.Type.JOB_USES, ctx.id(), used.id(), -1, used.pages());
                }
                as.activate();
                try {
                    for (Job.Access a : job.accesses()) {
                        if (a.write()) {
                            as.write(a.va(), a.data(), a.off(), a.len());
                        } else {
                            as.read(a.va(), a.data(), a.off(), a.len());
                        }
                    }
                } catch (GpuFaultException e) {
                    as.pageFaultDone();
                    counters.inc(Counter.JOBS_FAILED);
                    emit(GmcEvent.Type.GPU_FAULT, ctx.id(), -1, -1, e.fault().address());
                    emit(GmcEvent.Type.JOB_FAILED, ctx.id(), -1, -1, e.fault().address());
                    return new JobResult(false, JobResult.UTGARD_END_SEG_FAULT, e.getMessage()
                            + "; job failed (END_SEG_FAULT), group reset", e.fault());
                } finally {
                    as.deactivate();
                }
                emit(GmcEvent.Type.JOB_DONE, ctx.id(), -1, -1, 0);
                return JobResult.OK;
            } finally {
                for (Buffer b : pinned) {
                    b.lock.lock();
                    try {
                        if (--b.jobPins == 0) {
                            b.unpinned.signalAll();
                        }
                    } finally {
                        b.lock.unlock();
                    }
                }
            }
        }
    }

    /**
     * Frames the pre-job hook may need for the buffers: their compressed pages, plus the page tables their GPU ranges
     * span (Utgard frees a table when its last entry goes, so a compressed buffer may have lost them). Each buffer
     * is read under its lock; an estimate, as they may change after.
     */
    private static long framesToRestore(List<Buffer> uses) {
        long n = 0;
        for (Buffer b : uses) {
            b.lock.lock();
            try {
                if (!b.freed && b.compressedPages() > 0) {
                    n += b.compressedPages() + (b.pages() + UtgardEntry.ENTRIES - 1) / UtgardEntry.ENTRIES + 1;
                }
            } finally {
                b.lock.unlock();
            }
        }
        return n;
    }

    /** The job-submission hook: pins {@code b}, restores its compressed pages and maps it all on the GPU. */
    private String pinAndRestore(GpuContext ctx, Buffer b) {
        b.lock.lock();
        try {
            if (b.freed || b.context() != ctx) {
                return "job declares " + b + (b.freed ? ", which is freed" : ", which belongs to another session");
            }
            if (b.gpuVa == 0) {
                return "job declares " + b + ", which is not mapped on the GPU";
            }
            if (b.compressedPages > 0) { // one batch through the driver's loader, then the pages in other states
                RestoreResult r = restoreCompressed(b, false, DriverCounters.Counter.PRE_JOB_RESTORES);
                if (r.noFrame() > 0) {
                    counters.add(Counter.RESTORE_NO_FRAME, r.noFrame());
                    return "out of memory restoring " + r.noFrame() + " compressed pages of " + b;
                }
                if (r.failed() > 0) {
                    return "cannot restore " + r.failed() + " pages of " + b + ": " + r.errors().get(0);
                }
            }
            for (int i = 0; i < b.pages(); i++) {
                int st = b.state[i] & Buffer.STATE_MASK;
                if (st != Buffer.RESIDENT || (b.state[i] & Buffer.GPU_MAPPED) == 0) {
                    if (!resolveFault(b, i, null, true)) {
                        return "out of memory restoring page " + i + " of " + b;
                    }
                }
            }
            b.jobPins++; // only now: a job that fails here never starts, so nothing would unpin it
            return null;
        } finally {
            b.lock.unlock();
        }
    }

    @Override
    protected String checkGpuEntry(Buffer b, int page) {
        int e = as(b.context()).entry(b.gpuVa + ((long) page << PhysicalMemory.PAGE_SHIFT));
        boolean flagged = (b.state[page] & Buffer.GPU_MAPPED) != 0;
        if (flagged && (!UtgardEntry.present(e)
                || UtgardEntry.address(e) != (long) b.pfn[page] << PhysicalMemory.PAGE_SHIFT)) {
            return String.format("GPU-mapped, but the PTE is 0x%08x (frame %d)", e, b.pfn[page]);
        }
        if (!flagged && UtgardEntry.present(e)) {
            return String.format("not GPU-mapped, but the PTE is 0x%08x", e);
        }
        return null;
    }
}
