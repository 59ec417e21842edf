package dev.gmc.core.codec;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdException;

/**
 * {@code zstd-crypto}: zram's zstd in Linux 6.2 to 6.11 (Android's android14-6.1 is older; android15-6.6 is one of
 * these), byte for byte. Those kernels reach zstd through the crypto API ({@code crypto/zstd.c}), which asks for
 * {@code zstd_get_params(ZSTD_DEF_LEVEL = 3, 0)}: level 3's parameters for a source of unknown size, zstd 1.5.2's
 * row {@code {21, 16, 17, 1, 5, 0, ZSTD_dfast}} (windowLog, chainLog, hashLog, searchLog, minMatch, targetLength,
 * strategy). {@code zstd_compress_cctx} sets them one by one on the context and calls {@code ZSTD_compress2}, which
 * fits them to the page (windowLog 12, chainLog 12, hashLog 13 for 4 KiB) and writes a frame with the content size
 * and no checksum. No level can be chosen. 6.12's own backend asks for {@code zstd_get_params(level, PAGE_SIZE)}
 * instead, whose level 3 has minMatch 4: other sizes ({@code zstd}).
 *
 * <p>This codec sets the same parameters in the same way, through the zstd-jni of {@link CryptoZstd} (1.5.6, whose
 * dfast output equals 1.5.2's). Linux 6.1 carries zstd 1.4.10, whose output differs by a few hundred bytes per
 * page set, so 6.1's sizes are not these. Frames decode with the zstd 1.5.2 that the rest of gmc links.
 */
final class ZstdCryptoCodec extends ZstdFramesCodec {
    /** {@code zstd_get_params(3, 0).cParams} in zstd 1.5.2, in {@link CryptoZstd.Api#setIntParams}'s order. */
    static final int[] UNKNOWN_SIZE_LEVEL3 = {21, 17, 16, 1, 5, 0, 2}; // windowLog, hashLog, chainLog, ..., dfast

    private final CryptoZstd.Api api;
    private final Object cctx;

    ZstdCryptoCodec(CodecSpec spec) {
        super(spec);
        try {
            this.api = CryptoZstd.api(); // IllegalStateException naming the jar if it cannot load
            Object c = api.newCtx.invokeExact();
            // zstd_cctx_init: level 3 (ZSTD_reset_session_and_parameters leaves the default), the kernel's fParams
            // (content size on, checksum off, dictID on), then the seven compression parameters.
            c = (Object) api.setLevel.invokeExact(c, 3);
            c = (Object) api.setContentSize.invokeExact(c, true);
            c = (Object) api.setChecksum.invokeExact(c, false);
            c = (Object) api.setDictId.invokeExact(c, true);
            for (int i = 0; i < UNKNOWN_SIZE_LEVEL3.length; i++) {
                c = (Object) api.setIntParams[i].invokeExact(c, UNKNOWN_SIZE_LEVEL3[i]);
            }
            this.cctx = c;
        } catch (RuntimeException | Error e) {
            dctx.close();
            throw e;
        } catch (Throwable t) {
            dctx.close();
            throw new IllegalStateException(name + ": cannot set up a compression context: " + t, t);
        }
    }

    @Override
    public int maxCompressedLength(int srcLen) {
        return (int) Zstd.compressBound(srcLen);
    }

    @Override
    public int compress(byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff, int dstCap) {
        PageCodec.checkRange("src", src, srcOff, srcLen);
        PageCodec.checkRange("dst", dst, dstOff, dstCap);
        try {
            return (int) api.compress.invokeExact(cctx, dst, dstOff, dstCap, src, srcOff, srcLen);
        } catch (RuntimeException e) {
            // the isolated release's ZstdException: not our class, so matched by name
            if (e.getClass().getName().equals(ZstdException.class.getName())) {
                throw new IllegalArgumentException(name + ": cannot compress " + srcLen + " bytes into " + dstCap
                        + " bytes: " + e.getMessage(), e);
            }
            throw e;
        } catch (Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(name + ": " + t, t);
        }
    }

    @Override
    void closeCompressor() {
        CryptoZstd.close(api.close, cctx, name);
    }
}
