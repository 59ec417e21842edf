package dev.gmc.kernels;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.jocl.CL;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * An OpenCL device as discovered through the ICD loader, with the properties that shape the kernels' launch.
 *
 * <p>Selection ({@link #select(String)}): {@code auto} prefers a GPU and falls back to a CPU device (PoCL in CI);
 * {@code gpu}/{@code cpu} insist on that type; anything else picks the first device whose platform or device name
 * contains the text (case-insensitive). With no OpenCL at all the error says how to get it.
 */
public final class ClDevice {
    public enum Type { GPU, CPU, OTHER }

    private final cl_platform_id platform;
    private final cl_device_id device;
    private final String platformName;
    private final String name;
    private final String version;
    private final Type type;
    private final int computeUnits;
    private final long localMemBytes;
    private final long maxWorkGroupSize;
    private final long maxAllocBytes;
    private final boolean hostUnifiedMemory;

    private ClDevice(cl_platform_id platform, cl_device_id device) {
        this.platform = platform;
        this.device = device;
        this.platformName = Cl.platformString(platform, CL.CL_PLATFORM_NAME);
        this.name = Cl.deviceString(device, CL.CL_DEVICE_NAME);
        this.version = Cl.deviceString(device, CL.CL_DEVICE_VERSION) + " / driver "
                + Cl.deviceString(device, CL.CL_DRIVER_VERSION);
        long t = Cl.deviceLong(device, CL.CL_DEVICE_TYPE);
        this.type = (t & CL.CL_DEVICE_TYPE_GPU) != 0 ? Type.GPU : (t & CL.CL_DEVICE_TYPE_CPU) != 0 ? Type.CPU : Type.OTHER;
        this.computeUnits = (int) Cl.deviceLong(device, CL.CL_DEVICE_MAX_COMPUTE_UNITS);
        this.localMemBytes = Cl.deviceLong(device, CL.CL_DEVICE_LOCAL_MEM_SIZE);
        this.maxWorkGroupSize = Cl.deviceLong(device, CL.CL_DEVICE_MAX_WORK_GROUP_SIZE);
        this.maxAllocBytes = Cl.deviceLong(device, CL.CL_DEVICE_MAX_MEM_ALLOC_SIZE);
        this.hostUnifiedMemory = Cl.deviceLong(device, CL.CL_DEVICE_HOST_UNIFIED_MEMORY) != 0;
    }

    /** All devices of all platforms, GPUs first. */
    public static List<ClDevice> list() {
        int[] n = new int[1];
        int err;
        try {
            CL.setExceptionsEnabled(false);
            err = CL.clGetPlatformIDs(0, null, n);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new OpenClUnavailableException("OpenCL is not available: the JOCL native library or libOpenCL.so.1 "
                    + "could not be loaded (" + e.getMessage() + "); install an ICD loader and a driver, e.g. "
                    + "apt-get install ocl-icd-libopencl1 pocl-opencl-icd", e);
        }
        if (err != CL.CL_SUCCESS || n[0] == 0) {
            throw new OpenClUnavailableException("OpenCL is not available: no platform found ("
                    + OpenClException.codeName(err) + " from clGetPlatformIDs); install a driver, e.g. "
                    + "apt-get install pocl-opencl-icd, or point OCL_ICD_VENDORS at a folder with the vendor's .icd file",
                    null);
        }
        cl_platform_id[] platforms = new cl_platform_id[n[0]];
        Cl.check(CL.clGetPlatformIDs(n[0], platforms, null), "clGetPlatformIDs");
        List<ClDevice> out = new ArrayList<>();
        for (cl_platform_id p : platforms) {
            int[] nd = new int[1];
            int e = CL.clGetDeviceIDs(p, CL.CL_DEVICE_TYPE_ALL, 0, null, nd);
            if (e == CL.CL_DEVICE_NOT_FOUND || nd[0] == 0) {
                continue;
            }
            Cl.check(e, "clGetDeviceIDs");
            cl_device_id[] ds = new cl_device_id[nd[0]];
            Cl.check(CL.clGetDeviceIDs(p, CL.CL_DEVICE_TYPE_ALL, nd[0], ds, null), "clGetDeviceIDs");
            for (cl_device_id d : ds) {
                out.add(new ClDevice(p, d));
            }
        }
        out.sort(Comparator.comparing(ClDevice::type));
        SignalChaining.warnIfMissing(out.stream().map(ClDevice::platformName).distinct().toList());
        return out;
    }

    /** Picks a device: {@code auto}, {@code gpu}, {@code cpu}, or a name fragment. */
    public static ClDevice select(String preference) {
        List<ClDevice> all = list();
        String pref = preference == null ? "auto" : preference.toLowerCase(Locale.ROOT);
        for (ClDevice d : all) {
            boolean ok = switch (pref) {
                case "auto" -> d.type == Type.GPU || d.type == Type.CPU;
                case "gpu" -> d.type == Type.GPU;
                case "cpu" -> d.type == Type.CPU;
                default -> (d.platformName + " " + d.name).toLowerCase(Locale.ROOT).contains(pref);
            };
            if (ok) {
                return d;
            }
        }
        StringBuilder seen = new StringBuilder();
        for (ClDevice d : all) {
            seen.append(seen.length() == 0 ? "" : "; ").append(d);
        }
        throw new OpenClUnavailableException("no OpenCL device matches '" + preference + "' (devices: "
                + (seen.length() == 0 ? "none" : seen) + ")", null);
    }

    cl_platform_id platformId() {
        return platform;
    }

    cl_device_id deviceId() {
        return device;
    }

    public String platformName() {
        return platformName;
    }

    public String name() {
        return name;
    }

    public String version() {
        return version;
    }

    public Type type() {
        return type;
    }

    public int computeUnits() {
        return computeUnits;
    }

    public long localMemBytes() {
        return localMemBytes;
    }

    public long maxWorkGroupSize() {
        return maxWorkGroupSize;
    }

    public long maxAllocBytes() {
        return maxAllocBytes;
    }

    public boolean hostUnifiedMemory() {
        return hostUnifiedMemory;
    }

    @Override
    public String toString() {
        return type + " '" + name + "' on '" + platformName + "' (" + computeUnits + " CUs, local "
                + localMemBytes / 1024 + " KiB)";
    }
}
