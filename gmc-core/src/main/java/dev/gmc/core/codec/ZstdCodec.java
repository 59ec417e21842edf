package dev.gmc.core.codec;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;

/**
 * {@code zstd:L} through zstd-jni, with reusable compression and decompression contexts (this is why
 * codecs are per thread). Frames carry the content size and no checksum, as the kernel's zstd backend
 * writes them; an optional dictionary is loaded into both contexts once.
 *
 * <p>Without a dictionary the output is Linux 6.12's zram's byte for byte: its backend compresses each page with
 * {@code zstd_get_params(level, PAGE_SIZE)}, which are the parameters {@code ZSTD_compress2} picks for a 4096-byte
 * source at that level, and the project pins zstd-jni to the kernel's zstd release (1.5.2; see the root pom). Linux
 * 6.18 carries zstd 1.5.7 and the same backend: a build with {@code -Dzstd.version=1.5.7-6} gives its sizes. The
 * zram of 6.1 to 6.11 reaches zstd through the crypto API with parameters for an unknown source size (and 6.1 has zstd
 * 1.4.10), so its sizes differ from these.
 */
final class ZstdCodec implements PageCodec {
    private final CodecSpec spec;
    private final String name;
    private final ZstdCompressCtx cctx = new ZstdCompressCtx();
    private final ZstdDecompressCtx dctx = new ZstdDecompressCtx();

    ZstdCodec(CodecSpec spec) {
        this.spec = spec;
        this.name = spec.toString();
        cctx.setLevel(spec.level()).setChecksum(false).setContentSize(true);
        byte[] dict = spec.dictionaryUnsafe();
        if (dict != null) {
            cctx.loadDict(dict);
            dctx.loadDict(dict);
        }
    }

    @Override
    public CodecSpec spec() {
        return spec;
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
            return cctx.compressByteArray(dst, dstOff, dstCap, src, srcOff, srcLen);
        } catch (ZstdException e) {
            throw new IllegalArgumentException(name + ": cannot compress " + srcLen + " bytes into " + dstCap
                    + " bytes: " + e.getMessage(), e);
        }
    }

    @Override
    public void decompress(byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff, int dstLen) {
        decompressFrame(dctx, name, src, srcOff, srcLen, dst, dstOff, dstLen);
    }

    /** One zstd frame into exactly {@code dstLen} bytes; {@link CorruptPageException} naming {@code codec} if not. */
    static void decompressFrame(ZstdDecompressCtx dctx, String codec, byte[] src, int srcOff, int srcLen, byte[] dst,
                                int dstOff, int dstLen) {
        PageCodec.checkRange("src", src, srcOff, srcLen);
        PageCodec.checkRange("dst", dst, dstOff, dstLen);
        int n;
        try {
            n = dctx.decompressByteArray(dst, dstOff, dstLen, src, srcOff, srcLen);
        } catch (ZstdException e) {
            throw new CorruptPageException(codec, srcLen, dstLen, "zstd error: " + e.getMessage(), e);
        }
        if (n != dstLen) {
            throw new CorruptPageException(codec, srcLen, dstLen, "decoded " + n + " bytes", null);
        }
    }

    @Override
    public void close() {
        cctx.close();
        dctx.close();
    }

    @Override
    public String toString() {
        return name;
    }
}
