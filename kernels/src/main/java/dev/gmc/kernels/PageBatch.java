package dev.gmc.kernels;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.BooleanSupplier;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_event;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;

/**
 * One batch's device buffers and command queue: the zero-copy channel between host and kernels.
 *
 * <h2>Layout</h2>
 * <pre>
 *   in    capacity x 4096 B          the pages, written by the host through a mapping
 *   out   capacity x 4096 B          page p's LZ4 block at p * 4096
 *   desc  capacity x {int comp_len, int status}   (little-endian; statuses in {@link PageStatus})
 * </pre>
 <b>Mapped</b> (zero-copy, for unified memory): all three are {@code CL_MEM_ALLOC_HOST_PTR} buffers accessed
 * through {@code clEnqueueMapBuffer}; on a SoC (Mali, Adreno) or PoCL the mapping is the memory itself and no copy
 * happens. The input stays mapped while the host fills it and is unmapped just before the kernels run.
 *
 * <p><b>Staged</b> (discrete GPU): NVIDIA keeps {@code ALLOC_HOST_PTR} buffers in device memory and copies at
 * map/unmap time with the CPU, so there the host fills a pinned, permanently mapped buffer, the pages go to a device
 * buffer by DMA ({@code clEnqueueWriteBuffer}), and after the kernels {@code scan_lengths} + {@code gather} pack the
 * OK pages' blocks contiguously so that only the compressed bytes and the descriptors come back.
 *
 * <h2>Slices</h2>
 * {@link #run} launches the same-filled kernel and then the LZ4 kernel slice by slice ({@code slicePages} pages per
 * launch, at most {@code maxGroups} work-groups in flight), waits for each slice, and asks {@code stop} between
 * slices; pages after the last finished slice are reported as not run. Not thread-safe: one owner at a time.
 */
final class PageBatch implements AutoCloseable {
    static final int PAGE = 4096;
    static final int SAME_WG = 64;
    static final int WI_WG = 64;
    static final int SCAN_WG = 256;
    private static final int WI_SCRATCH_BYTES = 4096 * 2; // 2^WI_HASH_LOG u16 entries per work-item

    final int capacity;
    private final Lz4Program program;
    private final cl_command_queue queue;
    private final cl_mem in;
    private final cl_mem out;
    private final cl_mem desc;
    private cl_mem scratch;
    private long scratchItems;
    private final cl_kernel sameKernel;
    private final cl_kernel coopKernel;
    private final cl_kernel wiKernel;
    private final boolean staged;
    // staged mode: device-side buffers and the pinned output; offsets of each page's block in the packed output
    private cl_mem devIn;
    private cl_mem devOut;
    private cl_mem devDesc;
    private cl_mem devOffsets;
    private cl_mem devPacked;
    private cl_mem pinnedOut;
    private cl_kernel scanKernel;
    private cl_kernel gatherKernel;
    private int[] packedOffsets;
    private int[] descCopy;

    private ByteBuffer inMap;
    private ByteBuffer outMap;
    private ByteBuffer descMap;
    // staged mode: the descriptors come back by DMA into the pinned, permanently mapped desc buffer
    private ByteBuffer descPinned;
    // pages [0, count) are pages [regionFirst, ...) of this region instead of the input buffer (see useRegion)
    private PageRegion region;
    private int regionFirst;
    int count;
    long kernelNanos;
    int slicesRun;

    PageBatch(Lz4Program program, int capacity, boolean staged) {
        this.program = program;
        this.capacity = capacity;
        this.staged = staged;
        int[] err = new int[1];
        var ctx = program.context();
        queue = CL.clCreateCommandQueue(ctx, program.device().deviceId(), CL.CL_QUEUE_PROFILING_ENABLE, err);
        Cl.check(err[0], "clCreateCommandQueue");
        long bytes = (long) capacity * PAGE;
        in = buffer(CL.CL_MEM_READ_ONLY | CL.CL_MEM_ALLOC_HOST_PTR, bytes, "input pages");
        out = buffer(CL.CL_MEM_WRITE_ONLY | CL.CL_MEM_ALLOC_HOST_PTR, bytes, "output blocks");
        desc = buffer(CL.CL_MEM_READ_WRITE | CL.CL_MEM_ALLOC_HOST_PTR, (long) capacity * 8, "descriptors");
        sameKernel = program.newKernel("same_filled");
        coopKernel = program.newKernel(KernelKind.COOP.kernelName());
        wiKernel = program.newKernel(KernelKind.PER_ITEM.kernelName());
        if (staged) {
            devIn = buffer(CL.CL_MEM_READ_ONLY, bytes, "device input pages");
            devOut = buffer(CL.CL_MEM_READ_WRITE, bytes, "device output slots");
            devDesc = buffer(CL.CL_MEM_READ_WRITE, (long) capacity * 8, "device descriptors");
            devOffsets = buffer(CL.CL_MEM_READ_WRITE, (long) capacity * 4, "device offsets");
            devPacked = buffer(CL.CL_MEM_WRITE_ONLY, bytes, "device packed output");
            pinnedOut = out;
            scanKernel = program.newKernel("scan_lengths");
            gatherKernel = program.newKernel("gather");
            packedOffsets = new int[capacity];
            descCopy = new int[2 * capacity];
            outMap = CL.clEnqueueMapBuffer(queue, pinnedOut, true, CL.CL_MAP_READ, 0, bytes, 0, null, null, err);
            Cl.check(err[0], "clEnqueueMapBuffer", "pinned output");
            descPinned = CL.clEnqueueMapBuffer(queue, desc, true, CL.CL_MAP_READ, 0, (long) capacity * 8, 0, null, null,
                    err).order(ByteOrder.LITTLE_ENDIAN);
            Cl.check(err[0], "clEnqueueMapBuffer", "pinned descriptors");
        }
        mapInput();
    }

    boolean staged() {
        return staged;
    }

    private cl_mem buffer(long flags, long size, String what) {
        int[] err = new int[1];
        cl_mem m = CL.clCreateBuffer(program.context(), flags, size, null, err);
        Cl.check(err[0], "clCreateBuffer", what + ", " + size + " bytes");
        return m;
    }

    boolean isFull() {
        return count == capacity;
    }

    /** Claims the next slot (under the owner's lock). */
    int reserve() {
        return count++;
    }

    /**
     * Makes this (empty) batch hold pages {@code [first, first + n)} of {@code r} without copying them: staged, the
     * input DMA reads the region's pinned memory; mapped, they are copied into the input by {@link #run} (a shared
     * buffer on a unified-memory device; the kernels do not take an input offset).
     */
    void useRegion(PageRegion r, int first, int n) {
        if (count != 0 || n > capacity) {
            throw new IllegalStateException("useRegion on a batch holding " + count + " pages (capacity " + capacity
                    + ", asked " + n + ")");
        }
        r.check(first, n);
        r.enter(n);
        region = r;
        regionFirst = first;
        count = n;
    }

    /** Copies a page into a claimed slot; several threads may copy into distinct slots at once. */
    void copyIn(int i, byte[] src, int off) {
        inMap.put(i * PAGE, src, off, PAGE);
    }

    /**
     * Runs the kernels over pages [0, count).
     *
     * @return the number of pages whose descriptors are valid (a prefix; the rest were not run)
     */
    int run(KernelKind kind, int slicePages, int maxGroups, int maxOut, BooleanSupplier stop, FaultInjector faults,
            long batchSeq) {
        if (staged) {
            // DMA from the pinned, still mapped input (or region); the kernels wait for it (in-order queue)
            Pointer src = region != null
                    ? Pointer.to(region.memory()).withByteOffset((long) regionFirst * PAGE) : Pointer.to(inMap);
            Cl.check(CL.clEnqueueWriteBuffer(queue, devIn, false, 0, (long) count * PAGE, src, 0, null, null),
                    "clEnqueueWriteBuffer", region != null ? "region pages" : "input pages");
        } else {
            if (region != null) {
                inMap.put(0, region.memory(), regionFirst * PAGE, count * PAGE);
            }
            unmap(in, inMap, "input");
            inMap = null;
        }
        cl_mem kIn = staged ? devIn : in;
        cl_mem kOut = staged ? devOut : out;
        cl_mem kDesc = staged ? devDesc : desc;
        kernelNanos = 0;
        slicesRun = 0;
        int slice = slicePages <= 0 ? count : Math.min(slicePages, count);
        int done = 0;
        while (done < count) {
            if (done > 0 && stop.getAsBoolean()) {
                break;
            }
            int n = Math.min(slice, count - done);
            faults.beforeLaunch(batchSeq, slicesRun);
            cl_event e1 = new cl_event();
            cl_event e2 = new cl_event();
            int sameGroups = maxGroups > 0 ? Math.min(n, maxGroups) : n;
            setArgs(sameKernel, kIn, kDesc, done, n);
            Cl.check(CL.clEnqueueNDRangeKernel(queue, sameKernel, 1, null, new long[] {(long) sameGroups * SAME_WG},
                    new long[] {SAME_WG}, 0, null, e1), "clEnqueueNDRangeKernel", "same_filled");
            if (kind == KernelKind.COOP) {
                int wg = program.workGroupSize();
                int groups = maxGroups > 0 ? Math.min(n, maxGroups) : n;
                setArgs(coopKernel, kIn, kOut, kDesc, done, n, maxOut);
                Cl.check(CL.clEnqueueNDRangeKernel(queue, coopKernel, 1, null, new long[] {(long) groups * wg},
                        new long[] {wg}, 0, null, e2), "clEnqueueNDRangeKernel", "lz4_coop");
            } else {
                long items = (long) ((n + WI_WG - 1) / WI_WG) * WI_WG;
                if (maxGroups > 0) {
                    items = Math.min(items, (long) maxGroups * WI_WG);
                }
                ensureScratch(items);
                setArgs(wiKernel, kIn, kOut, kDesc, scratch, done, n, maxOut);
                Cl.check(CL.clEnqueueNDRangeKernel(queue, wiKernel, 1, null, new long[] {items},
                        new long[] {WI_WG}, 0, null, e2), "clEnqueueNDRangeKernel", "lz4_wi");
            }
            await(e2, "slice " + slicesRun);
            kernelNanos += elapsed(e1) + elapsed(e2);
            CL.clReleaseEvent(e1);
            CL.clReleaseEvent(e2);
            done += n;
            slicesRun++;
        }
        if (done > 0 && staged) {
            cl_event e3 = new cl_event();
            setArgs(scanKernel, devDesc, devOffsets, done);
            Cl.check(CL.clEnqueueNDRangeKernel(queue, scanKernel, 1, null, new long[] {SCAN_WG}, new long[] {SCAN_WG},
                    0, null, null), "clEnqueueNDRangeKernel", "scan_lengths");
            setArgs(gatherKernel, devOut, devDesc, devOffsets, devPacked, done);
            Cl.check(CL.clEnqueueNDRangeKernel(queue, gatherKernel, 1, null, new long[] {(long) done * SAME_WG},
                    new long[] {SAME_WG}, 0, null, e3), "clEnqueueNDRangeKernel", "gather");
            await(e3, "gather");
            kernelNanos += elapsed(e3);
            CL.clReleaseEvent(e3);
            // Non-blocking reads into pinned memory, awaited by polling: a blocking read spins a host core on NVIDIA.
            cl_event e4 = new cl_event();
            Cl.check(CL.clEnqueueReadBuffer(queue, devDesc, false, 0, (long) done * 8, Pointer.to(descPinned), 0, null,
                    e4), "clEnqueueReadBuffer", "descriptors");
            await(e4, "descriptors");
            CL.clReleaseEvent(e4);
            descPinned.asIntBuffer().get(0, descCopy, 0, 2 * done);
            long total = 0;
            for (int i = 0; i < done; i++) { // the same exclusive scan as scan_lengths, to index the packed bytes
                packedOffsets[i] = (int) total;
                if (descCopy[2 * i + 1] == PageStatus.OK && descCopy[2 * i] > 0) {
                    total += descCopy[2 * i];
                }
            }
            if (total > 0) {
                cl_event e5 = new cl_event();
                Cl.check(CL.clEnqueueReadBuffer(queue, devPacked, false, 0, Math.min(total, (long) capacity * PAGE),
                        Pointer.to(outMap), 0, null, e5), "clEnqueueReadBuffer", "packed output");
                await(e5, "packed output");
                CL.clReleaseEvent(e5);
            }
        } else if (done > 0) {
            int[] err = new int[1];
            descMap = CL.clEnqueueMapBuffer(queue, desc, true, CL.CL_MAP_READ, 0, (long) done * 8, 0, null, null, err)
                    .order(ByteOrder.LITTLE_ENDIAN);
            Cl.check(err[0], "clEnqueueMapBuffer", "descriptors");
            outMap = CL.clEnqueueMapBuffer(queue, out, true, CL.CL_MAP_READ, 0, (long) done * PAGE, 0, null, null, err);
            Cl.check(err[0], "clEnqueueMapBuffer", "output blocks");
        }
        return done;
    }

    /** Reads descriptors of pages [0, n) into {@code dst} (2 ints per page). Only after {@link #run}. */
    void readDescriptors(int[] dst, int n) {
        if (staged) {
            System.arraycopy(descCopy, 0, dst, 0, 2 * n);
        } else {
            descMap.asIntBuffer().get(0, dst, 0, 2 * n);
        }
    }

    /** Copies page {@code i}'s output block into {@code dst}. Only after {@link #run}. */
    void readOutput(int i, byte[] dst, int len) {
        // staged: the packed offset of an OK page; a page whose length a caller altered is still read in bounds
        int at = staged ? packedOffsets[i] : i * PAGE;
        outMap.get(at, dst, 0, Math.min(len, outMap.capacity() - at));
    }

    /** Reads back input page {@code i} while it is mapped (before {@link #run} or after {@link #recycle}). */
    void readInput(int i, byte[] dst) {
        inMap.get(i * PAGE, dst, 0, PAGE);
    }

    /** The region whose pages this batch holds, or null (pages were copied in). */
    PageRegion region() {
        return region;
    }

    /** The region page that batch page {@code i} is. */
    int regionPage(int i) {
        return regionFirst + i;
    }

    /** Tells the region its pages in this batch are delivered, so that it may close; idempotent. */
    void dropRegion() {
        if (region != null) {
            region.leave(count);
            region = null;
        }
    }

    /** Releases the result mappings and maps the input again for the next fill. */
    void recycle() {
        dropRegion(); // first: a failing unmap below must not keep the region from closing
        if (descMap != null) {
            unmap(desc, descMap, "descriptors");
            descMap = null;
        }
        if (outMap != null && !staged) {
            unmap(out, outMap, "output blocks");
            outMap = null;
        }
        if (staged) {
            // the DMA of the input must be finished before the host overwrites the pinned buffer
            Cl.check(CL.clFinish(queue), "clFinish", "recycle");
        }
        if (inMap == null) {
            mapInput();
        }
        region = null;
        count = 0;
    }

    private void mapInput() {
        int[] err = new int[1];
        inMap = CL.clEnqueueMapBuffer(queue, in, true, CL.CL_MAP_WRITE_INVALIDATE_REGION, 0, (long) capacity * PAGE, 0,
                null, null, err);
        Cl.check(err[0], "clEnqueueMapBuffer", "input pages");
    }

    private void unmap(cl_mem m, ByteBuffer map, String what) {
        cl_event e = new cl_event();
        Cl.check(CL.clEnqueueUnmapMemObject(queue, m, map, 0, null, e), "clEnqueueUnmapMemObject", what);
        Cl.check(CL.clWaitForEvents(1, new cl_event[] {e}), "clWaitForEvents", "unmap " + what);
        CL.clReleaseEvent(e);
    }

    private void await(cl_event e, String what) {
        Cl.await(queue, e, what);
    }

    private void ensureScratch(long items) {
        if (scratchItems >= items) {
            return;
        }
        if (scratch != null) {
            CL.clReleaseMemObject(scratch);
        }
        scratch = buffer(CL.CL_MEM_READ_WRITE, items * WI_SCRATCH_BYTES, "per-item hash tables");
        scratchItems = items;
    }

    private static long elapsed(cl_event e) {
        return Cl.elapsed(e);
    }

    private static void setArgs(cl_kernel k, Object... args) {
        Cl.setArgs(k, args);
    }

    @Override
    public void close() {
        // Best effort: a lost device may refuse; nothing of the host's data lives here any more.
        if (inMap != null) {
            CL.clEnqueueUnmapMemObject(queue, in, inMap, 0, null, null);
        }
        if (outMap != null) {
            CL.clEnqueueUnmapMemObject(queue, out, outMap, 0, null, null);
        }
        if (descMap != null) {
            CL.clEnqueueUnmapMemObject(queue, desc, descMap, 0, null, null);
        }
        if (descPinned != null) {
            CL.clEnqueueUnmapMemObject(queue, desc, descPinned, 0, null, null);
        }
        CL.clFinish(queue);
        for (cl_kernel k : new cl_kernel[] {sameKernel, coopKernel, wiKernel, scanKernel, gatherKernel}) {
            if (k != null) {
                CL.clReleaseKernel(k);
            }
        }
        for (cl_mem m : new cl_mem[] {in, out, desc, scratch, devIn, devOut, devDesc, devOffsets, devPacked}) {
            if (m != null) {
                CL.clReleaseMemObject(m);
            }
        }
        CL.clReleaseCommandQueue(queue);
    }
}
