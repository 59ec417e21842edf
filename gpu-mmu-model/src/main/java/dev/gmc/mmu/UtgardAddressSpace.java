package dev.gmc.mmu;

/**
 * One Utgard session's GPU address space: a page directory of 1024 PDEs and page tables of 1024 32-bit PTEs in
 * emulated frames ({@link UtgardEntry}), and the MMU commands the Mali-400 driver issues (kernel-facts.md §5).
 *
 * <p>A page table is allocated on the first map in its 4 MiB window and freed when its usage count drops to zero
 * ({@code page_entries_usage_count}). An unmap zeroes the PTEs, invalidates the touched page-table pages in the
 * Mali L2 (up to three pages, else the whole L2, counted as one), then, if the session is running on an MMU,
 * zaps its TLB (ENABLE_STALL → ZAP_CACHE → DISABLE_STALL, {@code mali_mmu_zap_tlb}). A session that is not
 * running needs no zap: {@link #activate} (the address-space switch at job start) writes DTE_ADDR and zaps.
 * GPU accesses happen only while a job runs, that is between {@link #activate} and {@link #deactivate}.
 */
public final class UtgardAddressSpace extends GpuAddressSpace {
    /** MMU STATUS bits. */
    public static final int STATUS_PAGING_ENABLED = 1;
    public static final int STATUS_PAGE_FAULT_ACTIVE = 1 << 1;
    public static final int STATUS_STALL_ACTIVE = 1 << 2;
    public static final int STATUS_IDLE = 1 << 3;
    public static final int STATUS_PAGE_FAULT_IS_WRITE = 1 << 5;
    /** Bits 10:6: bus id of the faulting master; gmc reports the PP (fragment) core as 1. */
    public static final int STATUS_BUS_ID_SHIFT = 6;
    /** MMU commands. */
    public static final int COMMAND_ZAP_CACHE = 0x04;
    public static final int COMMAND_PAGE_FAULT_DONE = 0x05;

    private final int sessionId;
    private final long dtePa;
    private final int[] tablePfn = new int[UtgardEntry.ENTRIES];
    private final int[] usage = new int[UtgardEntry.ENTRIES];
    private int tables;
    private volatile boolean active;
    private int pageFaultAddr;
    private int status = STATUS_PAGING_ENABLED | STATUS_IDLE;
    private boolean destroyed;

    public UtgardAddressSpace(int sessionId, PhysicalMemory mem, MmuCounters counters, int tlbEntries) {
        super(mem, counters, tlbEntries);
        this.sessionId = sessionId;
        this.dtePa = (long) mem.allocate(FrameKind.GPU_TABLE, true) << PhysicalMemory.PAGE_SHIFT;
    }

    /** {@code DTE_ADDR}: the page directory's physical address. */
    public long dteAddr() {
        return dtePa;
    }

    /**
     * {@code mali_mem_mali_map_prepare} + {@code mali_mmu_pagedir_map} + {@code _update}: maps pages at {@code va..}
     * with {@code flags}. The page tables the range lacks are allocated first, as the Mali driver prepares them
     * before it maps: if RAM runs out ({@link OutOfFramesException}) the tables this call allocated are freed again
     * and no entry has changed.
     */
    public void map(long va, int[] pfns, int from, int n, int flags) {
        lock.writeLock().lock();
        try {
            checkAlive();
            if (n <= 0) {
                return;
            }
            int firstPde = UtgardEntry.pdeIndex(checkVa(va));
            int lastPde = UtgardEntry.pdeIndex(checkVa(va + ((long) (n - 1) << PhysicalMemory.PAGE_SHIFT)));
            int[] made = new int[lastPde - firstPde + 1];
            int madeCount = 0;
            try {
                for (int p = firstPde; p <= lastPde; p++) {
                    if (tablePfn[p] == 0) {
                        int pfn = mem.allocate(FrameKind.GPU_TABLE, true);
                        tablePfn[p] = pfn;
                        tables++;
                        mem.writeInt(dtePa + 4L * p, UtgardEntry.pde((long) pfn << PhysicalMemory.PAGE_SHIFT));
                        made[madeCount++] = p;
                    }
                }
            } catch (OutOfFramesException e) {
                for (int k = 0; k < madeCount; k++) { // the tables allocated above hold no entry yet
                    int p = made[k];
                    mem.writeInt(dtePa + 4L * p, 0);
                    mem.free(tablePfn[p], FrameKind.GPU_TABLE);
                    tablePfn[p] = 0;
                    tables--;
                }
                throw e;
            }
            for (int i = 0; i < n; i++) {
                int a = checkVa(va + ((long) i << PhysicalMemory.PAGE_SHIFT));
                int pde = UtgardEntry.pdeIndex(a);
                long ptePa = ((long) tablePfn[pde] << PhysicalMemory.PAGE_SHIFT) + 4L * UtgardEntry.pteIndex(a);
                if (!UtgardEntry.present(mem.readInt(ptePa))) {
                    usage[pde]++;
                }
                mem.writeInt(ptePa, UtgardEntry.pte((long) pfns[from + i] << PhysicalMemory.PAGE_SHIFT, flags));
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * {@code mali_mmu_pagedir_unmap} + L2 invalidation + {@code mali_executor_zap_all_active}. Returns how many
     * PTEs were present.
     */
    public int unmap(long va, int n) {
        lock.writeLock().lock();
        try {
            checkAlive();
            int present = 0;
            int touchedTables = 0;
            int lastPde = -1;
            for (int i = 0; i < n; i++) {
                int a = checkVa(va + ((long) i << PhysicalMemory.PAGE_SHIFT));
                int pde = UtgardEntry.pdeIndex(a);
                if (tablePfn[pde] == 0) {
                    continue;
                }
                if (pde != lastPde) {
                    touchedTables++;
                    lastPde = pde;
                }
                long ptePa = ((long) tablePfn[pde] << PhysicalMemory.PAGE_SHIFT) + 4L * UtgardEntry.pteIndex(a);
                if (UtgardEntry.present(mem.readInt(ptePa))) {
                    present++;
                    mem.writeInt(ptePa, 0);
                    if (--usage[pde] == 0) { // last page of the table: drop the table and its PDE
                        mem.writeInt(dtePa + 4L * pde, 0);
                        mem.free(tablePfn[pde], FrameKind.GPU_TABLE);
                        tablePfn[pde] = 0;
                        tables--;
                    }
                }
            }
            // Page-table pages are invalidated in the Mali L2: up to 3 one by one, else the whole L2 once.
            counters.add(MmuCounters.Op.UTGARD_L2_INVALIDATE, touchedTables <= 3 ? touchedTables : 1);
            if (active) {
                zapTlbLocked();
            }
            return present;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** {@code mali_mmu_invalidate_page}: writes the PDE index of {@code va} into ZAP_ONE_LINE. */
    public void zapOneLine(long va) {
        lock.writeLock().lock();
        try {
            int pde = UtgardEntry.pdeIndex(checkVa(va));
            counters.inc(MmuCounters.Op.UTGARD_ZAP_ONE_LINE);
            long first = (long) pde << 10; // 1024 pages per PDE window
            counters.add(MmuCounters.Op.TLB_ENTRIES_INVALIDATED, tlb.invalidate(first, 1024));
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Job start on an MMU: write DTE_ADDR with the MMU stalled, then ZAP_CACHE (the address-space switch). */
    public void activate() {
        lock.writeLock().lock();
        try {
            checkAlive();
            zapTlbLocked();
            active = true;
            status = STATUS_PAGING_ENABLED;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Job end: the MMU switches to the global empty page directory. */
    public void deactivate() {
        lock.writeLock().lock();
        try {
            active = false;
            status = STATUS_PAGING_ENABLED | STATUS_IDLE;
        } finally {
            lock.writeLock().unlock();
        }
    }

    public boolean isActive() {
        return active;
    }

    /** The bottom half's acknowledgement after it handled (failed) the faulting job. */
    public void pageFaultDone() {
        lock.writeLock().lock();
        try {
            counters.inc(MmuCounters.Op.UTGARD_PAGE_FAULT_DONE);
            status &= ~(STATUS_PAGE_FAULT_ACTIVE | STATUS_PAGE_FAULT_IS_WRITE | 0x1F << STATUS_BUS_ID_SHIFT);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** {@code PAGE_FAULT_ADDR} of the last fault. */
    public synchronized int pageFaultAddr() {
        return pageFaultAddr;
    }

    public synchronized int status() {
        return status;
    }

    private void zapTlbLocked() {
        counters.inc(MmuCounters.Op.UTGARD_STALL);
        counters.inc(MmuCounters.Op.UTGARD_ZAP_CACHE);
        counters.add(MmuCounters.Op.TLB_ENTRIES_INVALIDATED, tlb.invalidateAll());
        counters.inc(MmuCounters.Op.UTGARD_UNSTALL);
    }

    /** The PTE for {@code va} as it sits in the table (0 when no table). */
    public int entry(long va) {
        lock.readLock().lock();
        try {
            int a = checkVa(va);
            int t = tablePfn[UtgardEntry.pdeIndex(a)];
            return t == 0 ? 0 : mem.readInt(((long) t << PhysicalMemory.PAGE_SHIFT) + 4L * UtgardEntry.pteIndex(a));
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    protected long walk(long vpfn) {
        if (!active) {
            return WALK_INVALID; // the MMU points at the empty page directory
        }
        int a = (int) (vpfn << PhysicalMemory.PAGE_SHIFT);
        int pde = mem.readInt(dtePa + 4L * UtgardEntry.pdeIndex(a));
        if (!UtgardEntry.present(pde)) {
            return WALK_INVALID;
        }
        int pte = mem.readInt(UtgardEntry.address(pde) + 4L * UtgardEntry.pteIndex(a));
        if (!UtgardEntry.present(pte)) {
            return WALK_INVALID;
        }
        return (UtgardEntry.address(pte) >>> PhysicalMemory.PAGE_SHIFT) << 2
                | (UtgardEntry.writable(pte) ? 2 : 0) | (UtgardEntry.readable(pte) ? 1 : 0);
    }

    @Override
    protected int faultStatus(boolean write, boolean permission) {
        int s = STATUS_PAGING_ENABLED | STATUS_PAGE_FAULT_ACTIVE | (write ? STATUS_PAGE_FAULT_IS_WRITE : 0)
                | 1 << STATUS_BUS_ID_SHIFT;
        synchronized (this) {
            status = s;
        }
        return s;
    }

    @Override
    protected String describe(GpuFault f) {
        synchronized (this) {
            pageFaultAddr = (int) f.address();
        }
        return String.format("Mali MMU page fault, session %d: PAGE_FAULT_ADDR 0x%08x, STATUS 0x%x (%s)",
                sessionId, f.address(), f.status(), f.write() ? "write" : "read");
    }

    @Override
    protected void checkAddress(long va) {
        checkVa(va);
    }

    private static int checkVa(long va) {
        if (va < 0 || va >= 1L << 32) {
            throw new IllegalArgumentException("Utgard GPU VA 0x" + Long.toHexString(va) + " beyond 32 bits");
        }
        return (int) va;
    }

    @Override
    public int tableFrames() {
        lock.readLock().lock();
        try {
            return tables + 1;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Session close: every allocation must have been unmapped; frees the page directory. */
    @Override
    public void destroy() {
        lock.writeLock().lock();
        try {
            if (destroyed) {
                return;
            }
            if (tables != 0) {
                throw new IllegalStateException("session " + sessionId + " closes with " + tables
                        + " page tables still in use");
            }
            mem.free((int) (dtePa >>> PhysicalMemory.PAGE_SHIFT), FrameKind.GPU_TABLE);
            destroyed = true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void checkAlive() {
        if (destroyed) {
            throw new IllegalStateException("session " + sessionId + " destroyed");
        }
    }
}
