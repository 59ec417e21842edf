package dev.gmc.core.codec;

import com.github.luben.zstd.Zstd;
import java.io.OutputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Arrays;

/**
 * {@code zstd-1.3.1}: zram's zstd in Linux 5.4 to 5.15 (lib/zstd 1.3.1, the release the kernel carried from 4.14 to
 * 5.15; Android's android12-5.10 and android13-5.15 are among these), byte for byte in size. Those kernels reach zstd
 * through the crypto API ({@code crypto/zstd.c}): {@code ZSTD_getParams(ZSTD_DEF_LEVEL = 3, 0, 0)}, level 3's
 * parameters for a source of unknown size, used as they are for each page by {@code ZSTD_compressCCtx}, and frame
 * parameters left zero, so the frame has no content size and no checksum but a window descriptor.
 *
 * <p>zstd's own streaming compressor of the same release, started without a size, chooses the same parameters and
 * writes the same frame: this codec keeps one zstd-jni 1.3.1 {@code ZstdOutputStream} per codec instance, which closes
 * its frame at each flush, and writes one page through it per frame. Checked against the kernels, not by reasoning
 * alone: Linux 5.4, 5.8, 5.11, 5.13 and 5.15 stored exactly these sizes on three page sets (docs/results/x86-64-zram/;
 * {@code ArmKernelTest}). zstd-jni 1.3.1 is loaded in a class loader of its own ({@link CryptoZstd#isolated}), as
 * zstd-crypto's 1.5.6 is. Frames decode with the zstd 1.5.2 that the rest of gmc links.
 */
final class Zstd131Codec extends ZstdFramesCodec {
    /** The jar, as gmc-core's build names it, beside {@link CryptoZstd}. */
    static final String RESOURCE = "zstd-1.3.1.jar";

    /** The stream's output: one frame at a time, in a buffer of its own so that a full caller buffer breaks nothing. */
    private static final class Frame extends OutputStream {
        byte[] buf = new byte[2 * 4096];
        int length;

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (length + len > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(2 * buf.length, length + len));
            }
            System.arraycopy(b, off, buf, length, len);
            length += len;
        }
    }

    /** Handles on zstd-jni 1.3.1's {@code ZstdOutputStream}, typed on Object (its class is not ours). */
    static final class Api {
        final MethodHandle newStream; // (OutputStream, int level, boolean closeFrameOnFlush, boolean checksum) -> Object
        final MethodHandle write;     // (Object, byte[], int, int) -> void
        final MethodHandle flush;     // (Object) -> void
        final MethodHandle close;     // (Object) -> void
        final String release;

        Api(ClassLoader loader) throws ReflectiveOperationException {
            Class<?> stream = Class.forName("com.github.luben.zstd.ZstdOutputStream", true, loader);
            MethodHandles.Lookup l = MethodHandles.publicLookup();
            newStream = l.findConstructor(stream, MethodType.methodType(void.class, OutputStream.class, int.class,
                    boolean.class, boolean.class)).asType(MethodType.methodType(Object.class, OutputStream.class,
                    int.class, boolean.class, boolean.class));
            write = l.findVirtual(stream, "write", MethodType.methodType(void.class, byte[].class, int.class, int.class))
                    .asType(MethodType.methodType(void.class, Object.class, byte[].class, int.class, int.class));
            flush = l.findVirtual(stream, "flush", MethodType.methodType(void.class))
                    .asType(MethodType.methodType(void.class, Object.class));
            close = l.findVirtual(stream, "close", MethodType.methodType(void.class))
                    .asType(MethodType.methodType(void.class, Object.class));
            // 1.3.1's jar has no ZstdVersion class: its release is in the jar's name and manifest only
            release = "1.3.1";
        }
    }

    /** Loaded on first use. */
    private static final class Holder {
        static final CryptoZstd.Loaded<Api> API = new CryptoZstd.Loaded<>("zstd-1.3.1", RESOURCE, Api::new);
    }

    /** The handles; throws {@link IllegalStateException} naming the jar if it cannot load. */
    static Api api() {
        return Holder.API.get();
    }

    private final Api api;
    private final Frame frame = new Frame();
    private final Object stream;

    Zstd131Codec(CodecSpec spec) {
        super(spec);
        try {
            this.api = api();
            // level 3, a frame closed at each flush, no checksum (the crypto API's fParams are zero)
            this.stream = (Object) api.newStream.invokeExact((OutputStream) frame, 3, true, false);
        } catch (RuntimeException | Error e) {
            dctx.close();
            throw e;
        } catch (Throwable t) {
            dctx.close();
            throw new IllegalStateException(name + ": cannot open a compression stream: " + t, t);
        }
    }

    @Override
    public int maxCompressedLength(int srcLen) {
        return (int) Zstd.compressBound(srcLen) + 8; // the window descriptor and a spare: within any caller's slack
    }

    @Override
    public int compress(byte[] src, int srcOff, int srcLen, byte[] dst, int dstOff, int dstCap) {
        PageCodec.checkRange("src", src, srcOff, srcLen);
        PageCodec.checkRange("dst", dst, dstOff, dstCap);
        frame.length = 0;
        try {
            api.write.invokeExact(stream, src, srcOff, srcLen);
            api.flush.invokeExact(stream); // ZSTD_endStream, then ZSTD_initCStream for the next frame
        } catch (java.io.IOException e) {
            throw new IllegalStateException(name + ": cannot compress " + srcLen + " bytes: " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(name + ": " + t, t);
        }
        if (frame.length > dstCap) {
            throw new IllegalArgumentException(name + ": cannot compress " + srcLen + " bytes into " + dstCap
                    + " bytes: the frame takes " + frame.length);
        }
        System.arraycopy(frame.buf, 0, dst, dstOff, frame.length);
        return frame.length;
    }

    @Override
    void closeCompressor() {
        CryptoZstd.close(api.close, stream, name);
    }
}
