/**
 * The hardware side of the GMC emulation (issue 4): emulated RAM ({@link dev.gmc.mmu.PhysicalMemory}: frames with
 * real bytes, per-kind accounting, per-thread frame caches as the kernel's per-CPU page lists), CPU processes with AArch64 4-level page tables and swap entries
 * ({@link dev.gmc.mmu.CpuProcess}, {@link dev.gmc.mmu.ArmPte}), and the GPU MMUs: Mali kbase address spaces in the
 * AArch64 and LPAE encodings ({@link dev.gmc.mmu.KbaseAddressSpace}, {@link dev.gmc.mmu.KbaseEntry}) and Utgard
 * sessions ({@link dev.gmc.mmu.UtgardAddressSpace}, {@link dev.gmc.mmu.UtgardEntry}), with page tables in
 * emulated frames, TLBs, the invalidation commands the drivers issue (counted in
 * {@link dev.gmc.mmu.MmuCounters}) and faults encoded as the hardware reports them. No driver policy lives here.
 */
package dev.gmc.mmu;
