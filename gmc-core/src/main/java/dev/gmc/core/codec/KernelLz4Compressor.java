package dev.gmc.core.codec;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The Linux kernel's LZ4 block compressor ({@code lib/lz4/lz4_compress.c}, Sven Schmidt's port of LZ4 v1.7.3,
 * BSD-2-Clause, Copyright Yann Collet) re-implemented in Java so that its output is <b>bit-identical</b> to
 * what zram stores (shared/reference/kernel-facts.md §2.6).
 *
 * <p>The path reproduced is the one zram takes for every page: {@code LZ4_compress_fast(src, dst, 4096, 8192,
 * acceleration, wrkmem)}, i.e. {@code LZ4_compress_generic} with {@code noLimit} (the output buffer is at least
 * {@code LZ4_COMPRESSBOUND}), {@code byU16} table (input below 64 KiB + 11), {@code noDict}. What makes it differ
 * from liblz4 1.10 (inside lz4-java):
 * <ul>
 *   <li>a 13-bit hash ({@code LZ4_HASHLOG + 1}) of the 4 bytes at a position, multiplied by 2654435761;
 *       table entries are 16-bit offsets from the start of the input, and a fresh table reads as 0 (the first
 *       byte), so the very first probes "match" position 0;</li>
 *   <li>no distance check while searching (byU16), the skip schedule {@code step = searchMatchNb++ >> 6} starting
 *       at {@code acceleration << 6};</li>
 *   <li>after a match: store position ip-2, then test the hash slot of ip for an immediate next match (a sequence
 *       with zero literals);</li>
 *   <li>no "last match must start 12 bytes before the end" refinements from later LZ4 versions.</li>
 * </ul>
 *
 * <p>The hash table is epoch-tagged instead of being zeroed per call (the kernel memsets 16 KiB): an entry
 * written in an earlier call reads as 0, exactly like a reset table. Not thread-safe: one instance per thread.
 */
public final class KernelLz4Compressor {
    private static final int MINMATCH = 4;
    private static final int LASTLITERALS = 5;
    private static final int MFLIMIT = 12;
    private static final int MIN_LENGTH = MFLIMIT + 1;
    private static final int SKIPTRIGGER = 6;
    private static final int ML_BITS = 4;
    private static final int ML_MASK = 15;
    private static final int RUN_MASK = 15;
    private static final int MAX_DISTANCE = 65535;
    /** LZ4_HASHLOG = LZ4_MEMORY_USAGE(14) - 2 = 12; the byU16 table uses one bit more. */
    private static final int HASH_LOG = 13;
    private static final int PRIME = (int) 2654435761L;

    /** Inputs must be shorter than this to take the byU16 path ({@code LZ4_64Klimit}). */
    public static final int MAX_INPUT = 64 * 1024 + MFLIMIT - 1 - 1;

    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** Entry = epoch << 16 | 16-bit position; an entry of an earlier epoch means "never written" = 0. */
    private final int[] table = new int[1 << HASH_LOG];
    private int epoch;
    /** {@code epoch << 16}: entries of this call are {@code base + position}. */
    private int base;
    private final int acceleration;

    public KernelLz4Compressor() {
        this(1);
    }

    /** @param acceleration as the kernel's {@code level} parameter; values below 1 mean 1, as in the kernel */
    public KernelLz4Compressor(int acceleration) {
        this.acceleration = Math.max(1, acceleration);
    }

    /** {@code LZ4_COMPRESSBOUND(n)}: the output capacity that selects the kernel's unlimited-output path. */
    public static int compressBound(int n) {
        return n + n / 255 + 16;
    }

    /**
     * Compresses {@code src[srcOff, srcOff+srcLen)} into {@code dst} at {@code dstOff}.
     *
     * @return the compressed length, equal to {@code LZ4_compress_fast}'s return value in the kernel
     * @throws IllegalArgumentException if the input is {@link #MAX_INPUT} or longer, or {@code dst} has fewer than
     *         {@link #compressBound(int)} bytes from {@code dstOff} (the kernel would take a different code path)
     */
    public int compress(byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff) {
        PageCodec.checkRange("src", src, srcOff, srcLen);
        if (srcLen > MAX_INPUT) {
            throw new IllegalArgumentException("lz4-kernel: input of " + srcLen + " bytes (expected at most "
                    + MAX_INPUT + ": only the kernel's byU16 path for pages is reproduced)");
        }
        PageCodec.checkRange("dst", dst, dstOff, compressBound(srcLen));
        nextEpoch();
        final int iend = srcOff + srcLen;
        final int mflimit = iend - MFLIMIT;
        final int matchlimit = iend - LASTLITERALS;
        int anchor = srcOff;
        int op = dstOff;

        if (srcLen >= MIN_LENGTH) {
            int ip = srcOff;
            put(hash(src, ip), ip - srcOff);
            ip++;
            int forwardSeq = read32(src, ip);
            int forwardH = hashOf(forwardSeq);

            mainLoop:
            for (;;) {
                int match;
                // Find a match: probe with a growing step (acceleration << 6 probes per step increase).
                int forwardIp = ip;
                int step = 1;
                int searchMatchNb = acceleration << SKIPTRIGGER;
                int seq;
                do {
                    int h = forwardH;
                    seq = forwardSeq;
                    ip = forwardIp;
                    forwardIp += step;
                    step = searchMatchNb++ >>> SKIPTRIGGER;
                    if (forwardIp > mflimit) {
                        break mainLoop;
                    }
                    match = srcOff + get(h);
                    forwardSeq = read32(src, forwardIp);
                    forwardH = hashOf(forwardSeq);
                    put(h, ip - srcOff);
                } while (read32(src, match) != seq); // seq: the 4 bytes at ip, read once for hash and compare

                // Catch up: extend the match backwards over equal bytes.
                while (ip > anchor && match > srcOff && src[ip - 1] == src[match - 1]) {
                    ip--;
                    match--;
                }

                // Encode the literal run.
                int litLength = ip - anchor;
                int token = op++;
                if (litLength >= RUN_MASK) {
                    dst[token] = (byte) (RUN_MASK << ML_BITS);
                    int len = litLength - RUN_MASK;
                    for (; len >= 255; len -= 255) {
                        dst[op++] = (byte) 255;
                    }
                    dst[op++] = (byte) len;
                } else {
                    dst[token] = (byte) (litLength << ML_BITS);
                }
                System.arraycopy(src, anchor, dst, op, litLength);
                op += litLength;

                for (;;) { // _next_match
                    int offset = ip - match;
                    dst[op++] = (byte) offset;
                    dst[op++] = (byte) (offset >>> 8);

                    int matchCode = count(src, ip + MINMATCH, match + MINMATCH, matchlimit);
                    ip += MINMATCH + matchCode;
                    if (matchCode >= ML_MASK) {
                        dst[token] = (byte) ((dst[token] & 0xFF) + ML_MASK);
                        matchCode -= ML_MASK;
                        for (; matchCode >= 255; matchCode -= 255) {
                            dst[op++] = (byte) 255;
                        }
                        dst[op++] = (byte) matchCode;
                    } else {
                        dst[token] = (byte) ((dst[token] & 0xFF) + matchCode);
                    }

                    anchor = ip;
                    if (ip > mflimit) {
                        break mainLoop;
                    }
                    // Fill table, then test the next position for an immediate match.
                    put(hash(src, ip - 2), ip - 2 - srcOff);
                    int next = read32(src, ip);
                    int h = hashOf(next);
                    match = srcOff + get(h);
                    put(h, ip - srcOff);
                    if (match + MAX_DISTANCE >= ip && read32(src, match) == next) {
                        token = op++;
                        dst[token] = 0;
                        continue;
                    }
                    break;
                }
                forwardSeq = read32(src, ++ip);
                forwardH = hashOf(forwardSeq);
            }
        }

        // Last literals.
        int lastRun = iend - anchor;
        if (lastRun >= RUN_MASK) {
            dst[op++] = (byte) (RUN_MASK << ML_BITS);
            int acc = lastRun - RUN_MASK;
            for (; acc >= 255; acc -= 255) {
                dst[op++] = (byte) 255;
            }
            dst[op++] = (byte) acc;
        } else {
            dst[op++] = (byte) (lastRun << ML_BITS);
        }
        System.arraycopy(src, anchor, dst, op, lastRun);
        op += lastRun;
        return op - dstOff;
    }

    private void nextEpoch() {
        if (++epoch > 0x7FFF) { // keep epoch << 16 positive; wrap by really clearing the table
            Arrays.fill(table, 0);
            epoch = 1;
        }
        base = epoch << 16;
    }

    /** An entry of an earlier epoch is below {@code base}: the max gives 0 with no branch (a compare-and-branch on the
     *  epoch mispredicted often enough to cost ≈ 16 % of the compressor's time, paired rounds). */
    private int get(int h) {
        return Math.max(table[h] - base, 0);
    }

    private void put(int h, int pos) {
        table[h] = base + (pos & 0xFFFF); // U16 truncation as in the kernel
    }

    private static int read32(byte[] b, int i) {
        return (int) INT.get(b, i);
    }

    private static int hash(byte[] b, int i) {
        return hashOf(read32(b, i));
    }

    private static int hashOf(int sequence) {
        return (sequence * PRIME) >>> (32 - HASH_LOG);
    }

    /**
     * {@code LZ4_count}: number of equal bytes at in and match, stopping at limit. The kernel compares 8 bytes at a
     * time; after the first 8 this hands the rest to {@link Arrays#mismatch}, which the JVM vectorises (32 bytes a
     * step with AVX2). The count is the same by definition; the surfaces' long matches (2 a page of 512 bytes or
     * more on {@code samples}) get 1.07–1.14× faster to compress (four side-by-side runs) (docs/PERFORMANCE.md, stop 26).
     */
    static int count(byte[] b, int in, int match, int limit) {
        if (in < limit - 7) {
            long diff = (long) LONG.get(b, match) ^ (long) LONG.get(b, in);
            if (diff != 0) {
                return Long.numberOfTrailingZeros(diff) >>> 3;
            }
            int rest = limit - in - 8;
            int at = Arrays.mismatch(b, in + 8, limit, b, match + 8, match + 8 + rest);
            return 8 + (at < 0 ? rest : at);
        }
        int n = 0;
        while (in + n < limit && b[in + n] == b[match + n]) {
            n++;
        }
        return n;
    }
}
