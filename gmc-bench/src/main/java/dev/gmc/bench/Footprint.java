package dev.gmc.bench;

import dev.gmc.core.store.PageStore;
import dev.gmc.core.store.StoreConfig;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * Heap metadata per stored page beyond the pool's page frames: stores N pages (default 1,000,000, cycling through a
 * dataset, same-filled pages included as they come) into a lz4-kernel store and reports (a) the store's own count of
 * metadata bytes (entry table 12 B/page, pool handle table 8 B/object, zspage arrays, free stacks) and (b) the heap
 * measured after GC minus the page frames and the dataset.
 *
 * <p>Run: {@code java -Xmx6g -cp gmc-bench/target/gmc-bench.jar dev.gmc.bench.Footprint [N] [dataset]}
 */
public final class Footprint {
    private Footprint() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        String dataset = args.length > 1 ? args[1] : "samples";
        byte[][] pages = Datasets.load(dataset);
        var mem = ManagementFactory.getMemoryMXBean();
        System.gc();
        Thread.sleep(200);
        long before = mem.getHeapMemoryUsage().getUsed();
        try (PageStore store = new PageStore(StoreConfig.defaults())) {
            long[] ids = new long[n];
            for (int i = 0; i < n; i++) {
                ids[i] = store.store(pages[i % pages.length], 0);
            }
            System.gc();
            Thread.sleep(200);
            long after = mem.getHeapMemoryUsage().getUsed();
            long frames = store.mmStat().memUsedTotal();
            long reservedFrames = store.frameBytes() + store.frameBytes() / 61440 * 16; // 15-frame arrays + headers
            long idArray = (long) n * 8; // this benchmark's own array of IDs
            double counted = (double) store.metadataBytes() / n;
            double measured = (double) (after - before - reservedFrames - idArray) / n;
            System.out.printf(Locale.ROOT, "dataset %s, %d pages stored, pool %d MiB (ratio %.2fx)%n", dataset, n,
                    frames >> 20, (double) store.mmStat().origDataSize() / frames);
            System.out.printf(Locale.ROOT, "metadata counted by the store: %.2f B/page%n", counted);
            System.out.printf(Locale.ROOT, "heap after GC beyond frames:   %.2f B/page (GC-measured, includes slack)%n", measured);
            System.out.println(ids[n - 1] != 0 ? "" : "?");
        }
    }
}
