package dev.gmc.core.codec;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * zram's zstd in Linux 5.16 to 6.1 ({@code lib/zstd}, zstd 1.4.10; Android's android14-6.1) re-implemented in Java so
 * that its frames are <b>bit-identical</b> to the kernel's. Only the path zram takes is here: {@code crypto/zstd.c}
 * asks for {@code zstd_get_params(ZSTD_DEF_LEVEL = 3, 0)}, level 3's parameters for a source of unknown size
 * ({@code {windowLog 21, chainLog 16, hashLog 17, searchLog 1, minMatch 5, targetLength 0, ZSTD_dfast}}),
 * {@code zstd_compress_cctx} sets them on its context one by one with the page's size pledged and calls
 * {@code ZSTD_compress2}, which fits them to the page ({@link #params}) and writes one frame: the content size, no
 * checksum, no dictionary, one block. A port of upstream zstd's code (Copyright (c) Yann Collet, Facebook, Inc.; BSD
 * or GPL-2.0), function by function and named after it, so that it can be read beside the C:
 * <ul>
 *   <li>{@code ZSTD_compressBlock_doubleFast} (no dictionary, minMatch 5): a long hash of 8 bytes ({@code hashLog}
 *       bits) and a short one of 5 ({@code chainLog} bits), the repcode check at ip+1, the long match at ip+1, the
 *       search step {@code ((ip - anchor) >> 8) + 1}, the complementary insertions and the immediate repcode
 *       loop;</li>
 *   <li>literals: raw below 64 bytes, one Huffman stream below 256, four above ({@code HUF_compress_internal}: the
 *       table log, {@code HUF_sort}'s rank buckets, the tree, {@code HUF_setMaxHeight}, the weights FSE-compressed
 *       when that is smaller);</li>
 *   <li>sequences: {@code ZSTD_selectEncodingType} for a strategy below lazy (default tables for few sequences,
 *       RLE, or a table of their own: {@code FSE_normalizeCount} with low-probability counts from 2,048 sequences,
 *       {@code FSE_writeNCount}, {@code FSE_buildCTable}) and {@code ZSTD_encodeSequences}' bit order;</li>
 *   <li>a raw block where the compressed one would not save {@code (srcSize >> 6) + 2} bytes, or where the last
 *       table description is followed by fewer than 4 bytes (zstd's guard for decoders up to 1.3.4).</li>
 * </ul>
 * No repeat tables and no RLE blocks: every page is a frame of one block, the first, with fresh entropy state.
 * Sources up to 128 KiB (one block; pages are 4 to 64 KiB). The bit stream's bytes do not depend on the word size,
 * so 32-bit kernels give the same frames. One instance per thread: it keeps its tables between calls, as the kernel's
 * per-CPU context does (entries of earlier pages lie below the current page's first index and are never matched).
 */
final class KernelZstdCompressor {
    /** {@code ZSTD_BLOCKSIZE_MAX}: the largest source this port compresses (one block). */
    static final int MAX_SOURCE = 128 * 1024;

    private static final VarHandle LE64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LE32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private static final long PRIME5 = 889523592379L;
    private static final long PRIME8 = 0xCF1BBCDCB7A56463L;
    private static final int MAGIC = 0xFD2FB528;
    private static final int MINMATCH = 3;
    private static final int REP_MOVE = 2;
    private static final int MAX_LL = 35;
    private static final int MAX_ML = 52;
    private static final int MAX_OFF = 31;
    private static final int DEFAULT_MAX_OFF = 28;
    private static final int LL_FSE_LOG = 9;
    private static final int ML_FSE_LOG = 9;
    private static final int OFF_FSE_LOG = 8;
    private static final int LONGNBSEQ = 0x7F00;
    private static final int FSE_MIN_TABLELOG = 5;
    private static final int FSE_MAX_TABLELOG = 12;
    private static final int FSE_DEFAULT_TABLELOG = 11;
    private static final int HUF_TABLELOG_MAX = 12;
    private static final int HUF_TABLELOG_DEFAULT = 11;
    private static final int BT_RAW = 0;
    private static final int BT_COMPRESSED = 2;
    private static final int SET_BASIC = 0;
    private static final int SET_RLE = 1;
    private static final int SET_COMPRESSED = 2;

    private static final int[] LL_BITS = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 6,
        7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    private static final short[] LL_DEFAULT_NORM = {4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2,
        2, 2, 2, 3, 2, 1, 1, 1, 1, 1, -1, -1, -1, -1};
    private static final int[] ML_BITS = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    private static final short[] ML_DEFAULT_NORM = {1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1};
    private static final short[] OF_DEFAULT_NORM = {1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, -1, -1, -1, -1, -1};
    private static final byte[] LL_CODE = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 16, 17, 17, 18,
        18, 19, 19, 20, 20, 20, 20, 21, 21, 21, 21, 22, 22, 22, 22, 22, 22, 22, 22, 23, 23, 23, 23, 23, 23, 23, 23, 24,
        24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24};
    private static final byte[] ML_CODE = new byte[128];

    static {
        int[] mlCode = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
            27, 28, 29, 30, 31, 32, 32, 33, 33, 34, 34, 35, 35, 36, 36, 36, 36, 37, 37, 37, 37};
        for (int i = 0; i < 128; i++) {
            ML_CODE[i] = (byte) (i < mlCode.length ? mlCode[i] : i < 64 ? (i < 56 ? 38 : 39) : i < 96 ? (i < 80 ? 40
                    : 41) : 42);
        }
    }

    private static final FseTable LL_DEFAULT = FseTable.build(LL_DEFAULT_NORM, MAX_LL, 6);
    private static final FseTable ML_DEFAULT = FseTable.build(ML_DEFAULT_NORM, MAX_ML, 6);
    private static final FseTable OF_DEFAULT = FseTable.build(OF_DEFAULT_NORM, DEFAULT_MAX_OFF, 5);
    private static final FseTable[] DEFAULTS = {LL_DEFAULT, OF_DEFAULT, ML_DEFAULT};

    // match state, kept between calls as the kernel's context keeps it
    private int[] hashLong = new int[0];
    private int[] hashSmall = new int[0];
    /** Index of the next source's first byte; {@code ZSTD_window_init} starts at 1. */
    private int nextIndex = 1;

    // sequence store
    private final int[] seqLit = new int[MAX_SOURCE / 3];
    private final int[] seqOff = new int[MAX_SOURCE / 3];
    private final int[] seqMl = new int[MAX_SOURCE / 3];
    private final byte[] llCodes = new byte[MAX_SOURCE / 3];
    private final byte[] ofCodes = new byte[MAX_SOURCE / 3];
    private final byte[] mlCodes = new byte[MAX_SOURCE / 3];
    private final byte[] lits = new byte[MAX_SOURCE + 32];
    private int nbSeq;
    private int litLen;
    private int longLengthId;
    private int longLengthPos;

    // entropy scratch
    private final int[] count = new int[256];
    private final short[] norm = new short[256];
    private final Huffman huf = new Huffman();
    private final BitWriter bits = new BitWriter();
    // the three sequence tables, in the order of the sequences header: literal lengths, offsets, match lengths
    private final byte[][] codes = {llCodes, ofCodes, mlCodes};
    private final FseTable[] tables = new FseTable[3];
    private final int[] types = new int[3];
    private static final int[] MAXES = {MAX_LL, MAX_OFF, MAX_ML};
    private static final int[] FSE_LOGS = {LL_FSE_LOG, OFF_FSE_LOG, ML_FSE_LOG};
    private static final int[] DEFAULT_NORM_LOGS = {6, 5, 6};
    private byte[] block = new byte[8192];

    /** {@code ZSTD_adjustCParams_internal} of the unknown-size level-3 row for a source of {@code srcSize} bytes:
     *  {windowLog, chainLog, hashLog}. 4 KiB pages get {12, 12, 13}, 16 KiB pages {14, 14, 15}. */
    static int[] params(int srcSize) {
        int windowLog = 21;
        int chainLog = 16;
        int hashLog = 17;
        int srcLog = srcSize < 64 ? 6 : highbit32(srcSize - 1) + 1; // ZSTD_HASHLOG_MIN
        if (windowLog > srcLog) {
            windowLog = srcLog;
        }
        if (hashLog > windowLog + 1) {
            hashLog = windowLog + 1;
        }
        if (chainLog > windowLog) { // ZSTD_cycleLog(chainLog, dfast) = chainLog
            chainLog -= chainLog - windowLog;
        }
        return new int[] {Math.max(windowLog, 10), chainLog, hashLog};
    }

    /**
     * Compresses {@code src[srcOff, srcOff + srcLen)} into one frame at {@code dst[dstOff...]}; returns its length.
     * The caller checks the room ({@link #bound}).
     */
    int compress(byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff) {
        if (srcLen > MAX_SOURCE) {
            throw new IllegalArgumentException("zstd-1.4.10 compresses at most " + MAX_SOURCE + " bytes (one block), not "
                    + srcLen);
        }
        int op = dstOff;
        // ZSTD_writeFrameHeader: content size, single segment (the window holds the page), no checksum, no dictID
        LE32.set(dst, op, MAGIC);
        op += 4;
        int fcsCode = (srcLen >= 256 ? 1 : 0) + (srcLen >= 65536 + 256 ? 1 : 0);
        dst[op++] = (byte) ((1 << 5) | (fcsCode << 6));
        switch (fcsCode) {
            case 0:
                dst[op++] = (byte) srcLen;
                break;
            case 1:
                dst[op++] = (byte) (srcLen - 256);
                dst[op++] = (byte) ((srcLen - 256) >>> 8);
                break;
            default:
                LE32.set(dst, op, srcLen);
                op += 4;
                break;
        }
        if (srcLen == 0) { // ZSTD_writeEpilogue: one last empty raw block
            put24(dst, op, 1);
            return op + 3 - dstOff;
        }
        int[] p = params(srcLen);
        int cSize = compressBlock(src, srcOff, srcLen, p[1], p[2]);
        if (cSize == 0) { // ZSTD_noCompressBlock
            put24(dst, op, 1 + (BT_RAW << 1) + (srcLen << 3));
            System.arraycopy(src, srcOff, dst, op + 3, srcLen);
            return op + 3 + srcLen - dstOff;
        }
        put24(dst, op, 1 + (BT_COMPRESSED << 1) + (cSize << 3));
        System.arraycopy(block, 0, dst, op + 3, cSize);
        return op + 3 + cSize - dstOff;
    }

    /** The most a frame of {@code srcLen} bytes takes: the header (at most 9 bytes), a block header, a raw block. */
    static int bound(int srcLen) {
        return 9 + 3 + srcLen;
    }

    /** {@code ZSTD_compressBlock_internal} for the first block of a frame: its compressed size, or 0 for raw. */
    private int compressBlock(byte[] src, int srcOff, int srcLen, int chainLog, int hashLog) {
        if (srcLen < 1 + 1 + 1 + 3 + 1) { // MIN_CBLOCK_SIZE + ZSTD_blockHeaderSize + 1
            return 0;
        }
        // room for the block before the raw fallback is chosen: Huffman literals stay under 9 bits each, sequences
        // of 5-byte matches under 1.15x their source, and the bit writer's 8-byte flushes need 7 bytes past the end
        int room = srcLen + (srcLen >> 2) + 1024;
        if (block.length < room) {
            block = new byte[room];
        }
        nbSeq = 0;
        litLen = 0;
        longLengthId = 0;
        int last = doubleFast(src, srcOff, srcLen, chainLog, hashLog);
        System.arraycopy(src, srcOff + srcLen - last, lits, litLen, last); // ZSTD_storeLastLiterals
        litLen += last;
        int cSize = entropyCompressSequences();
        int maxCSize = srcLen - ((srcLen >> 6) + 2); // ZSTD_minGain for strategies below btultra
        return cSize == 0 || cSize >= maxCSize ? 0 : cSize;
    }

    // ---------------------------------------------------------------------------------------------- match finder

    private static long read64(byte[] b, int i) {
        return (long) LE64.get(b, i);
    }

    private static int read32(byte[] b, int i) {
        return (int) LE32.get(b, i);
    }

    private static int hash8(byte[] b, int i, int h) {
        return (int) ((read64(b, i) * PRIME8) >>> (64 - h));
    }

    private static int hash5(byte[] b, int i, int h) {
        return (int) (((read64(b, i) << 24) * PRIME5) >>> (64 - h));
    }

    /**
     * {@code ZSTD_count}: how many bytes from {@code ip} equal those from {@code match}, up to {@code iend}. The same
     * function as the kernel's {@code LZ4_count}, so {@code lz4-kernel}'s is used: the first word compared as the C
     * does, the rest of a longer match (the surfaces' hundreds of bytes) by {@link Arrays#mismatch}, vectorised.
     */
    private static int count(byte[] b, int ip, int match, int iend) {
        return KernelLz4Compressor.count(b, ip, match, iend);
    }

    /**
     * {@code ZSTD_compressBlock_doubleFast_generic}, no dictionary, mls 5. Positions are array offsets; the tables
     * hold indices, {@code index = position + base}, with the source's first byte at {@code prefixLowestIndex}.
     * Returns the last literals' length.
     */
    private int doubleFast(byte[] s, int istart, int srcSize, int hBitsS, int hBitsL) {
        if (hashLong.length < (1 << hBitsL) || hashSmall.length < (1 << hBitsS)) {
            hashLong = new int[Math.max(hashLong.length, 1 << hBitsL)];
            hashSmall = new int[Math.max(hashSmall.length, 1 << hBitsS)];
        }
        if (nextIndex > (1 << 30)) { // ZSTD_overflowCorrectIfNeeded's effect: no old entry can be mistaken for new
            Arrays.fill(hashLong, 0);
            Arrays.fill(hashSmall, 0);
            nextIndex = 1;
        }
        final int[] hl = hashLong;
        final int[] hs = hashSmall;
        final int prefixLowestIndex = nextIndex;
        final int base = prefixLowestIndex - istart; // index of position p is p + base
        nextIndex += srcSize + 1; // ZSTD_window_update: the next, non-contiguous source starts past this one
        final int iend = istart + srcSize;
        final int ilimit = iend - 8; // HASH_READ_SIZE
        int ip = istart;
        int anchor = istart;
        int offset1 = 1;
        int offset2 = 4; // repStartValue {1, 4, 8}
        int offsetSaved = 0;

        ip += 1; // dictAndPrefixLength == 0
        {
            int maxRep = ip - istart; // curr - windowLow
            if (offset2 > maxRep) {
                offsetSaved = offset2;
                offset2 = 0;
            }
            if (offset1 > maxRep) {
                offsetSaved = offset1;
                offset1 = 0;
            }
        }
        while (ip < ilimit) {
            int mLength;
            int offset;
            int h2 = hash8(s, ip, hBitsL);
            int h = hash5(s, ip, hBitsS);
            int curr = ip + base;
            int matchIndexL = hl[h2];
            int matchIndexS = hs[h];
            hl[h2] = curr;
            hs[h] = curr;

            if (offset1 > 0 && read32(s, ip + 1 - offset1) == read32(s, ip + 1)) { // repcode at ip+1
                mLength = count(s, ip + 1 + 4, ip + 1 + 4 - offset1, iend) + 4;
                ip++;
                storeSeq(s, ip - anchor, anchor, 0, mLength - MINMATCH);
            } else {
                found:
                {
                    if (matchIndexL > prefixLowestIndex) {
                        int matchLong = matchIndexL - base;
                        if (read64(s, matchLong) == read64(s, ip)) {
                            mLength = count(s, ip + 8, matchLong + 8, iend) + 8;
                            offset = ip - matchLong;
                            while (ip > anchor && matchLong > istart && s[ip - 1] == s[matchLong - 1]) {
                                ip--;
                                matchLong--;
                                mLength++;
                            }
                            break found;
                        }
                    }
                    if (matchIndexS > prefixLowestIndex && read32(s, matchIndexS - base) == read32(s, ip)) {
                        // _search_next_long
                        int hl3 = hash8(s, ip + 1, hBitsL);
                        int matchIndexL3 = hl[hl3];
                        hl[hl3] = curr + 1;
                        if (matchIndexL3 > prefixLowestIndex) {
                            int matchL3 = matchIndexL3 - base;
                            if (read64(s, matchL3) == read64(s, ip + 1)) {
                                mLength = count(s, ip + 9, matchL3 + 8, iend) + 8;
                                ip++;
                                offset = ip - matchL3;
                                while (ip > anchor && matchL3 > istart && s[ip - 1] == s[matchL3 - 1]) {
                                    ip--;
                                    matchL3--;
                                    mLength++;
                                }
                                break found;
                            }
                        }
                        int match = matchIndexS - base;
                        mLength = count(s, ip + 4, match + 4, iend) + 4;
                        offset = ip - match;
                        while (ip > anchor && match > istart && s[ip - 1] == s[match - 1]) {
                            ip--;
                            match--;
                            mLength++;
                        }
                        break found;
                    }
                    ip += ((ip - anchor) >> 8) + 1; // kSearchStrength
                    continue;
                }
                // _match_found
                offset2 = offset1;
                offset1 = offset;
                storeSeq(s, ip - anchor, anchor, offset + REP_MOVE, mLength - MINMATCH);
            }
            // _match_stored
            ip += mLength;
            anchor = ip;
            if (ip <= ilimit) {
                int indexToInsert = curr + 2;
                hl[hash8(s, indexToInsert - base, hBitsL)] = indexToInsert;
                hl[hash8(s, ip - 2, hBitsL)] = ip - 2 + base;
                hs[hash5(s, indexToInsert - base, hBitsS)] = indexToInsert;
                hs[hash5(s, ip - 1, hBitsS)] = ip - 1 + base;
                while (ip <= ilimit && offset2 > 0 && read32(s, ip) == read32(s, ip - offset2)) {
                    int rLength = count(s, ip + 4, ip + 4 - offset2, iend) + 4;
                    int tmp = offset2;
                    offset2 = offset1;
                    offset1 = tmp;
                    hs[hash5(s, ip, hBitsS)] = ip + base;
                    hl[hash8(s, ip, hBitsL)] = ip + base;
                    storeSeq(s, 0, anchor, 0, rLength - MINMATCH);
                    ip += rLength;
                    anchor = ip;
                }
            }
        }
        return iend - anchor;
    }

    /** {@code ZSTD_storeSeq}: literals copied, lengths kept as the seqDef's 16-bit fields hold them. */
    private void storeSeq(byte[] s, int litLength, int literals, int offCode, int mlBase) {
        System.arraycopy(s, literals, lits, litLen, litLength);
        litLen += litLength;
        if (litLength > 0xFFFF) {
            longLengthId = 1;
            longLengthPos = nbSeq;
        }
        seqLit[nbSeq] = litLength & 0xFFFF;
        seqOff[nbSeq] = offCode + 1;
        if (mlBase > 0xFFFF) {
            longLengthId = 2;
            longLengthPos = nbSeq;
        }
        seqMl[nbSeq] = mlBase & 0xFFFF;
        nbSeq++;
    }

    // ---------------------------------------------------------------------------------------------- entropy stage

    /** {@code ZSTD_entropyCompressSequences_internal} into {@link #block}: its size, or 0 for a raw block. */
    private int entropyCompressSequences() {
        byte[] out = block;
        int op = compressLiterals(out, 0);
        if (nbSeq < 128) {
            out[op++] = (byte) nbSeq;
        } else if (nbSeq < LONGNBSEQ) {
            out[op++] = (byte) ((nbSeq >> 8) + 0x80);
            out[op++] = (byte) nbSeq;
        } else {
            out[op++] = (byte) 0xFF;
            out[op++] = (byte) (nbSeq - LONGNBSEQ);
            out[op++] = (byte) ((nbSeq - LONGNBSEQ) >> 8);
        }
        if (nbSeq == 0) {
            return op;
        }
        int seqHead = op++;
        for (int u = 0; u < nbSeq; u++) { // ZSTD_seqToCodes
            int llv = seqLit[u];
            int mlv = seqMl[u];
            llCodes[u] = (byte) (llv > 63 ? highbit32(llv) + 19 : LL_CODE[llv]);
            ofCodes[u] = (byte) highbit32(seqOff[u]);
            mlCodes[u] = (byte) (mlv > 127 ? highbit32(mlv) + 36 : ML_CODE[mlv]);
        }
        if (longLengthId == 1) {
            llCodes[longLengthPos] = MAX_LL;
        }
        if (longLengthId == 2) {
            mlCodes[longLengthPos] = MAX_ML;
        }
        int lastNCount = -1;
        for (int t = 0; t < 3; t++) {
            byte[] codeTable = codes[t];
            int max = histogram(codeTable, nbSeq, MAXES[t]);
            int mostFrequent = 0;
            for (int sym = 0; sym <= max; sym++) {
                mostFrequent = Math.max(mostFrequent, count[sym]);
            }
            boolean defaultAllowed = t != 1 || max <= DEFAULT_MAX_OFF;
            int type = selectEncodingType(mostFrequent, defaultAllowed, DEFAULT_NORM_LOGS[t]);
            types[t] = type;
            switch (type) {
                case SET_RLE:
                    tables[t] = FseTable.rle(max);
                    out[op++] = codeTable[0];
                    break;
                case SET_BASIC:
                    tables[t] = DEFAULTS[t];
                    break;
                default: { // ZSTD_buildCTable, set_compressed
                    int nbSeq1 = nbSeq;
                    int tableLog = optimalTableLog(FSE_LOGS[t], nbSeq, max, 2);
                    if (count[codeTable[nbSeq - 1]] > 1) {
                        count[codeTable[nbSeq - 1]]--;
                        nbSeq1--;
                    }
                    normalizeCount(norm, tableLog, count, nbSeq1, max, nbSeq1 >= 2048);
                    lastNCount = op;
                    op += writeNCount(out, op, norm, max, tableLog);
                    tables[t] = FseTable.build(norm, max, tableLog);
                    break;
                }
            }
        }
        out[seqHead] = (byte) ((types[0] << 6) + (types[1] << 4) + (types[2] << 2));
        op += encodeSequences(out, op, tables[2], tables[1], tables[0]);
        if (lastNCount >= 0 && op - lastNCount < 4) {
            return 0; // zstd <= 1.3.4 decoders' guard: an uncompressed block
        }
        return op;
    }

    /** {@code HIST_count_simple}: counts into {@link #count}; returns the largest symbol present. */
    private int histogram(byte[] symbols, int n, int maxSymbol) {
        Arrays.fill(count, 0, maxSymbol + 1, 0);
        for (int i = 0; i < n; i++) {
            count[symbols[i] & 0xFF]++;
        }
        int max = maxSymbol;
        while (max > 0 && count[max] == 0) {
            max--;
        }
        return max;
    }

    /** {@code ZSTD_selectEncodingType} for a strategy below lazy and no previous table to repeat. */
    private int selectEncodingType(int mostFrequent, boolean defaultAllowed, int defaultNormLog) {
        if (mostFrequent == nbSeq) {
            return defaultAllowed && nbSeq <= 2 ? SET_BASIC : SET_RLE;
        }
        if (defaultAllowed) {
            int dynamicFseNbSeqMin = ((1 << defaultNormLog) * (10 - 2)) >> 3; // mult = 10 - ZSTD_dfast
            if (nbSeq < dynamicFseNbSeqMin || mostFrequent < (nbSeq >> (defaultNormLog - 1))) {
                return SET_BASIC;
            }
        }
        return SET_COMPRESSED;
    }

    /** {@code ZSTD_encodeSequences_body}: the sequences' bit stream at {@code out[op...]}; returns its length. */
    private int encodeSequences(byte[] out, int op, FseTable ml, FseTable of, FseTable ll) {
        BitWriter b = bits;
        b.init(out, op);
        int n = nbSeq - 1;
        int stateMl = ml.initState2(mlCodes[n]);
        int stateOf = of.initState2(ofCodes[n]);
        int stateLl = ll.initState2(llCodes[n]);
        // flushes where the C's 64-bit build has them: the container never holds more than 63 bits
        b.addBits(seqLit[n], LL_BITS[llCodes[n]]);
        b.addBits(seqMl[n], ML_BITS[mlCodes[n]]);
        b.addBits(seqOff[n], ofCodes[n]);
        b.flush();
        for (n = nbSeq - 2; n >= 0; n--) {
            int llCode = llCodes[n];
            int ofCode = ofCodes[n];
            int mlCode = mlCodes[n];
            int llBits = LL_BITS[llCode];
            int mlBits = ML_BITS[mlCode];
            stateOf = of.encode(b, stateOf, ofCode);
            stateMl = ml.encode(b, stateMl, mlCode);
            stateLl = ll.encode(b, stateLl, llCode);
            if (ofCode + mlBits + llBits >= 64 - 7 - (LL_FSE_LOG + ML_FSE_LOG + OFF_FSE_LOG)) {
                b.flush();
            }
            b.addBits(seqLit[n], llBits);
            b.addBits(seqMl[n], mlBits);
            if (ofCode + mlBits + llBits > 56) {
                b.flush();
            }
            b.addBits(seqOff[n], ofCode);
            b.flush();
        }
        b.addBits(stateMl, ml.tableLog); // FSE_flushCState
        b.flush();
        b.addBits(stateOf, of.tableLog);
        b.flush();
        b.addBits(stateLl, ll.tableLog);
        b.flush();
        return b.close() - op;
    }

    /** {@code ZSTD_compressLiterals} (no previous table, literal compression allowed): writes the section. */
    private int compressLiterals(byte[] out, int op) {
        int srcSize = litLen;
        int minGain = (srcSize >> 6) + 2;
        int lhSize = 3 + (srcSize >= 1024 ? 1 : 0) + (srcSize >= 16 * 1024 ? 1 : 0);
        boolean singleStream = srcSize < 256;
        if (srcSize <= 63) { // COMPRESS_LITERALS_SIZE_MIN
            return op + noCompressLiterals(out, op, srcSize);
        }
        int cLitSize = huf.compress(lits, srcSize, out, op + lhSize, singleStream, bits);
        if (cLitSize == 0 || cLitSize >= srcSize - minGain) { // an error is 0 here (HUF_writeCTable's raw limit)
            return op + noCompressLiterals(out, op, srcSize);
        }
        if (cLitSize == 1) { // ZSTD_compressRleLiteralsBlock
            int flSize = 1 + (srcSize > 31 ? 1 : 0) + (srcSize > 4095 ? 1 : 0);
            writeLiteralsHeader(out, op, SET_RLE, flSize, srcSize);
            out[op + flSize] = lits[0];
            return op + flSize + 1;
        }
        int hType = SET_COMPRESSED;
        switch (lhSize) {
            case 3: {
                int lhc = hType + ((singleStream ? 0 : 1) << 2) + (srcSize << 4) + (cLitSize << 14);
                put24(out, op, lhc);
                break;
            }
            case 4: {
                int lhc = hType + (2 << 2) + (srcSize << 4) + (cLitSize << 18);
                LE32.set(out, op, lhc);
                break;
            }
            default: {
                int lhc = hType + (3 << 2) + (srcSize << 4) + (cLitSize << 22);
                LE32.set(out, op, lhc);
                out[op + 4] = (byte) (cLitSize >> 10);
                break;
            }
        }
        return op + lhSize + cLitSize;
    }

    /** {@code ZSTD_noCompressLiterals}. */
    private int noCompressLiterals(byte[] out, int op, int srcSize) {
        int flSize = 1 + (srcSize > 31 ? 1 : 0) + (srcSize > 4095 ? 1 : 0);
        writeLiteralsHeader(out, op, SET_BASIC, flSize, srcSize);
        System.arraycopy(lits, 0, out, op + flSize, srcSize);
        return flSize + srcSize;
    }

    private static void writeLiteralsHeader(byte[] out, int op, int type, int flSize, int srcSize) {
        switch (flSize) {
            case 1:
                out[op] = (byte) (type + (srcSize << 3));
                break;
            case 2: {
                int v = type + (1 << 2) + (srcSize << 4);
                out[op] = (byte) v;
                out[op + 1] = (byte) (v >>> 8);
                break;
            }
            default: {
                int v = type + (3 << 2) + (srcSize << 4);
                out[op] = (byte) v;
                out[op + 1] = (byte) (v >>> 8);
                out[op + 2] = (byte) (v >>> 16);
                break;
            }
        }
    }

    private static void put24(byte[] b, int i, int v) {
        b[i] = (byte) v;
        b[i + 1] = (byte) (v >>> 8);
        b[i + 2] = (byte) (v >>> 16);
    }

    static int highbit32(int v) {
        return 31 - Integer.numberOfLeadingZeros(v);
    }

    // ---------------------------------------------------------------------------------------------- FSE

    /** {@code FSE_optimalTableLog_internal}, with the C's unsigned wrap of {@code highbit(srcSize - 1) - minus}. */
    static int optimalTableLog(int maxTableLog, int srcSize, int maxSymbolValue, int minus) {
        long maxBitsSrc = (highbit32(srcSize - 1) - minus) & 0xFFFFFFFFL;
        int tableLog = maxTableLog == 0 ? FSE_DEFAULT_TABLELOG : maxTableLog;
        int minBits = minTableLog(srcSize, maxSymbolValue);
        if (maxBitsSrc < tableLog) {
            tableLog = (int) maxBitsSrc;
        }
        if (minBits > tableLog) {
            tableLog = minBits;
        }
        return Math.min(Math.max(tableLog, FSE_MIN_TABLELOG), FSE_MAX_TABLELOG);
    }

    private static int minTableLog(int srcSize, int maxSymbolValue) {
        int minBitsSrc = highbit32(srcSize) + 1;
        int minBitsSymbols = highbit32(maxSymbolValue) + 2;
        return Math.min(minBitsSrc, minBitsSymbols);
    }

    private static final int[] RTB_TABLE = {0, 473195, 504333, 520860, 550000, 700000, 750000, 830000};

    /** {@code FSE_normalizeCount}. */
    static void normalizeCount(short[] norm, int tableLog, int[] count, int total, int maxSymbolValue,
            boolean useLowProbCount) {
        short lowProbCount = (short) (useLowProbCount ? -1 : 1);
        int scale = 62 - tableLog;
        long step = (1L << 62) / total;
        long vStep = 1L << (scale - 20);
        int stillToDistribute = 1 << tableLog;
        int largest = 0;
        short largestP = 0;
        int lowThreshold = total >>> tableLog;
        for (int s = 0; s <= maxSymbolValue; s++) {
            if (count[s] == total) {
                return; // rle: never reached by this port's callers
            }
            if (count[s] == 0) {
                norm[s] = 0;
                continue;
            }
            if (count[s] <= lowThreshold) {
                norm[s] = lowProbCount;
                stillToDistribute--;
            } else {
                short proba = (short) ((count[s] * step) >>> scale);
                if (proba < 8) {
                    long restToBeat = vStep * RTB_TABLE[proba];
                    proba += (count[s] * step) - ((long) proba << scale) > restToBeat ? 1 : 0;
                }
                if (proba > largestP) {
                    largestP = proba;
                    largest = s;
                }
                norm[s] = proba;
                stillToDistribute -= proba;
            }
        }
        if (-stillToDistribute >= (norm[largest] >> 1)) {
            normalizeM2(norm, tableLog, count, total, maxSymbolValue, lowProbCount);
        } else {
            norm[largest] += (short) stillToDistribute;
        }
    }

    /** {@code FSE_normalizeM2}: the secondary method, for distributions the first one cannot round. */
    private static void normalizeM2(short[] norm, int tableLog, int[] count, int total, int maxSymbolValue,
            short lowProbCount) {
        final short notYetAssigned = -2;
        int distributed = 0;
        long lowThreshold = (total & 0xFFFFFFFFL) >>> tableLog;
        long lowOne = ((total & 0xFFFFFFFFL) * 3) >>> (tableLog + 1);
        long tot = total & 0xFFFFFFFFL;
        for (int s = 0; s <= maxSymbolValue; s++) {
            if (count[s] == 0) {
                norm[s] = 0;
                continue;
            }
            if (count[s] <= lowThreshold) {
                norm[s] = lowProbCount;
                distributed++;
                tot -= count[s];
                continue;
            }
            if (count[s] <= lowOne) {
                norm[s] = 1;
                distributed++;
                tot -= count[s];
                continue;
            }
            norm[s] = notYetAssigned;
        }
        int toDistribute = (1 << tableLog) - distributed;
        if (toDistribute == 0) {
            return;
        }
        if (tot / toDistribute > lowOne) {
            lowOne = (tot * 3) / (toDistribute * 2L);
            for (int s = 0; s <= maxSymbolValue; s++) {
                if (norm[s] == notYetAssigned && count[s] <= lowOne) {
                    norm[s] = 1;
                    distributed++;
                    tot -= count[s];
                }
            }
            toDistribute = (1 << tableLog) - distributed;
        }
        if (distributed == maxSymbolValue + 1) {
            int maxV = 0;
            int maxC = 0;
            for (int s = 0; s <= maxSymbolValue; s++) {
                if (count[s] > maxC) {
                    maxV = s;
                    maxC = count[s];
                }
            }
            norm[maxV] += (short) toDistribute;
            return;
        }
        if (tot == 0) {
            for (int s = 0; toDistribute > 0; s = (s + 1) % (maxSymbolValue + 1)) {
                if (norm[s] > 0) {
                    toDistribute--;
                    norm[s]++;
                }
            }
            return;
        }
        int vStepLog = 62 - tableLog;
        long mid = (1L << (vStepLog - 1)) - 1;
        long rStep = Long.divideUnsigned(((1L << vStepLog) * toDistribute) + mid, tot);
        long tmpTotal = mid;
        for (int s = 0; s <= maxSymbolValue; s++) {
            if (norm[s] == notYetAssigned) {
                long end = tmpTotal + (count[s] * rStep);
                int sStart = (int) (tmpTotal >>> vStepLog);
                int sEnd = (int) (end >>> vStepLog);
                int weight = sEnd - sStart;
                if (weight < 1) {
                    throw new IllegalStateException("FSE_normalizeM2: a symbol got no weight"); // the C's ERROR(GENERIC)
                }
                norm[s] = (short) weight;
                tmpTotal = end;
            }
        }
    }

    /** {@code FSE_writeNCount_generic}: the table description at {@code out[op...]}; returns its length. */
    static int writeNCount(byte[] out, int op, short[] norm, int maxSymbolValue, int tableLog) {
        int start = op;
        int tableSize = 1 << tableLog;
        int bitStream = 0;
        int bitCount = 0;
        int symbol = 0;
        int alphabetSize = maxSymbolValue + 1;
        boolean previousIs0 = false;
        bitStream += (tableLog - FSE_MIN_TABLELOG) << bitCount;
        bitCount += 4;
        int remaining = tableSize + 1;
        int threshold = tableSize;
        int nbBits = tableLog + 1;
        while (symbol < alphabetSize && remaining > 1) {
            if (previousIs0) {
                int s0 = symbol;
                while (symbol < alphabetSize && norm[symbol] == 0) {
                    symbol++;
                }
                if (symbol == alphabetSize) {
                    break;
                }
                while (symbol >= s0 + 24) {
                    s0 += 24;
                    bitStream += 0xFFFF << bitCount;
                    out[op++] = (byte) bitStream;
                    out[op++] = (byte) (bitStream >>> 8);
                    bitStream >>>= 16;
                }
                while (symbol >= s0 + 3) {
                    s0 += 3;
                    bitStream += 3 << bitCount;
                    bitCount += 2;
                }
                bitStream += (symbol - s0) << bitCount;
                bitCount += 2;
                if (bitCount > 16) {
                    out[op++] = (byte) bitStream;
                    out[op++] = (byte) (bitStream >>> 8);
                    bitStream >>>= 16;
                    bitCount -= 16;
                }
            }
            int c = norm[symbol++];
            int max = (2 * threshold - 1) - remaining;
            remaining -= c < 0 ? -c : c;
            c++;
            if (c >= threshold) {
                c += max;
            }
            bitStream += c << bitCount;
            bitCount += nbBits;
            bitCount -= c < max ? 1 : 0;
            previousIs0 = c == 1;
            while (remaining < threshold) {
                nbBits--;
                threshold >>= 1;
            }
            if (bitCount > 16) {
                out[op++] = (byte) bitStream;
                out[op++] = (byte) (bitStream >>> 8);
                bitStream >>>= 16;
                bitCount -= 16;
            }
        }
        out[op] = (byte) bitStream;
        out[op + 1] = (byte) (bitStream >>> 8);
        op += (bitCount + 7) / 8;
        return op - start;
    }

    /** An FSE compression table ({@code FSE_buildCTable_wksp}): the state table and each symbol's transform. */
    static final class FseTable {
        final int tableLog;
        final int[] stateTable;
        final int[] deltaNbBits;
        final int[] deltaFindState;

        private FseTable(int tableLog, int tableSize, int symbols) {
            this.tableLog = tableLog;
            this.stateTable = new int[Math.max(tableSize, 1)];
            this.deltaNbBits = new int[symbols];
            this.deltaFindState = new int[symbols];
        }

        static FseTable build(short[] norm, int maxSymbolValue, int tableLog) {
            int tableSize = 1 << tableLog;
            int tableMask = tableSize - 1;
            FseTable t = new FseTable(tableLog, tableSize, maxSymbolValue + 1);
            int step = (tableSize >>> 1) + (tableSize >>> 3) + 3; // FSE_TABLESTEP
            int[] cumul = new int[maxSymbolValue + 2];
            int[] tableSymbol = new int[tableSize];
            int highThreshold = tableSize - 1;
            for (int u = 1; u <= maxSymbolValue + 1; u++) {
                if (norm[u - 1] == -1) {
                    cumul[u] = cumul[u - 1] + 1;
                    tableSymbol[highThreshold--] = u - 1;
                } else {
                    cumul[u] = cumul[u - 1] + norm[u - 1];
                }
            }
            cumul[maxSymbolValue + 1] = tableSize + 1;
            int position = 0;
            for (int symbol = 0; symbol <= maxSymbolValue; symbol++) {
                for (int n = 0; n < norm[symbol]; n++) {
                    tableSymbol[position] = symbol;
                    position = (position + step) & tableMask;
                    while (position > highThreshold) {
                        position = (position + step) & tableMask;
                    }
                }
            }
            for (int u = 0; u < tableSize; u++) {
                int s = tableSymbol[u];
                t.stateTable[cumul[s]++] = tableSize + u;
            }
            int total = 0;
            for (int s = 0; s <= maxSymbolValue; s++) {
                switch (norm[s]) {
                    case 0:
                        t.deltaNbBits[s] = ((tableLog + 1) << 16) - (1 << tableLog);
                        break;
                    case -1:
                    case 1:
                        t.deltaNbBits[s] = (tableLog << 16) - (1 << tableLog);
                        t.deltaFindState[s] = total - 1;
                        total++;
                        break;
                    default: {
                        int maxBitsOut = tableLog - highbit32(norm[s] - 1);
                        int minStatePlus = norm[s] << maxBitsOut;
                        t.deltaNbBits[s] = (maxBitsOut << 16) - minStatePlus;
                        t.deltaFindState[s] = total - norm[s];
                        total += norm[s];
                    }
                }
            }
            return t;
        }

        /** {@code FSE_buildCTable_rle}: one symbol, no bits. */
        static FseTable rle(int symbol) {
            return new FseTable(0, 1, symbol + 1); // stateTable {0}, transforms 0
        }

        /** {@code FSE_initCState2}: the state after the first symbol (the last the decoder reads). */
        int initState2(int symbol) {
            int nbBitsOut = (deltaNbBits[symbol] + (1 << 15)) >>> 16;
            int value = (nbBitsOut << 16) - deltaNbBits[symbol];
            return stateTable[(value >>> nbBitsOut) + deltaFindState[symbol]];
        }

        /** {@code FSE_encodeSymbol}: writes the state's low bits, returns the next state. */
        int encode(BitWriter b, int state, int symbol) {
            int nbBitsOut = (state + deltaNbBits[symbol]) >>> 16;
            b.addBits(state, nbBitsOut);
            return stateTable[(state >>> nbBitsOut) + deltaFindState[symbol]];
        }
    }

    /**
     * {@code BIT_CStream_t}: bits appended low first, closed by a 1 bit. As in the C, {@link #addBits} only
     * accumulates and {@link #flush} writes the container's whole bytes with one 8-byte store; callers flush before
     * the container could pass 63 bits. The stream's bytes do not depend on where the flushes are. Each flush may
     * write up to 7 bytes past the stream's end, so the buffer needs that slack (the block buffer has it).
     */
    static final class BitWriter {
        private byte[] out;
        private int pos;
        private long container;
        private int bitPos;

        void init(byte[] out, int pos) {
            this.out = out;
            this.pos = pos;
            this.container = 0;
            this.bitPos = 0;
        }

        void addBits(int value, int nbBits) {
            container |= (value & ((1L << nbBits) - 1)) << bitPos;
            bitPos += nbBits;
        }

        /** {@code BIT_flushBits}: whole bytes out, at most 7 bits kept. */
        void flush() {
            LE64.set(out, pos, container);
            int nbBytes = bitPos >>> 3;
            pos += nbBytes;
            container = nbBytes == 0 ? container : container >>> (nbBytes << 3);
            bitPos &= 7;
        }

        /** {@code BIT_closeCStream}: the end mark, then the last bytes; returns the position after them. */
        int close() {
            addBits(1, 1);
            while (bitPos > 0) {
                out[pos++] = (byte) container;
                container >>>= 8;
                bitPos -= 8;
            }
            bitPos = 0;
            return pos;
        }
    }

    // ---------------------------------------------------------------------------------------------- Huffman

    /** {@code HUF_compress_internal} with no previous table, and what it calls. */
    static final class Huffman {
        private final int[] count = new int[256];
        private final int[] val = new int[256];
        private final int[] nbBits = new int[256];
        /** {@code val << 8 | nbBits} per symbol: one load per literal while encoding. */
        private final int[] code = new int[256];
        /** {@code HIST_count}'s four tables, so that runs of one byte do not wait on their own increments. */
        private final int[] count4 = new int[4 * 256];
        // huffNode table: index 0 is huffNode0[0] (the barrier), huffNode[i] is index i + 1
        private final long[] nodeCount = new long[2 * 256 + 2];
        private final int[] nodeParent = new int[2 * 256 + 2];
        private final int[] nodeByte = new int[2 * 256 + 2];
        private final int[] nodeBits = new int[2 * 256 + 2];
        private static final int SORT_MAX = 1 << 17; // no count of a 128 KiB block's literals reaches it
        private final int[] sortKeys = new int[256];
        private final byte[] weights = new byte[256];
        private final short[] wNorm = new short[HUF_TABLELOG_MAX + 1];
        private final int[] wCount = new int[HUF_TABLELOG_MAX + 1];
        private final int[] nbPerRank = new int[HUF_TABLELOG_MAX + 1];
        private final int[] valPerRank = new int[HUF_TABLELOG_MAX + 1];
        private final int[] rankLast = new int[HUF_TABLELOG_MAX + 2];
        private final BitWriter weightBits = new BitWriter();

        /** Returns the compressed size (table description included), 1 for a single symbol, 0 for raw. */
        int compress(byte[] src, int srcSize, byte[] out, int op, boolean singleStream, BitWriter bits) {
            int[] c4 = count4;
            Arrays.fill(c4, 0);
            int i = 0;
            for (; i + 3 < srcSize; i += 4) {
                c4[src[i] & 0xFF]++;
                c4[256 + (src[i + 1] & 0xFF)]++;
                c4[512 + (src[i + 2] & 0xFF)]++;
                c4[768 + (src[i + 3] & 0xFF)]++;
            }
            for (; i < srcSize; i++) {
                c4[src[i] & 0xFF]++;
            }
            for (int s = 0; s < 256; s++) {
                count[s] = c4[s] + c4[256 + s] + c4[512 + s] + c4[768 + s];
            }
            int maxSymbolValue = 255;
            while (count[maxSymbolValue] == 0) {
                maxSymbolValue--;
            }
            int largest = 0;
            for (int s = 0; s <= maxSymbolValue; s++) {
                largest = Math.max(largest, count[s]);
            }
            if (largest == srcSize) {
                out[op] = src[0];
                return 1;
            }
            if (largest <= (srcSize >> 7) + 4) {
                return 0;
            }
            int huffLog = optimalTableLog(HUF_TABLELOG_DEFAULT, srcSize, maxSymbolValue, 1);
            int maxBits = buildCTable(maxSymbolValue, huffLog);
            int hSize = writeCTable(out, op, maxSymbolValue, maxBits);
            if (hSize < 0) {
                return 0; // HUF_writeCTable's error: the caller stores the literals raw
            }
            if (hSize + 12 >= srcSize) {
                return 0;
            }
            int cSize = singleStream ? compress1X(src, 0, srcSize, out, op + hSize, bits)
                    : compress4X(src, srcSize, out, op + hSize, bits);
            if (cSize == 0) {
                return 0;
            }
            if (hSize + cSize >= srcSize - 1) {
                return 0;
            }
            return hSize + cSize;
        }

        private int compress1X(byte[] src, int from, int n, byte[] out, int op, BitWriter b) {
            b.init(out, op);
            int i = from + n - 1;
            for (int k = n & 3; k > 0; k--, i--) { // HUF_compress1X_usingCTable's odd symbols first
                int s = src[i] & 0xFF;
                b.addBits(code[s] >>> 8, code[s] & 0xFF);
            }
            b.flush();
            for (; i >= from; i -= 4) { // four symbols of at most 12 bits between flushes
                int s0 = src[i] & 0xFF;
                int s1 = src[i - 1] & 0xFF;
                int s2 = src[i - 2] & 0xFF;
                int s3 = src[i - 3] & 0xFF;
                int c0 = code[s0];
                int c1 = code[s1];
                int c2 = code[s2];
                int c3 = code[s3];
                b.addBits(c0 >>> 8, c0 & 0xFF);
                b.addBits(c1 >>> 8, c1 & 0xFF);
                b.addBits(c2 >>> 8, c2 & 0xFF);
                b.addBits(c3 >>> 8, c3 & 0xFF);
                b.flush();
            }
            return b.close() - op;
        }

        private int compress4X(byte[] src, int srcSize, byte[] out, int op, BitWriter b) {
            int segmentSize = (srcSize + 3) / 4;
            if (srcSize < 12) {
                return 0;
            }
            int start = op;
            op += 6;
            int ip = 0;
            for (int k = 0; k < 3; k++) {
                int c = compress1X(src, ip, segmentSize, out, op, b);
                out[start + 2 * k] = (byte) c;
                out[start + 2 * k + 1] = (byte) (c >>> 8);
                op += c;
                ip += segmentSize;
            }
            op += compress1X(src, ip, srcSize - ip, out, op, b);
            return op - start;
        }

        /** {@code HUF_buildCTable_wksp}: sort, tree, max height, then values; returns the table's max bits. */
        private int buildCTable(int maxSymbolValue, int maxNbBits) {
            Arrays.fill(nodeCount, 0);
            Arrays.fill(nodeParent, 0);
            Arrays.fill(nodeByte, 0);
            Arrays.fill(nodeBits, 0);
            sort(maxSymbolValue);
            int nonNullRank = buildTree(maxSymbolValue);
            maxNbBits = setMaxHeight(nonNullRank, maxNbBits);
            // HUF_buildCTableFromTree
            Arrays.fill(nbPerRank, 0);
            Arrays.fill(valPerRank, 0);
            for (int n = 0; n <= nonNullRank; n++) {
                nbPerRank[nodeBits[n + 1]]++;
            }
            int min = 0;
            for (int n = maxNbBits; n > 0; n--) {
                valPerRank[n] = min;
                min += nbPerRank[n];
                min >>>= 1;
            }
            for (int n = 0; n <= maxSymbolValue; n++) {
                nbBits[nodeByte[n + 1]] = nodeBits[n + 1];
            }
            for (int n = 0; n <= maxSymbolValue; n++) {
                val[n] = valPerRank[nbBits[n]]++ & 0xFFFF;
                code[n] = val[n] << 8 | nbBits[n];
            }
            return maxNbBits;
        }

        /** {@code HUF_sort}: symbols by decreasing count, in rank buckets of {@code highbit(count + 1)}. */
        private void sort(int maxSymbolValue) {
            // The rank buckets (highbit(count + 1), highest first) and the insertion inside each (strictly larger
            // counts move ahead) leave the symbols in one order: counts descending, equal counts in symbol order.
            // That order is sorted here directly: the non-zero symbols as keys (MAX - count) << 8 | symbol (a count
            // is at most 128 Ki), then the zero ones, which the C appends in symbol order.
            int[] key = sortKeys;
            int nonZero = 0;
            for (int n = 0; n <= maxSymbolValue; n++) {
                int c = count[n];
                if (c != 0) {
                    key[nonZero++] = (SORT_MAX - c) << 8 | n;
                }
            }
            Arrays.sort(key, 0, nonZero);
            for (int i = 0; i < nonZero; i++) {
                nodeCount[i + 1] = SORT_MAX - (key[i] >>> 8);
                nodeByte[i + 1] = key[i] & 0xFF;
            }
            int pos = nonZero;
            for (int n = 0; n <= maxSymbolValue; n++) {
                if (count[n] == 0) {
                    nodeCount[pos + 1] = 0;
                    nodeByte[pos + 1] = n;
                    pos++;
                }
            }
        }

        /** {@code HUF_buildTree}: returns the last non-zero symbol's rank ({@code nonNullRank}). */
        private int buildTree(int maxSymbolValue) {
            final int startNode = 256; // HUF_SYMBOLVALUE_MAX + 1
            int nodeNb = startNode;
            int nonNullRank = maxSymbolValue;
            while (nodeCount[nonNullRank + 1] == 0) {
                nonNullRank--;
            }
            int lowS = nonNullRank;
            int nodeRoot = nodeNb + lowS - 1;
            int lowN = nodeNb;
            nodeCount[nodeNb + 1] = nodeCount[lowS + 1] + nodeCount[lowS - 1 + 1];
            nodeParent[lowS + 1] = nodeNb;
            nodeParent[lowS - 1 + 1] = nodeNb;
            nodeNb++;
            lowS -= 2;
            for (int n = nodeNb; n <= nodeRoot; n++) {
                nodeCount[n + 1] = 1L << 30;
            }
            nodeCount[0] = 1L << 31; // huffNode0[0]: the barrier
            while (nodeNb <= nodeRoot) {
                int n1 = nodeCount[lowS + 1] < nodeCount[lowN + 1] ? lowS-- : lowN++;
                int n2 = nodeCount[lowS + 1] < nodeCount[lowN + 1] ? lowS-- : lowN++;
                nodeCount[nodeNb + 1] = nodeCount[n1 + 1] + nodeCount[n2 + 1];
                nodeParent[n1 + 1] = nodeNb;
                nodeParent[n2 + 1] = nodeNb;
                nodeNb++;
            }
            nodeBits[nodeRoot + 1] = 0;
            for (int n = nodeRoot - 1; n >= startNode; n--) {
                nodeBits[n + 1] = nodeBits[nodeParent[n + 1] + 1] + 1;
            }
            for (int n = 0; n <= nonNullRank; n++) {
                nodeBits[n + 1] = nodeBits[nodeParent[n + 1] + 1] + 1;
            }
            return nonNullRank;
        }

        /** {@code HUF_setMaxHeight}. Node {@code n} is {@code huffNode[n]}, array index {@code n + 1}. */
        private int setMaxHeight(int lastNonNull, int maxNbBits) {
            int largestBits = nodeBits[lastNonNull + 1];
            if (largestBits <= maxNbBits) {
                return largestBits;
            }
            int totalCost = 0;
            int baseCost = 1 << (largestBits - maxNbBits);
            int n = lastNonNull;
            while (nodeBits[n + 1] > maxNbBits) {
                totalCost += baseCost - (1 << (largestBits - nodeBits[n + 1]));
                nodeBits[n + 1] = maxNbBits;
                n--;
            }
            while (nodeBits[n + 1] == maxNbBits) {
                --n;
            }
            totalCost >>= largestBits - maxNbBits;
            final int noSymbol = 0xF0F0F0F0;
            Arrays.fill(rankLast, noSymbol);
            int currentNbBits = maxNbBits;
            for (int pos = n; pos >= 0; pos--) {
                if (nodeBits[pos + 1] >= currentNbBits) {
                    continue;
                }
                currentNbBits = nodeBits[pos + 1];
                rankLast[maxNbBits - currentNbBits] = pos;
            }
            while (totalCost > 0) {
                int nBitsToDecrease = highbit32(totalCost) + 1;
                for (; nBitsToDecrease > 1; nBitsToDecrease--) {
                    int highPos = rankLast[nBitsToDecrease];
                    int lowPos = rankLast[nBitsToDecrease - 1];
                    if (highPos == noSymbol) {
                        continue;
                    }
                    if (lowPos == noSymbol) {
                        break;
                    }
                    long highTotal = nodeCount[highPos + 1];
                    long lowTotal = 2 * nodeCount[lowPos + 1];
                    if (highTotal <= lowTotal) {
                        break;
                    }
                }
                while (nBitsToDecrease <= HUF_TABLELOG_MAX && rankLast[nBitsToDecrease] == noSymbol) {
                    nBitsToDecrease++;
                }
                totalCost -= 1 << (nBitsToDecrease - 1);
                nodeBits[rankLast[nBitsToDecrease] + 1]++;
                if (rankLast[nBitsToDecrease - 1] == noSymbol) {
                    rankLast[nBitsToDecrease - 1] = rankLast[nBitsToDecrease];
                }
                if (rankLast[nBitsToDecrease] == 0) {
                    rankLast[nBitsToDecrease] = noSymbol;
                } else {
                    rankLast[nBitsToDecrease]--;
                    if (nodeBits[rankLast[nBitsToDecrease] + 1] != maxNbBits - nBitsToDecrease) {
                        rankLast[nBitsToDecrease] = noSymbol;
                    }
                }
            }
            while (totalCost < 0) {
                if (rankLast[1] == noSymbol) {
                    while (nodeBits[n + 1] == maxNbBits) {
                        n--;
                    }
                    nodeBits[n + 1 + 1]--;
                    rankLast[1] = n + 1;
                    totalCost++;
                    continue;
                }
                nodeBits[rankLast[1] + 1 + 1]--;
                rankLast[1]++;
                totalCost++;
            }
            return maxNbBits;
        }

        /** {@code HUF_writeCTable_wksp}: the weights, FSE-compressed when that is smaller; -1 for the C's error. */
        private int writeCTable(byte[] out, int op, int maxSymbolValue, int huffLog) {
            for (int n = 0; n < maxSymbolValue; n++) {
                weights[n] = (byte) (nbBits[n] == 0 ? 0 : huffLog + 1 - nbBits[n]);
            }
            int hSize;
            try {
                hSize = compressWeights(out, op + 1, maxSymbolValue);
            } catch (IllegalStateException e) { // FSE_normalizeM2's ERROR(GENERIC): HUF_compress fails, literals go raw
                return -1;
            }
            if (hSize > 1 && hSize < maxSymbolValue / 2) {
                out[op] = (byte) hSize;
                return hSize + 1;
            }
            if (maxSymbolValue > 256 - 128) {
                return -1;
            }
            out[op] = (byte) (128 + (maxSymbolValue - 1));
            weights[maxSymbolValue] = 0;
            for (int n = 0; n < maxSymbolValue; n += 2) {
                out[op + n / 2 + 1] = (byte) ((weights[n] << 4) + weights[n + 1]);
            }
            return (maxSymbolValue + 1) / 2 + 1;
        }

        /** {@code HUF_compressWeights}: FSE over the weights (table log at most 6); 0 or 1 when not worth it. */
        private int compressWeights(byte[] out, int op, int wtSize) {
            if (wtSize <= 1) {
                return 0;
            }
            Arrays.fill(wCount, 0);
            for (int i = 0; i < wtSize; i++) {
                wCount[weights[i]]++;
            }
            int maxSymbolValue = HUF_TABLELOG_MAX;
            while (wCount[maxSymbolValue] == 0) {
                maxSymbolValue--;
            }
            int maxCount = 0;
            for (int s = 0; s <= maxSymbolValue; s++) {
                maxCount = Math.max(maxCount, wCount[s]);
            }
            if (maxCount == wtSize) {
                return 1;
            }
            if (maxCount == 1) {
                return 0;
            }
            int tableLog = optimalTableLog(6, wtSize, maxSymbolValue, 2);
            normalizeCount(wNorm, tableLog, wCount, wtSize, maxSymbolValue, false);
            int start = op;
            op += writeNCount(out, op, wNorm, maxSymbolValue, tableLog);
            FseTable t = FseTable.build(wNorm, maxSymbolValue, tableLog);
            int cSize = fseCompress(out, op, weights, wtSize, t, weightBits);
            if (cSize == 0) {
                return 0;
            }
            return op + cSize - start;
        }

        /** {@code FSE_compress_usingCTable_generic} over {@code src[0, srcSize)}; 0 below 3 symbols. */
        private static int fseCompress(byte[] out, int op, byte[] src, int srcSize, FseTable t, BitWriter b) {
            if (srcSize <= 2) {
                return 0;
            }
            b.init(out, op);
            int ip = srcSize;
            int state1;
            int state2;
            if ((srcSize & 1) != 0) {
                state1 = t.initState2(src[--ip]);
                state2 = t.initState2(src[--ip]);
                state1 = t.encode(b, state1, src[--ip]);
                b.flush();
            } else {
                state2 = t.initState2(src[--ip]);
                state1 = t.initState2(src[--ip]);
            }
            while (ip > 0) {
                state2 = t.encode(b, state2, src[--ip]);
                state1 = t.encode(b, state1, src[--ip]);
                b.flush();
            }
            b.addBits(state2, t.tableLog);
            b.addBits(state1, t.tableLog);
            b.flush();
            return b.close() - op;
        }
    }
}
