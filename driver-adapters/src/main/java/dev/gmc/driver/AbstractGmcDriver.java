package dev.gmc.driver;

import static dev.gmc.driver.Buffer.COMPRESSED;
import static dev.gmc.driver.Buffer.COMPRESSING;
import static dev.gmc.driver.Buffer.GPU_MAPPED;
import static dev.gmc.driver.Buffer.RESIDENT;
import static dev.gmc.driver.Buffer.RESTORING;
import static dev.gmc.driver.Buffer.STATE_MASK;
import static dev.gmc.driver.Buffer.UNMAPPED;

import dev.gmc.core.store.BatchLoader;
import dev.gmc.core.store.PageStore;
import dev.gmc.core.store.SameFilled;
import dev.gmc.driver.DriverCounters.Counter;
import dev.gmc.mmu.ArmPte;
import dev.gmc.mmu.CpuFaultException;
import dev.gmc.mmu.CpuProcess;
import dev.gmc.mmu.FrameKind;
import dev.gmc.mmu.MmuCounters;
import dev.gmc.mmu.OutOfFramesException;
import dev.gmc.mmu.PhysicalMemory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The GMC mechanism shared by both drivers: buffers, CPU mappings and the CPU fault path, compression of a
 * region, restore, free, events and the consistency check. Subclasses supply the GPU side: address spaces, table
 * updates with the driver's invalidation sequence, GPU faults and jobs.
 *
 * <p>Compressing a region (see {@link #compress}):
 * <ol>
 * <li>under the buffer lock, stop all access: zap the PTEs in every process that maps it (one TLB range flush
 * each), tear down the GPU entries with the driver's flush, clean the CPU caches for the pages (counted), and mark
 * every resident page UNMAPPED;</li>
 * <li>page by page: mark it COMPRESSING and store it <em>without</em> the lock (the frame cannot change: nothing
 * maps it), then under the lock either commit (free the frame) or, if a fault took the page back meanwhile, drop
 * the stored copy;</li>
 * <li>write the gmc swap entries of the compressed pages into every CPU mapping, and map the refused pages back
 * everywhere.</li>
 * </ol>
 * A fault on a page (CPU or GPU) takes the buffer lock: an UNMAPPED or COMPRESSING page is simply mapped again
 * (the compressor notices and aborts that page); a COMPRESSED page is decompressed into a new frame, its handle
 * freed, and it is mapped in the faulting table (and, with {@link RemapPolicy#ALL}, everywhere). Because both
 * paths run under the buffer lock, a page is never restored twice and no write is lost: writes can only reach the
 * frame through a mapping, and mappings exist only while the frame is the page's only copy.
 *
 * <p>The swap entry of a compressed page names it: type {@link ArmPte#GMC_SWAP_TYPE}, offset
 * {@code bufferId << 20 | page} (buffers up to 2^20 pages = 4 GiB, 2^30 buffer ids).
 */
public abstract class AbstractGmcDriver implements GpuDriverModel {
    static final int SWAP_PAGE_BITS = 20;
    static final int MAX_BUFFER_PAGES = 1 << SWAP_PAGE_BITS;

    protected final DriverConfig config;
    protected final PhysicalMemory mem;
    protected final MmuCounters mmu = new MmuCounters();
    protected final DriverCounters counters = new DriverCounters();
    protected final PageStore store;
    private final ConcurrentHashMap<Integer, CpuProcess> processes = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Integer, GpuContext> contexts = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Integer, Buffer> buffers = new ConcurrentHashMap<>();
    private final AtomicInteger nextContext = new AtomicInteger(1);
    private final AtomicInteger nextBuffer = new AtomicInteger(1);
    private final CopyOnWriteArrayList<GmcListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong seq = new AtomicLong();
    private final CpuProcess.FaultHandler cpuFaultHandler = this::onCpuFault;
    private volatile BatchLoader loader = BatchLoader.CPU;
    private volatile DirectReclaimer reclaimer;

    protected AbstractGmcDriver(DriverConfig config) {
        this.config = config;
        this.mem = new PhysicalMemory(config.ramBytes(), config.poisonOnFree());
        this.store = new PageStore(config.store());
    }

    // ---- GPU side, supplied by the driver -------------------------------------------------------------------

    /** Creates the address space of a new context/session and wraps it. */
    protected abstract GpuContext newContext(int id, CpuProcess owner);

    /** Writes valid GPU entries for pages [first, first + n) of {@code b} (all have frames) and flushes. */
    protected abstract void gpuMapPages(Buffer b, int first, int n);

    /** Invalidates the GPU entries of pages [first, first + n) with the driver's flush sequence. */
    protected abstract void gpuUnmapPages(Buffer b, int first, int n);

    /** Checks that the GPU entry of {@code page} agrees with the page's GPU_MAPPED flag and frame. */
    protected abstract String checkGpuEntry(Buffer b, int page);

    // ---- processes, contexts, buffers -----------------------------------------------------------------------

    @Override
    public CpuProcess createProcess(int pid, String name) {
        CpuProcess p = new CpuProcess(pid, name, mem, mmu);
        if (processes.putIfAbsent(pid, p) != null) {
            p.exit();
            throw new IllegalArgumentException("process " + pid + " already exists");
        }
        return p;
    }

    @Override
    public CpuProcess process(int pid) {
        CpuProcess p = processes.get(pid);
        if (p == null) {
            throw new IllegalArgumentException("no process " + pid);
        }
        return p;
    }

    @Override
    public GpuContext createContext(int pid) {
        GpuContext c = newContext(nextContext.getAndIncrement(), process(pid));
        contexts.put(c.id(), c);
        emit(GmcEvent.Type.CONTEXT_CREATED, c.id(), -1, -1, pid);
        return c;
    }

    @Override
    public GpuContext context(int id) {
        GpuContext c = contexts.get(id);
        if (c == null) {
            throw new IllegalArgumentException("no context " + id);
        }
        return c;
    }

    /** The driver's region flags for a new buffer. */
    protected abstract int regionFlags(boolean gpuReadOnly);

    @Override
    public Buffer allocate(GpuContext ctx, int pages, BufferType type, String name, boolean gpuReadOnly) {
        if (pages <= 0 || pages > MAX_BUFFER_PAGES) {
            throw new IllegalArgumentException("buffer '" + name + "': " + pages + " pages (expected 1.."
                    + MAX_BUFFER_PAGES + ")");
        }
        Buffer b = new Buffer(nextBuffer.getAndIncrement(), name, type, ctx, pages, regionFlags(gpuReadOnly));
        int i = 0;
        try {
            for (; i < pages; i++) {
                b.pfn[i] = mem.allocate(FrameKind.DATA, true); // kbase and Mali pools hand out zeroed pages
                b.state[i] = RESIDENT;
            }
        } catch (OutOfFramesException e) {
            for (int j = 0; j < i; j++) {
                mem.free(b.pfn[j], FrameKind.DATA);
            }
            throw e;
        }
        buffers.put(b.id(), b);
        ctx.addBuffer(b);
        emit(GmcEvent.Type.BUFFER_ALLOCATED, ctx.id(), b.id(), -1, pages);
        return b;
    }

    @Override
    public Buffer buffer(int id) {
        Buffer b = buffers.get(id);
        if (b == null) {
            throw new IllegalArgumentException("no buffer " + id);
        }
        return b;
    }

    @Override
    public Collection<Buffer> buffers() {
        return List.copyOf(buffers.values());
    }

    @Override
    public long mapCpu(Buffer b, int pid) {
        CpuProcess p = process(pid);
        b.lock.lock();
        try {
            checkLive(b);
            // kbase: the mmap offset is the region's GPU page number; gmc uses the buffer id when not GPU-mapped.
            long va = p.mmap(b.pages(), true, b.gpuVa != 0 ? b.gpuVa >>> 12 : b.id(), cpuFaultHandler, b);
            // kbase_cpu_mmap pre-inserts the backed pages; compressed pages get their swap entries.
            try {
                p.updatePtes(va, b.pages(), (i, old) -> cpuPteFor(b, i));
            } catch (OutOfFramesException e) { // no frame for a page table: the mmap fails whole
                p.munmap(va);
                throw e;
            }
            b.cpuMappings.add(new Buffer.CpuMapping(p, va));
            emit(GmcEvent.Type.CPU_MAPPED, b.context().id(), b.id(), -1, pid);
            return va;
        } finally {
            b.lock.unlock();
        }
    }

    @Override
    public long mapGpu(Buffer b) {
        b.lock.lock();
        try {
            checkLive(b);
            if (b.gpuVa == 0) {
                b.gpuVa = b.context().reserveVa(b.pages());
                b.context().addRegion(b, b.gpuVa);
                try {
                    mapGpuRuns(b);
                } catch (OutOfFramesException e) { // no room for a page table: undo, as kbase fails the mapping
                    gpuUnmapPages(b, 0, b.pages());
                    for (int i = 0; i < b.pages(); i++) {
                        b.state[i] &= ~GPU_MAPPED;
                    }
                    b.context().removeRegion(b.gpuVa);
                    b.gpuVa = 0;
                    throw e;
                }
                emit(GmcEvent.Type.GPU_MAPPED, b.context().id(), b.id(), -1, b.gpuVa);
            }
            return b.gpuVa;
        } finally {
            b.lock.unlock();
        }
    }

    private long cpuPteFor(Buffer b, int page) {
        return switch (b.state[page] & STATE_MASK) {
            case RESIDENT -> ArmPte.page((long) b.pfn[page] << PhysicalMemory.PAGE_SHIFT, true);
            case COMPRESSED -> swapEntry(b, page);
            default -> 0L;
        };
    }

    static long swapEntry(Buffer b, int page) {
        return ArmPte.swapEntry(ArmPte.GMC_SWAP_TYPE, (long) b.id() << SWAP_PAGE_BITS | page);
    }

    /**
     * GPU-maps, in runs of consecutive pages, every resident page without a GPU entry (none if not GPU-mapped).
     *
     * @throws OutOfFramesException if a page table cannot be allocated: the runs before stay mapped, the rest not,
     *                              and the page flags say which
     */
    void mapGpuRuns(Buffer b) {
        if (b.gpuVa == 0) {
            return;
        }
        int i = 0;
        while (i < b.pages()) {
            if (!needsGpuMap(b, i)) {
                i++;
                continue;
            }
            int j = i;
            while (j < b.pages() && needsGpuMap(b, j)) {
                j++;
            }
            gpuMapPages(b, i, j - i); // all or nothing (the MMU models undo a run whose table allocation fails)
            for (int k = i; k < j; k++) {
                b.state[k] |= GPU_MAPPED;
            }
            i = j;
        }
    }

    private static boolean needsGpuMap(Buffer b, int i) {
        return (b.state[i] & GPU_MAPPED) == 0 && (b.state[i] & STATE_MASK) == RESIDENT;
    }

    // ---- CPU accesses and faults ----------------------------------------------------------------------------

    @Override
    public void cpuRead(int pid, long va, byte[] dst, int off, int len) {
        cpuAccess(pid, va, dst, off, len, false);
    }

    @Override
    public void cpuWrite(int pid, long va, byte[] src, int off, int len) {
        cpuAccess(pid, va, src, off, len, true);
    }

    private void cpuAccess(int pid, long va, byte[] buf, int off, int len, boolean write) {
        CpuProcess p = process(pid);
        try {
            if (write) {
                p.write(va, buf, off, len);
            } else {
                p.read(va, buf, off, len);
            }
        } catch (CpuFaultException e) {
            counters.inc(e.signal() == CpuFaultException.Signal.SIGSEGV ? Counter.SIGSEGV : Counter.SIGBUS);
            emit(GmcEvent.Type.SIGNAL, -1, -1, -1, e.address());
            throw e;
        }
    }

    private boolean onCpuFault(CpuProcess p, CpuProcess.Vma vma, long va, boolean write, long pte) {
        Buffer b = (Buffer) vma.owner();
        int page = (int) ((va - vma.start()) >>> PhysicalMemory.PAGE_SHIFT);
        if (pte != 0 && (ArmPte.swapType(pte) != ArmPte.GMC_SWAP_TYPE
                || ArmPte.swapOffset(pte) != ((long) b.id() << SWAP_PAGE_BITS | page))) {
            throw new CpuFaultException(CpuFaultException.Signal.SIGBUS, p.pid(), va, write, String.format(
                    "swap entry 0x%x does not name page %d of buffer %d", pte, page, b.id()));
        }
        emit(GmcEvent.Type.CPU_FAULT, b.context().id(), b.id(), page, va);
        return resolveFault(b, page, p, false);
    }

    /**
     * Makes {@code page} resident and maps it in the faulting table: {@code cpu} (a CPU fault) or the GPU
     * ({@code cpu == null}). Returns false when the buffer is freed or no frame is left for the restore.
     *
     * <p>A restore that finds no frame drops the buffer lock, has the {@link DirectReclaimer} (if one is set) make
     * room, and tries again. It gives up (the fault fails) when a reclaim frees nothing and finds no room, or after
     * {@value #RECLAIM_ATTEMPTS} reclaims whose room other threads took first; the fault is counted once, by its
     * final outcome. A caller that already holds the buffer lock (Utgard's pre-job
     * hook, which also holds its session) cannot drop it, so it never reclaims here: it reclaims before it starts.
     */
    protected boolean resolveFault(Buffer b, int page, CpuProcess cpu, boolean preJob) {
        boolean major = false; // a restore made by an attempt whose mapping then found no table frame counts
        for (int attempt = 0; ; attempt++) {
            int outcome;
            boolean mayReclaim;
            b.lock.lock();
            try {
                if (b.freed || page < 0 || page >= b.pages()) {
                    return false;
                }
                outcome = resolveLocked(b, page, cpu);
                major |= (outcome & RESTORED) != 0;
                if ((outcome & MAPPED) != 0) {
                    if (cpu != null) {
                        counters.inc(major ? Counter.CPU_FAULTS_MAJOR : Counter.CPU_FAULTS_MINOR);
                    } else if (!preJob) {
                        counters.inc(major ? Counter.GPU_FAULTS_MAJOR : Counter.GPU_FAULTS_MINOR);
                    } else if (major) { // the pre-job hook is no fault; only its restores are counted
                        counters.inc(Counter.PRE_JOB_RESTORES);
                    }
                    return true;
                }
                mayReclaim = !preJob && b.lock.getHoldCount() == 1;
            } finally {
                b.lock.unlock();
            }
            if (!mayReclaim || attempt >= RECLAIM_ATTEMPTS || !directReclaim(1, b)) {
                counters.inc(Counter.RESTORE_NO_FRAME);
                return false;
            }
        }
    }

    /**
     * Direct reclaims one fault may run while each makes room that other threads then take first: the kernel's
     * MAX_RECLAIM_RETRIES (mm/internal.h), as its allocator retries while reclaim makes progress (docs/TESTING.md,
     * "Soak runs on 16 cores").
     */
    static final int RECLAIM_ATTEMPTS = 16;
    /** {@link #resolveLocked} outcome bits: the page was decompressed; the faulting table maps it. */
    private static final int RESTORED = 1;
    private static final int MAPPED = 2;

    /**
     * {@link #resolveFault} under the buffer lock. Without {@link #MAPPED} a frame was missing: for the restore
     * (nothing changed) or for a page table of the faulting mapping (the page stays restored and resident; the
     * next attempt maps it as a minor fault would).
     */
    private int resolveLocked(Buffer b, int page, CpuProcess cpu) {
        int st = b.state[page] & STATE_MASK;
        int outcome = 0;
        if (st == COMPRESSED) {
            if (!restorePage(b, page)) {
                return 0;
            }
            outcome = RESTORED;
        } else if (st == UNMAPPED || st == COMPRESSING) {
            b.state[page] = RESIDENT; // a COMPRESSING page's compression is dropped by the compressor
        }
        try {
            mapAfterFault(b, page, cpu);
        } catch (OutOfFramesException e) {
            return outcome;
        }
        return outcome | MAPPED;
    }

    @Override
    public void directReclaimer(DirectReclaimer r) {
        this.reclaimer = r;
    }

    /**
     * Direct reclaim for a restore of {@code b} (call with no lock held): has the reclaimer, if any, compress other
     * buffers until {@code frames} frames are free.
     *
     * @return whether they are free now
     */
    boolean directReclaim(long frames, Buffer b) {
        DirectReclaimer r = reclaimer;
        if (r == null) {
            return false;
        }
        counters.inc(Counter.RESTORE_RECLAIMS);
        return r.reclaimFor(frames, x -> x == b);
    }

    /**
     * Before a batch restore of {@code pages} pages of {@code spare}: direct reclaim if fewer frames are free (no
     * lock held). An estimate made ahead (another thread may take frames meanwhile; the restore then leaves pages
     * compressed as without reclaim), chosen so that no page is tried twice and every count stays the final one.
     */
    void reclaimAhead(long pages, java.util.function.Predicate<Buffer> spare) {
        DirectReclaimer r = reclaimer;
        if (r != null && pages > 0 && mem.freeFrames() < pages) {
            counters.inc(Counter.RESTORE_RECLAIMS);
            r.reclaimFor(pages, spare);
        }
    }

    /** Decompresses a COMPRESSED page into a new frame (buffer lock held). */
    private boolean restorePage(Buffer b, int page) {
        RegionState before = b.regionState;
        if (before != RegionState.COMPRESSING) {
            b.regionState = RegionState.RESTORING;
        }
        byte flag = (byte) (b.state[page] & Buffer.KEPT_FLAGS); // given back if the restore fails
        b.state[page] = (byte) (RESTORING | flag);
        int pfn;
        try {
            pfn = mem.allocate(FrameKind.DATA, false);
        } catch (OutOfFramesException e) {
            b.state[page] = (byte) (COMPRESSED | flag);
            b.regionState = before;
            return false;
        }
        long h = b.handle[page];
        try {
            store.load(h, mem.array(pfn), mem.offset(pfn));
        } catch (RuntimeException e) {
            mem.free(pfn, FrameKind.DATA);
            b.state[page] = (byte) (COMPRESSED | flag);
            b.regionState = before;
            throw new IllegalStateException(b + ", page " + page + ": restore failed: " + e.getMessage(), e);
        }
        store.free(h);
        b.handle[page] = 0;
        b.pfn[page] = pfn;
        b.state[page] = RESIDENT;
        b.compressedPages--;
        counters.inc(Counter.PAGES_RESTORED);
        if ((flag & Buffer.RECOMPRESSED) != 0) {
            counters.inc(Counter.PAGES_RESTORED_RECOMPRESSED);
        }
        if (before != RegionState.COMPRESSING) {
            b.regionState = b.compressedPages > 0 ? RegionState.COMPRESSED : RegionState.RESIDENT;
        }
        emit(GmcEvent.Type.PAGE_RESTORED, b.context().id(), b.id(), page, pfn);
        return true;
    }

    /**
     * Maps a resident page after a fault: in the faulting table, and everywhere with {@link RemapPolicy#ALL}. Only
     * the faulting table's entry is required: if a page table for another mapping finds no frame, that mapping is
     * left as it was (a swap entry, or no GPU entry) and its next access takes a minor fault.
     *
     * @throws OutOfFramesException if the faulting table's mapping needs a page table and no frame is free
     */
    private void mapAfterFault(Buffer b, int page, CpuProcess cpu) {
        long pte = ArmPte.page((long) b.pfn[page] << PhysicalMemory.PAGE_SHIFT, true);
        boolean all = config.remap() == RemapPolicy.ALL;
        for (Buffer.CpuMapping m : b.cpuMappings) {
            // Other processes keep their swap entry, as Linux keeps swap PTEs pointing at a page in the swap
            // cache: it still names this page, and their next access is a minor fault that maps the frame.
            if (m.process() == cpu || all) {
                try {
                    m.process().installPte(m.va() + ((long) page << PhysicalMemory.PAGE_SHIFT), pte);
                } catch (OutOfFramesException e) {
                    if (m.process() == cpu) {
                        throw e;
                    }
                }
            }
        }
        if (b.gpuVa != 0 && (cpu == null || all) && (b.state[page] & GPU_MAPPED) == 0) {
            try {
                gpuMapPages(b, page, 1);
                b.state[page] |= GPU_MAPPED;
            } catch (OutOfFramesException e) {
                if (cpu == null) {
                    throw e;
                }
            }
        }
        emit(GmcEvent.Type.PAGE_REMAPPED, b.context().id(), b.id(), page, cpu == null ? -1 : cpu.pid());
    }

    // ---- batch restore --------------------------------------------------------------------------------------

    /** Pages per {@link BatchLoader#loadAll} call: bounds the loader's staging memory (16 MiB of pages on a GPU). */
    static final int RESTORE_BATCH = 4096;

    /** The loader that batch restores decode through ({@link BatchLoader#CPU} unless set). */
    public void batchLoader(BatchLoader loader) {
        this.loader = java.util.Objects.requireNonNull(loader, "loader");
    }

    public BatchLoader batchLoader() {
        return loader;
    }

    @Override
    public RestoreResult restore(Buffer b) {
        int want;
        b.lock.lock();
        try {
            want = b.compressedPages;
        } finally {
            b.lock.unlock();
        }
        reclaimAhead(want, x -> x == b);
        b.lock.lock();
        try {
            if (b.freed) {
                return RestoreResult.skipped(b, loader.name(), "freed");
            }
            if (b.compressedPages == 0) {
                return RestoreResult.skipped(b, loader.name(), "no compressed pages");
            }
            RestoreResult r = restoreCompressed(b, true, Counter.EAGER_RESTORES);
            counters.add(Counter.RESTORE_NO_FRAME, r.noFrame());
            return r;
        } finally {
            b.lock.unlock();
        }
    }

    /**
     * Restores every COMPRESSED page of {@code b} (buffer lock held) in batches of {@link #RESTORE_BATCH}: frames
     * first, then one {@link BatchLoader#loadAll} into them, then the handles freed, and at the end every restored
     * page mapped on the GPU and, with {@code mapCpu} or {@link RemapPolicy#ALL}, in every CPU mapping (one table
     * update per mapping and one GPU update per run of pages, not one per page as faults do). Faults on the buffer
     * wait on its lock meanwhile, then find their page resident. A page that the loader cannot decode, or that
     * finds no frame, keeps its handle and state: the store still holds it, and a later fault or restore tries
     * again. If the loader itself throws (a bug, not a corrupt page), the batch is decoded on the CPU instead and
     * the error is reported.
     */
    RestoreResult restoreCompressed(Buffer b, boolean mapCpu, Counter counter) {
        BatchLoader l = loader;
        RegionState before = b.regionState;
        emit(GmcEvent.Type.RESTORE_START, b.context().id(), b.id(), -1, b.compressedPages);
        int restored = 0;
        int failed = 0;
        int noFrame = 0;
        List<String> errors = new ArrayList<>(0);
        boolean[] done = new boolean[b.pages()];
        int[] pages = new int[Math.min(RESTORE_BATCH, b.compressedPages)];
        int[] frames = new int[pages.length];
        long[] ids = new long[pages.length];
        BatchLoader.Destinations dst = new BatchLoader.Destinations() {
            @Override
            public byte[] array(int i) {
                return mem.array(frames[i]);
            }

            @Override
            public int offset(int i) {
                return mem.offset(frames[i]);
            }
        };
        if (before != RegionState.COMPRESSING) {
            b.regionState = RegionState.RESTORING;
        }
        int next = 0;
        while (next < b.pages()) {
            int n = 0;
            for (; next < b.pages() && n < pages.length; next++) {
                if ((b.state[next] & STATE_MASK) != COMPRESSED) {
                    continue;
                }
                try {
                    frames[n] = mem.allocate(FrameKind.DATA, false);
                } catch (OutOfFramesException e) {
                    for (; next < b.pages(); next++) {
                        noFrame += (b.state[next] & STATE_MASK) == COMPRESSED ? 1 : 0;
                    }
                    break; // counted as RESTORE_NO_FRAME by the caller, which knows the final outcome
                }
                pages[n] = next;
                ids[n] = b.handle[next];
                b.state[next] = (byte) (RESTORING | (b.state[next] & Buffer.KEPT_FLAGS));
                n++;
            }
            if (n == 0) {
                break;
            }
            RuntimeException[] bad = new RuntimeException[n];
            try {
                failuresByIndex(l.loadAll(store, ids, n, dst), bad, n);
            } catch (RuntimeException e) {
                errors.add("batch loader " + l.name() + " failed (" + e + "); the batch of " + n
                        + " pages was decoded on the CPU");
                java.util.Arrays.fill(bad, null);
                failuresByIndex(BatchLoader.CPU.loadAll(store, ids, n, dst), bad, n);
            }
            for (int k = 0; k < n; k++) {
                int page = pages[k];
                if (bad[k] != null) {
                    mem.free(frames[k], FrameKind.DATA);
                    b.state[page] = (byte) (COMPRESSED | (b.state[page] & Buffer.KEPT_FLAGS));
                    errors.add("page " + page + ": " + bad[k].getMessage());
                    emit(GmcEvent.Type.PAGE_RESTORE_FAILED, b.context().id(), b.id(), page, ids[k]);
                    failed++;
                    continue;
                }
                store.free(ids[k]);
                if ((b.state[page] & Buffer.RECOMPRESSED) != 0) {
                    counters.inc(Counter.PAGES_RESTORED_RECOMPRESSED);
                }
                b.handle[page] = 0;
                b.pfn[page] = frames[k];
                b.state[page] = RESIDENT;
                b.compressedPages--;
                done[page] = true;
                restored++;
                emit(GmcEvent.Type.PAGE_RESTORED, b.context().id(), b.id(), page, frames[k]);
            }
            if (noFrame > 0) {
                break;
            }
        }
        counters.add(Counter.PAGES_RESTORED, restored);
        counters.add(counter, restored);
        counters.add(Counter.RESTORE_FAILED, failed);
        if (restored > 0) {
            counters.inc(Counter.BATCH_RESTORES);
            if (mapCpu || config.remap() == RemapPolicy.ALL) {
                for (Buffer.CpuMapping m : b.cpuMappings) {
                    m.process().updatePtes(m.va(), b.pages(), (i, old) -> done[i]
                            ? ArmPte.page((long) b.pfn[i] << PhysicalMemory.PAGE_SHIFT, true) : old);
                }
            }
            try {
                mapGpuRuns(b);
            } catch (OutOfFramesException e) { // no frame for a page table: the rest map on their GPU faults
                errors.add("no frame for a GPU page table: some restored pages map on their first GPU access");
            }
        }
        if (before != RegionState.COMPRESSING) {
            b.regionState = b.compressedPages > 0 ? RegionState.COMPRESSED : RegionState.RESIDENT;
        }
        emit(GmcEvent.Type.RESTORE_END, b.context().id(), b.id(), -1, restored);
        return new RestoreResult(b.id(), b.pages(), restored, failed, noFrame, l.name(), List.copyOf(errors), null);
    }

    /** Files a loader's failures by batch index; an index outside the batch is the loader's bug (thrown). */
    private static void failuresByIndex(List<BatchLoader.Failure> failures, RuntimeException[] bad, int n) {
        for (BatchLoader.Failure f : failures) {
            if (f.index() < 0 || f.index() >= n) {
                throw new IllegalStateException("batch loader reported page " + f.index() + " of a batch of " + n);
            }
            bad[f.index()] = f.error();
        }
    }

    // ---- compression ----------------------------------------------------------------------------------------

    @Override
    public CompressResult compress(Buffer b) {
        List<Integer> candidates = new ArrayList<>();
        b.lock.lock();
        try {
            if (b.freed) {
                return CompressResult.skipped(b, "freed");
            }
            if (b.regionState == RegionState.COMPRESSING) {
                return CompressResult.skipped(b, CompressResult.BUSY);
            }
            if (b.jobPins > 0) {
                return CompressResult.skipped(b, "in use by a running job");
            }
            for (int i = 0; i < b.pages(); i++) {
                if ((b.state[i] & STATE_MASK) == RESIDENT) {
                    candidates.add(i);
                }
            }
            if (candidates.isEmpty()) {
                return CompressResult.skipped(b, "no resident pages");
            }
            b.regionState = RegionState.COMPRESSING;
            emit(GmcEvent.Type.COMPRESS_START, b.context().id(), b.id(), -1, candidates.size());
            stopAccess(b);
            for (int i : candidates) {
                b.state[i] = UNMAPPED;
            }
        } finally {
            b.lock.unlock();
        }
        int stored = 0;
        int same = 0;
        int aborted = 0;
        long storedBytes = 0;
        List<Integer> refused = new ArrayList<>();
        for (int i : candidates) {
            int pfn;
            b.lock.lock();
            try {
                if (b.freed || (b.state[i] & STATE_MASK) != UNMAPPED) {
                    continue; // a fault took it back before we got to it
                }
                b.state[i] = COMPRESSING;
                pfn = b.pfn[i];
            } finally {
                b.lock.unlock();
            }
            long id = store.store(mem.array(pfn), mem.offset(pfn)); // no mapping: the frame cannot change
            b.lock.lock();
            try {
                if (b.freed || b.state[i] != COMPRESSING) {
                    if (id > 0) {
                        store.free(id);
                    }
                    aborted++;
                    counters.inc(Counter.PAGES_ABORTED);
                    emit(GmcEvent.Type.PAGE_COMPRESS_ABORTED, b.context().id(), b.id(), i, 0);
                } else if (id > 0) {
                    int len = commitCompressed(b, i, id);
                    if (len < 0) {
                        same++;
                    } else {
                        stored++;
                        storedBytes += len;
                    }
                } else {
                    b.state[i] = UNMAPPED;
                    refused.add(i);
                    counters.inc(id == PageStore.REJECTED ? Counter.PAGES_REJECTED : Counter.PAGES_POOL_FULL);
                    emit(GmcEvent.Type.PAGE_REJECTED, b.context().id(), b.id(), i, id);
                }
            } finally {
                b.lock.unlock();
            }
        }
        b.lock.lock();
        try {
            if (!b.freed) {
                for (Buffer.CpuMapping m : b.cpuMappings) {
                    m.process().updatePtes(m.va(), b.pages(), (i, old) ->
                            old == 0 && (b.state[i] & STATE_MASK) == COMPRESSED ? swapEntry(b, i) : old);
                }
                remapRefused(b, refused);
                b.regionState = b.compressedPages > 0 ? RegionState.COMPRESSED : RegionState.RESIDENT;
            }
            counters.inc(Counter.REGIONS_COMPRESSED);
            emit(GmcEvent.Type.COMPRESS_END, b.context().id(), b.id(), -1, stored + same);
        } finally {
            b.lock.unlock();
        }
        return new CompressResult(b.id(), b.pages(), stored, same, refused.size(), aborted, storedBytes, null);
    }

    @Override
    public RecompressResult recompress(Buffer b, int threshold) {
        int codecs = store.config().recompressCodecs().size();
        if (codecs == 0) {
            throw new IllegalStateException("recompress: the store has no recompression codecs (driver option recompress=)");
        }
        int considered = 0;
        int attempted = 0;
        int replaced = 0;
        int incompressible = 0;
        long before = 0;
        long after = 0;
        for (int i = 0; ; i++) {
            b.lock.lock(); // per page, as zram takes each slot's lock: a fault on another page waits one page at most
            try {
                if (b.freed) {
                    return i == 0 ? RecompressResult.skipped(b, "freed")
                            : new RecompressResult(b.id(), considered, attempted, replaced, incompressible, before,
                                    after, "freed");
                }
                if (i >= b.pages()) {
                    break;
                }
                if ((b.state[i] & STATE_MASK) != COMPRESSED) {
                    continue;
                }
                if ((b.state[i] & Buffer.INCOMPRESSIBLE) != 0) { // zram's scan skips ZRAM_INCOMPRESSIBLE slots
                    incompressible++;
                    continue;
                }
                PageStore.Recompression r = store.recompress(b.handle[i], 1, 1 + codecs, threshold);
                if (r.outcome() == PageStore.RecompressOutcome.SAME_FILLED) {
                    continue;
                }
                considered++;
                attempted += r.spent() ? 1 : 0;
                if (r.outcome() == PageStore.RecompressOutcome.NO_GAIN && r.exhausted()) {
                    b.state[i] |= Buffer.INCOMPRESSIBLE;
                }
                if (r.outcome() == PageStore.RecompressOutcome.RECOMPRESSED) {
                    b.handle[i] = r.id();
                    b.state[i] |= Buffer.RECOMPRESSED;
                    replaced++;
                    before += r.oldLength();
                    after += r.newLength();
                    emit(GmcEvent.Type.PAGE_RECOMPRESSED, b.context().id(), b.id(), i, r.newLength());
                }
            } finally {
                b.lock.unlock();
            }
        }
        counters.add(Counter.PAGES_RECOMPRESSED, replaced);
        return new RecompressResult(b.id(), considered, attempted, replaced, incompressible, before, after, null);
    }

    /** Step 1 of compression: no CPU or GPU access may reach the buffer's frames afterwards (lock held). */
    private void stopAccess(Buffer b) {
        for (Buffer.CpuMapping m : b.cpuMappings) {
            m.process().updatePtes(m.va(), b.pages(), (i, old) -> ArmPte.present(old) ? 0L : old);
        }
        if (b.gpuVa != 0) {
            gpuUnmapPages(b, 0, b.pages());
            for (int i = 0; i < b.pages(); i++) {
                b.state[i] &= ~GPU_MAPPED;
            }
        }
        // Cache maintenance: CPU caches cleaned+invalidated for the pages (dma_sync_*_for_device), so the frames
        // hold what the CPU wrote; the GPU's L2 was flushed by the driver's teardown flush (FLUSH_MEM / L2 inval).
        counters.add(Counter.CACHE_MAINTENANCE_PAGES, b.pages());
    }

    /** Commits a stored page (lock held); returns its stored length, or -1 if it was same-filled. */
    private int commitCompressed(Buffer b, int page, long id) {
        int pfn = b.pfn[page];
        boolean same = store.kind(id) == PageStore.Kind.SAME;
        boolean zero = same && SameFilled.fillValue(mem.array(pfn), mem.offset(pfn)) == 0;
        b.handle[page] = id;
        b.pfn[page] = 0;
        b.state[page] = COMPRESSED;
        b.compressedPages++;
        mem.free(pfn, FrameKind.DATA);
        counters.inc(Counter.FRAMES_FREED);
        // The swap entries are written for the whole region at the end of the pass (one table lock per
        // mapping); until then the PTE is none, and a fault on it restores the page all the same.
        if (same) {
            counters.inc(Counter.PAGES_SAME_FILLED);
            if (zero) {
                counters.inc(Counter.PAGES_ZERO);
            }
            emit(GmcEvent.Type.PAGE_SAME_FILLED, b.context().id(), b.id(), page, 0);
            return -1;
        }
        int len = store.storedLength(id);
        counters.inc(Counter.PAGES_STORED);
        emit(GmcEvent.Type.PAGE_STORED, b.context().id(), b.id(), page, len);
        return len;
    }

    /** Step 3: refused pages stay resident and mapped; map back those no fault has taken back yet. */
    private void remapRefused(Buffer b, List<Integer> refused) {
        boolean any = false;
        for (int i : refused) {
            if ((b.state[i] & STATE_MASK) == UNMAPPED) {
                b.state[i] = RESIDENT;
                long pte = ArmPte.page((long) b.pfn[i] << PhysicalMemory.PAGE_SHIFT, true);
                for (Buffer.CpuMapping m : b.cpuMappings) {
                    m.process().installPte(m.va() + ((long) i << PhysicalMemory.PAGE_SHIFT), pte);
                }
                any = true;
            }
        }
        if (any) {
            mapGpuRuns(b);
        }
    }

    @Override
    public void peek(Buffer b, int page, byte[] dst, int off) {
        b.lock.lock();
        try {
            checkLive(b);
            if (b.pfn[page] != 0) {
                System.arraycopy(mem.array(b.pfn[page]), mem.offset(b.pfn[page]), dst, off, PhysicalMemory.PAGE_SIZE);
            } else {
                store.load(b.handle[page], dst, off);
            }
        } finally {
            b.lock.unlock();
        }
    }

    @Override
    public void upload(Buffer b, byte[] src, int off) {
        b.lock.lock();
        try {
            checkLive(b);
            for (int i = 0; i < b.pages(); i++) {
                if (b.pfn[i] == 0 || (b.state[i] & STATE_MASK) != RESIDENT) {
                    throw new IllegalStateException(b + ": upload needs every page resident; page " + i + " is not");
                }
                System.arraycopy(src, off + i * PhysicalMemory.PAGE_SIZE, mem.array(b.pfn[i]), mem.offset(b.pfn[i]),
                        PhysicalMemory.PAGE_SIZE);
            }
        } finally {
            b.lock.unlock();
        }
    }

    // ---- free, contexts, close ------------------------------------------------------------------------------

    @Override
    public void free(Buffer b) {
        b.lock.lock();
        try {
            if (b.freed) {
                return;
            }
            while (b.jobPins > 0) { // Utgard: the job holds a reference; the free completes after it
                b.unpinned.awaitUninterruptibly();
            }
            b.freed = true;
            b.regionState = RegionState.FREED;
            for (Buffer.CpuMapping m : b.cpuMappings) {
                m.process().munmap(m.va());
            }
            b.cpuMappings.clear();
            if (b.gpuVa != 0) {
                gpuUnmapPages(b, 0, b.pages());
                b.context().removeRegion(b.gpuVa);
            }
            for (int i = 0; i < b.pages(); i++) {
                if (b.pfn[i] != 0) {
                    mem.free(b.pfn[i], FrameKind.DATA);
                    b.pfn[i] = 0;
                }
                if (b.handle[i] != 0) {
                    store.free(b.handle[i]);
                    b.handle[i] = 0;
                }
                b.state[i] = 0;
            }
            b.compressedPages = 0;
        } finally {
            b.lock.unlock();
        }
        buffers.remove(b.id());
        b.context().removeBuffer(b);
        emit(GmcEvent.Type.BUFFER_FREED, b.context().id(), b.id(), -1, b.pages());
    }

    @Override
    public void destroyContext(GpuContext ctx) {
        for (Buffer b : ctx.buffers()) {
            free(b);
        }
        ctx.addressSpace().destroy();
        contexts.remove(ctx.id());
        emit(GmcEvent.Type.CONTEXT_DESTROYED, ctx.id(), -1, -1, 0);
    }

    /** Ends a process: its contexts are destroyed, its other mappings removed, its page tables freed. */
    public void exitProcess(int pid) {
        CpuProcess p = process(pid);
        for (GpuContext c : List.copyOf(contexts.values())) {
            if (c.owner() == p) {
                destroyContext(c);
            }
        }
        for (Buffer b : buffers()) {
            b.lock.lock();
            try {
                b.cpuMappings.removeIf(m -> {
                    if (m.process() == p) {
                        p.munmap(m.va());
                        return true;
                    }
                    return false;
                });
            } finally {
                b.lock.unlock();
            }
        }
        p.exit();
        processes.remove(pid);
    }

    @Override
    public void close() {
        for (GpuContext c : List.copyOf(contexts.values())) {
            destroyContext(c);
        }
        for (int pid : List.copyOf(processes.keySet())) {
            exitProcess(pid);
        }
        store.close();
    }

    // ---- events, counters, checks ---------------------------------------------------------------------------

    @Override
    public void addListener(GmcListener l) {
        listeners.add(l);
    }

    protected void emit(GmcEvent.Type type, int ctx, int buf, int page, long value) {
        if (listeners.isEmpty()) {
            return;
        }
        GmcEvent e = new GmcEvent(seq.incrementAndGet(), type, ctx, buf, page, value);
        for (GmcListener l : listeners) {
            try {
                l.onEvent(e);
            } catch (RuntimeException x) {
                // A listener (a policy plug-in, say) must not abort the step it observes half-way, with locks and
                // page states in between: its failure is kept for the caller (listenerFailure) and the step goes on.
                listenerFailure.compareAndSet(null, new IllegalStateException("event listener "
                        + l.getClass().getName() + " failed on " + e.type() + ": " + x, x));
            }
        }
    }

    private final java.util.concurrent.atomic.AtomicReference<IllegalStateException> listenerFailure =
            new java.util.concurrent.atomic.AtomicReference<>();

    /**
     * The first exception a listener threw since the last call (cleared by this call), or null. Listeners' failures
     * never abort a driver step; whoever registered them checks here.
     */
    public IllegalStateException takeListenerFailure() {
        return listenerFailure.getAndSet(null);
    }

    @Override
    public PageStore store() {
        return store;
    }

    @Override
    public PhysicalMemory memory() {
        return mem;
    }

    @Override
    public MmuCounters mmuCounters() {
        return mmu;
    }

    @Override
    public DriverCounters counters() {
        return counters;
    }

    public DriverConfig config() {
        return config;
    }

    static void checkLive(Buffer b) {
        if (b.freed) {
            throw new IllegalStateException(b + " is freed");
        }
    }

    @Override
    public void checkInvariants() {
        long dataFrames = 0;
        long handles = 0;
        for (Buffer b : buffers.values()) {
            b.lock.lock();
            try {
                int compressed = 0;
                for (int i = 0; i < b.pages(); i++) {
                    int st = b.state[i] & STATE_MASK;
                    boolean hasFrame = b.pfn[i] != 0;
                    boolean hasHandle = b.handle[i] != 0;
                    if (st == COMPRESSED) {
                        compressed++;
                        if (hasFrame || !hasHandle || !store.contains(b.handle[i])) {
                            throw bad(b, i, "COMPRESSED but frame " + b.pfn[i] + " handle " + b.handle[i]);
                        }
                    } else if (st == RESIDENT || st == UNMAPPED || st == COMPRESSING) {
                        if (!hasFrame || hasHandle) {
                            throw bad(b, i, "state " + st + " but frame " + b.pfn[i] + " handle " + b.handle[i]);
                        }
                        if (mem.kind(b.pfn[i]) != FrameKind.DATA) {
                            throw bad(b, i, "frame " + b.pfn[i] + " is " + mem.kind(b.pfn[i]));
                        }
                    } else {
                        throw bad(b, i, "state " + st);
                    }
                    dataFrames += hasFrame ? 1 : 0;
                    handles += hasHandle ? 1 : 0;
                    for (Buffer.CpuMapping m : b.cpuMappings) {
                        long pte = m.process().pte(m.va() + ((long) i << PhysicalMemory.PAGE_SHIFT));
                        if (ArmPte.present(pte) && (st != RESIDENT
                                || ArmPte.address(pte) != (long) b.pfn[i] << PhysicalMemory.PAGE_SHIFT)) {
                            throw bad(b, i, "process " + m.process().pid() + " maps it (PTE 0x"
                                    + Long.toHexString(pte) + ") in state " + st);
                        }
                        // A swap entry must name this very page; it may outlive the restore (see mapAfterFault).
                        if (ArmPte.isSwap(pte) && pte != swapEntry(b, i)) {
                            throw bad(b, i, "process " + m.process().pid() + " holds swap entry 0x"
                                    + Long.toHexString(pte) + " in state " + st);
                        }
                    }
                    if (b.gpuVa != 0) {
                        String gpu = checkGpuEntry(b, i);
                        if (gpu != null) {
                            throw bad(b, i, gpu);
                        }
                    }
                }
                if (compressed != b.compressedPages) {
                    throw new IllegalStateException(b + ": " + compressed + " pages compressed, counter says "
                            + b.compressedPages);
                }
            } finally {
                b.lock.unlock();
            }
        }
        if (dataFrames != mem.used(FrameKind.DATA)) {
            throw new IllegalStateException("frame leak: buffers hold " + dataFrames + " data frames, RAM has "
                    + mem.used(FrameKind.DATA) + " in use");
        }
        if (handles != store.pagesStored()) {
            throw new IllegalStateException("handle leak: buffers hold " + handles + " handles, the store holds "
                    + store.pagesStored() + " pages");
        }
        long cpuTables = 0;
        for (CpuProcess p : processes.values()) {
            cpuTables += p.tableFrames();
        }
        if (cpuTables != mem.used(FrameKind.CPU_TABLE)) {
            throw new IllegalStateException("CPU table frames: processes hold " + cpuTables + ", RAM counts "
                    + mem.used(FrameKind.CPU_TABLE));
        }
        long gpuTables = 0;
        for (GpuContext c : contexts.values()) {
            gpuTables += c.addressSpace().tableFrames();
        }
        if (gpuTables != mem.used(FrameKind.GPU_TABLE)) {
            throw new IllegalStateException("GPU table frames: contexts hold " + gpuTables + ", RAM counts "
                    + mem.used(FrameKind.GPU_TABLE));
        }
        store.checkInvariants();
    }

    private static IllegalStateException bad(Buffer b, int page, String what) {
        return new IllegalStateException(b + ", page " + page + ": " + what);
    }
}
