package dev.gmc.mmu;

/** What a physical frame is used for, so that the cost of page tables is visible next to data. */
public enum FrameKind {
    /** Not allocated. */
    FREE,
    /** Buffer contents (a GPU allocation's backing page). */
    DATA,
    /** A CPU page-table page (any of the 4 levels). */
    CPU_TABLE,
    /** A GPU page-table page: kbase level 0-3 table or Utgard page directory / page table. */
    GPU_TABLE
}
