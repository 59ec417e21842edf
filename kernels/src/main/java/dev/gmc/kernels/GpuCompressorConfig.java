package dev.gmc.kernels;

import dev.gmc.core.codec.CodecSpec;
import java.time.Duration;

/**
 * Settings of an {@link AsyncGpuCompressor}.
 *
 * @param device            device selection (see {@link ClDevice#select}): {@code auto}, {@code gpu}, {@code cpu} or a name
 * @param kernel            which LZ4 kernel
 * @param workGroupSize     work-items per page in the cooperative kernel
 * @param batchPages        pages per batch (16384 = 64 MiB, the vivo design's batch)
 * @param buffers           batches allocated (≥ 2): one fills while the others run or deliver
 * @param maxWorkGroups     quota of work-groups per launch (stands in for reserved compute units); 0 = no quota
 * @param slicePages        pages per kernel launch (keeps each launch short); 0 = the whole batch at once
 * @param flushAfter        a partly filled batch is submitted after this long
 * @param maxOut            largest LZ4 block accepted from the device; larger pages come back incompressible
 * @param verify            decompress every device result on the host and compare (costs host CPU)
 * @param fallback          the CPU codec used when the device cannot do a page (must produce LZ4 block format)
 * @param yieldMode         where pages of a yielded batch go
 * @param faults            failure injection (tests)
 * @param transfer          how pages reach the device and results come back
 */
public record GpuCompressorConfig(String device, KernelKind kernel, int workGroupSize, int batchPages, int buffers,
        int maxWorkGroups, int slicePages, Duration flushAfter, int maxOut, boolean verify, CodecSpec fallback,
        YieldMode yieldMode, FaultInjector faults, Transfer transfer) {

    /** Host-device channel. */
    public enum Transfer {
        /** MAPPED on a device that shares host memory (SoC, PoCL), STAGED on a discrete GPU. */
        AUTO,
        /** Zero-copy: kernels work on {@code CL_MEM_ALLOC_HOST_PTR} buffers that the host maps. */
        MAPPED,
        /** Pinned host buffers + DMA into device buffers; results packed on the device before the copy back. */
        STAGED
    }

    /** What happens to the unprocessed pages of a batch when {@link AsyncGpuCompressor#requestYield()} stops it. */
    public enum YieldMode {
        /** Compress them on the calling device thread's CPU at once. */
        CPU,
        /** Put them back in the FIFO for a later batch. */
        REQUEUE
    }

    public GpuCompressorConfig {
        if (batchPages < 1 || (long) batchPages * 4096 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("batchPages " + batchPages + " (expected 1..524287)");
        }
        if (buffers < 2) {
            throw new IllegalArgumentException("buffers " + buffers + " (expected at least 2 for double buffering)");
        }
        if (maxWorkGroups < 0 || slicePages < 0) {
            throw new IllegalArgumentException("maxWorkGroups and slicePages must be ≥ 0");
        }
        if (maxOut < 64 || maxOut > 4096) {
            throw new IllegalArgumentException("maxOut " + maxOut + " (expected 64..4096)");
        }
        if (!fallback.algorithm().isLz4Format()) {
            throw new IllegalArgumentException("fallback codec " + fallback + " does not write LZ4 block format");
        }
    }

    public static GpuCompressorConfig defaults() {
        return new GpuCompressorConfig("auto", KernelKind.COOP, 128, 16384, 3, 0, 0, Duration.ofMillis(5), 4096, false,
                CodecSpec.parse("lz4"), YieldMode.CPU, FaultInjector.NONE, Transfer.AUTO);
    }

    public GpuCompressorConfig withDevice(String d) {
        return new GpuCompressorConfig(d, kernel, workGroupSize, batchPages, buffers, maxWorkGroups, slicePages,
                flushAfter, maxOut, verify, fallback, yieldMode, faults, transfer);
    }

    public GpuCompressorConfig withKernel(KernelKind k) {
        return new GpuCompressorConfig(device, k, workGroupSize, batchPages, buffers, maxWorkGroups, slicePages,
                flushAfter, maxOut, verify, fallback, yieldMode, faults, transfer);
    }

    public GpuCompressorConfig withWorkGroupSize(int wg) {
        return new GpuCompressorConfig(device, kernel, wg, batchPages, buffers, maxWorkGroups, slicePages,
                flushAfter, maxOut, verify, fallback, yieldMode, faults, transfer);
    }

    public GpuCompressorConfig withBatchPages(int n) {
        return new GpuCompressorConfig(device, kernel, workGroupSize, n, buffers, maxWorkGroups, slicePages,
                flushAfter, maxOut, verify, fallback, yieldMode, faults, transfer);
    }

    public GpuCompressorConfig withBuffers(int n) {
        return new GpuCompressorConfig(device, kernel, workGroupSize, batchPages, n, maxWorkGroups, slicePages,
                flushAfter, maxOut, verify, fallback, yieldMode, faults, transfer);
    }

    public GpuCompressorConfig withQuota(int maxGroups, int slice) {
        return new GpuCompressorConfig(device, kernel, workGroupSize, batchPages, buffers, maxGroups, slice,
                flushAfter, maxOut, verify, fallback, yieldMode, faults, transfer);
    }

    public GpuCompressorConfig withFlushAfter(Duration d) {
        return new GpuCompressorConfig(device, kernel, workGroupSize, batchPages, buffers, maxWorkGroups, slicePages,
                d, maxOut, verify, fallback, yieldMode, faults, transfer);
    }

    public GpuCompressorConfig withMaxOut(int m) {
        return new GpuCompressorConfig(device, kernel, workGroupSize, batchPages, buffers, maxWorkGroups, slicePages,
                flushAfter, m, verify, fallback, yieldMode, faults, transfer);
    }

    public GpuCompressorConfig withVerify(boolean v) {
        return new GpuCompressorConfig(device, kernel, workGroupSize, batchPages, buffers, maxWorkGroups, slicePages,
                flushAfter, maxOut, v, fallback, yieldMode, faults, transfer);
    }

    public GpuCompressorConfig withYieldMode(YieldMode m) {
        return new GpuCompressorConfig(device, kernel, workGroupSize, batchPages, buffers, maxWorkGroups, slicePages,
                flushAfter, maxOut, verify, fallback, m, faults, transfer);
    }

    public GpuCompressorConfig withFaults(FaultInjector f) {
        return new GpuCompressorConfig(device, kernel, workGroupSize, batchPages, buffers, maxWorkGroups, slicePages,
                flushAfter, maxOut, verify, fallback, yieldMode, f, transfer);
    }

    public GpuCompressorConfig withTransfer(Transfer t) {
        return new GpuCompressorConfig(device, kernel, workGroupSize, batchPages, buffers, maxWorkGroups, slicePages,
                flushAfter, maxOut, verify, fallback, yieldMode, faults, t);
    }
}
