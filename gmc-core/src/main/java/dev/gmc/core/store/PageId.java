package dev.gmc.core.store;

/**
 * Layout of a compressed-page ID as {@link PageStore} hands it out (always positive, never 0):
 * <pre>
 *  63          46 45              32 31                                0
 * +--------------+------------------+-----------------------------------+
 * | 0 (18 bits)  | generation (14)  | entry-table index + 1 (32 bits)   |
 * +--------------+------------------+-----------------------------------+
 * </pre>
 * The store's entry for the index holds the generation it was handed out with; freeing bumps it, so an old ID is
 * recognised as stale, and an entry whose generation would wrap is retired, never reused: an ID can never reach a
 * later page's data. Negative values returned by {@link PageStore#store} are refusals, not IDs.
 *
 * <p>The entry (12 bytes of heap; zram's table entry is 16) is a {@code long} — the pool handle, or the fill word of a
 * same-filled page — and an {@code int}:
 * <pre>
 *  31               18 17      16  15     14     13   12           0
 * +-------------------+----------+------+------+------+-------------+
 * | generation (14)   | prio (2) | USED | HUGE | SAME | size (13)   |
 * +-------------------+----------+------+------+------+-------------+
 * </pre>
 * size is the stored object length (compressed length, 4096 for huge, 0 for same-filled), the low 13 bits of zram's
 * flags word ({@code ZRAM_FLAG_SHIFT} = 13). prio is the codec that wrote the object, as zram's
 * {@code ZRAM_COMP_PRIORITY} bits: 0 the store's codec, 1..3 its recompression codecs
 * ({@link StoreConfig#recompressCodecs()}).
 */
public final class PageId {
    static final int INDEX_BITS = 32;
    static final int GEN_BITS = 14;
    static final int MAX_GEN = (1 << GEN_BITS) - 1;
    static final long INDEX_MASK = (1L << INDEX_BITS) - 1;
    static final long RESERVED_MASK = ~((1L << (INDEX_BITS + GEN_BITS)) - 1);

    static final int SIZE_BITS = 13;
    static final int SIZE_MASK = (1 << SIZE_BITS) - 1;
    static final int SAME = 1 << 13;
    static final int HUGE = 1 << 14;
    static final int USED = 1 << 15;
    static final int PRIO_SHIFT = 16;
    static final int PRIO_MASK = 3 << PRIO_SHIFT;
    static final int META_GEN_SHIFT = 18;

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
