/**
 * The compressed page store: what zram does with a page, with GMC's choices added.
 *
 * <p>{@link dev.gmc.core.store.PageStore} takes 4 KiB pages and returns 64-bit page IDs
 * ({@link dev.gmc.core.store.PageId}): a same-filled page is kept as its 8-byte fill word (no pool memory), a page
 * whose compressed length reaches the threshold is stored raw in the huge class ({@code store-raw}, zram) or
 * refused and left resident ({@code reject}, GMC), the rest go compressed into a {@link dev.gmc.core.pool.ZsPool}.
 * Statistics follow the kernel field for field: {@link dev.gmc.core.store.MmStat} ({@code mm_stat}, nine fields),
 * {@link dev.gmc.core.store.IoStat} ({@code io_stat}), plus {@link dev.gmc.core.store.GmcCounters}.
 *
 * <p>{@link dev.gmc.core.store.BatchLoader} restores many pages in one call (the CPU, or a GPU decoder from the
 * {@code kernels} module), for callers that restore whole buffers; {@link dev.gmc.core.store.LoaderLanes} lets
 * several threads share one batch.
 *
 * <p>{@link dev.gmc.core.store.ZramDevice} puts zram's index-addressed slot table in front of a store, for
 * comparisons with a real {@code /dev/zramN} written page by page, and runs zram's post-processing: idle marking,
 * recompression with secondary codecs ({@link dev.gmc.core.store.StoreConfig#recompressCodecs()},
 * {@link dev.gmc.core.store.PageStore#recompress}; each entry records which codec wrote its object) and writeback to
 * an emulated backing device ({@link dev.gmc.core.store.BdStat} is its {@code bd_stat}).
 * {@link dev.gmc.core.store.WriteOnceModel} gives a store's figures from compressed lengths alone, for measuring
 * dumps of any size.
 */
package dev.gmc.core.store;
