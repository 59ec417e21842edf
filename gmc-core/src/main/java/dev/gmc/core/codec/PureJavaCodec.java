package dev.gmc.core.codec;

/**
 * What gmc's own kernel ports ({@code lz4-kernel}, {@code lzo}, {@code lzo-rle}) share as {@link PageCodec}s: no
 * native state, and an output buffer that must hold the worst case, because the kernel's compressors take the path
 * that assumes it (zram gives them two pages).
 */
abstract class PureJavaCodec implements PageCodec {
    private final CodecSpec spec;
    /** The spec's text form, for messages. */
    final String name;
    private final String boundName;

    /** @param boundName the kernel's name for {@link #maxCompressedLength}, for the too-small-buffer message */
    PureJavaCodec(CodecSpec spec, String boundName) {
        this.spec = spec;
        this.name = spec.toString();
        this.boundName = boundName;
    }

    /** Compresses into a {@code dst} already checked to hold {@link #maxCompressedLength} bytes. */
    abstract int compressChecked(byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff);

    @Override
    public final CodecSpec spec() {
        return spec;
    }

    @Override
    public final int compress(byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff, int dstCap) {
        PageCodec.checkRange("dst", dst, dstOff, dstCap);
        if (dstCap < maxCompressedLength(srcLen)) {
            throw new IllegalArgumentException(name + ": output buffer of " + dstCap + " bytes too small for "
                    + srcLen + " input bytes (need " + maxCompressedLength(srcLen) + ", " + boundName + ")");
        }
        return compressChecked(src, srcOff, srcLen, dst, dstOff);
    }

    @Override
    public final void close() {
    }

    @Override
    public final String toString() {
        return name;
    }
}
