package dev.gmc.core.store;

import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;

/**
 * zram's block-device view over a {@link PageStore}: a fixed number of 4 KiB slots addressed by index, where a
 * write replaces the slot's old contents only after the new page is stored (so, as in the kernel, an overwrite
 * briefly holds both and a failed write leaves the old contents intact), a read of a never-written slot returns
 * zeros, and discard frees the slot. Used to compare gmc with a real {@code /dev/zramN} written page by page
 * ({@code gmc kernel-check}, whose churn mode also overwrites, discards and compacts).
 *
 * <p>Thread-safety: distinct slots may be used from different threads; the same slot needs external ordering, as
 * with a block device.
 */
public final class ZramDevice implements AutoCloseable {
    private final PageStore store;
    private final long[] slots;
    private final LongAdder emptyDiscards = new LongAdder();

    public ZramDevice(StoreConfig config, int pages) {
        if (config.policy() != IncompressiblePolicy.STORE_RAW) {
            throw new IllegalArgumentException("policy: " + config.policy()
                    + " (a zram device stores every page; use store-raw)");
        }
        this.store = new PageStore(config);
        this.slots = new long[pages];
    }

    /** Writes a page to slot {@code index}; returns false (old contents kept) when the store refused it. */
    public boolean write(int index, byte[] page, int off) {
        checkIndex(index);
        long id = store.store(page, off);
        if (id < 0) {
            return false;
        }
        long old = slots[index];
        slots[index] = id;
        if (old != 0) {
            store.freeReplaced(old); // no notify_free: the kernel counts those for discards only
        }
        return true;
    }

    /** Reads slot {@code index} into {@code dst}; a never-written or discarded slot reads as zeros. */
    public void read(int index, byte[] dst, int off) {
        checkIndex(index);
        long id = slots[index];
        if (id == 0) {
            Arrays.fill(dst, off, off + PageStore.PAGE_SIZE, (byte) 0);
        } else {
            store.load(id, dst, off);
        }
    }

    /**
     * REQ_OP_DISCARD of one page. As {@code zram_bio_discard}, every page of the range counts a free notification,
     * whether or not its slot held anything (checked against Linux 6.18: a 4-page discard over one used slot adds 4
     * to {@code notify_free}); the store counts the notification of a page it frees, this device the rest.
     */
    public void discard(int index) {
        checkIndex(index);
        long id = slots[index];
        if (id != 0) {
            slots[index] = 0;
            store.free(id);
        } else {
            emptyDiscards.increment();
        }
    }

    /** {@code echo 1 > compact}: zs_compact on the pool; returns pages freed. */
    public long compact() {
        return store.compact();
    }

    /** {@code echo 0 > mem_used_max}: the high-water mark restarts at the pool's current size. */
    public void resetMemUsedMax() {
        store.resetMemUsedMax();
    }

    public int size() {
        return slots.length;
    }

    public PageStore store() {
        return store;
    }

    public MmStat mmStat() {
        return store.mmStat();
    }

    /** {@code io_stat}: the store's, plus the free notifications of discards over empty slots. */
    public IoStat ioStat() {
        IoStat s = store.ioStat();
        return new IoStat(s.failedReads(), s.failedWrites(), s.invalidIo(), s.notifyFree() + emptyDiscards.sum());
    }

    private void checkIndex(int index) {
        if (index < 0 || index >= slots.length) {
            throw new IndexOutOfBoundsException("zram slot " + index + " (device has " + slots.length + " pages)");
        }
    }

    @Override
    public void close() {
        store.close();
    }
}
