package dev.gmc.driver;

import dev.gmc.driver.DriverCounters.Counter;
import dev.gmc.mmu.CpuProcess;
import dev.gmc.mmu.GpuFault;
import dev.gmc.mmu.GpuFaultException;
import dev.gmc.mmu.KbaseAddressSpace;
import dev.gmc.mmu.KbaseEntry;
import dev.gmc.mmu.PhysicalMemory;

/**
 * Mali Midgard/Bifrost (kbase) with GMC: contexts with 4-level GPU tables, regions with kbase's flags, and a
 * GMC-extended GPU page-fault worker.
 *
 * <p>Real kbase has no path that brings back a page taken from a non-growable region: its
 * {@code page_fault_worker} only grows {@code KBASE_REG_PF_GROW} regions, and a translation fault anywhere else
 * kills the context (kernel-facts.md §4.5). GMC extends the worker: when the fault lands in a region page that the
 * GMC store holds, the page is decompressed into a new frame, its ATE inserted, the fault cleared and FLUSH_PT
 * issued, and the job resumes. Everything else is reported as kbase does: an address outside any region
 * ("Memory is not mapped on the GPU") or a permission fault kills the context, and every later job of that
 * context is cancelled. Growable regions and JIT memory are not modelled: every allocation is fully committed.
 */
public final class MidgardDriver extends AbstractGmcDriver {
    /** {@code KBASE_REG_*} flags (kernel-facts.md §4.6). */
    public static final int KBASE_REG_CPU_WR = 1 << 1;
    public static final int KBASE_REG_GPU_WR = 1 << 2;
    public static final int KBASE_REG_GPU_NX = 1 << 3;
    public static final int KBASE_REG_CPU_CACHED = 1 << 4;
    public static final int KBASE_REG_GPU_CACHED = 1 << 5;
    public static final int KBASE_REG_SHARE_IN = 1 << 9;
    public static final int KBASE_REG_SHARE_BOTH = 1 << 10;
    public static final int KBASE_REG_GPU_RD = 1 << 13;
    public static final int KBASE_REG_CPU_RD = 1 << 14;
    public static final int KBASE_REG_MEMATTR_SHIFT = 16;
    /** Custom-VA zone used for regions (the SAME_VA zone would mirror CPU addresses). */
    static final long GPU_VA_BASE = 1L << 32;

    public MidgardDriver(DriverConfig config) {
        super(config);
    }

    @Override
    public String name() {
        return "midgard";
    }

    @Override
    protected GpuContext newContext(int id, CpuProcess owner) {
        KbaseAddressSpace as = new KbaseAddressSpace(id % 16, config.format(), mem, mmu, config.tlbEntries());
        GpuContext ctx = new GpuContext(id, owner, as, GPU_VA_BASE, 1L << KbaseAddressSpace.VA_BITS);
        as.setFaultHandler((a, f) -> onGpuFault(ctx, f));
        return ctx;
    }

    @Override
    protected int regionFlags(boolean gpuReadOnly) {
        // Write-back cacheable (MEMATTR index 0, IMPL_DEF), not executable, as base_mem_alloc for a buffer.
        return KBASE_REG_CPU_RD | KBASE_REG_CPU_WR | KBASE_REG_GPU_RD | (gpuReadOnly ? 0 : KBASE_REG_GPU_WR)
                | KBASE_REG_GPU_NX | KBASE_REG_CPU_CACHED | KBASE_REG_GPU_CACHED;
    }

    static KbaseAddressSpace.AteFlags ateFlags(int flags) {
        KbaseEntry.Share share = (flags & KBASE_REG_SHARE_BOTH) != 0 ? KbaseEntry.Share.BOTH
                : (flags & KBASE_REG_SHARE_IN) != 0 ? KbaseEntry.Share.INNER : KbaseEntry.Share.NONE;
        return new KbaseAddressSpace.AteFlags((flags & KBASE_REG_GPU_RD) != 0, (flags & KBASE_REG_GPU_WR) != 0,
                (flags >>> KBASE_REG_MEMATTR_SHIFT) & 7, share, (flags & KBASE_REG_GPU_NX) != 0);
    }

    private static KbaseAddressSpace as(GpuContext c) {
        return (KbaseAddressSpace) c.addressSpace();
    }

    @Override
    protected void gpuMapPages(Buffer b, int first, int n) {
        as(b.context()).insertPages((b.gpuVa >>> PhysicalMemory.PAGE_SHIFT) + first, b.pfn, first, n,
                ateFlags(b.flags()));
    }

    @Override
    protected void gpuUnmapPages(Buffer b, int first, int n) {
        as(b.context()).teardownPages((b.gpuVa >>> PhysicalMemory.PAGE_SHIFT) + first, n);
    }

    /** The GMC-extended {@code page_fault_worker}. */
    private boolean onGpuFault(GpuContext ctx, GpuFault f) {
        emit(GmcEvent.Type.GPU_FAULT, ctx.id(), -1, -1, f.address());
        if (ctx.killedReason() != null) {
            return false;
        }
        if (f.permission()) {
            kill(ctx, "Permission failure");
            return false;
        }
        Buffer b = ctx.regionAt(f.address());
        if (b == null) {
            kill(ctx, "Memory is not mapped on the GPU");
            return false;
        }
        int page = (int) ((f.address() - b.gpuVa()) >>> PhysicalMemory.PAGE_SHIFT);
        if (!resolveFault(b, page, null, false)) {
            kill(ctx, "GMC could not restore page " + page + " of " + b);
            return false;
        }
        return true;
    }

    private void kill(GpuContext ctx, String reason) {
        ctx.kill(reason);
        counters.inc(Counter.CONTEXTS_KILLED);
        emit(GmcEvent.Type.CONTEXT_KILLED, ctx.id(), -1, -1, 0);
    }

    @Override
    public JobResult submitJob(GpuContext ctx, Job job) {
        counters.inc(Counter.JOBS);
        if (ctx.killedReason() != null) {
            counters.inc(Counter.JOBS_FAILED);
            return new JobResult(false, JobResult.KBASE_JOB_KILLED, "context " + ctx.id() + " was killed ("
                    + ctx.killedReason() + "); job cancelled", null);
        }
        emit(GmcEvent.Type.JOB_START, ctx.id(), -1, -1, job.accesses().size());
        for (Buffer used : job.uses()) { // what a policy can know of access recency: the job's declared buffers
            emit(GmcEvent.Type.JOB_USES, ctx.id(), used.id(), -1, used.pages());
        }
        KbaseAddressSpace as = as(ctx);
        for (Job.Access a : job.accesses()) {
            try {
                if (a.write()) {
                    as.write(a.va(), a.data(), a.off(), a.len());
                } else {
                    as.read(a.va(), a.data(), a.off(), a.len());
                }
            } catch (GpuFaultException e) {
                counters.inc(Counter.JOBS_FAILED);
                emit(GmcEvent.Type.JOB_FAILED, ctx.id(), -1, -1, e.fault().address());
                return new JobResult(false, JobResult.KBASE_JOB_KILLED, "Unhandled page fault: " + e.getMessage()
                        + "; Reason: " + ctx.killedReason() + "; context " + ctx.id() + " killed", e.fault());
            }
        }
        emit(GmcEvent.Type.JOB_DONE, ctx.id(), -1, -1, 0);
        return JobResult.OK;
    }

    @Override
    protected String checkGpuEntry(Buffer b, int page) {
        KbaseAddressSpace as = as(b.context());
        long e = as.entry((b.gpuVa >>> PhysicalMemory.PAGE_SHIFT) + page);
        KbaseEntry.Kind k = KbaseEntry.kind(as.format(), KbaseEntry.BOTTOM_LEVEL, e);
        boolean flagged = (b.state[page] & Buffer.GPU_MAPPED) != 0;
        if (flagged && (k != KbaseEntry.Kind.ATE
                || KbaseEntry.outputAddress(e) != (long) b.pfn[page] << PhysicalMemory.PAGE_SHIFT)) {
            return String.format("GPU-mapped, but the ATE is 0x%x (frame %d)", e, b.pfn[page]);
        }
        if (!flagged && k != KbaseEntry.Kind.INVALID) {
            return String.format("not GPU-mapped, but the entry is 0x%x", e);
        }
        return null;
    }
}
