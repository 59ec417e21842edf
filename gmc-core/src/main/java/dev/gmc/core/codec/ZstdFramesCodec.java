package dev.gmc.core.codec;

import com.github.luben.zstd.ZstdDecompressCtx;

/**
 * What the codecs that write zstd frames with another compressor than gmc's zstd-jni share: an isolated zstd-jni
 * ({@link CryptoZstd#isolated}: {@code zstd-crypto}, {@code zstd-1.3.1}) or a Java port ({@code zstd-1.4.10}). Their
 * frames decode with the zstd 1.5.2 that the rest of gmc links, and closing one closes its decoder and its compressor.
 */
abstract class ZstdFramesCodec implements PageCodec {
    final CodecSpec spec;
    final String name;
    final ZstdDecompressCtx dctx = new ZstdDecompressCtx();
    private boolean closed;

    ZstdFramesCodec(CodecSpec spec) {
        this.spec = spec;
        this.name = spec.toString();
    }

    /** Frees the compressor (one in an isolated release through {@link CryptoZstd#close}). */
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
