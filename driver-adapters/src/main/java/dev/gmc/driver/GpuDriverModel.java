package dev.gmc.driver;

import dev.gmc.core.store.PageStore;
import dev.gmc.mmu.CpuProcess;
import dev.gmc.mmu.MmuCounters;
import dev.gmc.mmu.PhysicalMemory;
import java.util.Collection;

/**
 * The SPI every emulated GPU driver implements: processes and contexts, buffers, CPU and GPU mappings, accesses,
 * jobs, and the GMC operations (compress a buffer; restore happens inside the fault paths, or in batches on
 * request).
 *
 * <p>CPU accesses that no mapping covers end in {@link dev.gmc.mmu.CpuFaultException} (SIGSEGV/SIGBUS), as the
 * process would be signalled; GPU faults the driver cannot resolve end the job as the real driver would (kbase:
 * context killed; Utgard: job failed), reported in the {@link JobResult}. Implementations are thread-safe.
 */
public interface GpuDriverModel extends AutoCloseable {
    /** "midgard" or "utgard". */
    String name();

    CpuProcess createProcess(int pid, String name);

    CpuProcess process(int pid);

    /** Opens a kbase context / Utgard session for process {@code pid}. */
    GpuContext createContext(int pid);

    GpuContext context(int id);

    /** Allocates a buffer backed by zeroed frames. */
    Buffer allocate(GpuContext ctx, int pages, BufferType type, String name, boolean gpuReadOnly);

    Buffer buffer(int id);

    Collection<Buffer> buffers();

    /** mmap of the buffer into process {@code pid}; returns the CPU address. */
    long mapCpu(Buffer b, int pid);

    /** Maps the buffer on the GPU (kbase: inserts ATEs; Utgard: fills page tables); returns the GPU address. */
    long mapGpu(Buffer b);

    void cpuRead(int pid, long va, byte[] dst, int off, int len);

    void cpuWrite(int pid, long va, byte[] src, int off, int len);

    /** Runs a job on the GPU of {@code ctx}. */
    JobResult submitJob(GpuContext ctx, Job job);

    /** Unmaps the buffer everywhere, compresses its pages and frees their frames. */
    CompressResult compress(Buffer b);

    /**
     * zram's recompression applied to one buffer: each compressed page (not same-filled) is decoded and tried with the
     * store's recompression codecs ({@link dev.gmc.core.store.StoreConfig#recompressCodecs()}) in priority order, and
     * the first object that falls in a lower size class (and, with {@code threshold > 0}, is shorter than it) replaces
     * the old one ({@link dev.gmc.core.store.PageStore#recompress}); objects shorter than the threshold are left
     * alone. Pages stay unmapped: nothing the app can see changes. Faults on the buffer wait for each page in turn.
     *
     * @throws IllegalStateException if the store has no recompression codecs
     */
    RecompressResult recompress(Buffer b, int threshold);

    /**
     * Restores every compressed page of the buffer ahead of any fault, in batches through the driver's
     * {@link dev.gmc.core.store.BatchLoader} (eager restore, e.g. when its app returns to the foreground), and maps
     * them in every CPU mapping and on the GPU. A page the loader cannot decode, or that finds no frame, stays
     * compressed and is reported.
     */
    RestoreResult restore(Buffer b);

    void free(Buffer b);

    /** Frees every buffer of the context and its page tables. */
    void destroyContext(GpuContext ctx);

    void addListener(GmcListener l);

    /**
     * Sets the direct reclaim that a restore calls when it finds too few free frames (a fault, an eager restore,
     * Utgard's pre-job hook); null: none, such a restore leaves the page compressed as before. A
     * {@link ResourceDaemon} with reclaim on sets itself.
     */
    void directReclaimer(DirectReclaimer r);

    PageStore store();

    PhysicalMemory memory();

    MmuCounters mmuCounters();

    DriverCounters counters();

    /**
     * Checks that frames, handles, CPU PTEs and GPU entries all agree with the page states. Call when no other
     * thread is using the driver; throws {@link IllegalStateException} naming the first disagreement.
     */
    void checkInvariants();

    /**
     * Debug read of one page without side effects: from its frame, or decompressed from the store into
     * {@code dst} without restoring it. For verification (replay {@code check}, tests).
     */
    void peek(Buffer b, int page, byte[] dst, int off);

    /** Fills a buffer's frames directly (a DMA upload); every page must be resident. For set-up. */
    void upload(Buffer b, byte[] src, int off);

    /** Bytes of RAM the store saves now: pages it holds × 4096 minus its pool's size (mem_used_total). */
    default long savedBytes() {
        return store().pagesStored() * PhysicalMemory.PAGE_SIZE - store().mmStat().memUsedTotal();
    }

    @Override
    void close();
}
