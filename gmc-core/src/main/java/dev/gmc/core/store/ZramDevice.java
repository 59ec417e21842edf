package dev.gmc.core.store;

import dev.gmc.core.codec.CodecSpec;
import java.util.Arrays;
import java.util.BitSet;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntConsumer;
import java.util.function.IntPredicate;
import java.util.function.LongSupplier;

/**
 * zram's block-device view over a {@link PageStore}: a fixed number of 4 KiB slots addressed by index, where a
 * write replaces the slot's old contents only after the new page is stored (so, as in the kernel, an overwrite
 * briefly holds both and a failed write leaves the old contents intact), a read of a never-written slot returns
 * zeros, and discard frees the slot. Used to compare gmc with a real {@code /dev/zramN} written page by page
 * ({@code gmc kernel-check}, whose churn mode also overwrites, discards and compacts).
 *
 * <p>Post-processing as zram's sysfs offers it with CONFIG_ZRAM_MULTI_COMP: {@link #markIdle} ({@code echo all >
 * idle}, or by age, {@code echo SECONDS > idle}, with CONFIG_ZRAM_TRACK_ENTRY_ACTIME's per-slot {@code ac_time} read
 * from a {@link #clock settable clock}) and {@link #recompress}
 * ({@code echo "type=... max_pages=... threshold=... algo=... priority=..." > recompress}) with the store's
 * {@link StoreConfig#recompressCodecs() recompression codecs}. Per-slot flags are zram's: ZRAM_IDLE (set by markIdle, cleared by any read or write of the slot and by a recompression attempt) and
 * ZRAM_INCOMPRESSIBLE (set when the last recompression codec could not shrink the page; cleared when the slot is
 * rewritten or discarded); the codec priority lives in the store's entry.
 *
 * <p>Writeback as with CONFIG_ZRAM_WRITEBACK, when the device is made with a backing device of {@code backingPages}
 * 4 KiB blocks ({@code backing_dev}): {@link #writeback} ({@code echo idle|huge|huge_idle|incompressible|page_index=N >
 * writeback}) decompresses each chosen slot's page into the next free block (up to 6.18 block 0 is never used, as
 * the kernel's bitmap skips it; from 6.19 it is: {@link Behaviour#blockZero}), frees its object and marks the slot
 * ZRAM_WB; reads of such a slot come from the block ({@code bd_reads}), and a rewrite or discard frees the block.
 * {@code pages_stored} keeps counting written-back slots, as in the kernel; {@link #bdStat} is {@code bd_stat}.
 * With {@link #compressedWriteback(boolean)} (7.0 and later) a block holds the slot's compressed object instead, which
 * a read decompresses.
 * {@link #writebackLimitEnable} and {@link #writebackLimit} are {@code writeback_limit_enable} and
 * {@code writeback_limit}: each written page takes one off the limit, and a used-up limit ends a writeback with EIO.
 *
 * <p>Thread-safety: distinct slots may be used from different threads; the same slot needs external ordering, as
 * with a block device. {@link #markIdle}, {@link #recompress} and {@link #writeback} touch every slot, so nothing else
 * may use the device while they run (zram takes each slot's lock in turn; this emulation leaves that ordering to the
 * caller).
 */
public final class ZramDevice implements AutoCloseable {
    private final PageStore store;
    /** The kernel's PAGE_SIZE: the store's (4096, or 16384 on a 16 KiB-page kernel). */
    private final int pageSize;
    /** {@code 1 << (PAGE_SHIFT - 12)}: what a page counts in bd_stat and writeback_limit (4 KiB units). */
    private final int fourKUnits;
    // Per slot: 0 = empty, > 0 = the store's page ID, < 0 = ZRAM_WB: ~block, the backing-device block that holds it
    // (block 0 is used from 6.19 on, so not minus the block).
    private final long[] slots;
    // zram's per-slot post-processing flags (ZRAM_IDLE, ZRAM_INCOMPRESSIBLE); one byte a slot.
    private final byte[] flags;
    // ac_time (CONFIG_ZRAM_TRACK_ENTRY_ACTIME): the clock's second of the slot's last read or write, a u32 as the
    // kernel's; 0 once the slot is freed.
    private final int[] acTime;
    // ktime_get_boottime_seconds(): by default the seconds since this device was made, from 1; replays set their own.
    private volatile LongSupplier clock;
    // Free notifications the store does not count: discards of empty or written-back slots.
    private final LongAdder extraNotifyFree = new LongAdder();

    // The backing device (null: none): its blocks' bytes, zram's bitmap of used blocks, and bd_stat's counters.
    private final byte[] backing;
    private final BitSet blocksUsed;
    private final int backingPages;
    private final WritebackOrder writebackOrder;
    private final SlotFree slotFree;
    private final boolean writebackParameters;
    private final Set<WritebackMode> writebackModes;
    // The lowest block writeback takes: 1 up to 6.18 (0 meant "no block"), 0 from 6.19 (INVALID_BDEV_BLOCK).
    private final int firstBlock;
    private final boolean limitRoundedDown;
    private final boolean batchedWriteback;
    private final IdleAge idleAge;
    private final Behaviour behaviour;
    // compressed_writeback (7.0 and later): blocks hold objects as the pool held them; wbMeta[slot] is the store's meta
    // word of a written-back slot's object (its length, huge bit and codec priority: the kernel keeps the slot's size
    // and priority), made when it is switched on. Set before the first write only, so every block is of one kind.
    private boolean compressedWb;
    private int[] wbMeta;
    private boolean written;
    // writeback_batch_size (6.19 and later): how many writes one writeback keeps in flight.
    private volatile int writebackBatchSize = 32;
    // bd_count changes under the bitmap's lock (frees come from writes and discards of distinct slots, any thread);
    // bd_writes only in writeback, which has the device to itself.
    private long bdCount;
    private long bdWrites;
    // writeback_limit_enable and writeback_limit (bd_wb_limit: 4 KiB pages, a u64 in the kernel, kept here as an
    // unsigned long); only writeback reads or changes them once set, under the device's writeback.
    private volatile boolean wbLimitEnable;
    private volatile long wbLimit;
    private final LongAdder bdReads = new LongAdder();

    private static final byte IDLE = 1;
    private static final byte INCOMPRESSIBLE = 2;

    /** In which order {@link #writeback} takes the slots it chose; the kernel changed it between 6.12 and 6.14. */
    public enum WritebackOrder {
        /**
         * Linux 6.12 and earlier: ascending slot index, a free block taken before each slot is looked at (so a full
         * backing device ends the scan with ENOSPC wherever it stands).
         */
        SLOT_INDEX,
        /**
         * Linux 6.14 and later (the post-processing rework after 6.12; checked on 6.14 and 6.16 to 7.3): every chosen
         * slot is first placed in a 64-byte bucket of its object size (a huge page's is PAGE_SIZE), then the largest
         * bucket goes first, within a bucket the highest index first, as recompression does; a block is taken only
         * for a slot about to be written.
         */
        LARGEST_FIRST
    }

    /** When a write frees what its slot held; the kernel moved it in 6.14 and back by 6.16. */
    public enum SlotFree {
        /**
         * Every checked kernel but 6.14 (5.4 to 6.12, 6.16 to 7.3): the page is
         * compressed and its new object allocated and written, then the slot's old contents are freed, so the old
         * object still holds its slot while the new one is placed.
         */
        AFTER_STORE,
        /**
         * Linux 6.14 ({@code zram_write_page} begins with "First, free memory allocated to this slot"): the old
         * object, written-back block or same-filled mark is freed before the page is compressed, so the new object
         * may take the slot just freed in its class. A write refused after that (the pool over {@code mem_limit})
         * leaves the slot empty: its old page is gone, as in that kernel.
         */
        BEFORE_COMPRESSION
    }

    /** What {@code echo AGE > idle} does (CONFIG_ZRAM_TRACK_ENTRY_ACTIME); the kernels changed it three times since. */
    public enum IdleAge {
        /** 5.15 and earlier (checked: 5.11, 5.15): {@code idle} takes {@code all} only, and an age is EINVAL. */
        NONE,
        /**
         * 5.16 to 6.7 (checked: 5.19, 6.2, 6.5): the age is a u64 ({@code kstrtoull}) taken off the boot clock in
         * nanoseconds ({@code ac_time} is a {@code ktime_t}); slots last used before that cutoff are marked, younger
         * ones keep whatever mark they had, and an age beyond the clock marks nothing.
         */
        MARKS,
        /**
         * 6.8 to 6.19 (checked: 6.8, 6.11, 6.14, 6.16, 6.19): as {@link #MARKS}, and the mark of a younger slot is
         * cleared ({@code mark_idle}'s else branch).
         */
        MARKS_AND_CLEARS,
        /**
         * 7.0 to 7.2 (checked: 7.0, 7.1, 7.2): as {@link #MARKS_AND_CLEARS} in u32 seconds ({@code ac_time} is a u32
         * of boot seconds): the age is a u32 ({@code kstrtouint}; more is EINVAL) and {@code (u32) now - age} wraps, so
         * an age beyond the clock marks every slot, and a cutoff of exactly 0 is {@code all}.
         */
        U32_SECONDS,
        /**
         * 7.3 and later (checked: 7.3): as {@link #U32_SECONDS}, but an age beyond the clock marks nothing again (the
         * cutoff no longer wraps), and so does an age equal to it (a cutoff of 0 is no longer "all"; checked with
         * {@code zram-idle-now.ops}).
         */
        U32_SECONDS_NO_WRAP
    }

    /**
     * What a device does where the kernels gmc was checked against differ (ArmKernelTest's golden runs): the order
     * of writeback, how {@code writeback} reads what is written to it and which modes it knows, and when a write frees
     * the slot's old contents, and, from 6.19, how writeback submits its writes and uses the backing device. The
     * kernels between the checked ones (5.5-5.7, 5.9, 5.12, 5.14, 5.16-5.18, 6.0, 6.3, 6.4, 6.6, 6.7, 6.9, 6.10, 6.13,
     * 6.15) were not booted.
     *
     * @param order               the order in which writeback takes the slots it chose
     * @param writebackParameters true: several space-separated parameters ({@code page_indexes=A-B type=huge}, 6.16
     *                            and later); false: one word ({@code huge}, {@code page_index=N}; 6.14 and earlier)
     * @param slotFree            when a write frees the slot's old contents
     * @param writebackModes      the modes {@code writeback} accepts; any other is EINVAL
     * @param blockZero           true: writeback uses block 0 of the backing device too (6.19 and later, where
     *                            {@code INVALID_BDEV_BLOCK} marks "no block"); false: block 0 is never used (6.18 and
     *                            earlier, where {@code alloc_block_bdev} skips it), so one block fewer is usable
     * @param limitRoundedDown    true: {@code writeback_limit} rounds what is written to it down to a multiple of
     *                            {@code PAGE_SIZE / 4096} (6.19 and later), so that a 16 KiB-page kernel's limit
     *                            reaches 0 and never wraps; false: it keeps the number, and the subtraction can wrap
     * @param batchedWriteback    true: writeback submits up to {@link #writebackBatchSize} pages before it completes
     *                            any (6.19 and later), and a slot frees its object and loses its post-processing mark
     *                            only when its write completes, so a slot listed twice in one pass can be written
     *                            twice; false: each page is written and its slot updated before the next
     * @param idleAge             what an age written to {@code idle} does
     * @param compressedWriteback true: the kernel has {@code compressed_writeback} (7.0 and later), which writes a
     *                            slot's compressed object to its block as the pool holds it and decompresses it when
     *                            the slot is read ({@link ZramDevice#compressedWriteback(boolean)})
     */
    public record Behaviour(WritebackOrder order, boolean writebackParameters, SlotFree slotFree,
                            Set<WritebackMode> writebackModes, boolean blockZero, boolean limitRoundedDown,
                            boolean batchedWriteback, IdleAge idleAge, boolean compressedWriteback) {
        /** Linux 5.4 to 5.10 (checked: 5.4, 5.8, 5.10 arm64): writeback knows {@code idle} and {@code huge} only. */
        public static final Behaviour LINUX_5_4 = new Behaviour(WritebackOrder.SLOT_INDEX, false, SlotFree.AFTER_STORE,
                EnumSet.of(WritebackMode.IDLE, WritebackMode.HUGE), false, false, false, IdleAge.NONE, false);
        /** Linux 5.11 to 5.15 (checked: 5.11, 5.13, 5.15): writeback also knows {@code page_index=N}. */
        public static final Behaviour LINUX_5_15 = new Behaviour(WritebackOrder.SLOT_INDEX, false, SlotFree.AFTER_STORE,
                EnumSet.of(WritebackMode.IDLE, WritebackMode.HUGE, WritebackMode.PAGE), false, false, false,
                IdleAge.NONE, false);
        /**
         * Linux 5.16 to 6.1 (checked: 5.19, 6.1 arm64): writeback also knows {@code huge_idle}. {@code incompressible}
         * (the ZRAM_INCOMPRESSIBLE mark of recompression, 6.2) is taken as unknown; no run asked for it. {@code idle}
         * takes an age ({@link IdleAge#MARKS}).
         */
        public static final Behaviour LINUX_5_19 = new Behaviour(WritebackOrder.SLOT_INDEX, false, SlotFree.AFTER_STORE,
                EnumSet.of(WritebackMode.IDLE, WritebackMode.HUGE, WritebackMode.HUGE_IDLE, WritebackMode.PAGE), false,
                false, false, IdleAge.MARKS, false);
        /** Linux 6.2 to 6.7 (checked: 6.2, 6.5): 6.12's, with ages that mark but never clear (as 5.19's). */
        public static final Behaviour LINUX_6_2 = new Behaviour(WritebackOrder.SLOT_INDEX, false, SlotFree.AFTER_STORE,
                EnumSet.allOf(WritebackMode.class), false, false, false, IdleAge.MARKS, false);
        /** Linux 6.8 to 6.12 (checked: 6.8, 6.11, 6.12). */
        public static final Behaviour LINUX_6_12 = new Behaviour(WritebackOrder.SLOT_INDEX, false, SlotFree.AFTER_STORE,
                EnumSet.allOf(WritebackMode.class), false, false, false, IdleAge.MARKS_AND_CLEARS, false);
        /** Linux 6.14: 6.18's writeback order and limit check with the one-word grammar, and the early free. */
        public static final Behaviour LINUX_6_14 = new Behaviour(WritebackOrder.LARGEST_FIRST, false,
                SlotFree.BEFORE_COMPRESSION, EnumSet.allOf(WritebackMode.class), false, false, false,
                IdleAge.MARKS_AND_CLEARS, false);
        /** Linux 6.16 to 6.18 (checked: 6.16, 6.17, 6.18). */
        public static final Behaviour LINUX_6_18 = new Behaviour(WritebackOrder.LARGEST_FIRST, true,
                SlotFree.AFTER_STORE, EnumSet.allOf(WritebackMode.class), false, false, false,
                IdleAge.MARKS_AND_CLEARS, false);

        /**
         * Linux 6.19 (checked): 6.18's writeback order and grammar, with batched writes, block 0 of the backing device
         * used and {@code writeback_limit} rounded down to whole pages.
         */
        public static final Behaviour LINUX_6_19 = new Behaviour(WritebackOrder.LARGEST_FIRST, true,
                SlotFree.AFTER_STORE, EnumSet.allOf(WritebackMode.class), true, true, true, IdleAge.MARKS_AND_CLEARS,
                false);
        /**
         * Linux 7.0 to 7.2 (checked: 7.0, 7.1, 7.2): 6.19's, with {@code ac_time} in u32 seconds
         * ({@link IdleAge#U32_SECONDS}) and {@code compressed_writeback}.
         */
        public static final Behaviour LINUX_7_0 = new Behaviour(WritebackOrder.LARGEST_FIRST, true,
                SlotFree.AFTER_STORE, EnumSet.allOf(WritebackMode.class), true, true, true, IdleAge.U32_SECONDS, true);
        /**
         * Linux 7.3 and later (checked: 7.3), the default: 7.0's, where an age beyond the clock marks nothing
         * ({@link IdleAge#U32_SECONDS_NO_WRAP}).
         */
        public static final Behaviour LINUX_7_3 = new Behaviour(WritebackOrder.LARGEST_FIRST, true,
                SlotFree.AFTER_STORE, EnumSet.allOf(WritebackMode.class), true, true, true,
                IdleAge.U32_SECONDS_NO_WRAP, true);

        public Behaviour {
            Objects.requireNonNull(order, "order");
            Objects.requireNonNull(slotFree, "slotFree");
            Objects.requireNonNull(idleAge, "idleAge");
            writebackModes = Set.copyOf(writebackModes);
        }
    }

    /** The largest backing device gmc emulates at 4 KiB pages (its blocks live in one Java array). */
    public static final int MAX_BACKING_PAGES = maxBackingPages(PageStore.PAGE_SIZE);

    /** The largest backing device gmc emulates for pages of {@code pageSize} bytes (one Java array). */
    public static int maxBackingPages(int pageSize) {
        return (Integer.MAX_VALUE - 8) / pageSize;
    }

    public ZramDevice(StoreConfig config, int pages) {
        this(config, pages, 0, Behaviour.LINUX_7_3);
    }

    /**
     * A device of {@code pages} slots with a backing device of {@code backingPages} blocks of a page each
     * ({@link #pageSize()}; zram writes back one page per block) for writeback (0: none), written back in
     * {@code order}, as 6.12 ({@code SLOT_INDEX}) or 6.18 ({@code LARGEST_FIRST}) do: block 0 is never used, so at
     * most {@code backingPages - 1} slots can be written back.
     */
    public ZramDevice(StoreConfig config, int pages, int backingPages, WritebackOrder order) {
        this(config, pages, backingPages, order == WritebackOrder.SLOT_INDEX ? Behaviour.LINUX_6_12 : Behaviour.LINUX_6_18);
    }

    /** As above, behaving as the kernels of {@code behaviour}. */
    public ZramDevice(StoreConfig config, int pages, int backingPages, Behaviour behaviour) {
        if (config.policy() != IncompressiblePolicy.STORE_RAW) {
            throw new IllegalArgumentException("policy: " + config.policy()
                    + " (a zram device stores every page; use store-raw)");
        }
        int pageSize = config.classes().pageSize();
        if (backingPages < 0 || backingPages > maxBackingPages(pageSize)) {
            throw new IllegalArgumentException("backing device: " + backingPages + " pages (expected 0.."
                    + maxBackingPages(pageSize) + " of " + pageSize + " bytes)");
        }
        this.store = new PageStore(config);
        this.pageSize = pageSize;
        this.fourKUnits = pageSize / 4096;
        this.slots = new long[pages];
        this.flags = new byte[pages];
        this.acTime = new int[pages];
        long made = System.nanoTime();
        this.clock = () -> 1 + (System.nanoTime() - made) / 1_000_000_000L;
        this.backingPages = backingPages;
        this.writebackOrder = behaviour.order();
        this.slotFree = behaviour.slotFree();
        this.writebackParameters = behaviour.writebackParameters();
        this.writebackModes = behaviour.writebackModes();
        this.firstBlock = behaviour.blockZero() ? 0 : 1;
        this.limitRoundedDown = behaviour.limitRoundedDown();
        this.batchedWriteback = behaviour.batchedWriteback();
        this.idleAge = behaviour.idleAge();
        this.behaviour = behaviour;
        this.backing = backingPages == 0 ? null : new byte[backingPages * pageSize];
        this.blocksUsed = backingPages == 0 ? null : new BitSet(backingPages);
    }

    /**
     * Writes a page to slot {@code index}; returns false when the store refused it (the pool over {@code mem_limit}):
     * the slot then keeps its old contents, or is empty under {@link SlotFree#BEFORE_COMPRESSION}.
     */
    public boolean write(int index, byte[] page, int off) {
        checkIndex(index);
        written = true;
        if (slotFree == SlotFree.BEFORE_COMPRESSION) {
            freeSlot(index);
        }
        long id = store.store(page, off);
        if (id < 0) {
            return false;
        }
        freeSlot(index);
        slots[index] = id;
        acTime[index] = (int) clock.getAsLong(); // mark_slot_accessed
        return true;
    }

    /** {@code zram_free_page} of a write: clears the flags, frees the object or block; no notify_free. */
    private void freeSlot(int index) {
        long old = slots[index];
        slots[index] = 0;
        flags[index] = 0; // slot_free clears IDLE and INCOMPRESSIBLE; mark_slot_accessed clears IDLE
        acTime[index] = 0;
        if (old > 0) {
            store.freeReplaced(old); // no notify_free: the kernel counts those for discards only
        } else if (old < 0) {
            freeBlock(~old);
        }
    }

    /** Reads slot {@code index} into {@code dst}; a never-written or discarded slot reads as zeros. */
    public void read(int index, byte[] dst, int off) {
        checkIndex(index);
        long id = slots[index];
        if (id == 0) {
            Arrays.fill(dst, off, off + pageSize, (byte) 0);
        } else if (id < 0) { // read_from_bdev
            readBlock(index, Math.toIntExact(~id), dst, off);
            bdReads.increment();
        } else {
            store.load(id, dst, off);
        }
        flags[index] &= ~IDLE; // mark_slot_accessed
        acTime[index] = (int) clock.getAsLong();
    }

    /**
     * A written-back slot's page from its block: the raw page, or with {@link #compressedWriteback(boolean)} the object
     * decompressed with the codec of the slot's priority ({@code decompress_bdev_page}; a huge object is the raw page).
     */
    private void readBlock(int index, int block, byte[] dst, int off) {
        int at = block * pageSize;
        int meta = compressedWb ? wbMeta[index] : PageId.HUGE;
        if ((meta & PageId.HUGE) != 0) {
            System.arraycopy(backing, at, dst, off, pageSize);
            return;
        }
        store.decodeObject(meta, backing, at, dst, off); // the store's codecs, one set per thread
    }

    /**
     * {@code echo 1 > compressed_writeback} (7.0 and later): {@link #writeback} writes each slot's compressed object
     * to its block as the pool holds it (a huge page raw), where it is decompressed when the slot is read, instead of
     * the decompressed page. No figure changes: a page still takes a block, and {@code bd_stat}, the limit and
     * {@code mm_stat} count as before (checked against Linux 7.3's writeback run with it on). The kernel takes it
     * before {@code disksize} only (EBUSY after); gmc, whose device is sized when made, before the first write.
     *
     * @throws IllegalArgumentException on a kernel without the attribute
     * @throws IllegalStateException    once a page has been written (the kernel's EBUSY)
     */
    public void compressedWriteback(boolean on) {
        if (!behaviour.compressedWriteback()) {
            throw new IllegalArgumentException("compressed_writeback: this device's kernel has no such attribute "
                    + "(it came with 7.0)");
        }
        if (written) {
            throw new IllegalStateException("compressed_writeback: the device has been written to (EBUSY: the kernel"
                    + " takes it before disksize only)");
        }
        compressedWb = on;
        wbMeta = on ? new int[slots.length] : null;
    }

    /** {@code cat compressed_writeback}. */
    public boolean compressedWriteback() {
        return compressedWb;
    }

    /**
     * REQ_OP_DISCARD of one page. As {@code zram_bio_discard}, every page of the range counts a free notification,
     * whether or not its slot held anything (checked against Linux 6.18: a 4-page discard over one used slot adds 4
     * to {@code notify_free}); the store counts the notification of a page it frees, this device the rest.
     */
    public void discard(int index) {
        checkIndex(index);
        long id = slots[index];
        slots[index] = 0;
        flags[index] = 0;
        acTime[index] = 0;
        if (id > 0) {
            store.free(id);
        } else {
            if (id < 0) {
                freeBlock(~id);
            }
            extraNotifyFree.increment();
        }
    }

    /**
     * The clock that {@code ac_time} and {@link #markIdle(long)} read: whole seconds, as
     * {@code ktime_get_boottime_seconds()}. By default the seconds since this device was made, counted from 1; a
     * replay or a policy prototype gives its own (a trace's timestamps, a simulated day).
     */
    public void clock(LongSupplier secondsNow) {
        this.clock = Objects.requireNonNull(secondsNow, "clock");
    }

    /** The slot's {@code ac_time}: the clock's second of its last read or write (0: freed or never used). */
    public long accessTime(int index) {
        checkIndex(index);
        return Integer.toUnsignedLong(acTime[index]);
    }

    /**
     * {@code echo AGE > idle} (CONFIG_ZRAM_TRACK_ENTRY_ACTIME; 5.19 and later): {@code mark_idle} with a cutoff of
     * {@code now - ageSeconds}. A slot that holds a page, other than a same-filled or written-back one, is ZRAM_IDLE
     * if its {@code ac_time} is before the cutoff; a younger slot's mark is cleared from 6.8 on and kept before. The
     * arithmetic is the device's kernel's ({@link IdleAge}): an age beyond the clock marks nothing, but in 7.0 to
     * 7.2, where the u32 cutoff wraps, every slot; from 7.0 a cutoff of exactly 0 is "all". gmc's clock counts
     * whole seconds, so a slot used in the cutoff's second is younger, where the kernel's nanoseconds may say older.
     *
     * @param ageSeconds an unsigned 64-bit age (at most 2<sup>32</sup> - 1 from 7.0)
     * @return how many slots are idle now
     * @throws IllegalArgumentException where the kernel gives EINVAL: an age out of range, or any age where the
     *                                  kernel has none ({@link IdleAge#NONE})
     */
    public int markIdle(long ageSeconds) {
        if (idleAge == IdleAge.NONE) {
            throw new IllegalArgumentException("idle: " + Long.toUnsignedString(ageSeconds) + " (EINVAL: this "
                    + "device's kernel marks 'all' only)");
        }
        boolean u32 = idleAge == IdleAge.U32_SECONDS || idleAge == IdleAge.U32_SECONDS_NO_WRAP;
        if (u32 && (ageSeconds < 0 || ageSeconds > 0xFFFF_FFFFL)) {
            throw new IllegalArgumentException("idle: " + Long.toUnsignedString(ageSeconds) + " (EINVAL: an age in "
                    + "seconds, 0 to 4294967295)");
        }
        long now = clock.getAsLong();
        // 7.0 to 7.2: (u32) now - age, wrapping; else the clock less the age, below 0 when the age is beyond it
        long cutoff = idleAge == IdleAge.U32_SECONDS ? (now - ageSeconds) & 0xFFFF_FFFFL
                : Long.compareUnsigned(ageSeconds, now) > 0 ? -1 : now - ageSeconds;
        boolean clears = idleAge != IdleAge.MARKS;
        int idle = 0;
        for (int i = 0; i < slots.length; i++) {
            if (slots[i] > 0 && (store.metaOf(slots[i]) & PageId.SAME) == 0) {
                // 7.0 to 7.2 take a cutoff of 0 (an age equal to the clock) as "all"; 7.3 marks nothing then
                if (idleAge == IdleAge.U32_SECONDS && cutoff == 0 || cutoff > Integer.toUnsignedLong(acTime[i])) {
                    flags[i] |= IDLE;
                } else if (clears) {
                    flags[i] &= ~IDLE;
                }
                idle += (flags[i] & IDLE) != 0 ? 1 : 0;
            }
        }
        return idle;
    }

    /**
     * {@code echo TEXT > idle} as {@code idle_store} reads it: {@code all} (a trailing newline allowed), or an age in
     * seconds as {@code kstrtouint(buf, 0, ...)} (7.0 and later: at most 2<sup>32</sup> - 1) or {@code kstrtoull}
     * (before: at most 2<sup>64</sup> - 1) reads it: decimal, {@code 0x} hex or {@code 0} octal, a leading {@code +}
     * and a trailing newline allowed.
     *
     * @return how many slots are idle now
     * @throws IllegalArgumentException for anything else (the kernel's EINVAL), naming the text
     */
    public int markIdle(String text) {
        String t = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        if (t.equals("all")) {
            return markIdle();
        }
        if (t.startsWith("+")) {
            t = t.substring(1);
        }
        int radix = 10;
        if (t.length() > 2 && t.charAt(0) == '0' && (t.charAt(1) | 0x20) == 'x'
                && Character.digit(t.charAt(2), 16) >= 0) {
            radix = 16;
            t = t.substring(2);
        } else if (t.startsWith("0")) {
            radix = 8;
        }
        // kstrtouint from 7.0 (a u32 age), kstrtoull before (u64)
        String max = idleAge == IdleAge.U32_SECONDS || idleAge == IdleAge.U32_SECONDS_NO_WRAP ? "4294967295"
                : "18446744073709551615";
        long age = 0;
        boolean parsed = !t.isEmpty() && Character.digit(t.charAt(0), radix) >= 0; // no second sign
        try {
            age = parsed ? Long.parseUnsignedLong(t, radix) : 0;
        } catch (NumberFormatException e) {
            parsed = false; // not digits of the base, or past a u64
        }
        if (!parsed || Long.compareUnsigned(age, Long.parseUnsignedLong(max)) > 0 || idleAge == IdleAge.NONE) {
            throw new IllegalArgumentException("idle: '" + text.strip() + "' (EINVAL: \"all\" or an age in seconds, 0 "
                    + "to " + max + (idleAge == IdleAge.NONE ? "; this device's kernel takes 'all' only" : "") + ")");
        }
        return markIdle(age);
    }

    /**
     * {@code echo all > idle} ({@code mark_idle} with no cutoff): every slot that holds a page, other than a
     * same-filled or written-back one, becomes ZRAM_IDLE ({@link #markIdle(long)} marks by age).
     *
     * @return how many slots are idle now
     */
    public int markIdle() {
        int idle = 0;
        for (int i = 0; i < slots.length; i++) {
            if (slots[i] > 0 && (store.metaOf(slots[i]) & PageId.SAME) == 0) {
                flags[i] |= IDLE;
                idle++;
            }
        }
        return idle;
    }

    /** True if slot {@code index} is marked ZRAM_IDLE. */
    public boolean isIdle(int index) {
        checkIndex(index);
        return (flags[index] & IDLE) != 0;
    }

    /** True if slot {@code index} is marked ZRAM_INCOMPRESSIBLE (no recompression codec could shrink it). */
    public boolean isIncompressible(int index) {
        checkIndex(index);
        return (flags[index] & INCOMPRESSIBLE) != 0;
    }

    /**
     * The page ID in slot {@code index}, or 0 for an empty or written-back slot (for inspection; do not free it).
     */
    public long idAt(int index) {
        checkIndex(index);
        return Math.max(0, slots[index]);
    }

    /** A copy of the block that holds written-back slot {@code index} (tests: what writeback put there). */
    byte[] blockOf(int index) {
        checkIndex(index);
        if (slots[index] >= 0) {
            throw new IllegalStateException("slot " + index + " is not written back");
        }
        int at = Math.toIntExact(~slots[index]) * pageSize;
        return Arrays.copyOfRange(backing, at, at + pageSize);
    }

    /** True if slot {@code index} is ZRAM_WB: its page is on the backing device, not in the pool. */
    public boolean isWrittenBack(int index) {
        checkIndex(index);
        return slots[index] < 0;
    }

    /** Which slots {@code recompress} considers ({@code type=}; none given = every slot). */
    public enum RecompressType {
        ALL(false, false), IDLE(true, false), HUGE(false, true), HUGE_IDLE(true, true);

        final boolean idle;
        final boolean huge;

        RecompressType(boolean idle, boolean huge) {
            this.idle = idle;
            this.huge = huge;
        }
    }

    /**
     * A {@code recompress} request, as written to {@code /sys/block/zramN/recompress}.
     *
     * @param type      which slots to consider
     * @param maxPages  at most this many recompression attempts (zram's {@code max_pages}); -1 = no limit
     * @param threshold 0, or consider only objects of at least this size and accept only new objects under it
     * @param algo      null, or the one recompression codec to use, by name ({@code zstd}) or spec ({@code zstd:9})
     * @param priority  0 = no {@code priority=} given, else the one priority to use (as the kernel, 0 written means 1)
     */
    public record RecompressRequest(RecompressType type, long maxPages, int threshold, String algo, int priority) {
        public RecompressRequest {
            if (type == null) {
                throw new IllegalArgumentException("recompress: type must not be null");
            }
            if (maxPages < -1 || threshold < 0 || priority < 0 || priority > StoreConfig.MAX_RECOMPRESS_CODECS) {
                throw new IllegalArgumentException("recompress: max_pages " + maxPages + ", threshold " + threshold
                        + ", priority " + priority + " (expected max_pages >= 0, threshold >= 0, priority 1.."
                        + StoreConfig.MAX_RECOMPRESS_CODECS + ")");
            }
        }

        /** Every slot, every recompression codec, no limit. */
        public static RecompressRequest all() {
            return new RecompressRequest(RecompressType.ALL, -1, 0, null, 0);
        }

        /**
         * Parses the sysfs text, e.g. {@code type=huge_idle max_pages=100 threshold=1000 algo=zstd}. Unlike the
         * kernel, which ignores an unknown key or type value, this refuses them, naming the word.
         */
        public static RecompressRequest parse(String text) {
            RecompressType type = RecompressType.ALL;
            long maxPages = -1;
            int threshold = 0;
            String algo = null;
            int priority = 0;
            for (String word : text.trim().split("\\s+")) {
                if (word.isEmpty()) {
                    continue;
                }
                int eq = word.indexOf('=');
                if (eq <= 0 || eq == word.length() - 1) {
                    throw new IllegalArgumentException("recompress: '" + word + "' (expected KEY=VALUE)");
                }
                String key = word.substring(0, eq);
                String val = word.substring(eq + 1);
                try {
                    switch (key) {
                        case "type" -> {
                            try {
                                type = RecompressType.valueOf(val.toUpperCase(Locale.ROOT));
                            } catch (IllegalArgumentException e) {
                                throw new IllegalArgumentException("recompress: type '" + val
                                        + "' (expected idle, huge, huge_idle or all)", e);
                            }
                        }
                        case "max_pages" -> maxPages = Long.parseLong(val);
                        case "threshold" -> threshold = Integer.parseInt(val);
                        case "algo" -> algo = val;
                        case "priority" -> priority = Math.max(1, Integer.parseInt(val));
                        default -> throw new IllegalArgumentException("recompress: unknown key '" + key
                                + "' (expected type, max_pages, threshold, algo or priority)");
                    }
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("recompress: " + key + " '" + val + "' is not a number", e);
                }
            }
            return new RecompressRequest(type, maxPages, threshold, algo, priority);
        }
    }

    /**
     * What {@link #recompress} did. {@code comprBefore}/{@code comprAfter} are {@code compr_data_size}.
     *
     * @param candidates   slots the scan selected
     * @param attempted    slots a secondary codec compressed (zram's {@code max_pages} counts these)
     * @param recompressed slots whose object was replaced
     * @param incompressible slots newly marked ZRAM_INCOMPRESSIBLE
     * @param error        null, or why the run stopped early (the pool had no room for a new object)
     */
    public record RecompressReport(int candidates, long attempted, long recompressed, long incompressible,
                                   long comprBefore, long comprAfter, String error) {
    }

    /**
     * {@code recompress_store} (Linux 6.18): resolves the priorities ({@code priority=} picks one; {@code algo=}
     * picks the codec of that name; otherwise all of 1..n), scans the slots in index order for those of the right
     * type that are not same-filled, not ZRAM_INCOMPRESSIBLE and not already at the highest priority, puts them in
     * 64-byte size buckets (each a LIFO list), and recompresses them largest bucket first ({@code select_pp_slot}),
     * page by page as {@link PageStore#recompress}, until {@code max_pages} attempts are spent.
     *
     * @throws IllegalArgumentException where the kernel returns -EINVAL: threshold ≥ huge_class_size, an unknown
     *                                  {@code algo}, or no recompression codec in the priorities asked for
     */
    public RecompressReport recompress(RecompressRequest req) {
        StoreConfig config = store.config();
        int hugeClassSize = config.classes().hugeClassSize();
        if (req.threshold() >= hugeClassSize) {
            throw new IllegalArgumentException("recompress: threshold " + req.threshold() + " >= huge_class_size "
                    + hugeClassSize + " (the kernel's -EINVAL)");
        }
        int active = 1 + config.recompressCodecs().size(); // num_active_comps
        int prio = 1;
        int prioMax = active;
        if (req.priority() != 0) {
            prio = req.priority();
            prioMax = prio + 1;
        }
        if (req.algo() != null) {
            int found = -1;
            for (int p = prio; p < active; p++) {
                CodecSpec c = config.codecOfPriority(p);
                if (c.toString().equals(req.algo()) || c.algorithm().id().equals(req.algo())) {
                    found = p;
                    break;
                }
            }
            if (found < 0) {
                throw new IllegalArgumentException("recompress: algo '" + req.algo() + "' is not a recompression codec of "
                        + "this device at priority " + prio + " or above " + config.recompressCodecs());
            }
            prio = found;
            prioMax = found + 1;
        }
        prioMax = Math.min(prioMax, active);
        if (prio >= prioMax) {
            throw new IllegalArgumentException("recompress: no recompression codec at priority " + prio
                    + (active == 1 ? " (the device has none: StoreConfig.withRecompressCodecs)" : " (the device has 1.."
                    + (active - 1) + ")"));
        }
        long before = store.mmStat().comprDataSize();

        // scan_slots_for_recompress + place_pp_slot: bucket = size / 64, each bucket a LIFO list (list_add).
        final int buckets = pageSize / PP_BUCKET_SIZE_RANGE + 1;
        int[] bucketOf = new int[slots.length];
        int[] count = new int[buckets];
        int candidates = 0;
        for (int i = 0; i < slots.length; i++) {
            bucketOf[i] = -1;
            long id = slots[i];
            if (id <= 0 || (req.type().idle && (flags[i] & IDLE) == 0) || (flags[i] & INCOMPRESSIBLE) != 0) {
                continue;
            }
            int meta = store.metaOf(id);
            if ((meta & PageId.SAME) != 0 || (req.type().huge && (meta & PageId.HUGE) == 0)
                    || PageId.metaPrio(meta) + 1 >= prioMax) {
                continue;
            }
            bucketOf[i] = (meta & PageId.SIZE_MASK) / PP_BUCKET_SIZE_RANGE;
            count[bucketOf[i]]++;
            candidates++;
        }
        int[] order = ppOrder(bucketOf, count, candidates);
        long budget = req.maxPages() < 0 ? Long.MAX_VALUE : req.maxPages();
        long attempted = 0;
        long replaced = 0;
        long marked = 0;
        String error = null;
        for (int k = 0; k < candidates && budget != 0; k++) {
            int i = order[k];
            PageStore.Recompression r = store.recompress(slots[i], prio, prioMax, req.threshold());
            if (r.touched()) {
                flags[i] &= ~IDLE;
            }
            if (r.spent()) {
                attempted++;
                budget--;
            }
            switch (r.outcome()) {
                case RECOMPRESSED -> {
                    slots[i] = r.id();
                    flags[i] = 0;
                    replaced++;
                }
                case NO_GAIN -> {
                    if (r.exhausted()) {
                        flags[i] |= INCOMPRESSIBLE;
                        marked++;
                    }
                }
                case NO_MEMORY -> error = "no pool memory for the recompressed object of slot " + i + " ("
                        + r.oldLength() + " B now)";
                default -> {
                }
            }
            if (error != null) {
                break;
            }
        }
        return new RecompressReport(candidates, attempted, replaced, marked, before, store.mmStat().comprDataSize(),
                error);
    }

    /** Which slots {@link #writeback} writes: {@code idle}, {@code huge}, {@code huge_idle}, {@code incompressible}. */
    public enum WritebackMode {
        IDLE("idle", true, false, false), HUGE("huge", false, true, false), HUGE_IDLE("huge_idle", true, true, false),
        INCOMPRESSIBLE("incompressible", false, false, true), PAGE("page_index=N", false, false, false);

        final String text;
        final boolean idle;
        final boolean huge;
        final boolean incompressible;

        WritebackMode(String text, boolean idle, boolean huge, boolean incompressible) {
            this.text = text;
            this.idle = idle;
            this.huge = huge;
            this.incompressible = incompressible;
        }
    }

    /** What {@code writeback} was asked: a mode, and for {@link WritebackMode#PAGE} the one slot. */
    public record WritebackRequest(WritebackMode mode, int page) {
        /**
         * Parses what one writes to zram's {@code writeback}: {@code idle}, {@code huge}, {@code huge_idle},
         * {@code incompressible} or {@code page_index=N} ({@code N} a slot of a device of {@code pages} slots).
         *
         * @throws IllegalArgumentException naming the text, as the kernel's -EINVAL
         */
        public static WritebackRequest parse(String text, int pages) {
            String t = text.trim();
            for (WritebackMode m : WritebackMode.values()) {
                if (m != WritebackMode.PAGE && m.text.equals(t)) {
                    return new WritebackRequest(m, -1);
                }
            }
            if (t.startsWith("page_index=")) {
                try {
                    int n = Integer.parseInt(t.substring("page_index=".length()));
                    if (n >= 0 && n < pages) {
                        return new WritebackRequest(WritebackMode.PAGE, n);
                    }
                } catch (NumberFormatException e) {
                    // named below
                }
            }
            throw new IllegalArgumentException("writeback: '" + text + "' (expected idle, huge, huge_idle, "
                    + "incompressible or page_index=N with N in 0.." + (pages - 1) + ")");
        }
    }

    /**
     * What a writeback did: slots written to the backing device, and the kernel's error if it stopped early
     * ({@code "ENOSPC"}: no free block left; {@code "EIO"}: the writeback limit is used up; the slots before it stay
     * written back).
     */
    public record WritebackReport(int written, String error) {
    }

    /**
     * {@code echo 0|1 > writeback_limit_enable} (any non-zero number is on). Switching it off keeps
     * {@code writeback_limit}, and while it is off nothing is taken off it.
     */
    public void writebackLimitEnable(boolean enable) {
        wbLimitEnable = enable;
    }

    public boolean writebackLimitEnabled() {
        return wbLimitEnable;
    }

    /**
     * {@code echo N > writeback_limit}: how many more 4 KiB units writeback may write while the limit is enabled
     * (an unsigned 64-bit count, as the kernel's {@code u64}: {@code -1} is 2<sup>64</sup> - 1). A page written back
     * takes {@code PAGE_SIZE / 4096} units off it: 4 on a 16 KiB-page kernel, where a limit that is not a multiple of
     * 4 passes 0 and wraps to a huge count, as the kernel's subtraction does up to 6.18; from 6.19 the number is
     * rounded down to a multiple of 4 there ({@code rounddown(val, PAGE_SIZE / 4096)}), so it reaches 0.
     */
    public void writebackLimit(long pages) {
        wbLimit = limitRoundedDown ? Long.divideUnsigned(pages, fourKUnits) * fourKUnits : pages;
    }

    /** {@code cat writeback_limit} (unsigned; see {@link #writebackLimit(long)}). */
    public long writebackLimit() {
        return wbLimit;
    }

    /** The limit stops writeback: the check both kernels make before each step, which gives EIO. */
    private boolean limitReached() {
        return wbLimitEnable && wbLimit == 0;
    }

    /**
     * After a page is written back: {@code bd_wb_limit -= 1UL << (PAGE_SHIFT - 12)} while the limit is enabled and
     * not yet 0 (unsigned: 2 less 4 wraps, as in the kernel).
     */
    private void chargeLimit() {
        if (wbLimitEnable && wbLimit != 0) {
            wbLimit -= fourKUnits;
        }
    }

    /**
     * {@code echo MODE > writeback} ({@code writeback_store}). A chosen slot
     * is neither empty, same-filled nor already written back, and is ZRAM_IDLE for {@code idle}, stored raw for
     * {@code huge} (both for {@code huge_idle}) or ZRAM_INCOMPRESSIBLE for {@code incompressible};
     * {@code page_index=N} takes slot N whatever its flags. The device's {@link WritebackOrder} decides the order and
     * when a full backing device stops the pass with ENOSPC. Each page is decompressed into the lowest free block
     * above 0 ({@code bd_writes}), its object freed (compr_data_size and huge_pages drop; pages_stored does not) and
     * its flags cleared. With {@link #writebackLimitEnable} on, each written page takes one off
     * {@link #writebackLimit}, and a limit of 0 stops the pass with EIO: 6.12 checks it before every slot index it
     * scans (so a pass that has used up the limit ends in EIO while any index is left, chosen or not, and a pass
     * begun at 0 fails at once), 6.18 before every chosen slot only. A mode the device's kernel does not know
     * ({@link Behaviour#writebackModes}) is refused with EINVAL and changes nothing.
     *
     * @throws IllegalStateException without a backing device (the kernel's -ENODEV)
     */
    public WritebackReport writeback(WritebackRequest req) {
        if (backing == null) {
            throw new IllegalStateException("writeback: this zram device has no backing device (ENODEV)");
        }
        if (!writebackModes.contains(req.mode())) { // this kernel's writeback_store does not know the word
            return new WritebackReport(0, "EINVAL");
        }
        int from = req.mode() == WritebackMode.PAGE ? req.page() : 0;
        int to = req.mode() == WritebackMode.PAGE ? req.page() + 1 : slots.length;
        if (writebackOrder == WritebackOrder.SLOT_INDEX) {
            // writeback_store's loop visits every slot index of the range and looks at the slot last
            return writeEntries(java.util.stream.IntStream.range(from, to).toArray(), i -> chosen(req.mode(), i),
                    i -> { }, 1);
        }
        return writebackScans(List.of(new Scan(req.mode(), from, to)));
    }

    /**
     * The loop every kernel runs over its entries (6.12: every slot index of the range; 6.18 and later: the placed
     * slots in bucket order): a used-up limit ends it with EIO, then (6.19, with {@code batch} writes in flight) the
     * writes in flight are completed, then a block is taken if none is held (ENOSPC when none is free), and only then
     * is the entry looked at: {@code take} says whether its slot is to be written. A block taken for an entry that is
     * not written serves the next one, and one left at the end is given back.
     *
     * <p>Up to 6.18 a write completes at once ({@code batch} 1). From 6.19 ({@code zram_writeback_slots} with
     * {@code writeback_batch_size}) a write only starts there: the page is copied out and the limit charged at
     * submission, while {@code bd_writes}, the object's free and the end of the slot's post-processing mark
     * ({@code release}) come with {@code zram_writeback_complete}, when all {@code batch} requests are in flight and
     * at the end of the pass. The kernel then completes what the backing device has finished; gmc completes every
     * write in flight, newest first (the done list is LIFO), as a device that has finished them all. So an entry
     * whose slot is still in flight (a slot listed twice, within one batch) writes it a second time: both count in
     * {@code bd_writes} and in the limit, and the write completed second finds the slot released and gives its block
     * back.
     */
    private WritebackReport writeEntries(int[] entries, IntPredicate take, IntConsumer release, int batch) {
        // no more can be in flight than there are entries (the kernel, too, allocates requests only as it can)
        int[] flightSlot = new int[Math.min(batch, entries.length)];
        int[] flightBlock = new int[flightSlot.length];
        int[] flightMeta = new int[flightSlot.length];
        int inFlight = 0;
        int written = 0;
        int blk = NO_BLOCK;
        String error = null;
        for (int i : entries) {
            if (limitReached()) {
                error = "EIO";
                break;
            }
            if (inFlight == batch) {
                written += complete(flightSlot, flightBlock, flightMeta, inFlight, take, release);
                inFlight = 0;
            }
            if (blk == NO_BLOCK) {
                blk = allocBlock();
                if (blk == NO_BLOCK) {
                    error = "ENOSPC";
                    break;
                }
            }
            if (take.test(i)) {
                if (compressedWb) { // read_from_zspool_raw
                    flightMeta[inFlight] = store.metaOf(slots[i]);
                    store.readStored(slots[i], backing, blk * pageSize);
                } else {
                    store.load(slots[i], backing, blk * pageSize);
                }
                chargeLimit();
                flightSlot[inFlight] = i;
                flightBlock[inFlight++] = blk;
                blk = NO_BLOCK;
            }
        }
        if (blk != NO_BLOCK) {
            freeBlock(blk);
        }
        written += complete(flightSlot, flightBlock, flightMeta, inFlight, take, release);
        return new WritebackReport(written, error);
    }

    /**
     * {@code zram_writeback_complete} of the first {@code n} writes in flight, newest first: a slot still taken (still
     * marked) frees its object (zram_free_page: no notify_free) and becomes ZRAM_WB in its block; otherwise the block
     * goes back. Returns the slots written back.
     */
    private int complete(int[] flightSlot, int[] flightBlock, int[] flightMeta, int n, IntPredicate take,
                         IntConsumer release) {
        int written = 0;
        for (int k = n - 1; k >= 0; k--) {
            int i = flightSlot[k];
            bdWrites++;
            if (take.test(i)) {
                store.freeReplaced(slots[i]);
                slots[i] = ~flightBlock[k];
                if (compressedWb) {
                    wbMeta[i] = flightMeta[k];
                }
                flags[i] = 0;
                release.accept(i); // release_pp_slot
                written++;
            } else {
                freeBlock(flightBlock[k]);
            }
        }
        return written;
    }

    /**
     * {@code echo N > writeback_batch_size} (6.19 and later): how many writes one writeback keeps in flight before it
     * completes them (32 by default).
     *
     * @throws IllegalArgumentException for 0 or less (EINVAL), or on a kernel without the attribute
     */
    public void writebackBatchSize(int n) {
        if (!batchedWriteback) {
            throw new IllegalArgumentException("writeback_batch_size: this device's kernel has no such attribute "
                    + "(it came with 6.19)");
        }
        if (n <= 0) {
            throw new IllegalArgumentException("writeback_batch_size: " + n + " (EINVAL: at least 1)");
        }
        writebackBatchSize = n;
    }

    /** {@code cat writeback_batch_size}. */
    public int writebackBatchSize() {
        return writebackBatchSize;
    }

    /** One {@code scan_slots_for_writeback} of slots {@code [lo, hi)} in {@code mode} ({@code PAGE}: any slot). */
    private record Scan(WritebackMode mode, int lo, int hi) {
    }

    /**
     * 6.18's {@code writeback_store} after parsing: each scan places the slots it chooses ({@code place_pp_slot}:
     * at the head of the list of their size bucket, so a bucket is taken last placed first), then
     * {@code zram_writeback_slots} takes the largest bucket's first slot until none is left. A slot placed by two
     * scans (overlapping ranges) is listed twice: its second entry still passes the limit check and takes a block
     * before it finds the slot no longer marked ({@code ZRAM_PP_SLOT}) and skips it, so it can end the pass with
     * EIO or ENOSPC although it writes nothing; an unused block is given back at the end.
     */
    private WritebackReport writebackScans(List<Scan> scans) {
        int n = 0;
        for (Scan sc : scans) {
            n += Math.max(0, sc.hi() - sc.lo());
        }
        int[] placed = new int[n];
        int[] bucket = new int[n];
        boolean[] marked = new boolean[slots.length];
        int count = 0;
        for (Scan sc : scans) {
            for (int i = sc.lo(); i < sc.hi(); i++) {
                if (chosen(sc.mode(), i)) {
                    placed[count] = i;
                    bucket[count++] = (store.metaOf(slots[i]) & PageId.SIZE_MASK) / PP_BUCKET_SIZE_RANGE;
                    marked[i] = true;
                }
            }
        }
        // select_pp_slot's order: the largest bucket first, and within a bucket the last placed first (list_add
        // puts each entry at the head): a counting sort of the placements, read backwards
        int buckets = pageSize / PP_BUCKET_SIZE_RANGE + 1;
        int[] start = new int[buckets + 1];
        for (int k = 0; k < count; k++) {
            start[bucket[k]]++;
        }
        for (int b = buckets - 1, sum = 0; b >= 0; b--) {
            int c = start[b];
            start[b] = sum;
            sum += c;
        }
        int[] order = new int[count];
        for (int k = count - 1; k >= 0; k--) {
            order[start[bucket[k]]++] = placed[k];
        }
        // a second entry of a slot already written back (no longer marked) is skipped
        return writeEntries(order, i -> marked[i], i -> marked[i] = false, batchedWriteback ? writebackBatchSize : 1);
    }

    /**
     * {@code echo TEXT > writeback} as this device's kernel parses it, with the kernel's refusals as the report's
     * error ({@code "EINVAL"}, {@code "ERANGE"}; nothing is written then).
     * <ul>
     *   <li>6.14 and earlier ({@link Behaviour#writebackParameters} false): one word, {@link WritebackRequest#parse};
     *       anything else is EINVAL.</li>
     *   <li>6.17 and later: space-separated parameters, read in order.
     *       {@code page_index=N} and {@code page_indexes=A-B} (inclusive) each scan their range at once, taking any
     *       stored slot, and become the range of what follows; {@code type=MODE}, or a bare mode word (the older
     *       form), scans the current range (the whole device if none was given) for that mode and ends the parsing.
     *       An index past the device is ERANGE, as is {@code A > B}; a value that is not a decimal number, a
     *       missing {@code -}, an unknown mode or a parameter without a value are EINVAL; other parameters are
     *       ignored. So {@code page_indexes=0-9 type=huge} writes back every stored slot of 0..9, not only the huge
     *       ones: the range was scanned before {@code type} was read. Quoted values are not parsed.</li>
     * </ul>
     *
     * @throws IllegalStateException without a backing device (the kernel's -ENODEV)
     */
    public WritebackReport writeback(String text) {
        if (backing == null) {
            throw new IllegalStateException("writeback: this zram device has no backing device (ENODEV)");
        }
        if (!writebackParameters) {
            WritebackRequest req;
            try {
                req = WritebackRequest.parse(text.endsWith("\n") ? text.substring(0, text.length() - 1) : text,
                        slots.length);
            } catch (IllegalArgumentException e) {
                return new WritebackReport(0, "EINVAL");
            }
            return writeback(req);
        }
        List<Scan> scans = new java.util.ArrayList<>();
        int lo = 0;
        int hi = slots.length;
        for (String arg : text.trim().split("\\s+")) {
            if (arg.isEmpty()) {
                break;
            }
            int eq = arg.indexOf('=', 1); // next_arg: an '=' in front does not split
            String param = eq < 0 ? arg : arg.substring(0, eq);
            String val = eq < 0 ? "" : arg.substring(eq + 1);
            if (val.isEmpty() || param.equals("type")) {
                WritebackMode mode = modeNamed(val.isEmpty() ? param : val);
                if (mode == null) {
                    return new WritebackReport(0, "EINVAL");
                }
                scans.add(new Scan(mode, lo, hi));
                break;
            }
            if (param.equals("page_index") || param.equals("page_indexes")) {
                long a;
                long b;
                if (param.equals("page_index")) {
                    a = kstrtoul(val);
                    b = a;
                } else {
                    int dash = val.indexOf('-');
                    if (dash < 0) {
                        return new WritebackReport(0, "EINVAL");
                    }
                    a = kstrtoul(val.substring(0, dash));
                    if (a >= 0 && a >= slots.length) {
                        return new WritebackReport(0, "ERANGE"); // the first number is checked before the second is read
                    }
                    b = a < 0 ? a : kstrtoul(val.substring(dash + 1));
                }
                if (a == KSTRTOUL_EINVAL || b == KSTRTOUL_EINVAL) {
                    return new WritebackReport(0, "EINVAL");
                }
                if (a == KSTRTOUL_ERANGE || b == KSTRTOUL_ERANGE || a >= slots.length || b >= slots.length || a > b) {
                    return new WritebackReport(0, "ERANGE");
                }
                lo = (int) a;
                hi = (int) b + 1;
                scans.add(new Scan(WritebackMode.PAGE, lo, hi));
            }
        }
        return writebackScans(scans);
    }

    private static final long KSTRTOUL_EINVAL = -1;
    private static final long KSTRTOUL_ERANGE = -2;

    /**
     * The kernel's {@code kstrtoul(s, 10)} on a 64-bit kernel: an optional {@code +}, decimal digits, an optional
     * trailing newline; {@link #KSTRTOUL_EINVAL} for anything else, {@link #KSTRTOUL_ERANGE} beyond 2<sup>64</sup> - 1
     * (reported here as any value above {@code Long.MAX_VALUE}: no device has that many slots).
     */
    static long kstrtoul(String s) {
        String t = s.startsWith("+") ? s.substring(1) : s;
        if (t.endsWith("\n")) {
            t = t.substring(0, t.length() - 1);
        }
        if (t.isEmpty() || !t.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return KSTRTOUL_EINVAL;
        }
        try {
            return Long.parseLong(t);
        } catch (NumberFormatException e) {
            return KSTRTOUL_ERANGE;
        }
    }

    /** {@code parse_mode}: the mode a word names, or null (EINVAL). */
    private static WritebackMode modeNamed(String word) {
        for (WritebackMode m : WritebackMode.values()) {
            if (m != WritebackMode.PAGE && m.text.equals(word)) {
                return m;
            }
        }
        return null;
    }

    /** Whether writeback in {@code mode} takes slot {@code i}: stored in the pool, not same-filled, and the mode's flags. */
    private boolean chosen(WritebackMode mode, int i) {
        long id = slots[i];
        if (id <= 0) {
            return false;
        }
        int meta = store.metaOf(id);
        return (meta & PageId.SAME) == 0 && !(mode.idle && (flags[i] & IDLE) == 0)
                && !(mode.huge && (meta & PageId.HUGE) == 0)
                && !(mode.incompressible && (flags[i] & INCOMPRESSIBLE) == 0);
    }

    /** No block free ({@code alloc_block_bdev}'s 0, {@code zram_reserve_bdev_block}'s INVALID_BDEV_BLOCK). */
    private static final int NO_BLOCK = -1;

    /**
     * {@code alloc_block_bdev} (6.18 and earlier: the lowest free block above 0) or {@code zram_reserve_bdev_block}
     * (6.19 and later: the lowest free block), or {@link #NO_BLOCK} when none is left.
     */
    private int allocBlock() {
        synchronized (blocksUsed) {
            int b = blocksUsed.nextClearBit(firstBlock);
            if (b >= backingPages) {
                return NO_BLOCK;
            }
            blocksUsed.set(b);
            bdCount++;
            return b;
        }
    }

    /** {@code free_block_bdev}. */
    private void freeBlock(long blk) {
        int b = Math.toIntExact(blk);
        synchronized (blocksUsed) {
            if (!blocksUsed.get(b)) {
                throw new IllegalStateException("backing-device block " + b + " freed twice");
            }
            blocksUsed.clear(b);
            bdCount--;
        }
    }

    private long bdCount() {
        if (blocksUsed == null) {
            return 0;
        }
        synchronized (blocksUsed) {
            return bdCount;
        }
    }

    /**
     * {@code select_pp_slot} over slots placed by {@code place_pp_slot} in ascending index ({@code bucketOf[i]}: the
     * slot's bucket, -1 for none; {@code count}: slots per bucket): the highest bucket first, each bucket's most
     * recently added (highest-index) slot first, since each bucket is a list that {@code list_add} prepends to.
     */
    private static int[] ppOrder(int[] bucketOf, int[] count, int candidates) {
        int buckets = count.length;
        int[] start = new int[buckets + 1];
        for (int b = buckets - 1; b >= 0; b--) {
            start[b] = start[b + 1] + count[b]; // order[start[b+1] .. start[b]) holds bucket b, highest first
        }
        int[] order = new int[candidates];
        int[] fill = new int[buckets];
        for (int i = bucketOf.length - 1; i >= 0; i--) { // descending index = LIFO within a bucket
            int b = bucketOf[i];
            if (b >= 0) {
                order[start[b + 1] + fill[b]++] = i;
            }
        }
        return order;
    }

    /** {@code PP_BUCKET_SIZE_RANGE}: post-processing buckets are 64 bytes of object size wide. */
    static final int PP_BUCKET_SIZE_RANGE = 64;

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

    /** The kernels this device behaves as. */
    public Behaviour behaviour() {
        return behaviour;
    }

    /** Bytes per slot: the kernel's PAGE_SIZE. */
    public int pageSize() {
        return pageSize;
    }

    public PageStore store() {
        return store;
    }

    /** {@code mm_stat}: the store's, with written-back slots still counted in {@code orig_data_size}. */
    public MmStat mmStat() {
        MmStat m = store.mmStat();
        return new MmStat(m.origDataSize() + bdCount() * pageSize, m.comprDataSize(), m.memUsedTotal(),
                m.memLimit(), m.memUsedMax(), m.samePages(), m.pagesCompacted(), m.hugePages(), m.hugePagesSince());
    }

    /** {@code io_stat}: the store's, plus the free notifications of discards over empty or written-back slots. */
    public IoStat ioStat() {
        IoStat s = store.ioStat();
        return new IoStat(s.failedReads(), s.failedWrites(), s.invalidIo(), s.notifyFree() + extraNotifyFree.sum());
    }

    /** {@code bd_stat}, in 4 KiB units as the kernel's {@code FOUR_K} prints it; all zero without a backing device. */
    public BdStat bdStat() {
        return new BdStat(bdCount() * fourKUnits, bdReads.sum() * fourKUnits, bdWrites * fourKUnits);
    }

    /** The backing device's size in blocks of a page (0: none). */
    public int backingPages() {
        return backingPages;
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
