package dev.gmc.kernels;

import dev.gmc.core.codec.CorruptPageException;
import dev.gmc.core.store.BatchLoader;
import dev.gmc.core.store.PageStore;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_event;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;

/**
 * Batch restore: the LZ4 blocks of up to {@code capacity} 4 KiB pages decoded on an OpenCL device in one launch, as
 * a driver would restore a whole buffer when its app returns to the foreground. Every page that the device does not
 * decode (a failed launch, a lost device, a block the device rejects) is decoded on the CPU by lz4-java's safe
 * decompressor instead, so a page is either restored exactly or reported corrupt, never lost or mixed up.
 *
 * <h2>Layout</h2>
 * <pre>
 *   blocks  the batch's blocks packed back to back (at most capacity x 4128 B, the LZ4 bound of a page)
 *   ext     capacity x {uint in_off, uint in_len}     page p's block within blocks
 *   out     capacity x 4096 B                          page p's decoded bytes at p * 4096
 *   res     capacity x {int status, int where}         statuses in {@link RestoreStatus}
 * </pre>
 * Each exists twice: pinned host memory ({@code CL_MEM_ALLOC_HOST_PTR}, mapped for the restorer's life), which the
 * host packs and reads, and device memory, which the kernel uses; DMA moves the blocks and extents in and the
 * results and pages out. (On a unified-memory SoC the two would be one buffer; the copies here are what a discrete
 * GPU costs, and the reason, see docs/PERFORMANCE.md, that restore on an H100/H200 cannot beat the CPU end to end.)
 *
 * <h2>Checks</h2>
 * The host checks each block's extent against the caller's array (a caller error: {@link IllegalArgumentException});
 * the kernels check everything inside a block (no read outside it, no write outside the page, no match before the
 * page's start, exactly 4096 bytes produced). A block the device rejects is decoded on the CPU: if lz4-java decodes
 * it to 4096 bytes, the page is restored and the disagreement counted; if not, the page is zero-filled and reported
 * as a {@link CorruptPageException} naming the page, the device's status and lz4-java's message. The CPU's verdict
 * stands so that a batch restore always gives what a CPU load ({@code PageStore.load}) of the same block gives; the
 * one known disagreement is a match offset of 0, which the format forbids and liblz4 decodes anyway. With
 * {@code verify}, pages the device decoded are decoded on the CPU too and compared (for bringing up a new device).
 *
 * <p>Thread-safety: {@link #restore} is synchronized (one batch at a time per restorer; use one restorer per thread
 * to overlap batches).
 */
public final class GpuRestorer implements AutoCloseable {
    public static final int PAGE = 4096;
    /** Work-items per work-group of the cooperative kernel (RWG in lz4_restore.cl). */
    public static final int COOP_WG = 128;
    static final int WI_WG = 64;
    /** LZ4_compressBound(4096): the longest LZ4 block of a page (MAX_BLOCK in lz4_restore.cl). */
    public static final int MAX_BLOCK = PAGE + PAGE / 255 + 16;

    /** A page that neither the device nor the CPU could decode. */
    public record Failure(int page, CorruptPageException error) {
    }

    /**
     * One batch's outcome.
     *
     * @param onDevice      pages decoded by the device (and, with verify, confirmed by the CPU)
     * @param cpuFallbacks  pages decoded by the CPU because the device did not
     * @param disagreements pages the device rejected or (with verify) decoded differently, but the CPU decoded
     * @param byStore       {@link #restoreFromStore}: same-filled and huge pages, which the store restored itself
     * @param deviceStatus  per page, the {@link RestoreStatus} the device reported ({@code NOT_RUN} after a failure,
     *                      and for pages not sent to the device)
     * @param deviceFailure the OpenCL error that sent the whole batch to the CPU, or null
     */
    public record Report(int pages, int onDevice, int cpuFallbacks, int disagreements, int byStore, long kernelNanos,
            int[] deviceStatus, List<Failure> failures, OpenClException deviceFailure) {
        public int corrupt() {
            return failures.size();
        }
    }

    /**
     * Sharing the device with rendering, as the compressor does: a batch is launched in slices of {@code slicePages}
     * pages (0: one launch), each with at most {@code maxGroups} work-groups (0: no quota; the groups loop over the
     * slice's pages), and {@code yield} is asked between slices; once it says true, the rest of the batch is decoded
     * on the CPU.
     */
    public record Fairness(int slicePages, int maxGroups, java.util.function.BooleanSupplier yield) {
        public static final Fairness NONE = new Fairness(0, 0, () -> false);

        public Fairness {
            if (slicePages < 0 || maxGroups < 0) {
                throw new IllegalArgumentException("restore fairness: slice pages " + slicePages + ", max groups "
                        + maxGroups + " (expected at least 0)");
            }
        }
    }

    /** Totals over all batches. */
    public record Stats(long batches, long pages, long onDevice, long cpuFallbacks, long disagreements, long corrupt,
            long byStore, long deviceFailures, long kernelNanos) {
        /** Both restorers' totals together (a loader's lanes). */
        public Stats plus(Stats o) {
            return new Stats(batches + o.batches, pages + o.pages, onDevice + o.onDevice,
                    cpuFallbacks + o.cpuFallbacks, disagreements + o.disagreements, corrupt + o.corrupt,
                    byStore + o.byStore, deviceFailures + o.deviceFailures, kernelNanos + o.kernelNanos);
        }
    }

    private final Lz4Program program;
    private final KernelKind kind;
    private final int capacity;
    private final boolean verify;
    private final FaultInjector faults;
    private final Fairness fairness;
    private final cl_command_queue queue;
    private final cl_kernel kernel;
    private final List<cl_mem> mems = new ArrayList<>();
    private final List<cl_mem> mapped = new ArrayList<>();
    private final List<ByteBuffer> maps = new ArrayList<>();
    private final cl_mem hBlocks;
    private final cl_mem hExt;
    private final cl_mem hOut;
    private final cl_mem hRes;
    private final cl_mem dBlocks;
    private final cl_mem dExt;
    private final cl_mem dOut;
    private final cl_mem dRes;
    private final ByteBuffer mBlocks;
    private final ByteBuffer mExt;
    private final ByteBuffer mOut;
    private final ByteBuffer mRes;
    private final LZ4SafeDecompressor cpu = LZ4Factory.fastestInstance().safeDecompressor();
    private final byte[] check = new byte[PAGE];
    private final byte[] devicePage = new byte[PAGE];
    // restoreFromStore's gathered blocks and the page each goes to (allocated on first use)
    private byte[] gather;
    private int[] gatherOffsets;
    private int[] gatherLengths;
    private int[] gatherSlots;
    private long batches;
    private long pagesTotal;
    private long onDeviceTotal;
    private long fallbackTotal;
    private long disagreeTotal;
    private long corruptTotal;
    private long byStoreTotal;
    private long failureTotal;
    private long kernelNanosTotal;
    private boolean closed;

    public GpuRestorer(Lz4Program program, KernelKind kind, int capacityPages) {
        this(program, kind, capacityPages, false, FaultInjector.NONE);
    }

    public GpuRestorer(Lz4Program program, KernelKind kind, int capacityPages, boolean verify, FaultInjector faults) {
        this(program, kind, capacityPages, verify, faults, Fairness.NONE);
    }

    public GpuRestorer(Lz4Program program, KernelKind kind, int capacityPages, boolean verify, FaultInjector faults,
            Fairness fairness) {
        if (capacityPages <= 0 || capacityPages > Integer.MAX_VALUE / MAX_BLOCK) {
            throw new IllegalArgumentException("restore capacity: " + capacityPages + " pages (expected 1.."
                    + Integer.MAX_VALUE / MAX_BLOCK + ")");
        }
        this.program = program;
        this.kind = kind;
        this.capacity = capacityPages;
        this.verify = verify;
        this.faults = faults;
        this.fairness = fairness;
        int[] err = new int[1];
        queue = CL.clCreateCommandQueue(program.context(), program.device().deviceId(), CL.CL_QUEUE_PROFILING_ENABLE,
                err);
        Cl.check(err[0], "clCreateCommandQueue", "restore");
        cl_kernel k = null;
        try {
            long pages = (long) capacityPages * PAGE;
            long packed = (long) capacityPages * MAX_BLOCK;
            long pairs = (long) capacityPages * 8;
            hBlocks = buffer(CL.CL_MEM_READ_ONLY | CL.CL_MEM_ALLOC_HOST_PTR, packed, "pinned blocks");
            hExt = buffer(CL.CL_MEM_READ_ONLY | CL.CL_MEM_ALLOC_HOST_PTR, pairs, "pinned extents");
            hOut = buffer(CL.CL_MEM_WRITE_ONLY | CL.CL_MEM_ALLOC_HOST_PTR, pages, "pinned pages");
            hRes = buffer(CL.CL_MEM_WRITE_ONLY | CL.CL_MEM_ALLOC_HOST_PTR, pairs, "pinned results");
            dBlocks = buffer(CL.CL_MEM_READ_ONLY, packed, "device blocks");
            dExt = buffer(CL.CL_MEM_READ_ONLY, pairs, "device extents");
            dOut = buffer(CL.CL_MEM_WRITE_ONLY, pages, "device pages");
            dRes = buffer(CL.CL_MEM_WRITE_ONLY, pairs, "device results");
            mBlocks = map(hBlocks, CL.CL_MAP_WRITE, packed, "pinned blocks");
            mExt = map(hExt, CL.CL_MAP_WRITE, pairs, "pinned extents");
            mOut = map(hOut, CL.CL_MAP_READ, pages, "pinned pages");
            mRes = map(hRes, CL.CL_MAP_READ, pairs, "pinned results");
            k = program.newKernel(kind.restoreKernelName());
        } catch (RuntimeException e) {
            releaseAll();
            throw e;
        }
        kernel = k;
    }

    private cl_mem buffer(long flags, long size, String what) {
        int[] err = new int[1];
        cl_mem m = CL.clCreateBuffer(program.context(), flags, size, null, err);
        Cl.check(err[0], "clCreateBuffer", what + ", " + size + " bytes");
        mems.add(m);
        return m;
    }

    private ByteBuffer map(cl_mem m, long flags, long size, String what) {
        int[] err = new int[1];
        ByteBuffer b = CL.clEnqueueMapBuffer(queue, m, true, flags, 0, size, 0, null, null, err);
        Cl.check(err[0], "clEnqueueMapBuffer", what);
        mapped.add(m);
        maps.add(b);
        return b.order(ByteOrder.LITTLE_ENDIAN);
    }

    public int capacity() {
        return capacity;
    }

    public KernelKind kind() {
        return kind;
    }

    /**
     * Restores pages {@code [0, count)}: page {@code i}'s LZ4 block is {@code blocks[offsets[i], offsets[i] +
     * lengths[i])}, and its 4096 bytes go to {@code dst[dstOff + i * 4096, ...)}.
     *
     * @throws IllegalArgumentException if {@code count} exceeds the capacity, a block's extent lies outside
     *                                  {@code blocks} or its length is not 1..4128, or {@code dst} is too short
     */
    public synchronized Report restore(byte[] blocks, int[] offsets, int[] lengths, int count, byte[] dst, int dstOff) {
        checkArgs(blocks, offsets, lengths, count);
        checkDst(dst, dstOff, count);
        return run(blocks, offsets, lengths, count, contiguous(dst, dstOff), 0, null, 0, null, count, 0);
    }

    /**
     * {@link #restore} into pages {@code [firstPage, firstPage + count)} of a region (host-visible memory, as a
     * graphics buffer's pages are): the device's output goes there by DMA, with no copy by the host.
     *
     * @throws IndexOutOfBoundsException if the pages lie outside the region
     */
    public synchronized Report restoreInto(byte[] blocks, int[] offsets, int[] lengths, int count, PageRegion region,
            int firstPage) {
        checkArgs(blocks, offsets, lengths, count);
        region.check(firstPage, count);
        region.enter(count);
        try {
            return run(blocks, offsets, lengths, count, null, 0, region, firstPage, null, count, 0);
        } finally {
            region.leave(count);
        }
    }

    /**
     * Restores pages of a gmc-core store into {@code dst[dstOff + i * 4096, ...)} for {@code ids[i]}, {@code i <
     * count}: the compressed pages' blocks are gathered from the pool and decoded on the device in one batch; the
     * same-filled and huge pages are restored by the store itself (a fill, a copy: nothing to decode). The store
     * counts none of this as loads.
     *
     * @throws IllegalArgumentException if the store's codec does not write LZ4 blocks, or {@code count} exceeds the
     *                                  capacity, or {@code dst} is too short
     * @throws dev.gmc.core.store.InvalidPageIdException for a forged or stale ID (before anything is decoded on the
     *                                  device; pages before it in {@code ids} may already be restored)
     */
    public synchronized Report restoreFromStore(PageStore store, long[] ids, int count, byte[] dst, int dstOff) {
        checkDst(dst, dstOff, count);
        return restoreFromStore(store, ids, 0, count, contiguous(dst, dstOff));
    }

    /**
     * {@link #restoreFromStore(PageStore, long[], int, byte[], int)} for {@code ids[from + i]}, {@code i < count},
     * into destination {@code from + i} of {@code dst}: each page is copied straight from the pinned output to where
     * it belongs, with no staging array. The report's page numbers, failures and statuses count from {@code from}
     * (page {@code i} is {@code ids[from + i]}).
     *
     * @throws IllegalArgumentException as the array form, or if {@code [from, from + count)} lies outside {@code ids}
     * @throws dev.gmc.core.store.InvalidPageIdException as the array form
     */
    public synchronized Report restoreFromStore(PageStore store, long[] ids, int from, int count,
            BatchLoader.Destinations dst) {
        if (closed) {
            throw new IllegalStateException("restorer is closed");
        }
        if (!store.config().codec().algorithm().isLz4Format()) {
            throw new IllegalArgumentException("restore from a store whose codec " + store.config().codec()
                    + " does not write LZ4 blocks");
        }
        if (from < 0 || count < 0 || count > capacity || (long) from + count > ids.length) {
            throw new IllegalArgumentException("restore of " + count + " pages from " + from + " of " + ids.length
                    + " IDs (capacity " + capacity + ")");
        }
        if (gather == null) {
            gather = new byte[capacity * PAGE];
            gatherOffsets = new int[capacity];
            gatherLengths = new int[capacity];
            gatherSlots = new int[capacity];
        }
        // Only a store with a recompression codec that does not write LZ4 blocks (zstd) can hold pages the device
        // cannot decode; the per-page codec lookup is skipped for the others.
        boolean mixed = store.config().recompressCodecs().stream().anyMatch(c -> !c.algorithm().isLz4Format());
        int n = 0;
        int at = 0;
        int byStore = 0;
        for (int i = 0; i < count; i++) {
            long id = ids[from + i];
            if (store.kind(id) != PageStore.Kind.COMPRESSED || mixed && !store.codecOf(id).algorithm().isLz4Format()) {
                // same-filled, huge, or recompressed with a codec whose blocks are not LZ4: the store decodes it
                store.load(id, dst.array(from + i), dst.offset(from + i));
                byStore++;
                continue;
            }
            int len = store.readStored(id, gather, at);
            gatherOffsets[n] = at;
            gatherLengths[n] = len;
            gatherSlots[n++] = i;
            at += len;
        }
        return run(gather, gatherOffsets, gatherLengths, n, dst, from, null, 0, gatherSlots, count, byStore);
    }

    /** Page {@code i} at {@code dst[dstOff + i * 4096, ...)}. */
    private static BatchLoader.Destinations contiguous(byte[] dst, int dstOff) {
        return new BatchLoader.Destinations() {
            @Override
            public byte[] array(int i) {
                return dst;
            }

            @Override
            public int offset(int i) {
                return dstOff + i * PAGE;
            }
        };
    }

    /** A region of {@code pages} pages in this restorer's OpenCL context (see {@link #restoreInto}). */
    public PageRegion allocateRegion(int pages) {
        return new PageRegion(program, pages);
    }

    private static void checkDst(byte[] dst, int dstOff, int count) {
        if (dstOff < 0 || (long) dstOff + (long) count * PAGE > dst.length) {
            throw new IllegalArgumentException("restore of " + count + " pages into [" + dstOff + ", "
                    + ((long) dstOff + (long) count * PAGE) + ") of a " + dst.length + "-byte array");
        }
    }

    private void checkArgs(byte[] blocks, int[] offsets, int[] lengths, int count) {
        if (closed) {
            throw new IllegalStateException("restorer is closed");
        }
        if (count < 0 || count > capacity) {
            throw new IllegalArgumentException("restore of " + count + " pages (capacity " + capacity + ")");
        }
        if (offsets.length < count || lengths.length < count) {
            throw new IllegalArgumentException("restore of " + count + " pages with " + offsets.length + " offsets and "
                    + lengths.length + " lengths");
        }
        for (int i = 0; i < count; i++) {
            if (lengths[i] < 1 || lengths[i] > MAX_BLOCK) {
                throw new IllegalArgumentException("page " + i + ": block length " + lengths[i] + " (expected 1.."
                        + MAX_BLOCK + ", the LZ4 bound of a page)");
            }
            if (offsets[i] < 0 || (long) offsets[i] + lengths[i] > blocks.length) {
                throw new IllegalArgumentException("page " + i + ": block [" + offsets[i] + ", "
                        + ((long) offsets[i] + lengths[i]) + ") outside the " + blocks.length + "-byte input");
            }
        }
    }

    /**
     * One batch of {@code count} blocks into {@code dst} (heap; page p at destination {@code dstBase + p}) or, if
     * {@code region} is not null, into the region. Block i goes to page {@code slots[i]} of {@code total} (page i if
     * {@code slots} is null).
     */
    private Report run(byte[] blocks, int[] offsets, int[] lengths, int count, BatchLoader.Destinations dst,
            int dstBase, PageRegion region, int firstPage, int[] slots, int total, int byStore) {
        long seq = batches++;
        int[] res = new int[2 * count];
        long kernelNanos = 0;
        OpenClException failure = null;
        ByteBuffer pages = region != null ? region.memory().slice(firstPage * PAGE, count * PAGE) : mOut;
        if (count > 0) {
            try {
                kernelNanos = runDevice(blocks, offsets, lengths, count, seq, res, pages);
            } catch (OpenClException e) {
                failure = e;
                Arrays.fill(res, RestoreStatus.NOT_RUN);
                CL.clFinish(queue); // best effort: the pinned buffers are reused by the next batch
            }
        }
        faults.afterStatus(seq, res, count);
        if (failure == null && count > 0) {
            faults.afterOutput(seq, pages, count);
        }
        int onDevice = 0;
        int fallbacks = 0;
        int disagreements = 0;
        int[] deviceStatus = new int[total];
        List<Failure> failures = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int st = res[2 * i];
            int page = slots == null ? i : slots[i];
            deviceStatus[page] = st;
            // where the page's bytes go: dst for heap pages; for a region, the scratch page, then put into the region
            byte[] to = region == null ? dst.array(dstBase + page) : check;
            int at = region == null ? dst.offset(dstBase + page) : 0;
            if (st == RestoreStatus.OK) {
                if (region == null) {
                    pages.get(i * PAGE, to, at, PAGE);
                }
                if (!verify) {
                    onDevice++;
                    continue;
                }
                pages.get(i * PAGE, devicePage, 0, PAGE);
                if (cpuDecodes(blocks, offsets[i], lengths[i], check, 0) && Arrays.equals(check, devicePage)) {
                    onDevice++;
                    continue;
                }
                disagreements++; // the device's bytes are not lz4-java's: the CPU decides below
            } else if (st != RestoreStatus.NOT_RUN) {
                disagreements++; // provisional: undone below if the CPU rejects the block too
            }
            // Zeroed first: liblz4 accepts an offset of 0 and then copies the destination's own bytes, which must not
            // be another page's.
            Arrays.fill(to, at, at + PAGE, (byte) 0);
            try {
                int n = cpu.decompress(blocks, offsets[i], lengths[i], to, at, PAGE);
                if (n != PAGE) {
                    throw new LZ4Exception("decoded " + n + " bytes");
                }
                fallbacks++;
            } catch (LZ4Exception e) {
                if (st != RestoreStatus.NOT_RUN) {
                    disagreements--; // both reject the block: it is corrupt, not a disagreement
                }
                Arrays.fill(to, at, at + PAGE, (byte) 0); // no partial or stale bytes where the page should be
                failures.add(new Failure(page, new CorruptPageException("lz4", lengths[i], PAGE, "page " + page
                        + " of restore batch " + seq + ": device status " + RestoreStatus.name(st)
                        + (st > RestoreStatus.OK ? " at block byte " + res[2 * i + 1] : "") + "; lz4-java: "
                        + e.getMessage(), e)));
            }
            if (region != null) {
                pages.put(i * PAGE, check, 0, PAGE);
            }
        }
        pagesTotal += total;
        byStoreTotal += byStore;
        onDeviceTotal += onDevice;
        fallbackTotal += fallbacks;
        disagreeTotal += disagreements;
        corruptTotal += failures.size();
        failureTotal += failure != null ? 1 : 0;
        kernelNanosTotal += kernelNanos;
        return new Report(total, onDevice, fallbacks, disagreements, byStore, kernelNanos, deviceStatus,
                List.copyOf(failures), failure);
    }

    private boolean cpuDecodes(byte[] blocks, int off, int len, byte[] out, int outOff) {
        try {
            return cpu.decompress(blocks, off, len, out, outOff, PAGE) == PAGE;
        } catch (LZ4Exception e) {
            return false;
        }
    }

    /** Packs, launches, and reads back into {@code pages}; fills {@code res}. @return the kernel's device time */
    private long runDevice(byte[] blocks, int[] offsets, int[] lengths, int count, long seq, int[] res,
            ByteBuffer pages) {
        int packed = 0;
        for (int i = 0; i < count; i++) {
            mBlocks.put(packed, blocks, offsets[i], lengths[i]);
            mExt.putInt(8 * i, packed).putInt(8 * i + 4, lengths[i]);
            packed += lengths[i];
        }
        Cl.check(CL.clEnqueueWriteBuffer(queue, dBlocks, false, 0, packed, Pointer.to(mBlocks), 0, null, null),
                "clEnqueueWriteBuffer", "restore blocks");
        Cl.check(CL.clEnqueueWriteBuffer(queue, dExt, false, 0, 8L * count, Pointer.to(mExt), 0, null, null),
                "clEnqueueWriteBuffer", "restore extents");
        // Results cleared first: a page the kernel never reached reads NOT_RUN, never a previous batch's OK (whose
        // output slot holds another page).
        Cl.check(CL.clEnqueueFillBuffer(queue, dRes, Pointer.to(new int[] {RestoreStatus.NOT_RUN}), Sizeof.cl_int, 0,
                8L * count, 0, null, null), "clEnqueueFillBuffer", "restore results");
        int slice = fairness.slicePages() <= 0 ? count : Math.min(fairness.slicePages(), count);
        long local = kind == KernelKind.COOP ? COOP_WG : WI_WG;
        long kernelNanos = 0;
        int done = 0;
        cl_event lastKernel = null; // an unsliced batch's kernel, timed once the pages are back
        for (int sliceNo = 0; done < count; sliceNo++) {
            if (done > 0 && fairness.yield().getAsBoolean()) {
                break; // the rest stays NOT_RUN: decoded on the CPU
            }
            int n = Math.min(slice, count - done);
            faults.beforeLaunch(seq, sliceNo);
            Cl.setArgs(kernel, dBlocks, (long) packed, dExt, dOut, dRes, done, n);
            // work-groups loop over the slice's pages, so the quota bounds the groups, not the pages
            long groups = kind == KernelKind.COOP ? n : (n + WI_WG - 1) / WI_WG;
            if (fairness.maxGroups() > 0) {
                groups = Math.min(groups, fairness.maxGroups());
            }
            cl_event ek = new cl_event();
            Cl.check(CL.clEnqueueNDRangeKernel(queue, kernel, 1, null, new long[] {groups * local}, new long[] {local},
                    0, null, ek), "clEnqueueNDRangeKernel", kind.restoreKernelName() + ", slice " + sliceNo);
            try {
                if (n < count) { // sliced: finish this slice before deciding on the next
                    Cl.await(queue, ek, "restore batch " + seq + ", slice " + sliceNo);
                }
                done += n;
            } finally {
                if (n < count) {
                    kernelNanos += Cl.elapsed(ek);
                    CL.clReleaseEvent(ek);
                } else {
                    lastKernel = ek;
                }
            }
        }
        cl_event er = new cl_event();
        try {
            Cl.check(CL.clEnqueueReadBuffer(queue, dRes, false, 0, 8L * done, Pointer.to(mRes), 0, null, null),
                    "clEnqueueReadBuffer", "restore results");
            Cl.check(CL.clEnqueueReadBuffer(queue, dOut, false, 0, (long) done * PAGE, Pointer.to(pages), 0, null, er),
                    "clEnqueueReadBuffer", "restored pages");
            Cl.await(queue, er, "restore batch " + seq);
            mRes.asIntBuffer().get(0, res, 0, 2 * done);
            if (lastKernel != null) {
                kernelNanos += Cl.elapsed(lastKernel);
            }
            return kernelNanos;
        } finally {
            if (lastKernel != null) {
                CL.clReleaseEvent(lastKernel);
            }
            if (er.getNativePointer() != 0) { // set only if the read was enqueued
                CL.clReleaseEvent(er);
            }
        }
    }

    /** Totals over all batches so far. */
    public synchronized Stats stats() {
        return new Stats(batches, pagesTotal, onDeviceTotal, fallbackTotal, disagreeTotal, corruptTotal, byStoreTotal,
                failureTotal, kernelNanosTotal);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        releaseAll();
    }

    private void releaseAll() {
        // Best effort: a lost device may refuse; no caller data lives here.
        for (int i = 0; i < maps.size(); i++) {
            CL.clEnqueueUnmapMemObject(queue, mapped.get(i), maps.get(i), 0, null, null);
        }
        maps.clear();
        mapped.clear();
        CL.clFinish(queue);
        if (kernel != null) {
            CL.clReleaseKernel(kernel);
        }
        for (cl_mem m : mems) {
            CL.clReleaseMemObject(m);
        }
        mems.clear();
        CL.clReleaseCommandQueue(queue);
    }
}
