package dev.gmc.core.codec;

import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4JNIFastResetCompressor;

/**
 * {@code lz4} and {@code lz4hc} through lz4-java's JNI binding of liblz4 1.10. The fast mode at acceleration 1 is
 * {@code LZ4_compress_default}; other accelerations use a fast-reset stream so the acceleration is honoured.
 */
final class Lz4JavaCodec implements PageCodec {
    private static final LZ4Factory NATIVE = LZ4Factory.nativeInstance();

    private final CodecSpec spec;
    private final LZ4Compressor compressor;
    private final String name;

    Lz4JavaCodec(CodecSpec spec) {
        this.spec = spec;
        this.name = spec.toString();
        // Acceleration 1 is LZ4_compress_default, which lz4-java's fastCompressor calls with no lock or stream (the
        // fast-reset stream locks a ReentrantLock per call and still clears its table for a 4 KiB input, as
        // LZ4_prepareTable resets for inputs of 4 KiB and more); other accelerations need the stream's parameter.
        this.compressor = spec.algorithm() == CodecSpec.Algorithm.LZ4HC
                ? NATIVE.highCompressor(spec.level())
                : spec.level() == 1 ? NATIVE.fastCompressor() : NATIVE.fastResetCompressor(spec.level());
    }

    @Override
    public CodecSpec spec() {
        return spec;
    }

    @Override
    public int maxCompressedLength(int srcLen) {
        return compressor.maxCompressedLength(srcLen);
    }

    @Override
    public int compress(byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff, int dstCap) {
        PageCodec.checkRange("src", src, srcOff, srcLen);
        PageCodec.checkRange("dst", dst, dstOff, dstCap);
        try {
            return compressor.compress(src, srcOff, srcLen, dst, dstOff, dstCap);
        } catch (LZ4Exception e) {
            throw new IllegalArgumentException(name + ": output buffer of " + dstCap + " bytes too small for "
                    + srcLen + " input bytes (need up to " + maxCompressedLength(srcLen) + ")", e);
        }
    }

    @Override
    public void decompress(byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff, int dstLen) {
        Lz4Decoding.decompress(name, src, srcOff, srcLen, dst, dstOff, dstLen);
    }

    @Override
    public void close() {
        if (compressor instanceof LZ4JNIFastResetCompressor) {
            ((LZ4JNIFastResetCompressor) compressor).close();
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
