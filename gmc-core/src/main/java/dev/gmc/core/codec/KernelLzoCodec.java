package dev.gmc.core.codec;

/** {@code lzo} and {@code lzo-rle}: {@link KernelLzoCompressor} for compression, {@link LzoDecoder} to decompress. */
final class KernelLzoCodec extends PureJavaCodec {
    private final KernelLzoCompressor compressor;

    KernelLzoCodec(CodecSpec spec) {
        super(spec, "lzo1x_worst_compress");
        this.compressor = new KernelLzoCompressor(spec.algorithm() == CodecSpec.Algorithm.LZO_RLE);
    }

    @Override
    public int maxCompressedLength(int srcLen) {
        return KernelLzoCompressor.worstCase(srcLen);
    }

    @Override
    int compressChecked(byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff) {
        return compressor.compress(src, srcOff, srcLen, dst, dstOff);
    }

    @Override
    public void decompress(byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff, int dstLen) {
        LzoDecoder.decompress(name, src, srcOff, srcLen, dst, dstOff, dstLen);
    }
}
