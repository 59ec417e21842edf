package dev.gmc.core.codec;

/**
 * {@code zstd-1.4.10}: zram's zstd in Linux 5.16 to 6.1 (lib/zstd 1.4.10; Android's android14-6.1), byte for byte:
 * {@link KernelZstdCompressor}, a Java port of the path those kernels take. Checked against the kernels, not by
 * reasoning alone: Ubuntu's 5.19 and Debian's 6.1 stored exactly these sizes (docs/results/x86-64-zram/ and
 * arm64-zram/, {@code ArmKernelTest}), and the frames equal, byte for byte, those of Debian 6.1's lib/zstd built in
 * user space ({@code scripts/oracle/zstd-1.4.10-oracle.sh}; golden vectors in {@code KernelZstdGoldenTest}). Frames
 * decode with the zstd 1.5.2 that the rest of gmc links.
 */
final class KernelZstdCodec extends ZstdFramesCodec {
    private final KernelZstdCompressor compressor = new KernelZstdCompressor();
    private byte[] frame = new byte[KernelZstdCompressor.bound(4096)];

    KernelZstdCodec(CodecSpec spec) {
        super(spec);
    }

    @Override
    public int maxCompressedLength(int srcLen) {
        return KernelZstdCompressor.bound(srcLen);
    }

    @Override
    public int compress(byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff, int dstCap) {
        PageCodec.checkRange("src", src, srcOff, srcLen);
        PageCodec.checkRange("dst", dst, dstOff, dstCap);
        if (srcLen > KernelZstdCompressor.MAX_SOURCE) {
            throw new IllegalArgumentException(name + ": cannot compress " + srcLen + " bytes: at most "
                    + KernelZstdCompressor.MAX_SOURCE + " (one zstd block, as a page)");
        }
        int bound = KernelZstdCompressor.bound(srcLen);
        if (dstCap >= bound) {
            return compressor.compress(src, srcOff, srcLen, dst, dstOff);
        }
        if (frame.length < bound) {
            frame = new byte[bound];
        }
        int n = compressor.compress(src, srcOff, srcLen, frame, 0);
        if (n > dstCap) {
            throw new IllegalArgumentException(name + ": cannot compress " + srcLen + " bytes into " + dstCap
                    + " bytes: the frame takes " + n);
        }
        System.arraycopy(frame, 0, dst, dstOff, n);
        return n;
    }

    @Override
    void closeCompressor() {
        // a Java compressor: nothing to free
    }
}
