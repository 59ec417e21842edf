package dev.gmc.driver;

/** Where a restored page is mapped again. */
public enum RemapPolicy {
    /** Only in the table that faulted; other processes and the GPU take a cheap minor fault later. */
    FAULTING,
    /** In every CPU mapping and on the GPU at once (fewer faults, more table writes and TLB work up front). */
    ALL
}
