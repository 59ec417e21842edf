package dev.gmc.driver;

import java.util.List;

/**
 * A GPU job: the buffers it declares (Utgard's memory cookies, restored before the job starts) and the loads and
 * stores it performs, in order.
 */
public record Job(List<Buffer> uses, List<Access> accesses) {
    /** One GPU load or store of {@code len} bytes at GPU address {@code va}, from/into {@code data[off..]}. */
    public record Access(long va, byte[] data, int off, int len, boolean write) {
    }

    public Job {
        uses = List.copyOf(uses);
        accesses = List.copyOf(accesses);
    }
}
