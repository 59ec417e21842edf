package dev.gmc.core.codec;

/**
 * A block compressor/decompressor for pages. Not thread-safe: use one instance per thread
 * ({@link CodecSpec#newCodec()}). Implementations hold no per-call state between calls, so a
 * compression result depends only on the input bytes.
 */
public interface PageCodec extends AutoCloseable {

    /** The spec this codec was made from (algorithm, level, dictionary). */
    CodecSpec spec();

    /** Worst-case compressed length for {@code srcLen} input bytes; a {@code dst} of this size never overflows. */
    int maxCompressedLength(int srcLen);

    /**
     * Compresses {@code src[srcOff, srcOff+srcLen)} into {@code dst} starting at {@code dstOff}.
     *
     * Bytes of {@code dst} between the returned length and {@code dstCap} may be used as scratch (zstd does);
     * nothing outside {@code [dstOff, dstOff+dstCap)} is written.
     *
     * @return the number of bytes written
     * @throws IllegalArgumentException if the ranges are out of bounds or {@code dstCap} is too small
     */
    int compress(byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff, int dstCap);

    /**
     * Decompresses exactly {@code srcLen} compressed bytes into exactly {@code dstLen} bytes.
     *
     * @throws CorruptPageException if the input is malformed or does not decode to exactly {@code dstLen} bytes;
     *         {@code dst} may then hold partial output but nothing outside {@code [dstOff, dstOff+dstLen)} is written
     */
    void decompress(byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff, int dstLen);

    /** Releases native state; the codec must not be used afterwards. Idempotent. */
    @Override
    void close();

    /** Checks an array range, with a message naming the argument (Netty style). */
    static void checkRange(String what, byte[] buf, int off, int len) {
        if (buf == null) {
            throw new NullPointerException(what);
        }
        if (off < 0 || len < 0 || off > buf.length - len) {
            throw new IllegalArgumentException(what + ": offset " + off + " length " + len
                    + " (expected within array of " + buf.length + " bytes)");
        }
    }
}
