/**
 * The GPU memory-management model (issue 4, not built yet): physical frames, CPU 4-level page tables, Mali kbase AArch64/LPAE and Utgard GPU page tables, MMU/TLB commands and faults. Empty until then; it holds no code that claims to work.
 */
package dev.gmc.mmu;
