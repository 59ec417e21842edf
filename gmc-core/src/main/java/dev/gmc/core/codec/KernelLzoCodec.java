package dev.gmc.core.codec;

/**
 * {@code lzo} and {@code lzo-rle}: {@link KernelLzoCompressor} for compression, {@link LzoDecoder} for
 * decompression. Output capacity must be {@code lzo1x_worst_compress} (zram gives the compressor two pages).
 */
final class KernelLzoCodec implements PageCodec {
    private final CodecSpec spec;
    private final String name;
    private final KernelLzoCompressor compressor;

    KernelLzoCodec(CodecSpec spec) {
        this.spec = spec;
        this.name = spec.toString();
        this.compressor = new KernelLzoCompressor(spec.algorithm() == CodecSpec.Algorithm.LZO_RLE);
    }

    @Override
    public CodecSpec spec() {
        return spec;
    }

    @Override
    public int maxCompressedLength(int srcLen) {
        return KernelLzoCompressor.worstCase(srcLen);
    }

    @Override
    public int compress(byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff, int dstCap) {
        PageCodec.checkRange("dst", dst, dstOff, dstCap);
        if (dstCap < maxCompressedLength(srcLen)) {
            throw new IllegalArgumentException(name + ": output buffer of " + dstCap + " bytes too small for "
                    + srcLen + " input bytes (need " + maxCompressedLength(srcLen) + ", lzo1x_worst_compress)");
        }
        return compressor.compress(src, srcOff, srcLen, dst, dstOff);
    }

    @Override
    public void decompress(byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff, int dstLen) {
        LzoDecoder.decompress(name, src, srcOff, srcLen, dst, dstOff, dstLen);
    }

    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return name;
    }
}
