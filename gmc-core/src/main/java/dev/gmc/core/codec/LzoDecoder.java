package dev.gmc.core.codec;

/**
 * A bounds-checked LZO1X decoder for both bitstreams the kernel writes: version 0 ({@code lzo}, also what liblzo2
 * and other LZO1X compressors write, M1 matches included) and version 1 ({@code lzo-rle}: a {@code [17, v]} header
 * and zero-run instructions). It accepts what the kernel's {@code lzo1x_decompress_safe} accepts for a known output
 * length and reports what it rejects as a {@link CorruptPageException} naming the instruction's input offset: input
 * overrun, output overrun, a match reaching before the output's start, a bad end marker, bytes after the end
 * marker, or a short output. Nothing outside {@code dst[dstOff, dstOff+dstLen)} is written. The instruction
 * layout is in {@link KernelLzoCompressor}'s class comment. Stateless and thread-safe.
 */
final class LzoDecoder {
    private static final java.lang.invoke.VarHandle INT = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
            int[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final java.lang.invoke.VarHandle LONG = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
            long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final int M2_MAX_OFFSET = 0x0800;
    private static final int MIN_ZERO_RUN = 4;

    private final String codec;
    private final byte[] src;
    private final int srcOff;
    private final int srcLen;
    private final int ipEnd;
    private final int dstLen;
    /** Where the last {@link #extended} length extension ended. */
    private int extEnd;

    private LzoDecoder(String codec, byte[] src, int srcOff, int srcLen, int dstLen) {
        this.codec = codec;
        this.src = src;
        this.srcOff = srcOff;
        this.srcLen = srcLen;
        this.ipEnd = srcOff + srcLen;
        this.dstLen = dstLen;
    }

    /**
     * Decodes exactly {@code srcLen} bytes of LZO1X into exactly {@code dstLen} bytes.
     *
     * @param codec the codec name for error messages
     * @throws CorruptPageException if the input is malformed or decodes to another length
     */
    static void decompress(String codec, byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff, int dstLen) {
        PageCodec.checkRange("src", src, srcOff, srcLen);
        PageCodec.checkRange("dst", dst, dstOff, dstLen);
        new LzoDecoder(codec, src, srcOff, srcLen, dstLen).run(dst, dstOff);
    }

    private void run(byte[] dst, int dstOff) {
        final int opEnd = dstOff + dstLen;
        int ip = srcOff;
        int op = dstOff;
        if (srcLen < 3) {
            throw corrupt(ip, "shorter than the 3-byte end marker");
        }
        boolean rle = false;
        if (srcLen >= 5 && src[ip] == 17) { // a version header: v0 streams never start with 17 unless empty
            rle = src[ip + 1] != 0;
            ip += 2;
        }
        int state = 0; // 0: after a match without trailing literals; 1..3: with that many; 4: after a literal run
        int first = src[ip] & 0xFF;
        if (first > 17) {
            ip++;
            int t = first - 17;
            needIn(ip, t, ip - 1);
            needOut(op, opEnd, t, ip - 1);
            System.arraycopy(src, ip, dst, op, t);
            ip += t;
            op += t;
            state = t < 4 ? t : 4;
        }
        for (;;) {
            int at = ip;
            needIn(ip, 1, at);
            int t = src[ip++] & 0xFF;
            int len;
            int dist;
            int next;
            if (t < 16) {
                if (state == 0) { // a literal run
                    int n = t;
                    if (t == 0) {
                        n = (int) Math.min(extended(ip, 15, at), Integer.MAX_VALUE - 3);
                        ip = extEnd;
                    }
                    n += 3;
                    needIn(ip, n, at);
                    needOut(op, opEnd, n, at);
                    copyLiterals(dst, ip, op, n, opEnd);
                    ip += n;
                    op += n;
                    state = 4;
                    continue;
                }
                needIn(ip, 1, at);
                next = t & 3;
                if (state != 4) { // M1: 2 bytes within 1 KiB, right after a match's trailing literals
                    len = 2;
                    dist = 1 + (t >>> 2) + ((src[ip++] & 0xFF) << 2);
                } else {          // M1 right after a literal run: 3 bytes 2..3 KiB back
                    len = 3;
                    dist = 1 + M2_MAX_OFFSET + (t >>> 2) + ((src[ip++] & 0xFF) << 2);
                }
            } else if (t >= 64) { // M2
                needIn(ip, 1, at);
                next = t & 3;
                len = (t >>> 5) + 1;
                dist = 1 + ((t >>> 2) & 7) + ((src[ip++] & 0xFF) << 3);
            } else if (t >= 32) { // M3
                long l = t & 31;
                if (l == 0) {
                    l = extended(ip, 31, at);
                    ip = extEnd;
                }
                len = (int) Math.min(l + 2, Integer.MAX_VALUE);
                needIn(ip, 2, at);
                int w = le16(ip);
                ip += 2;
                next = w & 3;
                dist = 1 + (w >>> 2);
            } else { // 16..31: M4, the end marker, or (lzo-rle) a zero run
                needIn(ip, 2, at);
                int w = le16(ip);
                if (rle && (w & 0xfffc) == 0xfffc && (t & 0xf8) == 0x18) {
                    needIn(ip, 3, at);
                    int run = ((t & 7) | ((src[ip + 2] & 0xFF) << 3)) + MIN_ZERO_RUN;
                    needOut(op, opEnd, run, at);
                    java.util.Arrays.fill(dst, op, op + run, (byte) 0);
                    op += run;
                    ip += 3;
                    next = w & 3;
                    state = next;
                    needIn(ip, next, at);
                    needOut(op, opEnd, next, at);
                    System.arraycopy(src, ip, dst, op, next);
                    ip += next;
                    op += next;
                    continue;
                }
                long l = t & 7;
                if (l == 0) {
                    l = extended(ip, 7, at);
                    ip = extEnd;
                    needIn(ip, 2, at);
                    w = le16(ip);
                }
                len = (int) Math.min(l + 2, Integer.MAX_VALUE);
                ip += 2;
                next = w & 3;
                dist = ((t & 8) << 11) + (w >>> 2);
                if (dist == 0) { // the end marker
                    if (len != 3) {
                        throw corrupt(at, "end marker with length " + len + " (expected 17 0 0)");
                    }
                    if (ip != ipEnd) {
                        throw corrupt(at, (ipEnd - ip) + " bytes after the end marker");
                    }
                    if (op != opEnd) {
                        throw corrupt(at, "decoded " + (op - dstOff) + " bytes");
                    }
                    return;
                }
                dist += 0x4000;
            }
            if (dist > op - dstOff) {
                throw corrupt(at, "match distance " + dist + " reaches before the output's start (at output byte "
                        + (op - dstOff) + ")");
            }
            needOut(op, opEnd, len, at);
            int from = op - dist;
            if (dist >= 8 && opEnd - op >= len + 8) {
                // 8 bytes at a time, ending up to 7 bytes past the match (still inside the page, rewritten later):
                // each word is read from at least 8 bytes back, so overlapping copies repeat as LZ77 means
                for (int k = 0; k < len; k += 8) {
                    LONG.set(dst, op + k, (long) LONG.get(dst, from + k));
                }
            } else if (dist >= len) {
                System.arraycopy(dst, from, dst, op, len);
            } else { // overlapping: byte by byte repeats the last dist bytes, as LZ77 means
                for (int k = 0; k < len; k++) {
                    dst[op + k] = dst[from + k];
                }
            }
            op += len;
            state = next;
            if (next != 0) {
                needIn(ip, next, at);
                needOut(op, opEnd, next, at);
                if (ipEnd - ip >= 4 && opEnd - op >= 4) { // the kernel's COPY4: 4 bytes, keep next of them
                    INT.set(dst, op, (int) INT.get(src, ip));
                } else {
                    System.arraycopy(src, ip, dst, op, next);
                }
                ip += next;
                op += next;
            }
        }
    }

    /** Copies a literal run; 8 bytes at a time where input and page leave room for the last word's overshoot. */
    private void copyLiterals(byte[] dst, int ip, int op, int n, int opEnd) {
        if (ipEnd - ip >= n + 8 && opEnd - op >= n + 8) {
            for (int k = 0; k < n; k += 8) {
                LONG.set(dst, op + k, (long) LONG.get(src, ip + k));
            }
        } else {
            System.arraycopy(src, ip, dst, op, n);
        }
    }

    /**
     * The value of a length extension at {@code ip}: {@code base} + 255 per zero byte + the first non-zero byte;
     * {@link #extEnd} is then the input position after it.
     */
    private long extended(int ip, int base, int at) {
        int p = ip;
        while (true) {
            needIn(p, 1, at);
            if (src[p] != 0) {
                break;
            }
            p++;
        }
        extEnd = p + 1;
        return base + 255L * (p - ip) + (src[p] & 0xFF);
    }

    private int le16(int ip) {
        return (src[ip] & 0xFF) | (src[ip + 1] & 0xFF) << 8;
    }

    private void needIn(int ip, long n, int at) {
        if (ipEnd - ip < n) {
            throw corrupt(at, "input overrun: needs " + n + " more bytes at compressed byte " + (ip - srcOff));
        }
    }

    private void needOut(int op, int opEnd, long n, int at) {
        if (opEnd - op < n) {
            throw corrupt(at, "output overrun: " + n + " bytes at output byte " + (op - (opEnd - dstLen))
                    + " exceed the " + dstLen + "-byte page");
        }
    }

    private CorruptPageException corrupt(int at, String what) {
        return new CorruptPageException(codec, srcLen, dstLen, what + " (instruction at compressed byte "
                + (at - srcOff) + ")", null);
    }
}
