package dev.gmc.core.codec;

/**
 * The Linux kernel's software 842 compressor and decompressor ({@code lib/842/842_compress.c} and
 * {@code 842_decompress.c}, Dan Streetman, IBM), re-implemented in Java so that its output is <b>bit-identical</b> to
 * what zram's {@code 842} stores.
 *
 * <p>The format (lib/842/842.h): every 8 input bytes become one 5-bit template code and its arguments, MSB first:
 * data (2, 4 or 8 bytes) or indexes into ring buffers of the last 512 bytes (I2, 8 bits), 2 KiB (I4, 9 bits) or 2 KiB
 * (I8, 8 bits) of input; special templates repeat the previous 8 bytes (6-bit count), write 8 zeros, carry fewer than
 * 8 trailing bytes ("short data", software only) or end the stream, which is followed by the CRC-32 (big-endian,
 * {@code crc32_be(0, ...)}) of the input and zero bytes up to a multiple of 8.
 *
 * <p>The compressor tries the 25 templates in the kernel's order and takes the first whose indexes all hit. An index
 * is the ring slot the kernel's hash table finds: the kernel keeps one node per slot in a hash list, re-adding a
 * slot's node at the head of its bucket each time the slot takes new data, and stops at the first node of equal
 * data, so the slot found is the one that most recently took that value. Here each value keeps its slots in a
 * recency list ({@link Table}), which finds the same slot. Not thread-safe: one instance per thread.
 */
public final class Sw842 {
    private static final int OP_REPEAT = 0x1B;
    private static final int OP_ZEROS = 0x1C;
    private static final int OP_END = 0x1E;
    private static final int OP_SHORT_DATA = 0x1D;
    private static final int OP_BITS = 5;
    private static final int REPEAT_BITS = 6;
    private static final int SHORT_DATA_BITS = 3;
    private static final int I2_BITS = 8;
    private static final int I4_BITS = 9;
    private static final int I8_BITS = 8;
    private static final int CRC_BITS = 32;
    private static final int REPEAT_BITS_MAX = 0x3f;
    private static final int OPS_MAX = 0x1a;

    private static final int INDEX = 0x10;
    private static final int DATA = 0x20;
    private static final int NOOP = 0x40;
    private static final int AMOUNT = 0x0f;
    private static final int D2 = DATA | 2;
    private static final int D4 = DATA | 4;
    private static final int D8 = DATA | 8;
    private static final int I2 = INDEX | 2;
    private static final int I4 = INDEX | 4;
    private static final int I8 = INDEX | 8;
    private static final int N0 = NOOP;

    /** {@code comp_ops}: the compressor's templates in the order it tries them, with their codes. */
    private static final int[][] COMP_OPS = {
        {I8, N0, N0, N0, 0x19}, {I4, I4, N0, N0, 0x18}, {I4, I2, I2, N0, 0x17}, {I2, I2, I4, N0, 0x13},
        {I2, I2, I2, I2, 0x12}, {I4, I2, D2, N0, 0x16}, {I4, D2, I2, N0, 0x15}, {I2, D2, I4, N0, 0x0e},
        {D2, I2, I4, N0, 0x09}, {I2, I2, I2, D2, 0x11}, {I2, I2, D2, I2, 0x10}, {I2, D2, I2, I2, 0x0d},
        {D2, I2, I2, I2, 0x08}, {I4, D4, N0, N0, 0x14}, {D4, I4, N0, N0, 0x04}, {I2, I2, D4, N0, 0x0f},
        {I2, D2, I2, D2, 0x0c}, {I2, D4, I2, N0, 0x0b}, {D2, I2, I2, D2, 0x07}, {D2, I2, D2, I2, 0x06},
        {D4, I2, I2, N0, 0x03}, {I2, D2, D4, N0, 0x0a}, {D2, I2, D4, N0, 0x05}, {D4, I2, D2, N0, 0x02},
        {D4, D2, I2, N0, 0x01}, {D8, N0, N0, N0, 0x00},
    };

    /** {@code decomp_ops}: the actions of template code 0..0x19. */
    private static final int[][] DECOMP_OPS = {
        {D8, N0, N0, N0}, {D4, D2, I2, N0}, {D4, I2, D2, N0}, {D4, I2, I2, N0}, {D4, I4, N0, N0},
        {D2, I2, D4, N0}, {D2, I2, D2, I2}, {D2, I2, I2, D2}, {D2, I2, I2, I2}, {D2, I2, I4, N0},
        {I2, D2, D4, N0}, {I2, D4, I2, N0}, {I2, D2, I2, D2}, {I2, D2, I2, I2}, {I2, D2, I4, N0},
        {I2, I2, D4, N0}, {I2, I2, D2, I2}, {I2, I2, I2, D2}, {I2, I2, I2, I2}, {I2, I2, I4, N0},
        {I4, D4, N0, N0}, {I4, D2, I2, N0}, {I4, I2, D2, N0}, {I4, I2, I2, N0}, {I4, I4, N0, N0},
        {I8, N0, N0, N0},
    };

    private static final int[] CRC_TABLE = new int[256];

    static {
        for (int i = 0; i < 256; i++) { // crc32_be: polynomial 0x04C11DB7, most significant bit first
            int c = i << 24;
            for (int k = 0; k < 8; k++) {
                c = (c & 0x80000000) != 0 ? (c << 1) ^ 0x04C11DB7 : c << 1;
            }
            CRC_TABLE[i] = c;
        }
    }

    /** The kernel's {@code crc32_be(seed, p, len)}: no reflection, no final inversion. */
    static int crc32Be(int seed, byte[] b, int off, int len) {
        int crc = seed;
        for (int i = off; i < off + len; i++) {
            crc = (crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ b[i]) & 0xFF];
        }
        return crc;
    }

    /** Worst case for {@code n} input bytes: 69 bits per 8 bytes, short data, end, CRC, padding to 8. */
    public static int maxCompressedLength(int n) {
        long bits = (long) (n / 8) * (OP_BITS + 64) + OP_BITS + SHORT_DATA_BITS + 8L * (n % 8) + OP_BITS + CRC_BITS;
        return (int) (((bits + 7) / 8 + 7) / 8 * 8);
    }

    /**
     * One hash table of the kernel's: {@code slots} ring slots, each holding the last value written to it. For each
     * value, its slots in order of when they last took it, newest first (the order the kernel's bucket lists them):
     * a doubly linked list per value, whose newest slot an open-addressing map (linear probing, deletion by backward
     * shift, so no tombstones pile up over a page's thousands of replacements) finds by value.
     */
    static final class Table {
        final long[] data;
        final boolean[] added;
        final int[] newer;
        final int[] older;
        // value -> newest slot
        final long[] keys;
        final int[] heads;
        final boolean[] used;
        final int mask;

        Table(int slots) {
            data = new long[slots];
            added = new boolean[slots];
            newer = new int[slots];
            older = new int[slots];
            int cap = Integer.highestOneBit(slots) * 4; // at most `slots` live values: a load of 1/4 or less
            keys = new long[cap];
            heads = new int[cap];
            used = new boolean[cap];
            mask = cap - 1;
        }

        void reset() {
            java.util.Arrays.fill(added, false);
            java.util.Arrays.fill(used, false);
        }

        private int home(long key) {
            long h = key * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 32)) & mask;
        }

        /** The map's index of {@code key}, or of the free entry where it would go. */
        private int indexOf(long key) {
            int i = home(key);
            while (used[i] && keys[i] != key) {
                i = (i + 1) & mask;
            }
            return i;
        }

        private void removeKey(long key) {
            int i = indexOf(key);
            int j = i;
            while (true) { // backward shift: pull later entries of the run into the hole when they may live there
                j = (j + 1) & mask;
                if (!used[j]) {
                    break;
                }
                int k = home(keys[j]);
                if (i <= j ? i < k && k <= j : i < k || k <= j) {
                    continue; // keys[j]'s home lies between the hole and j: it must stay
                }
                keys[i] = keys[j];
                heads[i] = heads[j];
                i = j;
            }
            used[i] = false;
        }

        /** {@code replace_hash}: slot {@code s} takes {@code value} and becomes its newest slot. */
        void replace(int s, long value) {
            if (added[s]) { // hash_del
                if (newer[s] >= 0) {
                    older[newer[s]] = older[s];
                } else if (older[s] >= 0) {
                    heads[indexOf(data[s])] = older[s];
                } else {
                    removeKey(data[s]);
                }
                if (older[s] >= 0) {
                    newer[older[s]] = newer[s];
                }
            }
            data[s] = value; // hash_add: at the head
            added[s] = true;
            int i = indexOf(value);
            int head = used[i] ? heads[i] : -1;
            used[i] = true;
            keys[i] = value;
            heads[i] = s;
            newer[s] = -1;
            older[s] = head;
            if (head >= 0) {
                newer[head] = s;
            }
        }

        /** {@code find_index}: the slot that most recently took {@code value}, or -1. */
        int find(long value) {
            int i = indexOf(value);
            return used[i] ? heads[i] : -1;
        }
    }

    private final Table t8 = new Table(1 << I8_BITS);
    private final Table t4 = new Table(1 << I4_BITS);
    private final Table t2 = new Table(1 << I2_BITS);

    // the current 8-byte block, as the kernel's p->dataN and p->indexN (-2: not looked up yet)
    private long data8;
    private final long[] data4 = new long[2];
    private final long[] data2 = new long[4];
    private int index8;
    private final int[] index4 = new int[2];
    private final int[] index2 = new int[4];

    // the output bit stream
    private byte[] out;
    private int op;
    private long acc; // bits not yet written, right-aligned
    private int accBits;

    private void addBits(long d, int n) {
        if (n > 32) {
            addBits(d >>> 32, n - 32);
            addBits(d & 0xFFFFFFFFL, 32);
            return;
        }
        acc = (acc << n) | (d & ((1L << n) - 1));
        accBits += n;
        while (accBits >= 8) {
            accBits -= 8;
            out[op++] = (byte) (acc >>> accBits);
        }
    }

    private static long be(byte[] b, int off, int bytes) {
        long v = 0;
        for (int i = 0; i < bytes; i++) {
            v = (v << 8) | (b[off + i] & 0xFF);
        }
        return v;
    }

    private boolean checkIndex(int amount, int n) {
        switch (amount) {
            case 2:
                if (index2[n] == -2) {
                    index2[n] = t2.find(data2[n]);
                }
                return index2[n] >= 0;
            case 4:
                if (index4[n] == -2) {
                    index4[n] = t4.find(data4[n]);
                }
                return index4[n] >= 0;
            default:
                if (index8 == -2) {
                    index8 = t8.find(data8);
                }
                return index8 >= 0;
        }
    }

    /** {@code check_template}: do all of template {@code c}'s indexes hit? */
    private boolean checkTemplate(int c) {
        int[] t = COMP_OPS[c];
        int b = 0;
        for (int i = 0; i < 4; i++) {
            if ((t[i] & INDEX) != 0) {
                int amount = t[i] & AMOUNT;
                if (!checkIndex(amount, amount == 8 ? 0 : b / amount)) {
                    return false;
                }
            }
            b += t[i] & AMOUNT;
        }
        return true;
    }

    /** {@code add_template}: template {@code c}'s code and arguments for the block at {@code in}. */
    private void addTemplate(int c, byte[] src, int in) {
        int[] t = COMP_OPS[c];
        addBits(t[4], OP_BITS);
        int b = 0;
        for (int i = 0; i < 4; i++) {
            int amount = t[i] & AMOUNT;
            boolean index = (t[i] & INDEX) != 0;
            switch (amount) {
                case 8 -> addBits(index ? index8 : data8, index ? I8_BITS : 64);
                case 4 -> {
                    if (b == 2 && !index) {
                        addBits(be(src, in + 2, 4), 32); // a D4 at byte 2 reads the input there
                    } else {
                        addBits(index ? index4[b >> 2] : data4[b >> 2], index ? I4_BITS : 32);
                    }
                }
                case 2 -> addBits(index ? index2[b >> 1] : data2[b >> 1], index ? I2_BITS : 16);
                default -> { }
            }
            b += amount;
        }
    }

    /** {@code update_hashtables} for the block at input offset {@code pos}. */
    private void updateTables(int pos) {
        int n8 = (pos >> 3) % (1 << I8_BITS);
        int n4 = (pos >> 2) % (1 << I4_BITS);
        int n2 = (pos >> 1) % (1 << I2_BITS);
        t8.replace(n8, data8);
        t4.replace(n4, data4[0]);
        t4.replace(n4 + 1, data4[1]);
        for (int k = 0; k < 4; k++) {
            t2.replace(n2 + k, data2[k]);
        }
    }

    /**
     * {@code sw842_compress} of {@code src[srcOff, srcOff+srcLen)} into {@code dst} at {@code dstOff}, which must hold
     * {@link #maxCompressedLength(int)} bytes.
     *
     * @return the compressed length (a multiple of 8)
     */
    public int compress(byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff) {
        PageCodec.checkRange("src", src, srcOff, srcLen);
        PageCodec.checkRange("dst", dst, dstOff, maxCompressedLength(srcLen));
        t8.reset();
        t4.reset();
        t2.reset();
        out = dst;
        op = dstOff;
        acc = 0;
        accBits = 0;
        int in = srcOff;
        int left = srcLen;
        try {
            if (left >= 8) {
                long last = ~be(src, in, 8); // differs from the first block, so that it is no repeat
                int repeat = 0;
                while (left > 7) {
                    long next = be(src, in, 8);
                    data8 = next;
                    data4[0] = next >>> 32;
                    data4[1] = next & 0xFFFFFFFFL;
                    for (int k = 0; k < 4; k++) {
                        data2[k] = (next >>> (48 - 16 * k)) & 0xFFFF;
                    }
                    boolean repeated = false;
                    if (next == last && ++repeat <= REPEAT_BITS_MAX) {
                        repeated = true; // counted; written when the run ends
                    } else if (repeat > 0) {
                        addBits(OP_REPEAT, OP_BITS);
                        addBits(repeat - 1, REPEAT_BITS); // 0-based
                        repeat = 0;
                        repeated = next == last; // a run of 64: this block is its last
                    }
                    if (!repeated) {
                        if (next == 0) {
                            addBits(OP_ZEROS, OP_BITS);
                        } else {
                            index8 = -2;
                            index4[0] = -2;
                            index4[1] = -2;
                            for (int k = 0; k < 4; k++) {
                                index2[k] = -2;
                            }
                            int c = 0;
                            while (c < OPS_MAX - 1 && !checkTemplate(c)) {
                                c++;
                            }
                            addTemplate(c, src, in);
                        }
                    }
                    last = next;
                    updateTables(in - srcOff);
                    in += 8;
                    left -= 8;
                }
                if (repeat > 0) {
                    addBits(OP_REPEAT, OP_BITS);
                    addBits(repeat - 1, REPEAT_BITS);
                }
            }
            if (left > 0) {
                addBits(OP_SHORT_DATA, OP_BITS);
                addBits(left, SHORT_DATA_BITS);
                for (int i = 0; i < left; i++) {
                    addBits(src[in + i] & 0xFF, 8);
                }
            }
            addBits(OP_END, OP_BITS);
            addBits(crc32Be(0, src, srcOff, srcLen) & 0xFFFFFFFFL, CRC_BITS);
            if (accBits > 0) {
                addBits(0, 8 - accBits);
            }
            while ((op - dstOff) % 8 != 0) {
                dst[op++] = 0;
            }
            return op - dstOff;
        } finally {
            out = null;
        }
    }

    /** Thrown by {@link #decompress} with the kernel's reason. */
    static final class Corrupt extends Exception {
        private static final long serialVersionUID = 1L;

        Corrupt(String message) {
            super(message, null, false, false);
        }
    }

    /** The decoder's input bit stream. */
    private static final class Bits {
        final byte[] in;
        int pos; // byte
        int bit; // 0..7 bits of in[pos] already read
        final int end;

        Bits(byte[] in, int off, int len) {
            this.in = in;
            this.pos = off;
            this.end = off + len;
        }

        long next(int n) throws Corrupt {
            if ((long) pos * 8 + bit + n > (long) end * 8) {
                throw new Corrupt("the stream ends inside a " + n + "-bit field (EOVERFLOW)");
            }
            long v = 0;
            int left = n;
            while (left > 0) { // whole or partial bytes, most significant bit first
                int avail = 8 - bit;
                int take = Math.min(avail, left);
                int b = (in[pos] & 0xFF) >>> (avail - take) & ((1 << take) - 1);
                v = (v << take) | b;
                left -= take;
                bit += take;
                if (bit == 8) {
                    bit = 0;
                    pos++;
                }
            }
            return v;
        }
    }

    private static final int I2_FIFO = 2 << I2_BITS;
    private static final int I4_FIFO = 4 << I4_BITS;
    private static final int I8_FIFO = 8 << I8_BITS;

    /**
     * {@code sw842_decompress} into exactly {@code dstLen} bytes (a stream that writes more or fewer, or whose CRC
     * does not match, is corrupt).
     *
     * @throws Corrupt naming what the kernel would refuse
     */
    static void decompress(byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff, int dstLen) throws Corrupt {
        Bits p = new Bits(src, srcOff, srcLen);
        int o = dstOff;
        int end = dstOff + dstLen;
        while (true) {
            int code = (int) p.next(OP_BITS);
            if (code == OP_END) {
                break;
            }
            switch (code) {
                case OP_REPEAT -> {
                    int rep = (int) p.next(REPEAT_BITS) + 1;
                    if (o - dstOff < 8) { // the kernel refuses 0 bytes (EINVAL) and would read before the page for 1..7
                        throw new Corrupt("a repeat with " + (o - dstOff) + " bytes before it (EINVAL)");
                    }
                    if (rep * 8 > end - o) {
                        throw new Corrupt("a repeat past " + dstLen + " bytes (ENOSPC)");
                    }
                    for (int r = 0; r < rep; r++) {
                        System.arraycopy(dst, o - 8, dst, o, 8);
                        o += 8;
                    }
                }
                case OP_ZEROS -> {
                    if (8 > end - o) {
                        throw new Corrupt("zeros past " + dstLen + " bytes (ENOSPC)");
                    }
                    java.util.Arrays.fill(dst, o, o + 8, (byte) 0);
                    o += 8;
                }
                case OP_SHORT_DATA -> {
                    int bytes = (int) p.next(SHORT_DATA_BITS);
                    if (bytes == 0) {
                        throw new Corrupt("short data of 0 bytes (EINVAL)");
                    }
                    if (bytes > end - o) {
                        throw new Corrupt("short data past " + dstLen + " bytes (ENOSPC)");
                    }
                    for (int i = 0; i < bytes; i++) {
                        dst[o++] = (byte) p.next(8);
                    }
                }
                default -> {
                    if (code >= OPS_MAX) {
                        throw new Corrupt("template code 0x" + Integer.toHexString(code) + " (EINVAL)");
                    }
                    for (int action : DECOMP_OPS[code]) {
                        int n = action & AMOUNT;
                        if ((action & DATA) != 0) {
                            if (n > end - o) {
                                throw new Corrupt("data past " + dstLen + " bytes (ENOSPC)");
                            }
                            long v = p.next(n * 8);
                            for (int i = n - 1; i >= 0; i--) {
                                dst[o + i] = (byte) v;
                                v >>>= 8;
                            }
                            o += n;
                        } else if ((action & INDEX) != 0) {
                            int bits = n == 2 ? I2_BITS : n == 4 ? I4_BITS : I8_BITS;
                            long fifo = n == 2 ? I2_FIFO : n == 4 ? I4_FIFO : I8_FIFO;
                            long index = p.next(bits);
                            long total = (o - dstOff) & ~7L; // round_down(written, 8)
                            long offset = index * n;
                            if (total > fifo) { // a ring of fifo bytes: the index is a slot of the current lap
                                long section = total / fifo * fifo;
                                if (offset >= total - section) {
                                    section -= fifo;
                                }
                                offset += section;
                            }
                            if (offset + n > total) {
                                throw new Corrupt("an index to byte " + offset + " past the " + total
                                        + " written (EINVAL)");
                            }
                            if (n > end - o) {
                                throw new Corrupt("an index copy past " + dstLen + " bytes (ENOSPC)");
                            }
                            System.arraycopy(dst, dstOff + (int) offset, dst, o, n);
                            o += n;
                        }
                    }
                }
            }
        }
        int crc = (int) p.next(CRC_BITS);
        if (crc != crc32Be(0, dst, dstOff, o - dstOff)) {
            throw new Corrupt("CRC mismatch (EINVAL)");
        }
        if (o != end) {
            throw new Corrupt("the stream ends after " + (o - dstOff) + " bytes");
        }
    }
}
