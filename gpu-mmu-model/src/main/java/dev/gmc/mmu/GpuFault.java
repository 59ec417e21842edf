package dev.gmc.mmu;

/**
 * A GPU MMU fault as the hardware reports it.
 *
 * @param address  faulting GPU virtual address ({@code AS_FAULTADDRESS} / Utgard {@code PAGE_FAULT_ADDR})
 * @param write    the access was a write
 * @param permission true for a permission fault (a valid entry without the right), false for translation
 * @param status   the status register value: kbase {@code AS_FAULTSTATUS} (see {@link KbaseFault}); Utgard MMU
 *                 {@code STATUS} with PAGE_FAULT_ACTIVE and PAGE_FAULT_IS_WRITE (see {@link UtgardAddressSpace})
 */
public record GpuFault(long address, boolean write, boolean permission, int status) {
}
