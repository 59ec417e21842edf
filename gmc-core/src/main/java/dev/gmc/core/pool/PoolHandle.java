package dev.gmc.core.pool;

/**
 * Bit layouts of zsmalloc handles as gmc emulates them (Netty {@code PoolChunk} style: widths first, shifts and
 * masks derived, tiny static decoders).
 *
 * <p><b>The handle</b> a caller holds (never 0):
 * <pre>
 *  63        52 51               32 31                               0
 * +------------+-------------------+----------------------------------+
 * | 0 (12 bits)| generation (20)   | handle-table index + 1 (32 bits) |
 * +------------+-------------------+----------------------------------+
 * </pre>
 * The kernel's handle is a pointer to an 8-byte slab cell that holds the object's location, so compaction can
 * move objects without telling their owners. Here the slab is the pool's handle table, and a handle carries the
 * generation the table slot had when it was handed out. Freeing bumps the slot's generation, so an old handle is
 * recognised as stale; a slot whose generation would wrap is retired, never reused, so a stale handle can never
 * name a later object. Reserved bits set, an index never handed out or generation 0 mark a forged handle.
 *
 * <p><b>The table entry</b> (one {@code long} per handle, the emulated slab cell):
 * <pre>
 *  63               44  43  42        35 34                  12 11           0
 * +-------------------+---+------------+----------------------+--------------+
 * | generation (20)   | A | class (8)  | zspage id (23)       | object (12)  |
 * +-------------------+---+------------+----------------------+--------------+
 * </pre>
 * A = allocated. The class id never changes while an object lives (compaction moves objects only within their
 * class), which is how a reader finds the lock to take before the location is stable. Zspage ids are local to a
 * class. 12 object bits hold the largest objs_per_zspage of every table the kernel's rules give: 256 at 4 KiB
 * pages (48-byte slots in 3 pages), 512 at 16 KiB and 2,048 at 64 KiB (32-byte slots in one page), which
 * {@link ZsPool} checks when it is built.
 */
public final class PoolHandle {
    static final int INDEX_BITS = 32;
    static final int GEN_BITS = 20;
    static final int OBJ_BITS = 12;
    static final int ZSPAGE_BITS = 23;
    static final int CLASS_BITS = 8;

    static final long INDEX_MASK = (1L << INDEX_BITS) - 1;
    static final int GEN_SHIFT_IN_HANDLE = INDEX_BITS;
    static final int MAX_GEN = (1 << GEN_BITS) - 1;
    static final long RESERVED_MASK = ~((1L << (INDEX_BITS + GEN_BITS)) - 1);

    static final int ZSPAGE_SHIFT = OBJ_BITS;
    static final int CLASS_SHIFT = ZSPAGE_SHIFT + ZSPAGE_BITS;
    static final int ALLOCATED_SHIFT = CLASS_SHIFT + CLASS_BITS;
    static final int GEN_SHIFT_IN_ENTRY = ALLOCATED_SHIFT + 1;
    static final long ALLOCATED = 1L << ALLOCATED_SHIFT;
    static final int MAX_ZSPAGES = 1 << ZSPAGE_BITS;

    private PoolHandle() {
    }

    static long handle(int index, int gen) {
        return (long) gen << GEN_SHIFT_IN_HANDLE | (index + 1L);
    }

    /** Table index named by a handle, or -1 if the index part is 0. */
    static int index(long handle) {
        return (int) ((handle & INDEX_MASK) - 1);
    }

    static int generation(long handle) {
        return (int) (handle >>> GEN_SHIFT_IN_HANDLE) & MAX_GEN;
    }

    static long entry(int gen, int classId, int zspage, int obj) {
        return (long) gen << GEN_SHIFT_IN_ENTRY | ALLOCATED | (long) classId << CLASS_SHIFT
                | (long) zspage << ZSPAGE_SHIFT | obj;
    }

    static long freedEntry(int gen) {
        return (long) gen << GEN_SHIFT_IN_ENTRY;
    }

    static int entryGen(long entry) {
        return (int) (entry >>> GEN_SHIFT_IN_ENTRY);
    }

    static boolean entryAllocated(long entry) {
        return (entry & ALLOCATED) != 0;
    }

    static int entryClass(long entry) {
        return (int) (entry >>> CLASS_SHIFT) & ((1 << CLASS_BITS) - 1);
    }

    static int entryZspage(long entry) {
        return (int) (entry >>> ZSPAGE_SHIFT) & (MAX_ZSPAGES - 1);
    }

    static int entryObj(long entry) {
        return (int) entry & ((1 << OBJ_BITS) - 1);
    }

    /** A readable rendering for messages and debugging: {@code index=…, gen=…}. */
    public static String describe(long handle) {
        return "index=" + index(handle) + ", gen=" + generation(handle);
    }
}
