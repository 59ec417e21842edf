package dev.gmc.core.codec;

import com.github.luben.zstd.ZstdDecompressCtx;

/**
 * What the codecs that compress with an isolated zstd-jni ({@link CryptoZstd#isolated}: {@code zstd-crypto},
 * {@code zstd-1.3.1}) share: their frames decode with the zstd 1.5.2 that the rest of gmc links, and closing one
 * closes its decoder and its compressor in the other release.
 */
abstract class IsolatedZstdCodec implements PageCodec {
    final CodecSpec spec;
    final String name;
    final ZstdDecompressCtx dctx = new ZstdDecompressCtx();
    private boolean closed;

    IsolatedZstdCodec(CodecSpec spec) {
        this.spec = spec;
        this.name = spec.toString();
    }

    /** Frees the compressor in the isolated release (through {@link CryptoZstd#close}). */
    abstract void closeCompressor();

    @Override
    public final CodecSpec spec() {
        return spec;
    }

    @Override
    public final void decompress(byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff, int dstLen) {
        ZstdCodec.decompressFrame(dctx, name, src, srcOff, srcLen, dst, dstOff, dstLen); // gmc's zstd 1.5.2 decodes
    }

    @Override
    public final void close() {
        if (closed) {
            return;
        }
        closed = true;
        dctx.close();
        closeCompressor();
    }

    @Override
    public final String toString() {
        return name;
    }
}
