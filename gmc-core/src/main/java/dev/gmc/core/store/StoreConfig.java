package dev.gmc.core.store;

import dev.gmc.core.codec.CodecSpec;
import dev.gmc.core.pool.SizeClassTable;
import java.util.List;
import java.util.Objects;

/**
 * Immutable settings of a {@link PageStore}. {@link #defaults()} is zram on a current kernel: lz4-kernel, chain 8,
 * store-raw at huge_class_size, same-filled detection on, no mem_limit.
 *
 * @param codec the compressor
 * @param classes the zsmalloc size-class table (chain size and rule)
 * @param policy what to do with poorly compressible pages
 * @param threshold compressed length from which a page counts as incompressible; 0 = the table's huge_class_size
 * @param sameFilled detect same-filled pages (zram always does; off to measure compression alone)
 * @param memLimitBytes zram's mem_limit (0 = none), checked after each allocation as the kernel does
 * @param capacityPages hard pool size in page frames (0 = unlimited): an allocation beyond it fails outright
 * @param recompressCodecs zram's {@code recomp_algorithm} list: the codecs of priorities 1, 2, 3 (at most
 *                         {@link #MAX_RECOMPRESS_CODECS}) that {@link PageStore#recompress} may try; empty = none
 */
public record StoreConfig(CodecSpec codec, SizeClassTable classes, IncompressiblePolicy policy, int threshold,
                          boolean sameFilled, long memLimitBytes, long capacityPages, List<CodecSpec> recompressCodecs) {

    /** {@code ZRAM_MAX_COMPS - 1}: secondary priorities 1..3. */
    public static final int MAX_RECOMPRESS_CODECS = 3;

    public StoreConfig {
        Objects.requireNonNull(codec, "codec");
        Objects.requireNonNull(classes, "classes");
        Objects.requireNonNull(policy, "policy");
        if (threshold < 0 || threshold > classes.pageSize() + 1) {
            throw new IllegalArgumentException("threshold: " + threshold + " (expected 0 for huge_class_size, or 1.."
                    + (classes.pageSize() + 1) + ")");
        }
        if (threshold == 0) {
            threshold = classes.hugeClassSize();
        }
        if (memLimitBytes < 0) {
            throw new IllegalArgumentException("memLimitBytes: " + memLimitBytes + " (expected >= 0)");
        }
        if (capacityPages < 0) {
            throw new IllegalArgumentException("capacityPages: " + capacityPages + " (expected >= 0)");
        }
        recompressCodecs = List.copyOf(Objects.requireNonNull(recompressCodecs, "recompressCodecs"));
        if (recompressCodecs.size() > MAX_RECOMPRESS_CODECS) {
            throw new IllegalArgumentException("recompression codecs: " + recompressCodecs.size() + " " + recompressCodecs
                    + " (zram has priorities 1.." + MAX_RECOMPRESS_CODECS + ")");
        }
    }

    /** A store with no recompression codecs. */
    public StoreConfig(CodecSpec codec, SizeClassTable classes, IncompressiblePolicy policy, int threshold,
                       boolean sameFilled, long memLimitBytes, long capacityPages) {
        this(codec, classes, policy, threshold, sameFilled, memLimitBytes, capacityPages, List.of());
    }

    public static StoreConfig defaults() {
        return new StoreConfig(CodecSpec.of(CodecSpec.Algorithm.LZ4_KERNEL), SizeClassTable.kernelDefault(),
                IncompressiblePolicy.STORE_RAW, 0, true, 0, 0);
    }

    public StoreConfig withCodec(CodecSpec c) {
        return new StoreConfig(c, classes, policy, threshold, sameFilled, memLimitBytes, capacityPages, recompressCodecs);
    }

    /** Note: the threshold follows the new table's huge_class_size if it was the old one's. */
    public StoreConfig withClasses(SizeClassTable t) {
        int th = threshold == classes.hugeClassSize() ? 0 : threshold;
        return new StoreConfig(codec, t, policy, th, sameFilled, memLimitBytes, capacityPages, recompressCodecs);
    }

    public StoreConfig withPolicy(IncompressiblePolicy p) {
        return new StoreConfig(codec, classes, p, threshold, sameFilled, memLimitBytes, capacityPages, recompressCodecs);
    }

    public StoreConfig withThreshold(int t) {
        return new StoreConfig(codec, classes, policy, t, sameFilled, memLimitBytes, capacityPages, recompressCodecs);
    }

    public StoreConfig withSameFilled(boolean on) {
        return new StoreConfig(codec, classes, policy, threshold, on, memLimitBytes, capacityPages, recompressCodecs);
    }

    public StoreConfig withMemLimitBytes(long b) {
        return new StoreConfig(codec, classes, policy, threshold, sameFilled, b, capacityPages, recompressCodecs);
    }

    public StoreConfig withCapacityPages(long p) {
        return new StoreConfig(codec, classes, policy, threshold, sameFilled, memLimitBytes, p, recompressCodecs);
    }

    /**
     * zram's {@code recomp_algorithm}: {@code codecs.get(i)} gets priority {@code i + 1}. Recompressed objects are
     * decoded with their own codec, so any algorithm may follow any other.
     */
    public StoreConfig withRecompressCodecs(List<CodecSpec> codecs) {
        return new StoreConfig(codec, classes, policy, threshold, sameFilled, memLimitBytes, capacityPages, codecs);
    }

    /** The codec of priority {@code prio}: 0 is {@link #codec()}, 1..3 the recompression codecs. */
    public CodecSpec codecOfPriority(int prio) {
        if (prio < 0 || prio > recompressCodecs.size()) {
            throw new IllegalArgumentException("codec priority " + prio + " (this store has 0.." + recompressCodecs.size() + ")");
        }
        return prio == 0 ? codec : recompressCodecs.get(prio - 1);
    }
}
