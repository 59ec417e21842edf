package dev.gmc.core.store;

import dev.gmc.core.codec.CorruptPageException;
import java.util.ArrayList;
import java.util.List;

/**
 * Restores many stored pages in one call: a whole buffer when its app returns to the foreground, or before a job
 * that cannot fault. It is the seam through which a batch decoder on another device (the {@code kernels} module's
 * GPU restorer) reaches callers that know only gmc-core (the driver models). {@link #CPU} is one
 * {@link PageStore#load} per page.
 *
 * <p>Contract: the loader reads the pages and never frees them, so a page it could not restore is still in the store,
 * and nothing is lost. Each page either ends exact in its destination or is listed as a {@link Failure}, and then
 * its destination holds unspecified bytes. An implementation throws only for caller errors: a destination out of
 * range, or a store whose pages it cannot decode. A loader may write destinations from several threads
 * ({@link #cpu(LoaderLanes)}), each page's from one, and returns only when every write is done; so
 * {@link Destinations} must be safe to read from several threads (a lookup, as the driver models' is).
 */
@FunctionalInterface
public interface BatchLoader {
    /** Where page {@code i} of a batch goes: {@code array(i)[offset(i), offset(i) + page size)}. */
    interface Destinations {
        byte[] array(int i);

        int offset(int i);
    }

    /**
     * A page that was not restored.
     *
     * @param index its position in the batch
     * @param id    its page ID
     * @param error why: an {@link InvalidPageIdException} (stale or forged ID) or a {@link CorruptPageException}
     */
    record Failure(int index, long id, RuntimeException error) {
    }

    /**
     * Restores {@code ids[i]} into destination {@code i}, for {@code i < count}.
     *
     * @return the pages not restored, in batch order (empty when all are exact)
     */
    List<Failure> loadAll(PageStore store, long[] ids, int count, Destinations dst);

    /** A short name for reports ("cpu", "gpu:coop"...). */
    default String name() {
        return "cpu";
    }

    /** {@link PageStore#load} page by page on the calling thread. */
    BatchLoader CPU = (store, ids, count, dst) -> loadRange(store, ids, 0, count, dst);

    /** Fewest pages a lane of {@link #cpu(LoaderLanes)} is given: smaller batches are not worth a hand-off. */
    int MIN_LANE_PAGES = 256;

    /**
     * {@link PageStore#load} on several threads: the batch is cut into one contiguous range per lane (of at least
     * {@link #MIN_LANE_PAGES} pages). With one lane it is {@link #CPU}. The caller owns and closes {@code lanes}.
     */
    static BatchLoader cpu(LoaderLanes lanes) {
        if (lanes.lanes() == 1) {
            return CPU;
        }
        String name = "cpu:lanes=" + lanes.lanes();
        return new BatchLoader() {
            @Override
            public List<Failure> loadAll(PageStore store, long[] ids, int count, Destinations dst) {
                int per = Math.max(MIN_LANE_PAGES, (count + lanes.lanes() - 1) / lanes.lanes());
                return lanes.loadInParts(count, per, (lane, from, to) -> loadRange(store, ids, from, to, dst));
            }

            @Override
            public String name() {
                return name;
            }
        };
    }

    /**
     * {@link PageStore#load} of {@code ids[from, to)} into destinations {@code from .. to-1} on the calling thread.
     *
     * @return the pages not restored, in batch order, indexed in the whole batch
     */
    static List<Failure> loadRange(PageStore store, long[] ids, int from, int to, Destinations dst) {
        List<Failure> failed = new ArrayList<>(0);
        for (int i = from; i < to; i++) {
            try {
                store.load(ids[i], dst.array(i), dst.offset(i));
            } catch (InvalidPageIdException | CorruptPageException e) {
                failed.add(new Failure(i, ids[i], e));
            }
        }
        return failed;
    }
}
