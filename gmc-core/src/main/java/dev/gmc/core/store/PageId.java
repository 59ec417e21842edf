package dev.gmc.core.store;

/**
 * Layout of a compressed-page ID as {@link PageStore} hands it out (always positive, never 0):
 * <pre>
 *  63          44 43              32 31                                0
 * +--------------+------------------+-----------------------------------+
 * | 0 (20 bits)  | generation (12)  | entry-table index + 1 (32 bits)   |
 * +--------------+------------------+-----------------------------------+
 * </pre>
 * The store's entry for the index holds the generation it was handed out with; freeing bumps it, so an old ID is
 * recognised as stale, and an entry whose generation would wrap is retired, never reused: an ID can never reach a
 * later page's data. Negative values returned by {@link PageStore#store} are refusals, not IDs.
 *
 * <p>The entry (12 bytes of heap; zram's table entry is 16) is a {@code long} — the pool handle, or the fill word of a
 * same-filled page — and an {@code int}:
 * <pre>
 *  31               20 19      18  17     16     15   14           0
 * +-------------------+----------+------+------+------+-------------+
 * | generation (12)   | prio (2) | USED | HUGE | SAME | size (15)   |
 * +-------------------+----------+------+------+------+-------------+
 * </pre>
 * size is the stored object length (compressed length, PAGE_SIZE for huge, 0 for same-filled), as the low
 * {@code ZRAM_FLAG_SHIFT = PAGE_SHIFT + 1} bits of zram's flags word: 13 bits at 4 KiB, 15 at 16 KiB, the width kept
 * here for both (a 64 KiB page would need 17: {@link PageStore} refuses such a table). A generation is 12 bits: an entry is retired after 4,095 reuses, which leaks one 12-byte entry per
 * 4,095 frees at most. prio is the codec that wrote the object, as zram's
 * {@code ZRAM_COMP_PRIORITY} bits: 0 the store's codec, 1..3 its recompression codecs
 * ({@link StoreConfig#recompressCodecs()}).
 */
public final class PageId {
    static final int INDEX_BITS = 32;
    static final int GEN_BITS = 12;
    static final int MAX_GEN = (1 << GEN_BITS) - 1;
    static final long INDEX_MASK = (1L << INDEX_BITS) - 1;
    static final long RESERVED_MASK = ~((1L << (INDEX_BITS + GEN_BITS)) - 1);

    static final int SIZE_BITS = 15;
    static final int SIZE_MASK = (1 << SIZE_BITS) - 1;
    static final int SAME = 1 << SIZE_BITS;
    static final int HUGE = SAME << 1;
    static final int USED = HUGE << 1;
    static final int PRIO_SHIFT = SIZE_BITS + 3;
    static final int PRIO_MASK = 3 << PRIO_SHIFT;
    static final int META_GEN_SHIFT = PRIO_SHIFT + 2;

    private PageId() {
    }

    static long id(int index, int gen) {
        return (long) gen << INDEX_BITS | (index + 1L);
    }

    static int index(long id) {
        return (int) ((id & INDEX_MASK) - 1);
    }

    static int generation(long id) {
        return (int) (id >>> INDEX_BITS) & MAX_GEN;
    }

    static int metaGen(int meta) {
        return meta >>> META_GEN_SHIFT;
    }

    static int metaPrio(int meta) {
        return (meta & PRIO_MASK) >>> PRIO_SHIFT;
    }

    /** {@code index=…, gen=…} for messages. */
    public static String describe(long id) {
        return "page id 0x" + Long.toHexString(id) + " (index=" + index(id) + ", gen=" + generation(id) + ")";
    }
}
