package dev.gmc.kernels;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
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

    private static String cString(byte[] buf) {
        int n = 0;
        while (n < buf.length && buf[n] != 0) {
            n++;
        }
        return new String(buf, 0, n, java.nio.charset.StandardCharsets.UTF_8).trim();
    }
}
