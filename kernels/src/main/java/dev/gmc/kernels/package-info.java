/**
 * LZ4 page compression (and batch restore) on an OpenCL device, after vivo's GPU-offloaded zram (issue 5).
 *
 * <ul>
 *   <li>{@code lz4_page.cl} (resource): same-filled detection, the one-work-item-per-page LZ4 kernel, the
 *       cooperative kernel (a work-group per page: parallel match search in local memory, one parser, parallel
 *       output), and result packing for discrete GPUs. Plain OpenCL C 1.2: runs on NVIDIA and on PoCL.</li>
 *   <li>{@link dev.gmc.kernels.ClDevice}, {@link dev.gmc.kernels.Lz4Program}: discovery (GPU first, CPU fallback),
 *       program build with an in-memory and on-disk binary cache; every OpenCL error becomes an
 *       {@link dev.gmc.kernels.OpenClException} naming the call.</li>
 *   <li>{@link dev.gmc.kernels.PageBatch}: one batch's buffers and the {@code {comp_len, status}} descriptors,
 *       zero-copy (mapped) or staged (pinned + DMA).</li>
 *   <li>{@link dev.gmc.kernels.PageRegion}: pages kept in host-visible device memory (a graphics buffer's), which
 *       {@link dev.gmc.kernels.AsyncGpuCompressor#submitRegion} compresses with no host copy.</li>
 *   <li>{@link dev.gmc.kernels.AsyncGpuCompressor}: FIFO, batches on fill or timeout, callbacks, CPU fallback for every
 *       failure, work-group quota, sliced launches and yield; {@link dev.gmc.kernels.OffloadedStoreWriter} puts its
 *       results into a gmc-core {@code PageStore}.</li>
 *   <li>{@code lz4_restore.cl} and {@link dev.gmc.kernels.GpuRestorer}: batch restore, LZ4 decompression of many
 *       pages in one launch (one work-item per page, or a work-group per page resolving matches by pointer
 *       jumping), as strict as liblz4's safe decoder, with a CPU fallback for every page the device does not
 *       decode; into heap pages, into a {@link dev.gmc.kernels.PageRegion} by DMA, or straight from a gmc-core
 *       {@code PageStore} ({@code restoreFromStore}: blocks gathered with {@code PageStore.readStored}); sliced
 *       launches, a work-group quota and yield as for compression ({@code GpuRestorer.Fairness}).
 *       {@link dev.gmc.kernels.GpuBatchLoader} puts it behind gmc-core's {@code BatchLoader}, so that the driver
 *       models' eager restores and Utgard pre-job restores decode on the device, with one restorer per lane
 *       when several threads share a batch.</li>
 * </ul>
 */
package dev.gmc.kernels;
