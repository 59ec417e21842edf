/**
 * An emulation of the Linux kernel's zsmalloc allocator (shared/reference/kernel-facts.md §1), storing real
 * bytes.
 *
 * <ul>
 *   <li>{@link dev.gmc.core.pool.SizeClassTable}: the 255 size indices 16 bytes apart from 32, the chain length
 *       rule (legacy used-percent for chain 4, minimum tail waste since 6.3), class merging and
 *       {@code huge_class_size}, computed once into primitive arrays; for 16 KiB (or 64 KiB) pages, 257 indices
 *       {@code PAGE_SIZE >> 8} apart.</li>
 *   <li>{@link dev.gmc.core.pool.ZsPool}: zspages of 1..16 page frames (of the table's page size) per class, 12
 *       fullness groups (4 before Linux 6.3, with that kernel's list order and compaction loop), allocation from the fullest non-full zspage,
 *       LIFO free slots linked through the slots themselves, the handle word (8 or 4 bytes) at the start of each
 *       non-huge slot, empty zspages freed at once, compaction with the kernel's source/destination choice and
 *       {@code pages_compacted}.</li>
 *   <li>{@link dev.gmc.core.pool.PoolHandle}: the 64-bit handle layout with a generation, so a stale or forged
 *       handle fails with {@link dev.gmc.core.pool.InvalidHandleException} instead of reaching another object.</li>
 *   <li>{@link dev.gmc.core.pool.PageFrames}: a size class's page frames, in byte arrays of 15 frames, not one
 *       object per page.</li>
 * </ul>
 * Concurrency: one spinlock per size class for malloc, free and compaction (the kernel's {@code class->lock});
 * reads take no lock and validate afterwards, seqlock style (see ZsPool's class comment, "Reads").
 */
package dev.gmc.core.pool;
