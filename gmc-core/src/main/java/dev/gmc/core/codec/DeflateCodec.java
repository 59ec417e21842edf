package dev.gmc.core.codec;

import com.jcraft.jzlib.Deflater;
import com.jcraft.jzlib.GZIPException;
import com.jcraft.jzlib.JZlib;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * {@code deflate}: zram's deflate, byte for byte (its {@code backend_deflate.c} from Linux 6.12 on, and the crypto
 * API's {@code crypto/deflate.c} before, which use the same settings): raw deflate (no zlib header or checksum),
 * window bits 11 ({@code DEFLATE_DEF_WINBITS = -11}), memLevel 8 ({@code MAX_MEM_LEVEL} in the kernel's
 * {@code zconf.h}), {@code Z_DEFAULT_STRATEGY}, the level from {@code algorithm_params level=N} (default
 * {@code Z_DEFAULT_COMPRESSION}, which is 6), one {@code zlib_deflate(Z_FINISH)} per page after
 * {@code zlib_deflateReset}.
 *
 * <p>The kernel's {@code lib/zlib_deflate} derives from zlib 1.1.3. JZlib is a Java port of the same zlib, and at
 * these settings its output equals the kernel's: checked on Linux 6.11, 6.14 and 6.17 (docs/results/x86-64-zram/).
 * The JDK's {@code java.util.zip.Deflater} cannot stand in: it has no window-bits or memLevel parameter (always 15
 * and 8), and a 32 KiB window finds matches 2 KiB back that the kernel's cannot. Pages decode with the JDK's
 * {@link Inflater} (the platform's zlib), a second, independent implementation. Linux 6.18's
 * {@code deflate.winbits} parameter is not emulated.
 */
final class DeflateCodec implements PageCodec {
    /** {@code DEFLATE_DEF_WINBITS}: a 2 KiB window; negative in the kernel for raw deflate. */
    static final int WINDOW_BITS = 11;
    /** {@code DEFLATE_DEF_MEMLEVEL = MAX_MEM_LEVEL}, 8 in the kernel's zconf.h (a 32,768-entry hash table). */
    static final int MEM_LEVEL = 8;

    /**
     * JZlib's {@code deflateReset}, which its public API does not offer (only a new deflater, which allocates and
     * zeroes about 140 KB for every page). JZlib 1.1.3 is its last release; a test holds the reset deflater's output
     * to a fresh one's.
     */
    private static final MethodHandle RESET;
    private static final Field DSTATE;

    static {
        try {
            DSTATE = com.jcraft.jzlib.ZStream.class.getDeclaredField("dstate");
            DSTATE.setAccessible(true);
            Class<?> deflate = Class.forName("com.jcraft.jzlib.Deflate");
            java.lang.reflect.Method m = deflate.getDeclaredMethod("deflateReset");
            m.setAccessible(true);
            RESET = MethodHandles.lookup().unreflect(m).asType(MethodType.methodType(int.class, Object.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExceptionInInitializerError("deflate: JZlib " + e + " (expected com.jcraft:jzlib 1.1.3)");
        }
    }

    private final CodecSpec spec;
    private final String name;
    private final Deflater deflater;
    private final Object state;
    private final Inflater inflater = new Inflater(true);
    private boolean closed;

    DeflateCodec(CodecSpec spec) {
        this.spec = spec;
        this.name = spec.toString();
        try {
            this.deflater = new Deflater(spec.level(), -WINDOW_BITS, MEM_LEVEL); // negative bits: raw deflate
            this.state = DSTATE.get(deflater);
        } catch (GZIPException | IllegalAccessException e) {
            inflater.end();
            throw new IllegalStateException(name + ": cannot set up a deflate stream: " + e, e);
        }
    }

    @Override
    public CodecSpec spec() {
        return spec;
    }

    /** zlib's {@code deflateBound} for raw deflate with a small window and memLevel (its conservative formula). */
    @Override
    public int maxCompressedLength(int srcLen) {
        return srcLen + ((srcLen + 7) >> 3) + ((srcLen + 63) >> 6) + 5;
    }

    @Override
    public int compress(byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff, int dstCap) {
        PageCodec.checkRange("src", src, srcOff, srcLen);
        PageCodec.checkRange("dst", dst, dstOff, dstCap);
        int r;
        try {
            r = (int) RESET.invokeExact(state);
        } catch (Throwable t) {
            throw new IllegalStateException(name + ": deflateReset failed: " + t, t);
        }
        if (r != JZlib.Z_OK) {
            throw new IllegalStateException(name + ": deflateReset returned " + r);
        }
        deflater.setInput(src, srcOff, srcLen, false);
        deflater.setOutput(dst, dstOff, dstCap);
        r = deflater.deflate(JZlib.Z_FINISH);
        if (r != JZlib.Z_STREAM_END) {
            // Z_OK or Z_BUF_ERROR: the output did not fit (the kernel returns -EINVAL and stores the page raw)
            throw new IllegalArgumentException(name + ": cannot compress " + srcLen + " bytes into " + dstCap
                    + " bytes (deflate returned " + r + "; maxCompressedLength is " + maxCompressedLength(srcLen) + ")");
        }
        return (int) deflater.getTotalOut();
    }

    @Override
    public void decompress(byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff, int dstLen) {
        PageCodec.checkRange("src", src, srcOff, srcLen);
        PageCodec.checkRange("dst", dst, dstOff, dstLen);
        inflater.reset();
        inflater.setInput(src, srcOff, srcLen);
        int n;
        try {
            n = inflater.inflate(dst, dstOff, dstLen);
        } catch (DataFormatException e) {
            throw new CorruptPageException(name, srcLen, dstLen, "inflate: " + e.getMessage(), e);
        }
        if (n != dstLen || !inflater.finished()) {
            throw new CorruptPageException(name, srcLen, dstLen, n < dstLen
                    ? "the stream ends after " + n + " bytes" : "the stream goes on past " + dstLen + " bytes", null);
        }
        if (inflater.getRemaining() != 0) {
            throw new CorruptPageException(name, srcLen, dstLen,
                    inflater.getRemaining() + " bytes follow the end of the stream", null);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        inflater.end();
        deflater.end();
    }

    @Override
    public String toString() {
        return name;
    }
}
