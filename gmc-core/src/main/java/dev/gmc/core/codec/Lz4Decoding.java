package dev.gmc.core.codec;

import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/** The one LZ4 decoder all LZ4-format codecs share: lz4-java's safe (bounds-checked) decompressor. */
final class Lz4Decoding {
    /** Thread-safe; JNI when the native library loads, else lz4-java's pure-Java safe decoder. */
    static final LZ4SafeDecompressor SAFE = LZ4Factory.fastestInstance().safeDecompressor();

    private Lz4Decoding() {
    }

    static void decompress(String codec, byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff, int dstLen) {
        PageCodec.checkRange("src", src, srcOff, srcLen);
        PageCodec.checkRange("dst", dst, dstOff, dstLen);
        int n;
        try {
            n = SAFE.decompress(src, srcOff, srcLen, dst, dstOff, dstLen);
        } catch (LZ4Exception e) {
            throw new CorruptPageException(codec, srcLen, dstLen, "malformed LZ4 block: " + e.getMessage(), e);
        }
        if (n != dstLen) {
            throw new CorruptPageException(codec, srcLen, dstLen, "decoded " + n + " bytes", null);
        }
    }
}
