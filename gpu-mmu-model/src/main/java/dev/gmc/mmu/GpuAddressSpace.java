package dev.gmc.mmu;

import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * What the kbase and Utgard address spaces share: a TLB, table walks on a miss, GPU loads and stores that raise
 * MMU faults, and the lock that makes table updates plus invalidation atomic with respect to in-flight accesses.
 *
 * <p>Locking: a GPU access holds the read lock from translation to the end of its copy; table updates and
 * invalidation commands take the write lock. This stands in for the hardware stalling transactions to a locked
 * region (kbase {@code AS_COMMAND_LOCK}) or a stalled MMU (Utgard {@code ENABLE_STALL}) while tables change.
 */
public abstract class GpuAddressSpace {
    /** The driver's fault worker. */
    public interface FaultHandler {
        /** Resolves the fault (the access is retried) and returns true, or returns false to fail the access. */
        boolean onFault(GpuAddressSpace as, GpuFault fault);
    }

    /** Walk result: no valid entry. */
    protected static final long WALK_INVALID = -1;

    protected final PhysicalMemory mem;
    protected final MmuCounters counters;
    protected final Tlb tlb;
    protected final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile FaultHandler faultHandler;

    protected GpuAddressSpace(PhysicalMemory mem, MmuCounters counters, int tlbEntries) {
        this.mem = mem;
        this.counters = counters;
        this.tlb = new Tlb(tlbEntries);
    }

    public void setFaultHandler(FaultHandler h) {
        this.faultHandler = h;
    }

    public Tlb tlb() {
        return tlb;
    }

    public void read(long va, byte[] dst, int off, int len) {
        access(va, dst, off, len, false);
    }

    public void write(long va, byte[] src, int off, int len) {
        access(va, src, off, len, true);
    }

    private void access(long va, byte[] buf, int off, int len, boolean write) {
        forEachPage(va, off, len, (a, o, n) -> accessPage(a, buf, o, n, write));
    }

    private void accessPage(long va, byte[] buf, int off, int n, boolean write) {
        checkAddress(va);
        long vpfn = va >>> PhysicalMemory.PAGE_SHIFT;
        while (true) {
            boolean permission;
            lock.readLock().lock();
            try {
                long e = tlb.lookup(vpfn);
                if (e != 0) {
                    counters.inc(MmuCounters.Op.TLB_HIT);
                } else {
                    counters.inc(MmuCounters.Op.TLB_MISS);
                    long w = walk(vpfn);
                    if (w != WALK_INVALID) {
                        tlb.fill(vpfn, w >>> 2, (w & 1) != 0, (w & 2) != 0);
                        e = tlb.lookup(vpfn);
                    }
                }
                permission = e != 0;
                if (e != 0 && (write ? Tlb.writable(e) : Tlb.readable(e))) {
                    long pa = Tlb.pfn(e) << PhysicalMemory.PAGE_SHIFT | (va & (PhysicalMemory.PAGE_SIZE - 1));
                    if (write) {
                        mem.write(pa, buf, off, n);
                    } else {
                        mem.read(pa, buf, off, n);
                    }
                    return;
                }
            } finally {
                lock.readLock().unlock();
            }
            counters.inc(MmuCounters.Op.GPU_FAULT);
            GpuFault fault = new GpuFault(va, write, permission, faultStatus(write, permission));
            FaultHandler h = faultHandler;
            if (h == null || !h.onFault(this, fault)) {
                throw new GpuFaultException(fault, describe(fault));
            }
        }
    }

    /**
     * Walks the tables for {@code vpfn}: {@link #WALK_INVALID}, or {@code pfn << 2 | writable << 1 | readable}.
     * Called with at least the read lock held.
     */
    protected abstract long walk(long vpfn);

    /** The hardware's fault status register value for a fault of this kind. */
    protected abstract int faultStatus(boolean write, boolean permission);

    /** How the real driver would describe the unresolved fault. */
    protected abstract String describe(GpuFault fault);

    protected abstract void checkAddress(long va);

    /** Frames holding this address space's tables (directory/level-0 table included). */
    public abstract int tableFrames();

    /** Releases the tables; the data frames belong to the driver's buffers. */
    public abstract void destroy();

    /**
     * Splits an access of {@code len} bytes at {@code va} into pieces that stay within one page, in order; shared
     * by the CPU and GPU access paths.
     */
    static void forEachPage(long va, int off, int len, PagePiece piece) {
        while (len > 0) {
            int n = (int) Math.min(len, PhysicalMemory.PAGE_SIZE - (va & (PhysicalMemory.PAGE_SIZE - 1)));
            piece.access(va, off, n);
            va += n;
            off += n;
            len -= n;
        }
    }

    /** One within-page piece of an access. */
    interface PagePiece {
        void access(long va, int off, int n);
    }
}
