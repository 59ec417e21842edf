/**
 * The hardware side of the GMC emulation (issue 4): GPU page-table entry encodings, bit-accurate, for Mali kbase
 * (AArch64 and LPAE formats, 4 levels × 512 × 64-bit) and Mali Utgard (2 levels × 1024 × 32-bit), and kbase's
 * fault-status and lock-region encodings. Physical frames, CPU page tables, table walks, TLBs and faults are not
 * built yet.
 */
package dev.gmc.mmu;
