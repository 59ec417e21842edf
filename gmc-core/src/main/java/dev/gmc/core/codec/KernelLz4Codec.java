package dev.gmc.core.codec;

/** {@code lz4-kernel}: {@link KernelLz4Compressor} for compression, lz4-java's safe decoder for decompression. */
final class KernelLz4Codec extends PureJavaCodec {
    private final KernelLz4Compressor compressor;

    KernelLz4Codec(CodecSpec spec) {
        super(spec, "LZ4_COMPRESSBOUND, as zram's 2-page buffer");
        this.compressor = new KernelLz4Compressor(spec.level());
    }

    @Override
    public int maxCompressedLength(int srcLen) {
        return KernelLz4Compressor.compressBound(srcLen);
    }

    @Override
    int compressChecked(byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff) {
        return compressor.compress(src, srcOff, srcLen, dst, dstOff);
    }

    @Override
    public void decompress(byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff, int dstLen) {
        Lz4Decoding.decompress(name, src, srcOff, srcLen, dst, dstOff, dstLen);
    }
}
