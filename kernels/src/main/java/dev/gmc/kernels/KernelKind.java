package dev.gmc.kernels;

/** Which LZ4 kernel compresses (or, in {@link GpuRestorer}, decompresses) a batch. */
public enum KernelKind {
    /** A work-group of {@code WG} work-items cooperates on each page (local memory, barriers). */
    COOP("lz4_coop", "lz4_restore_coop", "coop"),
    /** One work-item compresses one page on its own (LZ4 1.7.3 fast mode). */
    PER_ITEM("lz4_wi", "lz4_restore_wi", "wi");

    private final String kernelName;
    private final String restoreKernelName;
    private final String id;

    KernelKind(String kernelName, String restoreKernelName, String id) {
        this.kernelName = kernelName;
        this.restoreKernelName = restoreKernelName;
        this.id = id;
    }

    public String kernelName() {
        return kernelName;
    }

    /** The decompression kernel of the same shape (lz4_restore.cl). */
    public String restoreKernelName() {
        return restoreKernelName;
    }

    public String id() {
        return id;
    }

    public static KernelKind parse(String s) {
        for (KernelKind k : values()) {
            if (k.id.equalsIgnoreCase(s) || k.name().equalsIgnoreCase(s)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown kernel '" + s + "' (expected coop or wi)");
    }
}
