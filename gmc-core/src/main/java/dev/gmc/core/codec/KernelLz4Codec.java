package dev.gmc.core.codec;

/** {@code lz4-kernel}: {@link KernelLz4Compressor} for compression, lz4-java's safe decoder for decompression. */
final class KernelLz4Codec implements PageCodec {
    private final CodecSpec spec;
    private final String name;
    private final KernelLz4Compressor compressor;

    KernelLz4Codec(CodecSpec spec) {
        this.spec = spec;
        this.name = spec.toString();
        this.compressor = new KernelLz4Compressor(spec.level());
    }

    @Override
    public CodecSpec spec() {
        return spec;
    }

    @Override
    public int maxCompressedLength(int srcLen) {
        return KernelLz4Compressor.compressBound(srcLen);
    }

    @Override
    public int compress(byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff, int dstCap) {
        PageCodec.checkRange("dst", dst, dstOff, dstCap);
        if (dstCap < maxCompressedLength(srcLen)) {
            throw new IllegalArgumentException(name + ": output buffer of " + dstCap + " bytes too small for "
                    + srcLen + " input bytes (need " + maxCompressedLength(srcLen) + ", as zram's 2-page buffer)");
        }
        return compressor.compress(src, srcOff, srcLen, dst, dstOff);
    }

    @Override
    public void decompress(byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff, int dstLen) {
        Lz4Decoding.decompress(name, src, srcOff, srcLen, dst, dstOff, dstLen);
    }

    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return name;
    }
}
