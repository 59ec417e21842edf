package dev.gmc.driver;

import dev.gmc.driver.replay.Content;
import java.util.List;

/** Test helpers shared by the driver tests. */
final class Drivers {
    private Drivers() {
    }

    static AbstractGmcDriver make(String name, DriverConfig cfg) {
        return name.equals("midgard") ? new MidgardDriver(cfg) : new UtgardDriver(cfg);
    }

    /** Page contents by page index: 16 zero, 8 same-filled, 24 compressible (gradient/text), 16 noise. */
    static byte[] standardContents(int pages) {
        byte[] data = new byte[pages * 4096];
        for (int p = 0; p < pages; p++) {
            String kind = p < 16 ? "zero" : p < 24 ? "same:0x336699ff" : p < 36 ? "gradient" : p < 48 ? "text"
                    : "noise";
            Content.parse(kind).fill(7, (long) p * 4096, data, p * 4096, 4096);
        }
        return data;
    }

    /** A texture "atlas" of process 100 ("game"), mapped by it, filled with {@link #standardContents}. */
    record Atlas(Buffer buffer, long va, byte[] data) {
    }

    /** {@link Atlas} of {@code pages} pages, also mapped on the GPU when {@code gpu}; not compressed. */
    static Atlas atlas(AbstractGmcDriver d, int pages, boolean gpu) {
        d.createProcess(100, "game");
        Buffer b = d.allocate(d.createContext(100), pages, BufferType.TEXTURE, "atlas", false);
        long va = d.mapCpu(b, 100);
        if (gpu) {
            d.mapGpu(b);
        }
        byte[] data = standardContents(pages);
        d.cpuWrite(100, va, data, 0, data.length);
        return new Atlas(b, va, data);
    }

    /** Every page of {@code b}, resident or compressed ({@link GpuDriverModel#peek}), equals {@code data}'s. */
    static void assertPagesEqual(GpuDriverModel d, Buffer b, byte[] data) {
        byte[] page = new byte[4096];
        for (int i = 0; i < b.pages(); i++) {
            d.peek(b, i, page, 0);
            org.assertj.core.api.Assertions.assertThat(java.util.Arrays.equals(page, 0, 4096, data, i * 4096,
                    (i + 1) * 4096)).as(b + ", page " + i).isTrue();
        }
    }

    static JobResult gpuRead(GpuDriverModel d, Buffer b, long off, byte[] dst) {
        return d.submitJob(b.context(), new Job(List.of(b),
                List.of(new Job.Access(b.gpuVa() + off, dst, 0, dst.length, false))));
    }

    static JobResult gpuWrite(GpuDriverModel d, Buffer b, long off, byte[] src) {
        return d.submitJob(b.context(), new Job(List.of(b),
                List.of(new Job.Access(b.gpuVa() + off, src, 0, src.length, true))));
    }
}
