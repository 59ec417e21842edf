package dev.gmc.core.codec;

/**
 * {@code lz4-kernel} and {@code lz4hc-kernel}: {@link KernelLz4Compressor} or {@link KernelLz4HcCompressor} for
 * compression, lz4-java's safe decoder for decompression.
 */
final class KernelLz4Codec extends PureJavaCodec {
    private final KernelLz4Compressor compressor;
    private final KernelLz4HcCompressor hc;

    KernelLz4Codec(CodecSpec spec) {
        super(spec, "LZ4_COMPRESSBOUND, as zram's 2-page buffer");
        boolean isHc = spec.algorithm() == CodecSpec.Algorithm.LZ4HC_KERNEL;
        this.compressor = isHc ? null : new KernelLz4Compressor(spec.level());
        this.hc = isHc ? new KernelLz4HcCompressor(spec.level()) : null;
    }

    @Override
    public int maxCompressedLength(int srcLen) {
        return KernelLz4Compressor.compressBound(srcLen);
    }

    @Override
    int compressChecked(byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff) {
        return hc != null ? hc.compress(src, srcOff, srcLen, dst, dstOff)
                : compressor.compress(src, srcOff, srcLen, dst, dstOff);
    }

    @Override
    public void decompress(byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff, int dstLen) {
        Lz4Decoding.decompress(name, src, srcOff, srcLen, dst, dstOff, dstLen);
    }
}
