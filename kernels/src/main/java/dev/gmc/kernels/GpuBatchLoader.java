package dev.gmc.kernels;

import dev.gmc.core.store.BatchLoader;
import dev.gmc.core.store.InvalidPageIdException;
import dev.gmc.core.store.LoaderLanes;
import dev.gmc.core.store.PageStore;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link GpuRestorer}s behind gmc-core's {@link BatchLoader}, so that the driver models' batch restores (eager
 * restore on foreground, Utgard's pre-job hook) decode on the OpenCL device. A batch larger than a restorer's
 * capacity goes in several launches. The device's output is copied from the restorer's pinned memory straight into
 * each page's destination (the driver's frames), which is what a discrete GPU costs; a unified-memory SoC would
 * decode in place.
 *
 * <h2>Lanes</h2>
 * With {@link LoaderLanes} of N lanes and N restorers (each its own command queue and pinned buffers), a batch is cut
 * into launches of at most {@code ceil(count / N)} pages and the lanes run them at once: one lane gathers and packs
 * its blocks, or copies its pages out, while another's launch moves over the bus or runs on the device. With one
 * lane, launches run one after another on the calling thread.
 *
 * <p>Nothing is lost on the way: the restorer decodes on the CPU every page the device does not (see
 * {@link GpuRestorer}), and a launch whose IDs include a stale one (the restorer refuses the whole launch before
 * decoding) is loaded page by page by {@link BatchLoader#CPU}, which lists the stale page.
 *
 * <p>Thread-safety: one batch at a time (synchronized). The caller owns the restorers and the lanes and closes them.
 */
public final class GpuBatchLoader implements BatchLoader {
    private final List<GpuRestorer> restorers;
    private final LoaderLanes lanes;
    private final AtomicLong staleFallbacks = new AtomicLong();

    /** One restorer, one lane: launches run one after another on the calling thread. */
    public GpuBatchLoader(GpuRestorer restorer) {
        this(List.of(restorer), new LoaderLanes(1)); // one lane has no helper thread: nothing to close
    }

    /**
     * @param restorers one per lane, all of the same kernel kind
     * @param lanes     the threads that run the launches
     * @throws IllegalArgumentException if the restorers do not match the lanes one to one, or differ in kind
     */
    public GpuBatchLoader(List<GpuRestorer> restorers, LoaderLanes lanes) {
        if (restorers.size() != lanes.lanes()) {
            throw new IllegalArgumentException(restorers.size() + " restorers for " + lanes.lanes()
                    + " loader lanes (expected one per lane)");
        }
        for (GpuRestorer r : restorers) {
            if (r.kind() != restorers.get(0).kind()) {
                throw new IllegalArgumentException("restorers of kinds " + restorers.get(0).kind().id() + " and "
                        + r.kind().id() + " in one loader");
            }
        }
        this.restorers = List.copyOf(restorers);
        this.lanes = lanes;
    }

    @Override
    public String name() {
        String kind = "gpu:" + restorers.get(0).kind().id();
        return restorers.size() == 1 ? kind : kind + ":lanes=" + restorers.size();
    }

    /** The restorers' totals (pages on the device, CPU fallbacks, kernel time), summed over the lanes. */
    public GpuRestorer.Stats stats() {
        return restorers.stream().map(GpuRestorer::stats).reduce(GpuRestorer.Stats::plus).orElseThrow();
    }

    /** Launches that held a stale or forged ID and were loaded on the CPU instead. */
    public long staleFallbacks() {
        return staleFallbacks.get();
    }

    /**
     * @throws IllegalArgumentException if the store's codec does not write LZ4 blocks (a caller error)
     */
    @Override
    public synchronized List<Failure> loadAll(PageStore store, long[] ids, int count, Destinations dst) {
        int cap = restorers.get(0).capacity();
        for (GpuRestorer r : restorers) {
            cap = Math.min(cap, r.capacity());
        }
        int per = Math.max(1, Math.min(cap, (count + restorers.size() - 1) / restorers.size()));
        return lanes.loadInParts(count, per, (lane, from, to) -> launch(restorers.get(lane), store, ids, from, to,
                dst));
    }

    /** Pages {@code [from, to)} of the batch in one launch of {@code r}; their failures in batch order. */
    private List<Failure> launch(GpuRestorer r, PageStore store, long[] ids, int from, int to, Destinations dst) {
        GpuRestorer.Report rep;
        try {
            rep = r.restoreFromStore(store, ids, from, to - from, dst);
        } catch (InvalidPageIdException e) {
            staleFallbacks.incrementAndGet();
            return BatchLoader.loadRange(store, ids, from, to, dst);
        }
        List<Failure> failed = new ArrayList<>(rep.failures().size());
        for (GpuRestorer.Failure f : rep.failures()) {
            failed.add(new Failure(from + f.page(), ids[from + f.page()], f.error()));
        }
        failed.sort(Comparator.comparingInt(Failure::index));
        return failed;
    }
}
