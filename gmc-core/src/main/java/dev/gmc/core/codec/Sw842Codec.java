package dev.gmc.core.codec;

/** {@code 842}: {@link Sw842}, the kernel's software 842 compressor and decompressor (zram's {@code 842}). */
final class Sw842Codec extends PureJavaCodec {
    private final Sw842 sw842 = new Sw842();

    Sw842Codec(CodecSpec spec) {
        super(spec, "69 bits per 8 bytes, end, CRC and padding");
    }

    @Override
    public int maxCompressedLength(int srcLen) {
        return Sw842.maxCompressedLength(srcLen);
    }

    @Override
    int compressChecked(byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff) {
        return sw842.compress(src, srcOff, srcLen, dst, dstOff);
    }

    @Override
    public void decompress(byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff, int dstLen) {
        PageCodec.checkRange("src", src, srcOff, srcLen);
        PageCodec.checkRange("dst", dst, dstOff, dstLen);
        try {
            Sw842.decompress(src, srcOff, srcLen, dst, dstOff, dstLen);
        } catch (Sw842.Corrupt e) {
            throw new CorruptPageException(name, srcLen, dstLen, e.getMessage(), e);
        }
    }
}
