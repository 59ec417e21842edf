package dev.gmc.core.codec;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The zstd-jni that {@code zstd-crypto} compresses with: a second zstd-jni release, loaded once in a class loader of
 * its own from {@code zstd-crypto.jar}, a copy of that release's jar that gmc-core's build puts next to this class
 * (root pom: {@code zstd.crypto.version}).
 *
 * <p>Why a second release: Linux 6.2 to 6.11 compress with their zstd 1.5.2 through parameters set one by one on the
 * context ({@code ZSTD_CCtx_setParameter}); zstd-jni 1.5.2, which the rest of gmc links because it is 6.12's release,
 * has no setter for them. zstd-jni 1.5.6 has, and at these parameters (the dfast strategy) its output equals 1.5.2's:
 * Linux 6.8's zram printed gmc's sizes on every page set (docs/results/x86-64-zram/). Its own class loader, whose
 * parent is the platform loader, keeps its classes and its native library apart from the 1.5.2 ones: a JVM binds a
 * class's native methods to the libraries its own loader loaded.
 */
final class CryptoZstd {
    /** The jar, as gmc-core's build names it, beside this class. */
    static final String RESOURCE = "zstd-crypto.jar";

    private static final String CTX = "com.github.luben.zstd.ZstdCompressCtx";

    private CryptoZstd() {
    }

    /** Handles on a {@code ZstdCompressCtx} of the isolated release, typed on Object (its class is not ours). */
    static final class Api {
        final MethodHandle newCtx;        // () -> Object
        final MethodHandle setLevel;      // (Object, int) -> Object
        final MethodHandle setChecksum;   // (Object, boolean) -> Object
        final MethodHandle setContentSize;
        final MethodHandle setDictId;
        final MethodHandle[] setIntParams; // windowLog, hashLog, chainLog, searchLog, minMatch, targetLength, strategy
        final MethodHandle compress;      // (Object, byte[], int, int, byte[], int, int) -> int
        final MethodHandle close;         // (Object) -> void
        final String release;

        Api(ClassLoader loader) throws ReflectiveOperationException {
            Class<?> ctx = Class.forName(CTX, true, loader);
            MethodHandles.Lookup l = MethodHandles.publicLookup();
            newCtx = l.findConstructor(ctx, MethodType.methodType(void.class)).asType(MethodType.methodType(Object.class));
            setLevel = setter(l, ctx, "setLevel", int.class);
            setChecksum = setter(l, ctx, "setChecksum", boolean.class);
            setContentSize = setter(l, ctx, "setContentSize", boolean.class);
            setDictId = setter(l, ctx, "setDictID", boolean.class);
            String[] names = {"setWindowLog", "setHashLog", "setChainLog", "setSearchLog", "setMinMatch",
                    "setTargetLength", "setStrategy"};
            setIntParams = new MethodHandle[names.length];
            for (int i = 0; i < names.length; i++) {
                setIntParams[i] = setter(l, ctx, names[i], int.class);
            }
            compress = l.findVirtual(ctx, "compressByteArray", MethodType.methodType(int.class, byte[].class, int.class,
                    int.class, byte[].class, int.class, int.class)).asType(MethodType.methodType(int.class,
                    Object.class, byte[].class, int.class, int.class, byte[].class, int.class, int.class));
            close = l.findVirtual(ctx, "close", MethodType.methodType(void.class))
                    .asType(MethodType.methodType(void.class, Object.class));
            String jni = (String) Class.forName("com.github.luben.zstd.util.ZstdVersion", true, loader)
                    .getField("VERSION").get(null);
            release = jni.replaceFirst("-.*", "");
        }

        private static MethodHandle setter(MethodHandles.Lookup l, Class<?> ctx, String name, Class<?> arg)
                throws ReflectiveOperationException {
            return l.findVirtual(ctx, name, MethodType.methodType(ctx, arg))
                    .asType(MethodType.methodType(Object.class, Object.class, arg));
        }
    }

    /** Loaded on first use (the jar is extracted to a temporary file, removed when the JVM exits). */
    private static final class Holder {
        static final Loaded<Api> API = new Loaded<>("zstd-crypto", RESOURCE, Api::new);
    }

    /** Makes a codec's handles from the class loader of its zstd-jni. */
    interface ApiFactory<T> {
        T make(ClassLoader loader) throws ReflectiveOperationException;
    }

    /**
     * The handles of a codec's isolated zstd-jni, made once ({@link #isolated}); a failure to load is kept, naming the
     * codec and the jar, and thrown by each {@link #get}.
     */
    static final class Loaded<T> {
        private final T api;
        private final RuntimeException failure;

        Loaded(String codec, String resource, ApiFactory<T> factory) {
            T made = null;
            RuntimeException failed = null;
            try {
                made = factory.make(isolated(resource, "gmc-" + codec));
            } catch (RuntimeException | ReflectiveOperationException | LinkageError e) {
                failed = new IllegalStateException(codec + ": cannot load the zstd-jni it compresses with (" + resource
                        + " beside " + CryptoZstd.class.getName() + "): " + e, e);
            }
            api = made;
            failure = failed;
        }

        T get() {
            if (failure != null) {
                throw failure;
            }
            return api;
        }

        boolean loaded() {
            return failure == null;
        }
    }

    /** Closes a stream or context of an isolated release through its handle, naming {@code codec} on failure. */
    static void close(MethodHandle close, Object target, String codec) {
        try {
            close.invokeExact(target);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(codec + ": " + t, t);
        }
    }

    /**
     * A class loader of its own, whose parent is the platform loader, for the zstd-jni jar {@code resource} beside this
     * class (extracted to a temporary file, removed when the JVM exits).
     */
    static ClassLoader isolated(String resource, String name) {
        Path jar;
        try (InputStream in = CryptoZstd.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the class path (gmc-core's build copies it"
                        + " there; run the build, not the bare sources)");
            }
            jar = Files.createTempFile(name + "-", ".jar");
            jar.toFile().deleteOnExit();
            Files.copy(in, jar, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract " + resource, e);
        }
        URL url;
        try {
            url = jar.toUri().toURL();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Never closed: the loader must outlive every codec, and its native library cannot be unloaded anyway.
        return new URLClassLoader(name, new URL[] {url}, ClassLoader.getPlatformClassLoader());
    }

    /** The isolated release's handles; throws {@link IllegalStateException} naming the jar if it cannot load. */
    static Api api() {
        return Holder.API.get();
    }

    /** The zstd release zstd-crypto compresses with ("1.5.6"), loading it if need be; "unavailable" if it cannot. */
    static String release() {
        return Holder.API.loaded() ? Holder.API.get().release : "unavailable";
    }
}
