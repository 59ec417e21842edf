package dev.gmc.kernels;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_device_id;
import org.jocl.cl_event;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_platform_id;

/**
 * Checked OpenCL helpers. JOCL's own exceptions are switched off ({@code CL.setExceptionsEnabled(false)}) because
 * they do not name the call; every call goes through {@link #check} instead.
 */
final class Cl {
    private Cl() {
    }

    static void check(int err, String call) {
        if (err != CL.CL_SUCCESS) {
            throw new OpenClException(call, err, null);
        }
    }

    static void check(int err, String call, String detail) {
        if (err != CL.CL_SUCCESS) {
            throw new OpenClException(call, err, detail);
        }
    }

    static String platformString(cl_platform_id p, int param) {
        long[] size = new long[1];
        check(CL.clGetPlatformInfo(p, param, 0, null, size), "clGetPlatformInfo");
        byte[] buf = new byte[(int) size[0]];
        check(CL.clGetPlatformInfo(p, param, buf.length, Pointer.to(buf), null), "clGetPlatformInfo");
        return cString(buf);
    }

    static String deviceString(cl_device_id d, int param) {
        long[] size = new long[1];
        check(CL.clGetDeviceInfo(d, param, 0, null, size), "clGetDeviceInfo");
        byte[] buf = new byte[(int) size[0]];
        check(CL.clGetDeviceInfo(d, param, buf.length, Pointer.to(buf), null), "clGetDeviceInfo");
        return cString(buf);
    }

    static long deviceLong(cl_device_id d, int param) {
        long[] size = new long[1];
        check(CL.clGetDeviceInfo(d, param, 0, null, size), "clGetDeviceInfo");
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());
        check(CL.clGetDeviceInfo(d, param, size[0], Pointer.to(b), null), "clGetDeviceInfo");
        return size[0] == Sizeof.cl_uint ? b.getInt(0) & 0xFFFFFFFFL : b.getLong(0);
    }

    /**
     * Waits for an event by polling its status with short sleeps. Drivers may implement clWaitForEvents as a busy
     * spin (NVIDIA's does by default), which would bill a whole host core to "offloaded" work.
     */
    static void await(cl_command_queue queue, cl_event e, String what) {
        check(CL.clFlush(queue), "clFlush", what);
        int[] status = new int[1];
        long sleep = 10_000;
        for (;;) {
            check(CL.clGetEventInfo(e, CL.CL_EVENT_COMMAND_EXECUTION_STATUS, Sizeof.cl_int, Pointer.to(status),
                    null), "clGetEventInfo", what);
            if (status[0] == CL.CL_COMPLETE) {
                return;
            }
            if (status[0] < 0) {
                throw new OpenClException("kernel execution", status[0], what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(sleep);
            sleep = Math.min(sleep * 2, 200_000);
        }
    }

    /** Device time of a profiled command in nanoseconds, 0 if the driver does not say. */
    static long elapsed(cl_event e) {
        long[] t0 = new long[1];
        long[] t1 = new long[1];
        if (CL.clGetEventProfilingInfo(e, CL.CL_PROFILING_COMMAND_START, Sizeof.cl_ulong, Pointer.to(t0), null) != 0
                || CL.clGetEventProfilingInfo(e, CL.CL_PROFILING_COMMAND_END, Sizeof.cl_ulong, Pointer.to(t1), null) != 0) {
            return 0;
        }
        return t1[0] - t0[0];
    }

    /** Sets kernel arguments in order: a {@code cl_mem}, an {@code Integer} (uint) or a {@code Long} (ulong). */
    static void setArgs(cl_kernel k, Object... args) {
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            int err;
            if (a instanceof cl_mem m) {
                err = CL.clSetKernelArg(k, i, Sizeof.cl_mem, Pointer.to(m));
            } else if (a instanceof Long l) {
                err = CL.clSetKernelArg(k, i, Sizeof.cl_ulong, Pointer.to(new long[] {l}));
            } else {
                err = CL.clSetKernelArg(k, i, Sizeof.cl_uint, Pointer.to(new int[] {(Integer) a}));
            }
            check(err, "clSetKernelArg", "argument " + i);
        }
    }

    private static String cString(byte[] buf) {
        int n = 0;
        while (n < buf.length && buf[n] != 0) {
            n++;
        }
        return new String(buf, 0, n, java.nio.charset.StandardCharsets.UTF_8).trim();
    }
}
