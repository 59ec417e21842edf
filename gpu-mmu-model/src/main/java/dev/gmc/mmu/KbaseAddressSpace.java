package dev.gmc.mmu;

import java.util.ArrayList;
import java.util.List;

/**
 * One kbase context's GPU address space: 4-level tables of 512 64-bit entries in emulated frames, in the AArch64
 * or LPAE encoding ({@link KbaseEntry}), its TLB, and the AS commands as {@code kbase_mmu_hw_do_operation} issues
 * them (kernel-facts.md §4.3–4.4).
 *
 * <p>Insertion allocates tables lazily ({@code mmu_get_next_pgd}) and is followed by a non-sync flush
 * (LOCK → FLUSH_PT → wait → UNLOCK); teardown writes {@code ENTRY_IS_INVAL}, syncs the table page and issues the
 * sync flush (LOCK → FLUSH_MEM → wait → UNLOCK). The lock region is computed as kbase does
 * ({@link KbaseFault#lockAddress}), so a flush drops every TLB entry of the naturally aligned power-of-two region
 * that covers the range, not just the range. Table pages are kept until the context is destroyed (kbase releases
 * only empty bottom-level tables, and only in recent releases). The context is treated as always scheduled on an
 * address space, so every flush reaches the hardware.
 */
public final class KbaseAddressSpace extends GpuAddressSpace {
    /** {@code AS_COMMAND} values. */
    public static final int AS_COMMAND_UPDATE = 0x01;
    public static final int AS_COMMAND_LOCK = 0x02;
    public static final int AS_COMMAND_UNLOCK = 0x03;
    public static final int AS_COMMAND_FLUSH_PT = 0x04;
    public static final int AS_COMMAND_FLUSH_MEM = 0x05;
    /** {@code AS_TRANSCFG.ADRMODE_AARCH64_4K}; LPAE uses {@code AS_TRANSTAB} ADRMODE_TABLE = 3 instead. */
    public static final int TRANSCFG_ADRMODE_AARCH64_4K = 6;
    public static final int TRANSTAB_LPAE_ADRMODE_TABLE = 3;
    /** 48-bit GPU VA (MIDGARD_MMU_VA_BITS). */
    public static final int VA_BITS = 48;

    private final int asNumber;
    private final KbaseEntry.Format format;
    private final long pgdPa;
    private final List<Integer> tableFrames = new ArrayList<>();
    private long lockAddr;
    private int lastCommand;
    private boolean destroyed;

    public KbaseAddressSpace(int asNumber, KbaseEntry.Format format, PhysicalMemory mem, MmuCounters counters,
            int tlbEntries) {
        super(mem, counters, tlbEntries);
        this.asNumber = asNumber;
        this.format = format;
        int pgd = mem.allocate(FrameKind.GPU_TABLE, true);
        tableFrames.add(pgd);
        this.pgdPa = (long) pgd << PhysicalMemory.PAGE_SHIFT;
        // kbase_mmu_hw_configure: TRANSCFG (AArch64), TRANSTAB, MEMATTR, then UPDATE.
        command(AS_COMMAND_UPDATE);
    }

    public KbaseEntry.Format format() {
        return format;
    }

    public int asNumber() {
        return asNumber;
    }

    /** {@code AS_TRANSTAB}: the level-0 table's address (LPAE: with ADRMODE_TABLE and READ_INNER). */
    public long transtab() {
        return format == KbaseEntry.Format.AARCH64 ? pgdPa : pgdPa | TRANSTAB_LPAE_ADRMODE_TABLE | 1L << 2;
    }

    /** {@code AS_MEMATTR} as kbase programs it: one attribute byte per index (kernel-facts.md §4.2). */
    public long memattr() {
        int[] attrs = format == KbaseEntry.Format.AARCH64
                ? new int[] {0x88, 0x8F, 0x8D, 0x88, 0x8D, 0x4C, 0, 0}
                : new int[] {0x48, 0x4F, 0x4D, 0x48, 0x4D, 0, 0, 0};
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v |= (long) attrs[i] << (8 * i);
        }
        return v;
    }

    /** The last value written to {@code AS_LOCKADDR}. */
    public long lockAddr() {
        return lockAddr;
    }

    public int lastCommand() {
        return lastCommand;
    }

    /** The ATE flags of one mapping, from the region's flags. */
    public record AteFlags(boolean read, boolean write, int memattr, KbaseEntry.Share share, boolean nx) {
        public static final AteFlags RW = new AteFlags(true, true, 0, KbaseEntry.Share.NONE, true);
    }

    /**
     * {@code kbase_mmu_insert_pages}: maps {@code pfns[0..n)} at {@code vpfn..}, then flushes (non-sync).
     * Entries already valid are overwritten (kbase would warn). If a table cannot be allocated
     * ({@link OutOfFramesException}), the entries this call wrote are invalidated again before it throws, as kbase's
     * {@code mmu_insert_pages_failure_recovery} does; the tables it allocated stay (kbase frees tables at context
     * teardown only), and no flush is needed since no walk could see the entries under the write lock.
     */
    public void insertPages(long vpfn, int[] pfns, int from, int n, AteFlags flags) {
        lock.writeLock().lock();
        try {
            checkAlive();
            int i = 0;
            try {
                for (; i < n; i++) {
                    long v = vpfn + i;
                    long pa = (long) pfns[from + i] << PhysicalMemory.PAGE_SHIFT;
                    mem.writeLong(slot(v, true), KbaseEntry.ate(format, KbaseEntry.BOTTOM_LEVEL, pa,
                            flags.memattr(), flags.read(), flags.write(), flags.share(), flags.nx()));
                }
            } catch (OutOfFramesException e) {
                for (int j = 0; j < i; j++) {
                    mem.writeLong(slot(vpfn + j, false), KbaseEntry.invalid());
                }
                throw e;
            }
            flushLocked(vpfn, n, false);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * {@code kbase_mmu_teardown_pages}: invalidates the entries of [vpfn, vpfn + n), syncs the table pages, then
     * issues the sync flush (FLUSH_MEM). Returns how many entries were valid.
     */
    public int teardownPages(long vpfn, long n) {
        lock.writeLock().lock();
        try {
            checkAlive();
            int valid = 0;
            for (long i = 0; i < n; i++) {
                long s = slot(vpfn + i, false);
                if (s != 0) {
                    if (KbaseEntry.kind(format, KbaseEntry.BOTTOM_LEVEL, mem.readLong(s)) == KbaseEntry.Kind.ATE) {
                        valid++;
                    }
                    mem.writeLong(s, KbaseEntry.invalid());
                }
            }
            flushLocked(vpfn, n, true);
            return valid;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** The level-3 entry for {@code vpfn} as it sits in the table (INVALID 2 when a table is missing). */
    public long entry(long vpfn) {
        lock.readLock().lock();
        try {
            long s = slot(vpfn, false);
            return s == 0 ? KbaseEntry.invalid() : mem.readLong(s);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** {@code kbase_mmu_flush_invalidate}: LOCK, FLUSH_MEM (sync) or FLUSH_PT, wait for AS_ACTIVE, UNLOCK. */
    public void flush(long vpfn, long n, boolean sync) {
        lock.writeLock().lock();
        try {
            flushLocked(vpfn, n, sync);
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void flushLocked(long vpfn, long n, boolean sync) {
        lockAddr = KbaseFault.lockAddress(vpfn, n);
        command(AS_COMMAND_LOCK);
        command(sync ? AS_COMMAND_FLUSH_MEM : AS_COMMAND_FLUSH_PT);
        // wait_ready: AS_STATUS.AS_ACTIVE clears at once in the emulation (accesses are excluded by the lock).
        command(AS_COMMAND_UNLOCK);
    }

    private void command(int cmd) {
        lastCommand = cmd;
        switch (cmd) {
            case AS_COMMAND_UPDATE -> {
                counters.inc(MmuCounters.Op.KBASE_UPDATE);
                counters.add(MmuCounters.Op.TLB_ENTRIES_INVALIDATED, tlb.invalidateAll());
            }
            case AS_COMMAND_LOCK -> counters.inc(MmuCounters.Op.KBASE_LOCK);
            case AS_COMMAND_UNLOCK -> counters.inc(MmuCounters.Op.KBASE_UNLOCK);
            case AS_COMMAND_FLUSH_PT, AS_COMMAND_FLUSH_MEM -> {
                counters.inc(cmd == AS_COMMAND_FLUSH_PT ? MmuCounters.Op.KBASE_FLUSH_PT
                        : MmuCounters.Op.KBASE_FLUSH_MEM);
                int log2 = KbaseFault.lockRegionLog2(lockAddr);
                long base = (lockAddr & ~((1L << log2) - 1)) >>> PhysicalMemory.PAGE_SHIFT;
                long pages = log2 >= 63 ? Long.MAX_VALUE : 1L << (log2 - PhysicalMemory.PAGE_SHIFT);
                counters.add(MmuCounters.Op.TLB_ENTRIES_INVALIDATED, tlb.invalidate(base, pages));
            }
            default -> throw new IllegalArgumentException("AS_COMMAND 0x" + Integer.toHexString(cmd));
        }
    }

    @Override
    protected long walk(long vpfn) {
        long table = pgdPa;
        for (int level = 0; level <= KbaseEntry.BOTTOM_LEVEL; level++) {
            long e = mem.readLong(table + 8L * KbaseEntry.index(vpfn, level));
            switch (KbaseEntry.kind(format, level, e)) {
                case INVALID:
                    return WALK_INVALID;
                case TABLE:
                    table = KbaseEntry.outputAddress(e);
                    break;
                case ATE: {
                    long pa = KbaseEntry.outputAddress(e);
                    if (level < KbaseEntry.BOTTOM_LEVEL) { // block: 2 MiB at level 2
                        long span = 1L << (9 * (KbaseEntry.BOTTOM_LEVEL - level));
                        pa += (vpfn & (span - 1)) << PhysicalMemory.PAGE_SHIFT;
                    }
                    return (pa >>> PhysicalMemory.PAGE_SHIFT) << 2
                            | (KbaseEntry.writable(format, e) ? 2 : 0) | (KbaseEntry.readable(format, e) ? 1 : 0);
                }
                default:
                    throw new AssertionError();
            }
        }
        return WALK_INVALID;
    }

    private long slot(long vpfn, boolean create) {
        long table = pgdPa;
        for (int level = 0; level < KbaseEntry.BOTTOM_LEVEL; level++) {
            long ea = table + 8L * KbaseEntry.index(vpfn, level);
            long e = mem.readLong(ea);
            if (KbaseEntry.kind(format, level, e) != KbaseEntry.Kind.TABLE) {
                if (!create) {
                    return 0;
                }
                int pfn = mem.allocate(FrameKind.GPU_TABLE, false);
                long tpa = (long) pfn << PhysicalMemory.PAGE_SHIFT;
                for (int i = 0; i < KbaseEntry.ENTRIES; i++) { // kbase initialises new tables with entry_invalidate
                    mem.writeLong(tpa + 8L * i, KbaseEntry.invalid());
                }
                tableFrames.add(pfn);
                e = KbaseEntry.table(format, tpa);
                mem.writeLong(ea, e);
            }
            table = KbaseEntry.outputAddress(e);
        }
        return table + 8L * KbaseEntry.index(vpfn, KbaseEntry.BOTTOM_LEVEL);
    }

    @Override
    protected int faultStatus(boolean write, boolean permission) {
        return KbaseFault.faultStatus(permission ? KbaseFault.Exception.PERMISSION : KbaseFault.Exception.TRANSLATION,
                write ? KbaseFault.Access.WRITE : KbaseFault.Access.READ);
    }

    @Override
    protected String describe(GpuFault f) {
        return String.format("GPU page fault in AS%d at VA 0x%x: %s_FAULT, %s access, AS_FAULTSTATUS 0x%x",
                asNumber, f.address(), f.permission() ? "PERMISSION" : "TRANSLATION", f.write() ? "WRITE" : "READ",
                f.status());
    }

    @Override
    protected void checkAddress(long va) {
        if (va < 0 || va >= 1L << VA_BITS) {
            throw new IllegalArgumentException("GPU VA 0x" + Long.toHexString(va) + " beyond 48 bits");
        }
    }

    @Override
    public int tableFrames() {
        lock.readLock().lock();
        try {
            return tableFrames.size();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Context destruction: frees every table frame. Data frames belong to the regions and are freed by them. */
    @Override
    public void destroy() {
        lock.writeLock().lock();
        try {
            if (destroyed) {
                return;
            }
            for (int pfn : tableFrames) {
                mem.free(pfn, FrameKind.GPU_TABLE);
            }
            tableFrames.clear();
            tlb.invalidateAll();
            destroyed = true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void checkAlive() {
        if (destroyed) {
            throw new IllegalStateException("AS" + asNumber + " destroyed");
        }
    }
}
