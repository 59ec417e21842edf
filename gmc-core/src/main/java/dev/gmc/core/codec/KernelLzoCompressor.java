package dev.gmc.core.codec;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The Linux kernel's LZO1X-1 compressor ({@code lib/lzo/lzo1x_compress.c}, derived from Markus Oberhumer's LZO
 * 2.06) re-implemented in Java so that its output is <b>bit-identical</b> to what zram stores with
 * {@code comp_algorithm} {@code lzo} or {@code lzo-rle} (zram's default). Both are the one function
 * {@code lzogeneric1x_1_compress}; {@code lzo-rle} passes bitstream version 1.
 *
 * <h2>Output format (LZO1X, as the kernel's decoder reads it)</h2>
 * <pre>
 *   [17, 1]                       lzo-rle only: a version header (v0 never starts with 17 unless empty)
 *   first byte 18..255            the input starts with a run of (byte - 17) literals
 *   0000LLLL  (after a match)     literal run of L+3 bytes; L = 0: 15 + 255 per extra zero byte + next byte
 *   LLLDDDNN DDDDDDDD              M2: length L+1 (3..8), distance 1 + D (up to 2 KiB), N trailing literals
 *   001LLLLL [ext] DDDDDDNN DDDDDDDD   M3: length L+2 (L = 0: 33 + extension), distance 1 + D (up to 16 KiB)
 *   0001HLLL [ext] DDDDDDNN DDDDDDDD   M4: length L+2, distance 16 KiB + H·16 KiB + D; distance 0 = end of stream
 *   00011RRR 111111NN 11111111 RRRRRRRR  lzo-rle only: a run of R+4 zero bytes (4..2051), N trailing literals
 *   00010001 00000000 00000000     the end marker
 * </pre>
 * The NN bits of the previous instruction carry a following literal run of 1..3 bytes ({@code state_offset}: the
 * byte two back, three back after a zero run).
 *
 * <h2>What the port reproduces exactly</h2>
 * <ul>
 *   <li>Input is cut into chunks of at most {@code M4_MAX_OFFSET + 1} bytes (0xc000 for lzo, 0xbfff for lzo-rle);
 *       the dictionary is cleared per chunk and a chunk's unencoded tail ({@code ti}) is carried into the next.
 *       A 4 KiB page is one chunk. Inputs shorter than 32 bytes are never probed: the kernel's
 *       pointer-overflow guard on the chunk loop also stops it then, and all bytes go out as literals.</li>
 *   <li>The dictionary: 8192 16-bit chunk offsets indexed by {@code ((le32 * 0x1824429d) >>> 19) & 0x1fff}; a cleared
 *       entry is offset 0, so early probes compare against the chunk's first 4 bytes.</li>
 *   <li>The literal skip {@code ip += 1 + ((ip - ii) >> 5)}, first probe at chunk offset 5 (4 - ti, then the
 *       skip), probing stops at {@code in_len - 20}.</li>
 *   <li>The match extension of x86-64 and arm64 kernels ({@code LZO_USE_CTZ64}): 8 bytes at a time from offset 4;
 *       when the scan passes {@code ip_end} the length is taken as is, without the final partial word. The other
 *       builds give the same lengths, so this port is every little-endian kernel's: 32-bit x86 and ARMv6/v7
 *       ({@code LZO_USE_CTZ32}) compare 4 bytes at a time and builds without efficient unaligned access (ARMv5)
 *       one byte at a time, but both test for {@code ip_end} only at offsets 4 + 8k, exactly where the 8-byte
 *       loop does, and otherwise stop at the first differing byte. (Checked by building the kernel source in
 *       all three configurations: identical output on every golden set; scripts/oracle/README.md.)</li>
 *   <li>lzo-rle: a probe whose 4 bytes are zero measures the zero run (at most 2051 bytes, not past
 *       {@code ip_end}) and writes a zero-run instruction instead of a match; such probes do not update the
 *       dictionary.</li>
 * </ul>
 * The dictionary is epoch-tagged instead of cleared (the kernel memsets 16 KiB per chunk): an entry written in an
 * earlier chunk or call reads as 0, exactly like a cleared one. Not thread-safe: one instance per thread.
 */
public final class KernelLzoCompressor {
    private static final int D_BITS = 13;
    private static final int D_MASK = (1 << D_BITS) - 1;
    private static final int HASH_MUL = 0x1824429d;
    private static final int M2_MAX_LEN = 8;
    private static final int M2_MAX_OFFSET = 0x0800;
    private static final int M3_MAX_LEN = 33;
    private static final int M3_MAX_OFFSET = 0x4000;
    private static final int M4_MAX_LEN = 9;
    private static final int M3_MARKER = 32;
    private static final int M4_MARKER = 16;
    private static final int M4_MAX_OFFSET_V0 = 0xbfff;
    private static final int M4_MAX_OFFSET_V1 = 0xbffe;
    private static final int MIN_ZERO_RUN = 4;
    private static final int MAX_ZERO_RUN = 2047 + MIN_ZERO_RUN;
    /** Probing stops this many bytes before a chunk's end ({@code ip_end = in + in_len - 20}). */
    private static final int TAIL = 20;

    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final boolean rle;
    /** Entry = epoch << 16 | chunk offset; an entry of an earlier epoch means "cleared" = offset 0. */
    private final int[] dict = new int[1 << D_BITS];
    private int epoch;
    private int base;

    // Per-call state shared between compress() and chunk(): the output position and state_offset.
    private int op;
    private int stateOffset;

    /** @param rle true for {@code lzo-rle} (bitstream version 1), false for {@code lzo} (version 0) */
    public KernelLzoCompressor(boolean rle) {
        this.rle = rle;
    }

    /** {@code lzo1x_worst_compress(n)} from include/linux/lzo.h: a buffer this large never overflows. */
    public static int worstCase(int n) {
        return n + n / 16 + 64 + 3 + 2;
    }

    /**
     * Compresses {@code src[srcOff, srcOff+srcLen)} into {@code dst} at {@code dstOff}.
     *
     * @return the compressed length, equal to {@code lzo1x_1_compress}'s (or {@code lzorle1x_1_compress}'s) {@code
     *         *out_len} in the kernel
     * @throws IllegalArgumentException if {@code dst} has fewer than {@link #worstCase(int)} bytes from {@code dstOff}
     */
    public int compress(byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff) {
        PageCodec.checkRange("src", src, srcOff, srcLen);
        PageCodec.checkRange("dst", dst, dstOff, 0);
        if (dst.length - dstOff < worstCase(srcLen)) {
            throw new IllegalArgumentException("dst: " + (dst.length - dstOff) + " bytes from offset " + dstOff
                    + " (expected at least lzo1x_worst_compress(" + srcLen + ") = " + worstCase(srcLen) + ")");
        }
        op = dstOff;
        int m4MaxOffset = M4_MAX_OFFSET_V0;
        if (rle) {
            dst[op++] = 17;
            dst[op++] = 1;
            m4MaxOffset = M4_MAX_OFFSET_V1;
        }
        int dataStart = op;
        stateOffset = -2;
        int ip = srcOff;
        int left = srcLen;
        int t = 0;
        while (left > TAIL) {
            int ll = Math.min(left, m4MaxOffset + 1);
            // The kernel's pointer-overflow guard, (ll_end + ((t + ll) >> 5)) <= ll_end, is also true whenever
            // t + ll < 32: such short inputs are written as literals only, never probed.
            if ((t + ll) >> 5 == 0) {
                break;
            }
            nextEpoch();
            t = chunk(src, ip, ll, dst, t);
            ip += ll;
            left -= ll;
        }
        t += left;
        if (t > 0) {
            int ii = srcOff + srcLen - t;
            if (op == dataStart && t <= 238) {
                dst[op++] = (byte) (17 + t);
            } else if (t <= 3) {
                dst[op + stateOffset] |= (byte) t;
            } else {
                op = literalLength(dst, op, t);
            }
            System.arraycopy(src, ii, dst, op, t);
            op += t;
        }
        dst[op++] = M4_MARKER | 1;
        dst[op++] = 0;
        dst[op++] = 0;
        return op - dstOff;
    }

    /**
     * {@code lzo1x_1_do_compress} on one chunk {@code src[in, in+inLen)}; {@code ti} literals before {@code in} are
     * still unencoded. Advances {@link #op}; returns how many bytes at the chunk's end are left unencoded.
     */
    private int chunk(byte[] src, int in, int inLen, byte[] dst, int ti) {
        final int inEnd = in + inLen;
        final int ipEnd = inEnd - TAIL;
        int o = op;
        int ii = in;
        int ip = in + (ti < 4 ? 4 - ti : 0);
        ip += 1 + ((ip - ii) >> 5);
        while (ip < ipEnd) {
            int dv = (int) INT.get(src, ip);
            int mPos = 0;
            int runLength = 0;
            if (dv == 0 && rle) {
                runLength = Math.min(zeroRunEnd(src, ip + 4, Math.min(ipEnd, ip + MAX_ZERO_RUN + 1)) - ip,
                        MAX_ZERO_RUN);
            } else {
                int h = ((dv * HASH_MUL) >>> (32 - D_BITS)) & D_MASK;
                mPos = in + Math.max(dict[h] - base, 0);
                dict[h] = base + (ip - in);
                if (dv != (int) INT.get(src, mPos)) {
                    ip += 1 + ((ip - ii) >> 5);
                    continue;
                }
            }

            ii -= ti;
            ti = 0;
            int t = ip - ii;
            if (t != 0) {
                if (t <= 3) {
                    dst[o + stateOffset] |= (byte) t;
                } else {
                    o = literalLength(dst, o, t);
                }
                System.arraycopy(src, ii, dst, o, t);
                o += t;
            }

            if (runLength != 0) {
                ip += runLength;
                int r = runLength - MIN_ZERO_RUN;
                INT.set(dst, o, (r << 21) | 0xfffc18 | (r & 7));
                o += 4;
                stateOffset = -3;
                ii = ip;
                continue;
            }

            int mLen = 4;
            long v = (long) LONG.get(src, ip + mLen) ^ (long) LONG.get(src, mPos + mLen);
            boolean capped = false;
            while (v == 0) {
                mLen += 8;
                v = (long) LONG.get(src, ip + mLen) ^ (long) LONG.get(src, mPos + mLen);
                if (ip + mLen >= ipEnd) {
                    capped = true; // the kernel leaves the loop before adding the last word's equal bytes
                    break;
                }
            }
            if (!capped) {
                mLen += Long.numberOfTrailingZeros(v) >>> 3;
            }

            int mOff = ip - mPos;
            ip += mLen;
            if (mLen <= M2_MAX_LEN && mOff <= M2_MAX_OFFSET) {
                mOff -= 1;
                dst[o++] = (byte) (((mLen - 1) << 5) | ((mOff & 7) << 2));
                dst[o++] = (byte) (mOff >>> 3);
            } else {
                int marker;
                int maxShort;
                if (mOff <= M3_MAX_OFFSET) {
                    mOff -= 1;
                    marker = M3_MARKER;
                    maxShort = M3_MAX_LEN;
                } else {
                    mOff -= 0x4000;
                    marker = M4_MARKER | ((mOff >>> 11) & 8);
                    maxShort = M4_MAX_LEN;
                }
                if (mLen <= maxShort) {
                    dst[o++] = (byte) (marker | (mLen - 2));
                } else {
                    dst[o++] = (byte) marker;
                    o = extension(dst, o, mLen - maxShort);
                }
                dst[o++] = (byte) (mOff << 2);
                dst[o++] = (byte) (mOff >>> 6);
            }
            stateOffset = -2;
            ii = ip;
        }
        op = o;
        return inEnd - (ii - ti);
    }

    /** Writes the length byte(s) of a literal run of {@code t >= 4} bytes at {@code o}; returns the next position. */
    private static int literalLength(byte[] dst, int o, int t) {
        if (t <= 18) {
            dst[o++] = (byte) (t - 3);
            return o;
        }
        dst[o++] = 0;
        return extension(dst, o, t - 18);
    }

    /** A length's extension: a zero byte per 255, then the rest (1..255). */
    private static int extension(byte[] dst, int o, int n) {
        while (n > 255) {
            n -= 255;
            dst[o++] = 0;
        }
        dst[o++] = (byte) n;
        return o;
    }

    /** The first index in {@code [from, limit)} whose byte is not zero, or {@code max(from, limit)}. */
    private static int zeroRunEnd(byte[] src, int from, int limit) {
        int ir = from;
        while (ir + 8 <= limit) {
            long w = (long) LONG.get(src, ir);
            if (w != 0) {
                return ir + (Long.numberOfTrailingZeros(w) >>> 3);
            }
            ir += 8;
        }
        while (ir < limit && src[ir] == 0) {
            ir++;
        }
        return ir;
    }

    private void nextEpoch() {
        if (++epoch > 0x7FFF) { // keep epoch << 16 positive; wrap by really clearing the dictionary
            Arrays.fill(dict, 0);
            epoch = 1;
        }
        base = epoch << 16;
    }
}
