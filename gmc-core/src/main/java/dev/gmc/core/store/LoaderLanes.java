package dev.gmc.core.store;

import com.google.common.util.concurrent.Uninterruptibles;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Threads that share one batch restore (a driver's eager restore run by several kworkers): the batch is cut into
 * parts, and lane 0 (the calling thread) and {@code lanes - 1} helper threads take parts until none is left. A part
 * knows its lane, so that a loader can give each lane its own state (a GPU restorer's queue and pinned buffers).
 *
 * <p>One {@link #run} at a time (synchronized): a batch loader restores one batch at a time. Close the lanes to stop
 * the helpers (daemon threads, so a forgotten close does not keep the JVM alive).
 */
public final class LoaderLanes implements AutoCloseable {
    /** One part of a batch, run on lane {@code lane} ({@code 0 <= lane < lanes()}). */
    @FunctionalInterface
    public interface Part {
        void run(int lane, int part);
    }

    /** Pages {@code [from, to)} of a batch, loaded on lane {@code lane}. */
    @FunctionalInterface
    public interface BatchPart {
        /** @return the part's failures in batch order, indexed in the whole batch */
        List<BatchLoader.Failure> load(int lane, int from, int to);
    }

    private final int lanes;
    private final ExecutorService helpers;

    /** @throws IllegalArgumentException unless {@code 1 <= lanes <= 256} */
    public LoaderLanes(int lanes) {
        if (lanes < 1 || lanes > 256) {
            throw new IllegalArgumentException("loader lanes: " + lanes + " (expected 1..256)");
        }
        this.lanes = lanes;
        AtomicInteger n = new AtomicInteger(1);
        this.helpers = lanes == 1 ? null : Executors.newFixedThreadPool(lanes - 1, r -> {
            Thread t = new Thread(r, "gmc-loader-lane-" + n.getAndIncrement());
            t.setDaemon(true);
            return t;
        });
    }

    public int lanes() {
        return lanes;
    }

    /**
     * Runs parts {@code 0 .. parts-1}, each once, and returns when all are done. After a part throws, the lanes
     * take no new part; the first exception is rethrown with the others suppressed.
     */
    public synchronized void run(int parts, Part part) {
        AtomicInteger next = new AtomicInteger();
        AtomicBoolean failed = new AtomicBoolean();
        int helping = helpers == null ? 0 : Math.min(lanes - 1, parts - 1);
        List<Future<?>> running = new ArrayList<>(helping);
        for (int h = 1; h <= helping; h++) {
            int lane = h;
            running.add(helpers.submit(() -> take(lane, parts, part, next, failed)));
        }
        Throwable first = null;
        try {
            take(0, parts, part, next, failed);
        } catch (RuntimeException | Error e) {
            first = e;
        }
        // Waits for every helper even if interrupted: a part still running writes into the caller's destinations,
        // which must not be handed back (or freed) before it ends. Guava keeps the interrupt for the caller.
        for (Future<?> f : running) {
            try {
                Uninterruptibles.getUninterruptibly(f);
            } catch (ExecutionException e) {
                first = merge(first, e.getCause());
            }
        }
        if (first instanceof RuntimeException r) {
            throw r;
        }
        if (first instanceof Error err) {
            throw err;
        }
        if (first != null) {
            throw new IllegalStateException("loader lane failed", first);
        }
    }

    /**
     * A batch of {@code count} pages cut into parts of {@code perPart} pages (the last may be shorter), run as
     * {@link #run} does.
     *
     * @return every part's failures, in batch order
     */
    public List<BatchLoader.Failure> loadInParts(int count, int perPart, BatchPart part) {
        int parts = (count + perPart - 1) / perPart;
        @SuppressWarnings("unchecked")
        List<BatchLoader.Failure>[] failed = new List[parts];
        run(parts, (lane, k) -> failed[k] = part.load(lane, k * perPart, Math.min(count, (k + 1) * perPart)));
        List<BatchLoader.Failure> all = new ArrayList<>(0);
        for (List<BatchLoader.Failure> f : failed) {
            all.addAll(f); // parts in order, each in batch order
        }
        return all;
    }

    private static void take(int lane, int parts, Part part, AtomicInteger next, AtomicBoolean failed) {
        try {
            for (int k; !failed.get() && (k = next.getAndIncrement()) < parts; ) {
                part.run(lane, k);
            }
        } catch (RuntimeException | Error e) {
            failed.set(true);
            throw e;
        }
    }

    private static Throwable merge(Throwable first, Throwable next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }

    @Override
    public void close() {
        if (helpers != null) {
            helpers.shutdownNow();
        }
    }
}
