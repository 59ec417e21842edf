package dev.gmc.kernels;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.jocl.CL;
import org.jocl.cl_command_queue;
import org.jocl.cl_mem;

/**
 * Pages that live in host-visible device memory, as a Mali graphics buffer does: the GPU can read them without the
 * CPU copying them anywhere. {@link AsyncGpuCompressor#submitRegion} compresses a range of them with no host copy:
 * on a discrete GPU the device's copy engine fetches them by DMA from this pinned memory; on a unified-memory
 * device (a SoC, PoCL) the memory is shared.
 *
 * <p>Layout: page {@code p} at bytes {@code [p * 4096, (p + 1) * 4096)} of one {@code CL_MEM_ALLOC_HOST_PTR}
 * buffer, mapped for the region's lifetime (the mapping is what pins it for DMA).
 *
 * <p>Thread-safety: distinct pages may be written from several threads; a page must not change between its
 * submission and its result's callback (as a page under writeback is locked in the kernel).
 */
public final class PageRegion implements AutoCloseable {
    static final int PAGE = 4096;

    private final cl_command_queue queue;
    private final cl_mem mem;
    private final ByteBuffer map;
    private final int pages;
    private volatile boolean closed;
    private int inFlight; // pages submitted and not yet delivered (guarded by this)
    /** How long {@link #close} waits for pages in flight before it refuses to unmap. */
    private static final long CLOSE_WAIT_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(30);

    PageRegion(Lz4Program program, int pages) {
        if (pages <= 0 || pages > Integer.MAX_VALUE / PAGE) {
            throw new IllegalArgumentException("region pages: " + pages + " (expected 1.." + Integer.MAX_VALUE / PAGE + ")");
        }
        this.pages = pages;
        int[] err = new int[1];
        queue = CL.clCreateCommandQueue(program.context(), program.device().deviceId(), 0, err);
        Cl.check(err[0], "clCreateCommandQueue", "page region");
        long bytes = (long) pages * PAGE;
        mem = CL.clCreateBuffer(program.context(), CL.CL_MEM_READ_WRITE | CL.CL_MEM_ALLOC_HOST_PTR, bytes, null, err);
        if (err[0] != CL.CL_SUCCESS) {
            CL.clReleaseCommandQueue(queue);
            Cl.check(err[0], "clCreateBuffer", "page region, " + bytes + " bytes");
        }
        map = CL.clEnqueueMapBuffer(queue, mem, true, CL.CL_MAP_READ | CL.CL_MAP_WRITE, 0, bytes, 0, null, null, err)
                .order(ByteOrder.LITTLE_ENDIAN);
        if (err[0] != CL.CL_SUCCESS) {
            CL.clReleaseMemObject(mem);
            CL.clReleaseCommandQueue(queue);
            Cl.check(err[0], "clEnqueueMapBuffer", "page region, " + bytes + " bytes");
        }
    }

    /** Number of pages. */
    public int pages() {
        return pages;
    }

    /** Writes page {@code page} from {@code src[off, off+4096)}. */
    public void put(int page, byte[] src, int off) {
        check(page, 1);
        map.put(page * PAGE, src, off, PAGE);
    }

    /** Reads page {@code page} into {@code dst[off, off+4096)}. */
    public void get(int page, byte[] dst, int off) {
        check(page, 1);
        map.get(page * PAGE, dst, off, PAGE);
    }

    /** The first 8-byte word of a page, little-endian (a same-filled page's fill value). */
    long firstWord(int page) {
        return map.getLong(page * PAGE);
    }

    /** The mapped memory (absolute indexing only; do not move its position). */
    ByteBuffer memory() {
        return map;
    }

    void check(int first, int count) {
        if (closed) {
            throw new IllegalStateException("page region is closed");
        }
        if (first < 0 || count < 0 || first > pages - count) {
            throw new IndexOutOfBoundsException("pages [" + first + ", " + ((long) first + count) + ") outside region of "
                    + pages + " pages");
        }
    }

    /** A batch takes {@code n} pages of this region to the device. */
    synchronized void enter(int n) {
        if (closed) {
            throw new IllegalStateException("page region is closed");
        }
        inFlight += n;
    }

    /** A batch's {@code n} pages were delivered. */
    synchronized void leave(int n) {
        inFlight -= n;
        if (inFlight == 0) {
            notifyAll();
        }
    }

    /**
     * Unmaps and releases the memory, first waiting (up to 30 s, also if interrupted) until every page submitted from
     * it has been delivered: unmapping under a running batch would let the device or a CPU fallback read freed memory.
     *
     * @throws IllegalStateException if pages are still in flight after the wait; the region then stays mapped
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            boolean interrupted = false;
            long deadline = System.nanoTime() + CLOSE_WAIT_NANOS;
            while (inFlight > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            if (inFlight > 0) {
                throw new IllegalStateException("page region of " + pages + " pages: " + inFlight + " submitted pages "
                        + "were still being compressed after 30 s; the region stays mapped so that nothing reads "
                        + "released memory");
            }
            closed = true;
        }
        CL.clEnqueueUnmapMemObject(queue, mem, map, 0, null, null);
        CL.clFinish(queue);
        CL.clReleaseMemObject(mem);
        CL.clReleaseCommandQueue(queue);
    }
}
