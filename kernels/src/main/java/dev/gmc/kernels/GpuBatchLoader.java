package dev.gmc.kernels;

import dev.gmc.core.store.BatchLoader;
import dev.gmc.core.store.InvalidPageIdException;
import dev.gmc.core.store.PageStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A {@link GpuRestorer} behind gmc-core's {@link BatchLoader}, so that the driver models' batch restores (eager
 * restore on foreground, Utgard's pre-job hook) decode on the OpenCL device. A batch larger than the restorer's
 * capacity goes in several launches. The device's output lands in a staging array and is copied into each page's
 * destination (the driver's frames), which is what a discrete GPU costs; a unified-memory SoC would decode in place.
 *
 * <p>Nothing is lost on the way: the restorer decodes on the CPU every page the device does not (see
 * {@link GpuRestorer}), and a launch whose IDs include a stale one (the restorer refuses the whole launch before
 * decoding) is loaded page by page by {@link BatchLoader#CPU}, which lists the stale page.
 *
 * <p>Thread-safety: one batch at a time (synchronized), like the restorer.
 */
public final class GpuBatchLoader implements BatchLoader {
    private final GpuRestorer restorer;
    private final byte[] staging;
    private long staleFallbacks;

    public GpuBatchLoader(GpuRestorer restorer) {
        this.restorer = restorer;
        this.staging = new byte[restorer.capacity() * GpuRestorer.PAGE];
    }

    @Override
    public String name() {
        return "gpu:" + restorer.kind().id();
    }

    /** The restorer's totals (pages on the device, CPU fallbacks, kernel time). */
    public GpuRestorer.Stats stats() {
        return restorer.stats();
    }

    /** Launches that held a stale or forged ID and were loaded on the CPU instead. */
    public synchronized long staleFallbacks() {
        return staleFallbacks;
    }

    /**
     * @throws IllegalArgumentException if the store's codec does not write LZ4 blocks (a caller error)
     */
    @Override
    public synchronized List<Failure> loadAll(PageStore store, long[] ids, int count, Destinations dst) {
        List<Failure> failed = new ArrayList<>(0);
        int cap = restorer.capacity();
        for (int base = 0; base < count; base += cap) {
            int n = Math.min(cap, count - base);
            long[] chunk = Arrays.copyOfRange(ids, base, base + n);
            GpuRestorer.Report rep;
            try {
                rep = restorer.restoreFromStore(store, chunk, n, staging, 0);
            } catch (InvalidPageIdException e) {
                staleFallbacks++;
                int first = base;
                for (Failure f : BatchLoader.CPU.loadAll(store, chunk, n, shifted(dst, first))) {
                    failed.add(new Failure(first + f.index(), f.id(), f.error()));
                }
                continue;
            }
            boolean[] bad = new boolean[n];
            for (GpuRestorer.Failure f : rep.failures()) {
                bad[f.page()] = true;
                failed.add(new Failure(base + f.page(), chunk[f.page()], f.error()));
            }
            for (int i = 0; i < n; i++) {
                if (!bad[i]) {
                    System.arraycopy(staging, i * GpuRestorer.PAGE, dst.array(base + i), dst.offset(base + i),
                            GpuRestorer.PAGE);
                }
            }
        }
        failed.sort(java.util.Comparator.comparingInt(Failure::index));
        return failed;
    }

    private static Destinations shifted(Destinations dst, int first) {
        return new Destinations() {
            @Override
            public byte[] array(int i) {
                return dst.array(first + i);
            }

            @Override
            public int offset(int i) {
                return dst.offset(first + i);
            }
        };
    }
}
