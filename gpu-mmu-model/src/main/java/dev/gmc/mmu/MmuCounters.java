package dev.gmc.mmu;

/**
 * Counts of every MMU-visible operation, so that a policy's cost in TLB flushes and faults can be read off.
 * One instance is shared by all address spaces of an emulated machine; GPU and CPU accesses on many threads bump
 * the hit/miss counters, so each thread counts in its own cells ({@link EnumCounters}).
 */
public final class MmuCounters extends EnumCounters<MmuCounters.Op> {
    /** Counted operations. Hardware commands carry the register name they stand for. */
    public enum Op {
        /** CPU: {@code flush_tlb_range} after zapping PTEs of one range (one shootdown). */
        CPU_TLB_FLUSH_RANGE,
        /** CPU: page faults taken (any reason). */
        CPU_FAULT,
        /** kbase {@code AS_COMMAND_LOCK}. */
        KBASE_LOCK,
        /** kbase {@code AS_COMMAND_FLUSH_PT} (flush L2, then the TLBs for the locked region). */
        KBASE_FLUSH_PT,
        /** kbase {@code AS_COMMAND_FLUSH_MEM} (wait for accesses, flush L1s and L2, then the TLBs). */
        KBASE_FLUSH_MEM,
        /** kbase {@code AS_COMMAND_UNLOCK}. */
        KBASE_UNLOCK,
        /** kbase {@code AS_COMMAND_UPDATE} (address space configured). */
        KBASE_UPDATE,
        /** GPU MMU faults raised (kbase translation/permission faults, Utgard page faults). */
        GPU_FAULT,
        /** Utgard {@code MALI_MMU_COMMAND_ZAP_CACHE}. */
        UTGARD_ZAP_CACHE,
        /** Utgard {@code ZAP_ONE_LINE} register writes. */
        UTGARD_ZAP_ONE_LINE,
        /** Utgard {@code ENABLE_STALL}. */
        UTGARD_STALL,
        /** Utgard {@code DISABLE_STALL}. */
        UTGARD_UNSTALL,
        /** Utgard {@code PAGE_FAULT_DONE}. */
        UTGARD_PAGE_FAULT_DONE,
        /** Utgard: page-table pages invalidated in the Mali L2 after an unmap. */
        UTGARD_L2_INVALIDATE,
        /** GPU TLB lookups that hit. */
        TLB_HIT,
        /** GPU TLB lookups that missed and walked the tables. */
        TLB_MISS,
        /** GPU TLB entries dropped by invalidation commands. */
        TLB_ENTRIES_INVALIDATED
    }

    public MmuCounters() {
        super(Op.class);
    }
}
