package dev.gmc.kernels;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_program;

/**
 * An OpenCL context on one device with {@code lz4_page.cl} built for it.
 *
 * <p>Build caching: compiling the source costs 0.2–0.4 s (NVIDIA, PoCL). The device binary is cached in memory per
 * (device, driver, options, source) and on disk under {@code $GMC_CL_CACHE} or {@code ~/.cache/gmc/opencl} (set
 * {@code GMC_CL_CACHE=off} to disable). A cached binary that the driver refuses is discarded and the source rebuilt.
 * {@code GMC_CL_BUILD_LOG=1} prints the compiler's log of a source build (its warnings) to standard error.
 * Thread-safe except {@link #close()}; kernels are created per user because {@code clSetKernelArg} is not.
 */
public final class Lz4Program implements AutoCloseable {
    public static final String SOURCE_RESOURCE = "lz4_page.cl";
    /** The decompression kernels (batch restore), built into the same program. */
    public static final String RESTORE_RESOURCE = "lz4_restore.cl";
    private static final Map<String, byte[]> BINARIES = new ConcurrentHashMap<>();

    private final ClDevice device;
    private final cl_context context;
    private final cl_program program;
    private boolean closed; // guarded by this
    private final int workGroupSize;
    private final boolean fromCache;

    /** Builds (or loads) the program with the cooperative kernel's work-group size {@code workGroupSize}. */
    public Lz4Program(ClDevice device, int workGroupSize) {
        if (workGroupSize < 32 || workGroupSize > 1024 || Integer.bitCount(workGroupSize) != 1) {
            throw new IllegalArgumentException("work-group size " + workGroupSize + " (expected a power of two, 32..1024)");
        }
        if (workGroupSize > device.maxWorkGroupSize()) {
            throw new IllegalArgumentException("work-group size " + workGroupSize + " exceeds the device's maximum "
                    + device.maxWorkGroupSize() + " (" + device.name() + ")");
        }
        this.device = device;
        this.workGroupSize = workGroupSize;
        CL.setExceptionsEnabled(false);
        int[] err = new int[1];
        cl_device_id[] devs = {device.deviceId()};
        this.context = CL.clCreateContext(null, 1, devs, null, null, err);
        Cl.check(err[0], "clCreateContext", device.name());
        String source = source();
        // gmc.cl.options: extra -D settings of lz4_page.cl (tuning experiments), part of the cache key
        String options = ("-cl-std=CL1.2 -D WG=" + workGroupSize + " " + System.getProperty("gmc.cl.options", System.getenv().getOrDefault("GMC_CL_OPTIONS", ""))).trim();
        String key = sha256(device.platformName() + "\n" + device.name() + "\n" + device.version() + "\n" + options
                + "\n" + source);
        cl_program built = null;
        boolean cached = false;
        byte[] bin = BINARIES.get(key);
        if (bin == null) {
            bin = readDiskCache(key);
        }
        if (bin != null) {
            built = tryBinary(devs, bin, options);
            cached = built != null;
        }
        if (built == null) {
            built = CL.clCreateProgramWithSource(context, 1, new String[] {source}, null, err);
            Cl.check(err[0], "clCreateProgramWithSource");
            int e = CL.clBuildProgram(built, 1, devs, options, null, null);
            if (e != CL.CL_SUCCESS) {
                String log = buildLog(built, device.deviceId());
                CL.clReleaseProgram(built);
                CL.clReleaseContext(context);
                throw new OpenClException("clBuildProgram", e, SOURCE_RESOURCE + " + " + RESTORE_RESOURCE + " on " + device.name() + ": " + log);
            }
            if (System.getenv("GMC_CL_BUILD_LOG") != null) { // the compiler's warnings, for kernel work
                System.err.println("build log of " + SOURCE_RESOURCE + " + " + RESTORE_RESOURCE + " on " + device.name()
                        + ":\n" + buildLog(built, device.deviceId()));
            }
            bin = binary(built);
            if (bin != null) {
                BINARIES.put(key, bin);
                writeDiskCache(key, bin);
            }
        } else {
            BINARIES.put(key, bin);
        }
        this.program = built;
        this.fromCache = cached;
    }

    public ClDevice device() {
        return device;
    }

    public int workGroupSize() {
        return workGroupSize;
    }

    /** True if the program came from a cached binary rather than a source build. */
    public boolean fromCache() {
        return fromCache;
    }

    /** The context, for new buffers and queues; refused once closed (a released context is freed native memory). */
    synchronized cl_context context() {
        checkOpen();
        return context;
    }

    synchronized cl_kernel newKernel(String name) {
        checkOpen();
        int[] err = new int[1];
        cl_kernel k = CL.clCreateKernel(program, name, err);
        Cl.check(err[0], "clCreateKernel", name);
        return k;
    }

    /** The OpenCL C source of the kernels: compression, then restore. */
    public static String source() {
        return resource(SOURCE_RESOURCE) + "\n" + resource(RESTORE_RESOURCE);
    }

    private static String resource(String name) {
        try (InputStream in = Lz4Program.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("kernel source " + name + " missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private cl_program tryBinary(cl_device_id[] devs, byte[] bin, String options) {
        int[] err = new int[1];
        int[] status = new int[1];
        cl_program p = CL.clCreateProgramWithBinary(context, 1, devs, new long[] {bin.length}, new byte[][] {bin},
                status, err);
        if (err[0] != CL.CL_SUCCESS || status[0] != CL.CL_SUCCESS) {
            if (p != null && err[0] == CL.CL_SUCCESS) {
                CL.clReleaseProgram(p);
            }
            return null;
        }
        if (CL.clBuildProgram(p, 1, devs, options, null, null) != CL.CL_SUCCESS) {
            CL.clReleaseProgram(p);
            return null;
        }
        return p;
    }

    private static byte[] binary(cl_program p) {
        long[] size = new long[1];
        if (CL.clGetProgramInfo(p, CL.CL_PROGRAM_BINARY_SIZES, Sizeof.size_t, Pointer.to(size), null) != CL.CL_SUCCESS
                || size[0] <= 0) {
            return null;
        }
        byte[] bin = new byte[(int) size[0]];
        Pointer ptr = Pointer.to(new Pointer[] {Pointer.to(bin)});
        if (CL.clGetProgramInfo(p, CL.CL_PROGRAM_BINARIES, Sizeof.POINTER, ptr, null) != CL.CL_SUCCESS) {
            return null;
        }
        return bin;
    }

    private static String buildLog(cl_program p, cl_device_id d) {
        long[] size = new long[1];
        CL.clGetProgramBuildInfo(p, d, CL.CL_PROGRAM_BUILD_LOG, 0, null, size);
        if (size[0] <= 1) {
            return "(no build log)";
        }
        byte[] log = new byte[(int) size[0]];
        CL.clGetProgramBuildInfo(p, d, CL.CL_PROGRAM_BUILD_LOG, log.length, Pointer.to(log), null);
        return new String(log, 0, log.length - 1, StandardCharsets.UTF_8).trim();
    }

    private static Path cacheDir() {
        String env = System.getenv("GMC_CL_CACHE");
        if ("off".equals(env)) {
            return null;
        }
        if (env != null && !env.isEmpty()) {
            return Path.of(env);
        }
        String home = System.getProperty("user.home");
        return home == null ? null : Path.of(home, ".cache", "gmc", "opencl");
    }

    private static byte[] readDiskCache(String key) {
        Path dir = cacheDir();
        if (dir == null) {
            return null;
        }
        try {
            Path f = dir.resolve(key + ".bin");
            return Files.isRegularFile(f) ? Files.readAllBytes(f) : null;
        } catch (IOException | SecurityException e) {
            return null; // a cache is an optimisation: rebuild
        }
    }

    private static void writeDiskCache(String key, byte[] bin) {
        Path dir = cacheDir();
        if (dir == null) {
            return;
        }
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, key, ".tmp");
            Files.write(tmp, bin);
            Files.move(tmp, dir.resolve(key + ".bin"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | SecurityException | UnsupportedOperationException e) {
            // read-only home or similar: run without a disk cache
        }
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)))
                    .substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("OpenCL program is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return; // a second release would free objects that no longer exist (a native crash, not an exception)
        }
        closed = true;
        CL.clReleaseProgram(program);
        CL.clReleaseContext(context);
    }
}
