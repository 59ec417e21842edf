package dev.gmc.kernels;

/** Which LZ4 kernel compresses a batch. */
public enum KernelKind {
    /** A work-group of {@code WG} work-items cooperates on each page (local memory, barriers). */
    COOP("lz4_coop", "coop"),
    /** One work-item compresses one page on its own (LZ4 1.7.3 fast mode). */
    PER_ITEM("lz4_wi", "wi");

    private final String kernelName;
    private final String id;

    KernelKind(String kernelName, String id) {
        this.kernelName = kernelName;
        this.id = id;
    }

    public String kernelName() {
        return kernelName;
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
