package dev.gmc.driver;

import dev.gmc.core.store.IncompressiblePolicy;
import dev.gmc.core.store.StoreConfig;
import dev.gmc.mmu.KbaseEntry;

/**
 * Settings of an emulated device.
 *
 * @param ramBytes     emulated RAM (frames for data and page tables)
 * @param store        the GMC store (codec, pool classes, incompressible policy and threshold)
 * @param remap        where a restored page is mapped again
 * @param tlbEntries   entries of each GPU TLB (power of two)
 * @param format       kbase page-table encoding (ignored by Utgard)
 * @param poisonOnFree fill freed frames with 0x6b so a stale mapping shows up as wrong data
 */
public record DriverConfig(long ramBytes, StoreConfig store, RemapPolicy remap, int tlbEntries,
        KbaseEntry.Format format, boolean poisonOnFree) {
    /** @throws IllegalArgumentException for a RAM size or TLB size the emulated device cannot have */
    public DriverConfig {
        dev.gmc.mmu.PhysicalMemory.checkRamBytes(ramBytes);
        dev.gmc.mmu.Tlb.checkSize(tlbEntries);
    }


    /** 256 MiB RAM, lz4-kernel with the GMC reject policy, restore into the faulting table, 64-entry TLBs. */
    public static DriverConfig defaults() {
        return new DriverConfig(256L << 20, StoreConfig.defaults().withPolicy(IncompressiblePolicy.REJECT),
                RemapPolicy.FAULTING, 64, KbaseEntry.Format.AARCH64, true);
    }

    public DriverConfig withRam(long bytes) {
        return new DriverConfig(bytes, store, remap, tlbEntries, format, poisonOnFree);
    }

    public DriverConfig withStore(StoreConfig s) {
        return new DriverConfig(ramBytes, s, remap, tlbEntries, format, poisonOnFree);
    }

    public DriverConfig withRemap(RemapPolicy r) {
        return new DriverConfig(ramBytes, store, r, tlbEntries, format, poisonOnFree);
    }

    public DriverConfig withTlbEntries(int n) {
        return new DriverConfig(ramBytes, store, remap, n, format, poisonOnFree);
    }

    public DriverConfig withFormat(KbaseEntry.Format f) {
        return new DriverConfig(ramBytes, store, remap, tlbEntries, f, poisonOnFree);
    }

    public DriverConfig withPoisonOnFree(boolean p) {
        return new DriverConfig(ramBytes, store, remap, tlbEntries, format, p);
    }
}
