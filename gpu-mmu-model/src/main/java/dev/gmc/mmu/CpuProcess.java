package dev.gmc.mmu;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * An emulated user process: an AArch64 4-level page table held in emulated frames ({@link ArmPte}), a list of
 * VMAs, and loads/stores that walk the table and take page faults.
 *
 * <p>Locking: one read-write lock per process stands in for the mmap lock plus page-table lock and for the TLB
 * shootdown that makes a PTE change atomic with respect to other CPUs. An access holds the read lock from the
 * walk to the end of its copy; a PTE change takes the write lock, so once {@link #updatePtes} returns no access
 * can still be using the old translation, and the frame behind it may be freed. Fault handlers run without the
 * lock (as {@code handle_mm_fault} runs the VMA's {@code .fault} without the PTL) and install PTEs through
 * {@link #installPte}.
 */
public final class CpuProcess {
    /** The {@code vm_operations_struct.fault} of a VMA. */
    public interface FaultHandler {
        /**
         * Makes the page at {@code va} accessible (usually by {@link CpuProcess#installPte}) and returns
         * true, or returns false for SIGBUS. Called without the process lock held; the access is retried.
         *
         * @param pte the entry the walk found: 0 (none) or a swap entry
         */
        boolean fault(CpuProcess process, Vma vma, long va, boolean write, long pte);
    }

    /** A mapping of {@code pages} pages at {@code start}; {@code pgoff} is the mmap offset in pages. */
    public record Vma(long start, int pages, boolean writable, long pgoff, FaultHandler handler, Object owner) {
        public long end() {
            return start + ((long) pages << PhysicalMemory.PAGE_SHIFT);
        }

        public boolean contains(long va) {
            return va >= start && va < end();
        }
    }

    /** Computes a new PTE for page {@code i} of a range from its old value (called under the write lock). */
    public interface PteUpdate {
        long update(int i, long old);
    }

    private static final long MMAP_BASE = 0x0000_0040_0000_0000L;
    private static final long VA_LIMIT = 1L << 48;

    private final int pid;
    private final String name;
    private final PhysicalMemory mem;
    private final MmuCounters counters;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final TreeMap<Long, Vma> vmas = new TreeMap<>();
    private final List<Integer> tableFrames = new ArrayList<>();
    private final long rootPa;
    private long nextMmap = MMAP_BASE;
    private boolean exited;

    public CpuProcess(int pid, String name, PhysicalMemory mem, MmuCounters counters) {
        this.pid = pid;
        this.name = name;
        this.mem = mem;
        this.counters = counters;
        int root = mem.allocate(FrameKind.CPU_TABLE, true);
        tableFrames.add(root);
        this.rootPa = (long) root << PhysicalMemory.PAGE_SHIFT;
    }

    public int pid() {
        return pid;
    }

    public String name() {
        return name;
    }

    /** Maps a new VMA (address chosen like a bottom-up mmap, with a one-page guard gap). */
    public long mmap(int pages, boolean writable, long pgoff, FaultHandler handler, Object owner) {
        if (pages <= 0) {
            throw new IllegalArgumentException("mmap of " + pages + " pages");
        }
        lock.writeLock().lock();
        try {
            checkAlive();
            long va = nextMmap;
            long end = va + ((long) pages << PhysicalMemory.PAGE_SHIFT);
            if (end >= VA_LIMIT) {
                throw new IllegalStateException("process " + pid + ": 48-bit address space exhausted");
            }
            nextMmap = end + PhysicalMemory.PAGE_SIZE;
            vmas.put(va, new Vma(va, pages, writable, pgoff, handler, owner));
            return va;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Removes the VMA starting at {@code va}, clearing its PTEs (one TLB range flush if any was present). */
    public Vma munmap(long va) {
        lock.writeLock().lock();
        try {
            Vma vma = vmas.remove(va);
            if (vma == null) {
                throw new IllegalArgumentException("process " + pid + ": no VMA starts at 0x" + Long.toHexString(va));
            }
            updateLocked(vma.start, vma.pages, (i, old) -> 0L);
            return vma;
        } finally {
            lock.writeLock().unlock();
        }
    }

    public Vma findVma(long va) {
        lock.readLock().lock();
        try {
            return findLocked(va);
        } finally {
            lock.readLock().unlock();
        }
    }

    public List<Vma> vmas() {
        lock.readLock().lock();
        try {
            return List.copyOf(vmas.values());
        } finally {
            lock.readLock().unlock();
        }
    }

    private Vma findLocked(long va) {
        Map.Entry<Long, Vma> e = vmas.floorEntry(va);
        return e != null && e.getValue().contains(va) ? e.getValue() : null;
    }

    public void read(long va, byte[] dst, int off, int len) {
        access(va, dst, off, len, false);
    }

    public void write(long va, byte[] src, int off, int len) {
        access(va, src, off, len, true);
    }

    private void access(long va, byte[] buf, int off, int len, boolean write) {
        GpuAddressSpace.forEachPage(va, off, len, (a, o, n) -> accessPage(a, buf, o, n, write));
    }

    private void accessPage(long va, byte[] buf, int off, int n, boolean write) {
        while (true) {
            long pte;
            Vma vma;
            lock.readLock().lock();
            try {
                checkAlive();
                pte = walk(va);
                if (ArmPte.present(pte) && (!write || ArmPte.writable(pte))) {
                    long pa = ArmPte.address(pte) | (va & (PhysicalMemory.PAGE_SIZE - 1));
                    if (write) {
                        mem.write(pa, buf, off, n);
                    } else {
                        mem.read(pa, buf, off, n);
                    }
                    return;
                }
                vma = findLocked(va);
            } finally {
                lock.readLock().unlock();
            }
            counters.inc(MmuCounters.Op.CPU_FAULT);
            if (vma == null) {
                throw new CpuFaultException(CpuFaultException.Signal.SIGSEGV, pid, va, write, "no mapping");
            }
            if (write && !vma.writable()) {
                throw new CpuFaultException(CpuFaultException.Signal.SIGSEGV, pid, va, true,
                        "write to a read-only mapping");
            }
            if (!vma.handler().fault(this, vma, va, write, ArmPte.present(pte) ? 0 : pte)) {
                throw new CpuFaultException(CpuFaultException.Signal.SIGBUS, pid, va, write,
                        "the mapping's fault handler refused the page");
            }
        }
    }

    /** The level-3 entry for {@code va} (0 when a table on the way is missing). */
    public long pte(long va) {
        lock.readLock().lock();
        try {
            return walk(va);
        } finally {
            lock.readLock().unlock();
        }
    }

    private long walk(long va) {
        long table = rootPa;
        for (int level = 0; level < ArmPte.LEVELS - 1; level++) {
            long e = mem.readLong(table + 8L * ArmPte.index(va, level));
            if (!ArmPte.present(e)) {
                return 0;
            }
            table = ArmPte.address(e);
        }
        return mem.readLong(table + 8L * ArmPte.index(va, ArmPte.LEVELS - 1));
    }

    /** Writes one PTE (allocating tables on the way); a present old entry costs a TLB flush. */
    public void installPte(long va, long pte) {
        updatePtes(va & ~(long) (PhysicalMemory.PAGE_SIZE - 1), 1, (i, old) -> pte);
    }

    /**
     * Rewrites the PTEs of {@code pages} pages from {@code va} under the write lock: the emulated
     * {@code zap_page_range}/{@code set_pte} + {@code flush_tlb_range}. One TLB range flush is counted when any
     * entry that was present changed. Returns how many entries changed.
     */
    public int updatePtes(long va, int pages, PteUpdate update) {
        lock.writeLock().lock();
        try {
            checkAlive();
            return updateLocked(va, pages, update);
        } finally {
            lock.writeLock().unlock();
        }
    }

    private int updateLocked(long va, int pages, PteUpdate update) {
        int changed = 0;
        boolean flush = false;
        for (int i = 0; i < pages; i++) {
            long a = va + ((long) i << PhysicalMemory.PAGE_SHIFT);
            long slot = slot(a, false);
            long old = slot == 0 ? 0 : mem.readLong(slot);
            long nw = update.update(i, old);
            if (nw == old) {
                continue;
            }
            if (slot == 0) {
                slot = slot(a, true);
            }
            mem.writeLong(slot, nw);
            changed++;
            flush |= ArmPte.present(old);
        }
        if (flush) {
            counters.inc(MmuCounters.Op.CPU_TLB_FLUSH_RANGE);
        }
        return changed;
    }

    /** Physical address of the level-3 slot for {@code va}; 0 if a table is missing and {@code create} is false. */
    private long slot(long va, boolean create) {
        long table = rootPa;
        for (int level = 0; level < ArmPte.LEVELS - 1; level++) {
            long ea = table + 8L * ArmPte.index(va, level);
            long e = mem.readLong(ea);
            if (!ArmPte.present(e)) {
                if (!create) {
                    return 0;
                }
                int pfn = mem.allocate(FrameKind.CPU_TABLE, true);
                tableFrames.add(pfn);
                e = ArmPte.table((long) pfn << PhysicalMemory.PAGE_SHIFT);
                mem.writeLong(ea, e);
            }
            table = ArmPte.address(e);
        }
        return table + 8L * ArmPte.index(va, ArmPte.LEVELS - 1);
    }

    /** Page-table frames this process holds (root included). */
    public int tableFrames() {
        lock.readLock().lock();
        try {
            return tableFrames.size();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Process exit: every VMA must have been unmapped by its owner first; frees the page-table frames. */
    public void exit() {
        lock.writeLock().lock();
        try {
            if (exited) {
                return;
            }
            if (!vmas.isEmpty()) {
                throw new IllegalStateException("process " + pid + " exits with " + vmas.size() + " VMAs mapped");
            }
            for (int pfn : tableFrames) {
                mem.free(pfn, FrameKind.CPU_TABLE);
            }
            tableFrames.clear();
            exited = true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void checkAlive() {
        if (exited) {
            throw new IllegalStateException("process " + pid + " has exited");
        }
    }
}
