package dev.gmc.kernels;

import static org.jocl.CL.clBuildProgram;
import static org.jocl.CL.clCreateContext;
import static org.jocl.CL.clCreateProgramWithSource;
import static org.jocl.CL.clReleaseContext;
import static org.jocl.CL.clReleaseProgram;

import org.jocl.CL;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_program;

/**
 * Child-JVM program for {@link SignalChainingTest}: builds {@code args[1]} distinct kernels (so that no cache can
 * serve them; run it with {@code POCL_KERNEL_CACHE=0} as well) while {@code args[0]} threads run compiled loops and
 * the heap is collected after each build. Without signal chaining an LLVM-based driver kills this JVM (see
 * {@link SignalChaining}); it prints "survived" when it did not.
 */
public final class KernelBuildUnderGcProbe {
    private static volatile long sink;

    private KernelBuildUnderGcProbe() {
    }

    public static void main(String[] args) throws InterruptedException {
        int threads = Integer.parseInt(args[0]);
        int builds = Integer.parseInt(args[1]);
        ClDevice dev = ClDevice.select("auto");
        CL.setExceptionsEnabled(true);
        cl_context ctx = clCreateContext(null, 1, new cl_device_id[] {dev.deviceId()}, null, null, null);
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                Object[] slots = new Object[64];
                long s = 0;
                while (true) {
                    for (int i = 0; i < 1_000_000; i++) {
                        s += i * 31L;
                        slots[i & 63] = (i & 1) == 0 ? null : slots;
                    }
                    sink += s;
                }
            });
            th.setDaemon(true);
            th.start();
        }
        Thread.sleep(300);
        for (int k = 0; k < builds; k++) {
            String src = "__kernel void probe" + k + "(__global int* x) { x[get_global_id(0)] += " + k + "; }";
            cl_program prog = clCreateProgramWithSource(ctx, 1, new String[] {src}, null, null);
            clBuildProgram(prog, 0, null, null, null, null);
            clReleaseProgram(prog);
            for (int g = 0; g < 20; g++) {
                System.gc();
                sink += new byte[1 << 20].length;
            }
        }
        clReleaseContext(ctx);
        System.out.println("survived");
    }
}
