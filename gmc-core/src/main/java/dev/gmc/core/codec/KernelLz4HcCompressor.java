package dev.gmc.core.codec;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The Linux kernel's LZ4 HC compressor ({@code lib/lz4/lz4hc_compress.c}, Sven Schmidt's port of LZ4 HC v1.7.3,
 * BSD-2-Clause, Copyright Yann Collet) re-implemented in Java so that its output is <b>bit-identical</b> to what
 * zram's {@code lz4hc} stores.
 *
 * <p>The path reproduced is the one zram takes for every page: {@code LZ4_compress_HC(src, dst, PAGE_SIZE,
 * 2 * PAGE_SIZE, level, wrkmem)}: {@code LZ4HC_init} on the page, then {@code LZ4HC_compress_generic} with
 * {@code noLimit} (the output buffer holds {@code LZ4_COMPRESSBOUND}). Positions are numbered as the kernel numbers
 * them, from {@code 64 KiB} at the first byte ({@code base = start - 64 KiB}), so that the 16-bit chain table
 * ({@code chainTable[(U16) idx]}) and the 15-bit hash table of 32-bit positions behave the same; a position below
 * {@code 64 KiB} means "none". Level N tries {@code 1 << (N - 1)} chain entries per search (1..16, default 9).
 * What makes it differ from liblz4 1.10's HC (inside lz4-java): the older match finder and its
 * "_Search2/_Search3" overlap rules, without the later optimal parser (levels 10 and up in liblz4) or the
 * pattern-analysis shortcuts.
 *
 * <p>The kernel clears 128 KiB of hash table per call; here entries carry an epoch and an entry of an earlier call
 * reads as 0, as a cleared one. The chain table needs no clearing: a chain is only followed from positions this call
 * inserted, whose entries this call wrote. Not thread-safe: one instance per thread.
 */
public final class KernelLz4HcCompressor {
    private static final int MINMATCH = 4;
    private static final int LASTLITERALS = 5;
    private static final int MFLIMIT = 12;
    private static final int ML_BITS = 4;
    private static final int ML_MASK = 15;
    private static final int RUN_MASK = 15;
    private static final int MAX_DISTANCE = 65535;
    private static final int OPTIMAL_ML = (ML_MASK - 1) + MINMATCH; // 18
    /** LZ4HC_DICTIONARY_LOGSIZE 16; the hash log is one less. */
    private static final int HASH_LOG = 15;
    private static final int KB64 = 64 * 1024;
    private static final int PRIME = (int) 2654435761L;

    public static final int DEFAULT_LEVEL = 9;
    public static final int MAX_LEVEL = 16;
    /** The longest input: positions must stay within the 16-bit chain table's reach. */
    public static final int MAX_INPUT = KB64;

    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    /** Entry = epoch << 17 | position (64 KiB + offset, below 128 KiB); earlier epochs read as 0. */
    private final int[] hashTable = new int[1 << HASH_LOG];
    private final char[] chainTable = new char[KB64]; // U16 deltas
    private int epoch;
    private int epochBase;
    private final int maxNbAttempts;

    // the call's state: the page, and the kernel's pointers as array indices
    private byte[] src;
    private int start; // array index of the first byte; position 64 KiB
    private int nextToUpdate; // a position

    // results of the match finders (the kernel's out-parameters), as array indices
    private int matchPos;
    private int startPos;

    /** @param level as zram's {@code algorithm_params level=N}: below 1 means 9, above 16 means 16, as the kernel */
    public KernelLz4HcCompressor(int level) {
        int l = level < 1 ? DEFAULT_LEVEL : Math.min(level, MAX_LEVEL);
        this.maxNbAttempts = 1 << (l - 1);
    }

    /**
     * Compresses {@code src[srcOff, srcOff+srcLen)} into {@code dst} at {@code dstOff}, which must have room for
     * {@link KernelLz4Compressor#compressBound(int)} bytes (the kernel's unlimited path).
     *
     * @return the compressed length, equal to {@code LZ4_compress_HC}'s return value in the kernel
     */
    public int compress(byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff) {
        PageCodec.checkRange("src", src, srcOff, srcLen);
        if (srcLen > MAX_INPUT) {
            throw new IllegalArgumentException("lz4hc-kernel: input of " + srcLen + " bytes (at most " + MAX_INPUT + ")");
        }
        PageCodec.checkRange("dst", dst, dstOff, KernelLz4Compressor.compressBound(srcLen));
        init(src, srcOff);
        try {
            return compressGeneric(srcLen, dst, dstOff);
        } finally {
            this.src = null;
        }
    }

    private void init(byte[] s, int off) {
        if (++epoch > 0x3FFF) { // keep epoch << 17 positive; wrap by really clearing the table
            Arrays.fill(hashTable, 0);
            epoch = 1;
        }
        epochBase = epoch << 17;
        src = s;
        start = off;
        nextToUpdate = KB64;
    }

    private int hashAt(int p) {
        return ((int) INT.get(src, p) * PRIME) >>> (MINMATCH * 8 - HASH_LOG);
    }

    private int hashGet(int h) {
        return Math.max(hashTable[h] - epochBase, 0);
    }

    /** Array index of a position, and back. */
    private int at(int pos) {
        return start + pos - KB64;
    }

    private int pos(int index) {
        return index - start + KB64;
    }

    /** {@code LZ4HC_Insert}: update the chains up to ip (excluded). */
    private void insert(int ip) {
        int target = pos(ip);
        for (int idx = nextToUpdate; idx < target; idx++) {
            int h = hashAt(at(idx));
            int delta = idx - hashGet(h);
            if (delta > MAX_DISTANCE) {
                delta = MAX_DISTANCE;
            }
            chainTable[idx & 0xFFFF] = (char) delta;
            hashTable[h] = epochBase + idx;
        }
        nextToUpdate = target;
    }

    /** {@code LZ4HC_InsertAndFindBestMatch}: the longest match for ip (0 if none); its start in {@link #matchPos}. */
    private int insertAndFindBestMatch(int ip, int iLimit) {
        insert(ip);
        int lowLimit = KB64; // the page is its own prefix: lowLimit + 64 KiB > any position of it
        int matchIndex = hashGet(hashAt(ip));
        int nbAttempts = maxNbAttempts;
        int ml = 0;
        while (matchIndex >= lowLimit && nbAttempts != 0) {
            nbAttempts--;
            int match = at(matchIndex);
            if (src[match + ml] == src[ip + ml] && read32(match) == read32(ip)) {
                int mlt = KernelLz4Compressor.count(src, ip + MINMATCH, match + MINMATCH, iLimit) + MINMATCH;
                if (mlt > ml) {
                    ml = mlt;
                    matchPos = match;
                }
            }
            matchIndex -= chainTable[matchIndex & 0xFFFF];
        }
        return ml;
    }

    /**
     * {@code LZ4HC_InsertAndGetWiderMatch}: a match at ip, extended back to no further than iLowLimit, longer than
     * {@code longest}; returns the new longest (or {@code longest}), with {@link #matchPos} and {@link #startPos}.
     */
    private int insertAndGetWiderMatch(int ip, int iLowLimit, int iHighLimit, int longest) {
        insert(ip);
        int lowPrefix = start; // base + dictLimit
        int matchIndex = hashGet(hashAt(ip));
        int nbAttempts = maxNbAttempts;
        int delta = ip - iLowLimit;
        while (matchIndex >= KB64 && nbAttempts != 0) {
            nbAttempts--;
            int matchPtr = at(matchIndex);
            if (src[iLowLimit + longest] == src[matchPtr - delta + longest] && read32(matchPtr) == read32(ip)) {
                int mlt = MINMATCH + KernelLz4Compressor.count(src, ip + MINMATCH, matchPtr + MINMATCH, iHighLimit);
                int back = 0;
                while (ip + back > iLowLimit && matchPtr + back > lowPrefix
                        && src[ip + back - 1] == src[matchPtr + back - 1]) {
                    back--;
                }
                mlt -= back;
                if (mlt > longest) {
                    longest = mlt;
                    matchPos = matchPtr + back;
                    startPos = ip + back;
                }
            }
            matchIndex -= chainTable[matchIndex & 0xFFFF];
        }
        return longest;
    }

    private int read32(int i) {
        return (int) INT.get(src, i);
    }

    // LZ4HC_encodeSequence's in/out pointers
    private int ip;
    private int op;
    private int anchor;

    /** {@code LZ4HC_encodeSequence} without the output checks (noLimit). */
    private void encodeSequence(byte[] dst, int matchLength, int match) {
        int length = ip - anchor;
        int token = op++;
        int tok;
        if (length >= RUN_MASK) {
            tok = RUN_MASK << ML_BITS;
            int len = length - RUN_MASK;
            for (; len > 254; len -= 255) {
                dst[op++] = (byte) 255;
            }
            dst[op++] = (byte) len;
        } else {
            tok = length << ML_BITS;
        }
        System.arraycopy(src, anchor, dst, op, length);
        op += length;
        int offset = ip - match;
        dst[op++] = (byte) offset;
        dst[op++] = (byte) (offset >>> 8);
        length = matchLength - MINMATCH;
        if (length >= ML_MASK) {
            tok += ML_MASK;
            length -= ML_MASK;
            for (; length > 509; length -= 510) {
                dst[op++] = (byte) 255;
                dst[op++] = (byte) 255;
            }
            if (length > 254) {
                length -= 255;
                dst[op++] = (byte) 255;
            }
            dst[op++] = (byte) length;
        } else {
            tok += length;
        }
        dst[token] = (byte) tok;
        ip += matchLength;
        anchor = ip;
    }

    /** {@code LZ4HC_compress_generic} with noLimit: the kernel's control flow, its gotos as a small state machine. */
    private int compressGeneric(int inputSize, byte[] dst, int dstOff) {
        ip = start;
        anchor = start;
        op = dstOff;
        int iend = start + inputSize;
        int mflimit = iend - MFLIMIT;
        int matchlimit = iend - LASTLITERALS;
        int ml;
        int ml2 = 0;
        int ml3;
        int ml0;
        int ref;
        int start2 = 0;
        int ref2 = 0;
        int start3 = 0;
        int ref3 = 0;
        int start0;
        int ref0;

        ip++;
        while (ip < mflimit) {
            ml = insertAndFindBestMatch(ip, matchlimit);
            if (ml == 0) {
                ip++;
                continue;
            }
            ref = matchPos;
            start0 = ip;
            ref0 = ref;
            ml0 = ml;

            boolean search2 = true; // true: at _Search2, false: at _Search3
            while (true) {
                if (search2) {
                    if (ip + ml < mflimit) {
                        ml2 = insertAndGetWiderMatch(ip + ml - 2, ip, matchlimit, ml);
                        if (ml2 != ml) {
                            ref2 = matchPos;
                            start2 = startPos;
                        }
                    } else {
                        ml2 = ml;
                    }
                    if (ml2 == ml) { // no better match
                        encodeSequence(dst, ml, ref);
                        break;
                    }
                    if (start0 < ip && start2 < ip + ml0) { // empirical
                        ip = start0;
                        ref = ref0;
                        ml = ml0;
                    }
                    if (start2 - ip < 3) { // first match too small: removed
                        ml = ml2;
                        ip = start2;
                        ref = ref2;
                        continue; // _Search2
                    }
                }
                // _Search3: ml2 > ml1 and ip1 + 3 <= ip2 (usually < ip1 + ml1)
                if (start2 - ip < OPTIMAL_ML) {
                    int newMl = ml;
                    if (newMl > OPTIMAL_ML) {
                        newMl = OPTIMAL_ML;
                    }
                    if (ip + newMl > start2 + ml2 - MINMATCH) {
                        newMl = start2 - ip + ml2 - MINMATCH;
                    }
                    int correction = newMl - (start2 - ip);
                    if (correction > 0) {
                        start2 += correction;
                        ref2 += correction;
                        ml2 -= correction;
                    }
                }
                if (start2 + ml2 < mflimit) {
                    ml3 = insertAndGetWiderMatch(start2 + ml2 - 3, start2, matchlimit, ml2);
                    if (ml3 != ml2) {
                        ref3 = matchPos;
                        start3 = startPos;
                    }
                } else {
                    ml3 = ml2;
                }
                if (ml3 == ml2) { // no better match: 2 sequences to encode
                    if (start2 < ip + ml) {
                        ml = start2 - ip;
                    }
                    encodeSequence(dst, ml, ref);
                    ip = start2;
                    encodeSequence(dst, ml2, ref2);
                    break;
                }
                if (start3 < ip + ml + 3) { // not enough space for match 2: remove it
                    if (start3 >= ip + ml) { // can write Seq1 immediately; Seq3 becomes Seq1
                        if (start2 < ip + ml) {
                            int correction = ip + ml - start2;
                            start2 += correction;
                            ref2 += correction;
                            ml2 -= correction;
                            if (ml2 < MINMATCH) {
                                start2 = start3;
                                ref2 = ref3;
                                ml2 = ml3;
                            }
                        }
                        encodeSequence(dst, ml, ref);
                        ip = start3;
                        ref = ref3;
                        ml = ml3;
                        start0 = start2;
                        ref0 = ref2;
                        ml0 = ml2;
                        search2 = true;
                        continue; // _Search2
                    }
                    start2 = start3;
                    ref2 = ref3;
                    ml2 = ml3;
                    search2 = false;
                    continue; // _Search3
                }
                // 3 ascending matches: write at least the first one
                if (start2 < ip + ml) {
                    // Never true, in the kernel either (kept for line-for-line parity): start2 - ip < ML_MASK with
                    // start2 < ip + ml leaves _Search3's correction only one way, cutting ml2 to MINMATCH, so match 3
                    // (searched from start2 + ml2 - 3, extended back no further than start2) starts at most at
                    // start2 + 1 < ip + ml + 3 and took the branch above. An instrumented build of the kernel's C
                    // never got here on 19,691 pages (binaries, text, generated repeats) at level 9, 13,495 at 16.
                    if (start2 - ip < ML_MASK) {
                        if (ml > OPTIMAL_ML) {
                            ml = OPTIMAL_ML;
                        }
                        if (ip + ml > start2 + ml2 - MINMATCH) {
                            ml = start2 - ip + ml2 - MINMATCH;
                        }
                        int correction = ml - (start2 - ip);
                        if (correction > 0) {
                            start2 += correction;
                            ref2 += correction;
                            ml2 -= correction;
                        }
                    } else {
                        ml = start2 - ip;
                    }
                }
                encodeSequence(dst, ml, ref);
                ip = start2;
                ref = ref2;
                ml = ml2;
                start2 = start3;
                ref2 = ref3;
                ml2 = ml3;
                search2 = false; // _Search3
            }
        }

        // last literals
        int lastRun = iend - anchor;
        if (lastRun >= RUN_MASK) {
            dst[op++] = (byte) (RUN_MASK << ML_BITS);
            lastRun -= RUN_MASK;
            for (; lastRun > 254; lastRun -= 255) {
                dst[op++] = (byte) 255;
            }
            dst[op++] = (byte) lastRun;
        } else {
            dst[op++] = (byte) (lastRun << ML_BITS);
        }
        System.arraycopy(src, anchor, dst, op, iend - anchor);
        op += iend - anchor;
        return op - dstOff;
    }
}
