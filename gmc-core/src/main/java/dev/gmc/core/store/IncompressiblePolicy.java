package dev.gmc.core.store;

/** What happens to a page whose compressed length reaches the threshold. */
public enum IncompressiblePolicy {
    /** zram: store the raw 4096-byte page in the huge class ({@code ZRAM_HUGE}). */
    STORE_RAW("store-raw"),
    /** GMC: do not store it; the page stays resident and is counted as rejected. */
    REJECT("reject");

    private final String id;

    IncompressiblePolicy(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static IncompressiblePolicy parse(String s) {
        for (IncompressiblePolicy p : values()) {
            if (p.id.equalsIgnoreCase(s.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("incompressible policy: '" + s + "' (expected store-raw or reject)");
    }

    @Override
    public String toString() {
        return id;
    }
}
