package dev.gmc.mmu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MmuModelTest {
    private final PhysicalMemory mem = new PhysicalMemory(4L << 20, true);
    private final MmuCounters counters = new MmuCounters();

    @Test
    void framesAreAccountedByKindAndPoisonedOnFree() {
        int a = mem.allocate(FrameKind.DATA, true);
        int t = mem.allocate(FrameKind.GPU_TABLE, true);
        assertThat(a).isPositive();
        assertThat(mem.used(FrameKind.DATA)).isEqualTo(1);
        assertThat(mem.used(FrameKind.GPU_TABLE)).isEqualTo(1);
        assertThat(mem.usedFrames()).isEqualTo(2);
        mem.write((long) a << 12, new byte[] {1, 2, 3}, 0, 3);
        mem.free(a, FrameKind.DATA);
        byte[] back = new byte[3];
        mem.read((long) a << 12, back, 0, 3);
        assertThat(back).containsOnly(PhysicalMemory.POISON);
        assertThatThrownBy(() -> mem.free(a, FrameKind.DATA)).hasMessageContaining("FREE");
        assertThatThrownBy(() -> mem.free(t, FrameKind.DATA)).hasMessageContaining("GPU_TABLE");
        assertThat(mem.allocate(FrameKind.DATA, true)).as("LIFO reuse").isEqualTo(a);
    }

    @Test
    void runningOutOfFramesNamesTheRam() {
        PhysicalMemory small = new PhysicalMemory(64 << 10, false);
        for (int i = 0; i < small.totalFrames(); i++) {
            small.allocate(FrameKind.DATA, false);
        }
        assertThatThrownBy(() -> small.allocate(FrameKind.CPU_TABLE, false))
                .isInstanceOf(OutOfFramesException.class).hasMessageContaining("CPU_TABLE").hasMessageContaining("15");
    }

    @Test
    void armSwapEntryLayout() {
        long e = ArmPte.swapEntry(ArmPte.GMC_SWAP_TYPE, 0x12345L);
        // type 30 at bits 7:3, offset at bits 57:8, exclusive bit 2, valid bit 0 clear
        assertThat(e).isEqualTo(30L << 3 | 0x12345L << 8 | 1L << 2);
        assertThat(ArmPte.present(e)).isFalse();
        assertThat(ArmPte.isSwap(e)).isTrue();
        assertThat(ArmPte.swapType(e)).isEqualTo(30);
        assertThat(ArmPte.swapOffset(e)).isEqualTo(0x12345L);
        long p = ArmPte.page(0x5000, false);
        assertThat(p & 3).isEqualTo(3);
        assertThat(p & ArmPte.RDONLY).isNotZero();
        assertThat(p & ArmPte.AF).isNotZero();
        assertThat(ArmPte.writable(p)).isFalse();
        assertThat(ArmPte.writable(ArmPte.page(0x5000, true))).isTrue();
        assertThat(ArmPte.address(p)).isEqualTo(0x5000);
        assertThat(ArmPte.index(0x0000_7FFF_FFFF_F000L, 0)).isEqualTo(0xFF);
        assertThat(ArmPte.index(0x0000_7FFF_FFFF_F000L, 3)).isEqualTo(0x1FF);
    }

    @Test
    void cpuProcessWalksItsTablesAndFaults() {
        CpuProcess p = new CpuProcess(100, "app", mem, counters);
        int frame = mem.allocate(FrameKind.DATA, true);
        AtomicInteger faults = new AtomicInteger();
        long va = p.mmap(2, true, 0, (proc, vma, addr, write, pte) -> {
            faults.incrementAndGet();
            if (addr >= vma.start() + 4096) {
                return false; // second page: SIGBUS
            }
            proc.installPte(addr, ArmPte.page((long) frame << 12, true));
            return true;
        }, null);
        byte[] data = "hello".getBytes();
        p.write(va + 10, data, 0, data.length);
        assertThat(faults).hasValue(1);
        byte[] back = new byte[5];
        mem.read(((long) frame << 12) + 10, back, 0, 5);
        assertThat(back).isEqualTo(data);
        assertThat(p.tableFrames()).as("root + 3 levels").isEqualTo(4);
        assertThatThrownBy(() -> p.read(va + 4096, back, 0, 1)).isInstanceOf(CpuFaultException.class)
                .hasMessageContaining("SIGBUS");
        assertThatThrownBy(() -> p.read(0x1000, back, 0, 1)).isInstanceOf(CpuFaultException.class)
                .hasMessageContaining("SIGSEGV").hasMessageContaining("0x1000");
        // zap: the next access faults again; a present entry replaced costs one TLB range flush
        long flushes = counters.get(MmuCounters.Op.CPU_TLB_FLUSH_RANGE);
        p.updatePtes(va, 2, (i, old) -> i == 0 ? ArmPte.swapEntry(ArmPte.GMC_SWAP_TYPE, 7) : old);
        assertThat(counters.get(MmuCounters.Op.CPU_TLB_FLUSH_RANGE)).isEqualTo(flushes + 1);
        assertThat(ArmPte.swapOffset(p.pte(va))).isEqualTo(7);
        p.read(va + 10, back, 0, 5);
        assertThat(faults).hasValue(3);
        p.munmap(va);
        p.exit();
        assertThat(mem.used(FrameKind.CPU_TABLE)).isZero();
    }

    @ParameterizedTest
    @EnumSource(KbaseEntry.Format.class)
    void kbaseInsertWalkTeardownAndFlushSequence(KbaseEntry.Format format) {
        KbaseAddressSpace as = new KbaseAddressSpace(3, format, mem, counters, 64);
        assertThat(counters.get(MmuCounters.Op.KBASE_UPDATE)).isEqualTo(1);
        int[] frames = {mem.allocate(FrameKind.DATA, true), mem.allocate(FrameKind.DATA, true)};
        long vpfn = 0x100000; // GPU VA 4 GiB
        as.insertPages(vpfn, frames, 0, 2, new KbaseAddressSpace.AteFlags(true, false, 2,
                KbaseEntry.Share.BOTH, true));
        long ate = as.entry(vpfn + 1);
        assertThat(ate).isEqualTo(KbaseEntry.ate(format, 3, (long) frames[1] << 12, 2, true, false,
                KbaseEntry.Share.BOTH, true));
        assertThat(as.tableFrames()).as("pgd + levels 1-3").isEqualTo(4);
        assertThat(counters.get(MmuCounters.Op.KBASE_FLUSH_PT)).isEqualTo(1);
        assertThat(as.lockAddr()).isEqualTo(KbaseFault.lockAddress(vpfn, 2));

        mem.write((long) frames[1] << 12, new byte[] {42}, 0, 1);
        byte[] b = new byte[1];
        as.read((vpfn + 1) << 12, b, 0, 1);
        assertThat(b[0]).isEqualTo((byte) 42);
        as.read((vpfn + 1) << 12, b, 0, 1);
        assertThat(counters.get(MmuCounters.Op.TLB_HIT)).isEqualTo(1);

        // write to a read-only ATE: permission fault with the hardware's status encoding
        assertThatThrownBy(() -> as.write(vpfn << 12, b, 0, 1)).isInstanceOfSatisfying(GpuFaultException.class,
                e -> {
                    assertThat(e.fault().permission()).isTrue();
                    assertThat(e.fault().status()).isEqualTo(KbaseFault.faultStatus(
                            KbaseFault.Exception.PERMISSION, KbaseFault.Access.WRITE));
                    assertThat(e.getMessage()).contains("PERMISSION_FAULT").contains("AS3");
                });

        long lock = counters.get(MmuCounters.Op.KBASE_LOCK);
        long unlock = counters.get(MmuCounters.Op.KBASE_UNLOCK);
        assertThat(as.teardownPages(vpfn, 2)).isEqualTo(2);
        assertThat(counters.get(MmuCounters.Op.KBASE_FLUSH_MEM)).isEqualTo(1);
        assertThat(counters.get(MmuCounters.Op.KBASE_LOCK)).isEqualTo(lock + 1);
        assertThat(counters.get(MmuCounters.Op.KBASE_UNLOCK)).isEqualTo(unlock + 1);
        assertThat(as.entry(vpfn)).isEqualTo(KbaseEntry.ENTRY_IS_INVAL);
        assertThatThrownBy(() -> as.read((vpfn + 1) << 12, b, 0, 1)).isInstanceOfSatisfying(
                GpuFaultException.class, e -> assertThat(KbaseFault.exception(e.fault().status()))
                        .isEqualTo(KbaseFault.Exception.TRANSLATION));
        as.destroy();
        assertThat(mem.used(FrameKind.GPU_TABLE)).isZero();
    }

    @Test
    void kbaseFlushDropsTheWholeLockRegionButNothingOutsideIt() {
        KbaseAddressSpace as = new KbaseAddressSpace(0, KbaseEntry.Format.AARCH64, mem, counters, 64);
        int[] frames = new int[20];
        for (int i = 0; i < frames.length; i++) {
            frames[i] = mem.allocate(FrameKind.DATA, true);
        }
        long vpfn = 0x200000;
        as.insertPages(vpfn, frames, 0, 20, KbaseAddressSpace.AteFlags.RW);
        byte[] b = new byte[1];
        for (int i = 0; i < 20; i++) {
            as.read((vpfn + i) << 12, b, 0, 1); // fill the TLB
        }
        // Tear down page 1: the lock region is 32 KiB (8 pages, minimum), so pages 0-7 leave the TLB; 8-19 stay.
        long before = counters.get(MmuCounters.Op.TLB_ENTRIES_INVALIDATED);
        as.teardownPages(vpfn + 1, 1);
        assertThat(counters.get(MmuCounters.Op.TLB_ENTRIES_INVALIDATED) - before).isEqualTo(8);
        assertThat(as.tlb().lookup(vpfn + 8)).isNotZero();
        assertThat(as.tlb().lookup(vpfn)).isZero();
    }

    @Test
    void utgardTablesComeAndGoAndZapOnlyWhenActive() {
        UtgardAddressSpace as = new UtgardAddressSpace(1, mem, counters, 32);
        int[] frames = {mem.allocate(FrameKind.DATA, true), mem.allocate(FrameKind.DATA, true)};
        long va = 0x0100_0000L + (1023L << 12); // the pair straddles two page tables
        as.map(va, frames, 0, 2, UtgardEntry.FLAGS_DEFAULT);
        assertThat(as.tableFrames()).as("directory + 2 page tables").isEqualTo(3);
        assertThat(as.entry(va + 4096)).isEqualTo(UtgardEntry.pte((long) frames[1] << 12, UtgardEntry.FLAGS_DEFAULT));
        byte[] b = new byte[1];
        assertThatThrownBy(() -> as.read(va, b, 0, 1)).as("not running: empty directory")
                .isInstanceOf(GpuFaultException.class);
        as.activate();
        assertThat(counters.get(MmuCounters.Op.UTGARD_ZAP_CACHE)).isEqualTo(1);
        as.read(va, b, 0, 1);
        as.unmap(va, 1);
        assertThat(counters.get(MmuCounters.Op.UTGARD_ZAP_CACHE)).isEqualTo(2);
        assertThat(counters.get(MmuCounters.Op.UTGARD_STALL)).isEqualTo(2);
        assertThat(as.tableFrames()).isEqualTo(2);
        assertThatThrownBy(() -> as.write(va, b, 0, 1)).isInstanceOfSatisfying(GpuFaultException.class, e -> {
            assertThat(e.fault().status() & UtgardAddressSpace.STATUS_PAGE_FAULT_ACTIVE).isNotZero();
            assertThat(e.fault().status() & UtgardAddressSpace.STATUS_PAGE_FAULT_IS_WRITE).isNotZero();
            assertThat(e.getMessage()).contains(String.format("0x%08x", va));
        });
        as.deactivate();
        as.unmap(va + 4096, 1);
        assertThat(counters.get(MmuCounters.Op.UTGARD_ZAP_CACHE)).as("inactive: no zap").isEqualTo(2);
        assertThat(counters.get(MmuCounters.Op.UTGARD_L2_INVALIDATE)).isEqualTo(2);
        as.destroy();
        assertThat(mem.used(FrameKind.GPU_TABLE)).isZero();
    }

    /** Takes every free frame but {@code left}; returns them, to give back. */
    private static int[] exhaust(PhysicalMemory m, int left) {
        int[] taken = new int[(int) m.freeFrames() - left];
        for (int i = 0; i < taken.length; i++) {
            taken[i] = m.allocate(FrameKind.DATA, false);
        }
        return taken;
    }

    @Test
    void utgardMapThatFindsNoFrameForATableChangesNothingAndKeepsNoTable() {
        UtgardAddressSpace as = new UtgardAddressSpace(1, mem, counters, 32);
        int[] frames = {mem.allocate(FrameKind.DATA, true), mem.allocate(FrameKind.DATA, true),
            mem.allocate(FrameKind.DATA, true)};
        long va = 0x0100_0000L + (1023L << 12); // pages 0 and 1 straddle two tables, page 2 is in a third's range
        as.map(va + 2 * 4096, frames, 2, 1, UtgardEntry.FLAGS_DEFAULT); // the second table exists
        int tables = as.tableFrames();
        int[] taken = exhaust(mem, 0);
        // the first page's table is missing and no frame is free: nothing of the call may remain
        assertThatThrownBy(() -> as.map(va, frames, 0, 3, UtgardEntry.FLAGS_DEFAULT))
                .isInstanceOf(OutOfFramesException.class).hasMessageContaining("GPU_TABLE");
        assertThat(as.tableFrames()).isEqualTo(tables);
        assertThat(as.entry(va)).isZero();
        assertThat(as.entry(va + 4096)).as("page 1's table exists, yet no entry was written").isZero();
        assertThat(as.entry(va + 2 * 4096)).isEqualTo(UtgardEntry.pte((long) frames[2] << 12,
                UtgardEntry.FLAGS_DEFAULT));
        mem.free(taken[0], FrameKind.DATA); // one frame: the same call now succeeds
        as.map(va, frames, 0, 3, UtgardEntry.FLAGS_DEFAULT);
        assertThat(as.entry(va)).isEqualTo(UtgardEntry.pte((long) frames[0] << 12, UtgardEntry.FLAGS_DEFAULT));
        assertThat(as.tableFrames()).isEqualTo(tables + 1);
        // a range that lacks two tables when only one frame is free: the table it got is freed again
        mem.free(taken[1], FrameKind.DATA);
        mem.free(taken[2], FrameKind.DATA);
        int[] more = exhaust(mem, 1);
        long far = 0x0400_0000L + (1023L << 12);
        assertThatThrownBy(() -> as.map(far, frames, 0, 2, UtgardEntry.FLAGS_DEFAULT))
                .isInstanceOf(OutOfFramesException.class);
        assertThat(mem.freeFrames()).isEqualTo(1);
        assertThat(as.tableFrames()).isEqualTo(tables + 1);
        assertThat(as.entry(far)).isZero();
        for (int f : more) {
            mem.free(f, FrameKind.DATA);
        }
        for (int i = 3; i < taken.length; i++) {
            mem.free(taken[i], FrameKind.DATA);
        }
    }

    @ParameterizedTest
    @EnumSource(KbaseEntry.Format.class)
    void kbaseInsertThatFindsNoFrameForATableInvalidatesWhatItWrote(KbaseEntry.Format format) {
        KbaseAddressSpace as = new KbaseAddressSpace(2, format, mem, counters, 64);
        int[] frames = new int[4];
        for (int i = 0; i < frames.length; i++) {
            frames[i] = mem.allocate(FrameKind.DATA, true);
        }
        long vpfn = 0x1FE; // pages 0x1FE and 0x1FF share a bottom table; 0x200 needs a new one
        as.insertPages(vpfn, frames, 0, 1, KbaseAddressSpace.AteFlags.RW); // the first table exists
        int tables = as.tableFrames();
        int[] taken = exhaust(mem, 0);
        assertThatThrownBy(() -> as.insertPages(vpfn + 1, frames, 1, 3, KbaseAddressSpace.AteFlags.RW))
                .isInstanceOf(OutOfFramesException.class);
        assertThat(KbaseEntry.kind(format, KbaseEntry.BOTTOM_LEVEL, as.entry(vpfn + 1)))
                .as("written before the shortage, invalidated again").isEqualTo(KbaseEntry.Kind.INVALID);
        assertThat(KbaseEntry.kind(format, KbaseEntry.BOTTOM_LEVEL, as.entry(vpfn)))
                .as("an entry of an earlier call stays").isEqualTo(KbaseEntry.Kind.ATE);
        assertThat(as.tableFrames()).isEqualTo(tables);
        byte[] b = new byte[1];
        assertThatThrownBy(() -> as.read((vpfn + 1) << 12, b, 0, 1)).isInstanceOf(GpuFaultException.class);
        for (int f : taken) {
            mem.free(f, FrameKind.DATA);
        }
        as.insertPages(vpfn + 1, frames, 1, 3, KbaseAddressSpace.AteFlags.RW);
        as.read((vpfn + 3) << 12, b, 0, 1);
        as.destroy();
    }

    @Test
    void tlbPacksEntriesAndInvalidatesRanges() {
        Tlb tlb = new Tlb(16);
        tlb.fill(0x123456789L, 0x1ABCDEF, true, false);
        long e = tlb.lookup(0x123456789L);
        assertThat(Tlb.pfn(e)).isEqualTo(0x1ABCDEF);
        assertThat(Tlb.readable(e)).isTrue();
        assertThat(Tlb.writable(e)).isFalse();
        assertThat(tlb.lookup(0x123456789L + 16)).as("same set, other tag").isZero();
        assertThat(tlb.invalidate(0x123456780L, 9)).isZero();
        assertThat(tlb.invalidate(0x123456780L, 10)).isEqualTo(1);
        assertThat(Arrays.asList(tlb.lookup(0x123456789L))).containsExactly(0L);
    }
}
