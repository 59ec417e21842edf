package dev.gmc.mmu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What the random model test does not reach: the registers kbase programs, 2 MiB block entries, the hardware
 * commands each operation issues (counted), the ends of the VA spaces, and address spaces and processes used after
 * they were destroyed or exited.
 */
class MmuLifecycleTest {
    private final PhysicalMemory mem = new PhysicalMemory(8L << 20, false);
    private final MmuCounters counters = new MmuCounters();

    private long count(MmuCounters.Op op) {
        return counters.get(op);
    }

    @ParameterizedTest
    @EnumSource(KbaseEntry.Format.class)
    void kbaseProgramsTranstabAndMemattrAsTheKernelDoes(KbaseEntry.Format format) {
        KbaseAddressSpace as = new KbaseAddressSpace(7, format, mem, counters, 16);
        assertThat(as.asNumber()).isEqualTo(7);
        assertThat(as.format()).isEqualTo(format);
        assertThat(as.lastCommand()).as("kbase_mmu_hw_configure ends with UPDATE").isEqualTo(0x01);
        assertThat(count(MmuCounters.Op.KBASE_UPDATE)).isEqualTo(1);
        long pgd = as.transtab() & ~0xFFFL;
        assertThat(mem.kind((int) (pgd >>> 12))).as("TRANSTAB points at the level-0 table").isEqualTo(FrameKind.GPU_TABLE);
        // kernel-facts §4.1-4.2: LPAE TRANSTAB carries ADRMODE_TABLE 3 and READ_INNER (bit 2); MEMATTR one byte per slot
        if (format == KbaseEntry.Format.AARCH64) {
            assertThat(as.transtab()).isEqualTo(pgd);
            assertThat(as.memattr()).isEqualTo(0x0000_4C8D_888D_8F88L);
        } else {
            assertThat(as.transtab()).isEqualTo(pgd | 0x7);
            assertThat(as.memattr()).isEqualTo(0x0000_004D_484D_4F48L);
        }
        int frame = mem.allocate(FrameKind.DATA, true);
        as.insertPages(0x4000, new int[] {frame}, 0, 1, KbaseAddressSpace.AteFlags.RW);
        assertThat(as.lastCommand()).as("every flush ends with UNLOCK").isEqualTo(0x03);
        assertThat(count(MmuCounters.Op.KBASE_LOCK)).isEqualTo(1);
        assertThat(count(MmuCounters.Op.KBASE_FLUSH_PT)).as("insertion: non-sync flush").isEqualTo(1);
        assertThat(count(MmuCounters.Op.KBASE_UNLOCK)).isEqualTo(1);
        assertThat(as.teardownPages(0x4000, 1)).isEqualTo(1);
        assertThat(count(MmuCounters.Op.KBASE_FLUSH_MEM)).as("teardown: sync flush").isEqualTo(1);
        assertThat(count(MmuCounters.Op.KBASE_LOCK)).isEqualTo(2);
        as.flush(0x4000, 1, false);
        as.flush(0x4000, 1, true);
        assertThat(count(MmuCounters.Op.KBASE_FLUSH_PT)).isEqualTo(2);
        assertThat(count(MmuCounters.Op.KBASE_FLUSH_MEM)).isEqualTo(2);
        assertThat(count(MmuCounters.Op.KBASE_UNLOCK)).isEqualTo(4);
        assertThat(as.lockAddr()).isEqualTo(KbaseFault.lockAddress(0x4000, 1));
    }

    @ParameterizedTest
    @EnumSource(KbaseEntry.Format.class)
    void aTwoMiBBlockEntryAtLevelTwoTranslatesEveryPageOfItsBlock(KbaseEntry.Format format) {
        // frames 1.. are handed out lowest first: allocate past PFN 1023 so that PFNs 512..1023 (2 MiB at 2 MiB) are data
        List<Integer> frames = new ArrayList<>();
        for (int i = 0; i < 1100; i++) {
            frames.add(mem.allocate(FrameKind.DATA, true));
        }
        assertThat(frames).contains(512, 1023);
        KbaseAddressSpace as = new KbaseAddressSpace(1, format, mem, counters, 16);
        long block = 0x40000; // a 2 MiB-aligned GPU page number (1 GiB)
        int table = mem.allocate(FrameKind.DATA, true);
        as.insertPages(block + 512, new int[] {table}, 0, 1, KbaseAddressSpace.AteFlags.RW); // builds levels 1-3
        // find the level-2 table as the GPU walks: TRANSTAB -> level 0 -> level 1 -> level 2
        long t = as.transtab() & ~0xFFFL;
        for (int level = 0; level < 2; level++) {
            t = KbaseEntry.outputAddress(mem.readLong(t + 8L * KbaseEntry.index(block, level)));
        }
        mem.writeLong(t + 8L * KbaseEntry.index(block, 2), KbaseEntry.ate(format, 2, 512L << 12, 0, true, false,
                KbaseEntry.Share.NONE, true));
        for (int k : new int[] {0, 1, 300, 511}) {
            mem.writeInt((512L + k) << 12 | 0x40, 0x1000 + k);
            byte[] b = new byte[4];
            as.read((block + k) << 12 | 0x40, b, 0, 4);
            assertThat(b[0] & 0xff | (b[1] & 0xff) << 8).as("page %d of the block", k).isEqualTo(0x1000 + k);
        }
        assertThatThrownBy(() -> as.write(block << 12, new byte[1], 0, 1)).isInstanceOfSatisfying(
                GpuFaultException.class, e -> assertThat(e.fault().permission()).as("a read-only block").isTrue());
        as.destroy();
    }

    @Test
    void theVaSpacesEndAt48And32Bits() {
        KbaseAddressSpace k = new KbaseAddressSpace(2, KbaseEntry.Format.AARCH64, mem, counters, 16);
        byte[] b = new byte[1];
        assertThatThrownBy(() -> k.read((1L << 48) - 1, b, 0, 1)).as("the last byte: unmapped, so a fault")
                .isInstanceOf(GpuFaultException.class);
        assertThatThrownBy(() -> k.read(1L << 48, b, 0, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("GPU VA 0x1000000000000 beyond 48 bits");
        assertThatThrownBy(() -> k.read(-4096, b, 0, 1)).isInstanceOf(IllegalArgumentException.class);
        UtgardAddressSpace u = new UtgardAddressSpace(3, mem, counters, 16);
        u.activate();
        assertThatThrownBy(() -> u.read(0xFFFF_FFFFL, b, 0, 1)).isInstanceOf(GpuFaultException.class);
        assertThatThrownBy(() -> u.read(1L << 32, b, 0, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Utgard GPU VA 0x100000000 beyond 32 bits");
        int f = mem.allocate(FrameKind.DATA, true);
        assertThatThrownBy(() -> u.map(0xFFFF_F000L, new int[] {f, f}, 0, 2, UtgardEntry.FLAGS_DEFAULT))
                .as("a map running past 4 GiB").isInstanceOf(IllegalArgumentException.class);
        assertThat(u.tableFrames()).as("nothing allocated by the refused map").isEqualTo(1);
        u.map(0xFFFF_F000L, new int[] {f}, 0, 1, UtgardEntry.FLAGS_DEFAULT);
        u.read(0xFFFF_FFFFL, b, 0, 1);
        u.map(0, new int[] {f}, 0, 0, UtgardEntry.FLAGS_DEFAULT); // nothing
        assertThat(u.tableFrames()).isEqualTo(2);
    }

    @Test
    void utgardIssuesItsZapsStallsAndL2Invalidations() {
        UtgardAddressSpace u = new UtgardAddressSpace(4, mem, counters, 64);
        assertThat(mem.kind((int) (u.dteAddr() >>> 12))).isEqualTo(FrameKind.GPU_TABLE);
        assertThat(u.status()).isEqualTo(UtgardAddressSpace.STATUS_PAGING_ENABLED | UtgardAddressSpace.STATUS_IDLE);
        int f = mem.allocate(FrameKind.DATA, true);
        int[] fs = new int[6];
        Arrays.fill(fs, f);
        u.map(0x400000L - 2 * 4096, fs, 0, 6, UtgardEntry.FLAGS_DEFAULT); // 2 pages in table 0, 4 in table 1
        u.activate();
        assertThat(u.isActive()).isTrue();
        assertThat(u.status()).isEqualTo(UtgardAddressSpace.STATUS_PAGING_ENABLED);
        assertThat(count(MmuCounters.Op.UTGARD_ZAP_CACHE)).as("activation zaps").isEqualTo(1);
        byte[] b = new byte[1];
        for (int i = 0; i < 6; i++) {
            u.read(0x400000L + (i - 2) * 4096L, b, 0, 1);
        }
        long misses = count(MmuCounters.Op.TLB_MISS);
        long dropped = count(MmuCounters.Op.TLB_ENTRIES_INVALIDATED);
        u.zapOneLine(0x400000L); // PDE 1: its four cached pages go
        assertThat(count(MmuCounters.Op.UTGARD_ZAP_ONE_LINE)).isEqualTo(1);
        assertThat(count(MmuCounters.Op.TLB_ENTRIES_INVALIDATED)).isEqualTo(dropped + 4);
        u.read(0x400000L - 4096, b, 0, 1); // PDE 0: still cached
        u.read(0x400000L, b, 0, 1);
        assertThat(count(MmuCounters.Op.TLB_MISS)).isEqualTo(misses + 1);
        // an unmap of a running session: L2 invalidation per table touched (two here), then a stalled zap
        assertThat(u.unmap(0x400000L - 2 * 4096, 6)).isEqualTo(6);
        assertThat(count(MmuCounters.Op.UTGARD_L2_INVALIDATE)).isEqualTo(2);
        assertThat(count(MmuCounters.Op.UTGARD_STALL)).isEqualTo(2);
        assertThat(count(MmuCounters.Op.UTGARD_ZAP_CACHE)).isEqualTo(2);
        assertThat(count(MmuCounters.Op.UTGARD_UNSTALL)).isEqualTo(2);
        assertThat(u.tableFrames()).as("both tables freed").isEqualTo(1);
        // five tables touched (more than three): the whole L2, once
        int[] many = new int[4 * 1024 + 1];
        Arrays.fill(many, f);
        u.map(0, many, 0, many.length, UtgardEntry.FLAGS_DEFAULT);
        assertThat(u.tableFrames()).isEqualTo(6);
        u.deactivate();
        assertThat(u.isActive()).isFalse();
        assertThat(u.status()).isEqualTo(UtgardAddressSpace.STATUS_PAGING_ENABLED | UtgardAddressSpace.STATUS_IDLE);
        assertThat(u.unmap(0, many.length)).isEqualTo(many.length);
        assertThat(count(MmuCounters.Op.UTGARD_L2_INVALIDATE)).isEqualTo(3);
        assertThat(count(MmuCounters.Op.UTGARD_ZAP_CACHE)).as("a session not running needs no zap").isEqualTo(2);
        // a fault's status stays until PAGE_FAULT_DONE
        u.activate();
        assertThatThrownBy(() -> u.write(0x1234, b, 0, 1)).isInstanceOf(GpuFaultException.class);
        assertThat(u.pageFaultAddr()).isEqualTo(0x1234);
        assertThat(u.status() & UtgardAddressSpace.STATUS_PAGE_FAULT_IS_WRITE).isNotZero();
        u.pageFaultDone();
        assertThat(count(MmuCounters.Op.UTGARD_PAGE_FAULT_DONE)).isEqualTo(1);
        assertThat(u.status()).isEqualTo(UtgardAddressSpace.STATUS_PAGING_ENABLED);
        assertThat(count(MmuCounters.Op.GPU_FAULT)).isEqualTo(1);
    }

    @Test
    void destroyedAddressSpacesRefuseWorkAndFreeTheirTablesOnce() {
        long before = mem.used(FrameKind.GPU_TABLE);
        int f = mem.allocate(FrameKind.DATA, true);
        KbaseAddressSpace k = new KbaseAddressSpace(6, KbaseEntry.Format.AARCH64, mem, counters, 16);
        k.insertPages(0x100, new int[] {f}, 0, 1, KbaseAddressSpace.AteFlags.RW);
        k.read(0x100L << 12, new byte[1], 0, 1);
        k.destroy();
        k.destroy();
        assertThat(mem.used(FrameKind.GPU_TABLE)).isEqualTo(before);
        assertThat(k.tableFrames()).isZero();
        assertThatThrownBy(() -> k.insertPages(0x100, new int[] {f}, 0, 1, KbaseAddressSpace.AteFlags.RW))
                .isInstanceOf(IllegalStateException.class).hasMessage("AS6 destroyed");
        assertThatThrownBy(() -> k.teardownPages(0x100, 1)).hasMessage("AS6 destroyed");

        UtgardAddressSpace u = new UtgardAddressSpace(8, mem, counters, 16);
        u.destroy();
        u.destroy();
        assertThat(mem.used(FrameKind.GPU_TABLE)).isEqualTo(before);
        assertThatThrownBy(() -> u.map(0, new int[] {f}, 0, 1, UtgardEntry.FLAGS_DEFAULT))
                .isInstanceOf(IllegalStateException.class).hasMessage("session 8 destroyed");
        assertThatThrownBy(() -> u.unmap(0, 1)).hasMessage("session 8 destroyed");
        assertThatThrownBy(u::activate).hasMessage("session 8 destroyed");
        assertThat(mem.kind(f)).isEqualTo(FrameKind.DATA);
    }

    @Test
    void aProcessMapsFaultsAndExitsAsTheKernelWould() {
        CpuProcess p = new CpuProcess(42, "gfx", mem, counters);
        assertThat(p.pid()).isEqualTo(42);
        assertThat(p.name()).isEqualTo("gfx");
        assertThatThrownBy(() -> p.mmap(0, true, 0, null, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("mmap of 0 pages");
        int frame = mem.allocate(FrameKind.DATA, true);
        List<Long> seen = new ArrayList<>();
        CpuProcess.FaultHandler h = (proc, vma, va, write, pte) -> {
            seen.add(pte);
            proc.installPte(va, ArmPte.page((long) frame << 12, vma.writable()));
            return true;
        };
        long a = p.mmap(1, true, 0, h, "a");
        long b = p.mmap(3, false, 5, h, "b");
        assertThat(b).as("a one-page guard gap").isEqualTo(a + 2 * 4096);
        assertThat(p.vmas()).extracting(CpuProcess.Vma::owner).containsExactly("a", "b");
        assertThat(p.findVma(b + 3 * 4096 - 1).owner()).isEqualTo("b");
        assertThat(p.findVma(b + 3 * 4096)).as("one past the end").isNull();
        assertThat(p.findVma(a + 4096)).as("the guard page").isNull();
        assertThat(p.findVma(a - 1)).isNull();

        byte[] one = {9};
        p.write(a, one, 0, 1);
        assertThat(seen).containsExactly(0L);
        assertThatThrownBy(() -> p.write(b, one, 0, 1)).isInstanceOfSatisfying(CpuFaultException.class, e -> {
            assertThat(e.signal()).isEqualTo(CpuFaultException.Signal.SIGSEGV);
            assertThat(e.pid()).isEqualTo(42);
            assertThat(e.address()).isEqualTo(b);
            assertThat(e.isWrite()).isTrue();
            assertThat(e.getMessage()).isEqualTo("SIGSEGV in process 42: write at 0x" + Long.toHexString(b)
                    + " (write to a read-only mapping)");
        });
        p.read(b, one, 0, 1); // a read of the read-only mapping faults its page in
        assertThat(one[0]).isEqualTo((byte) 9);
        assertThatThrownBy(() -> p.write(b, one, 0, 1)).as("still read-only once present")
                .isInstanceOf(CpuFaultException.class);
        // a swap entry reaches the handler as it sits in the table
        long swap = ArmPte.swapEntry(ArmPte.GMC_SWAP_TYPE, 99);
        long flushes = count(MmuCounters.Op.CPU_TLB_FLUSH_RANGE);
        assertThat(p.updatePtes(a, 1, (i, old) -> swap)).isEqualTo(1);
        assertThat(count(MmuCounters.Op.CPU_TLB_FLUSH_RANGE)).as("a present entry replaced").isEqualTo(flushes + 1);
        assertThat(p.updatePtes(a, 1, (i, old) -> old)).as("nothing changed").isZero();
        assertThat(p.updatePtes(a, 1, (i, old) -> 0L)).as("a swap entry cleared: no flush").isEqualTo(1);
        assertThat(count(MmuCounters.Op.CPU_TLB_FLUSH_RANGE)).isEqualTo(flushes + 1);
        p.updatePtes(a, 1, (i, old) -> swap);
        long faults = count(MmuCounters.Op.CPU_FAULT);
        p.read(a, one, 0, 1);
        assertThat(seen).containsExactly(0L, 0L, swap);
        assertThat(count(MmuCounters.Op.CPU_FAULT)).isEqualTo(faults + 1);

        assertThatThrownBy(p::exit).isInstanceOf(IllegalStateException.class)
                .hasMessage("process 42 exits with 2 VMAs mapped");
        assertThat(p.munmap(a).owner()).isEqualTo("a");
        assertThat(p.pte(a)).as("munmap clears the PTEs").isZero();
        assertThatThrownBy(() -> p.munmap(a)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("process 42: no VMA starts at 0x" + Long.toHexString(a));
        p.munmap(b);
        int tables = p.tableFrames();
        long cpuTables = mem.used(FrameKind.CPU_TABLE);
        p.exit();
        p.exit();
        assertThat(mem.used(FrameKind.CPU_TABLE)).isEqualTo(cpuTables - tables);
        assertThat(p.tableFrames()).isZero();
        assertThatThrownBy(() -> p.mmap(1, true, 0, h, null)).isInstanceOf(IllegalStateException.class)
                .hasMessage("process 42 has exited");
        assertThatThrownBy(() -> p.read(a, one, 0, 1)).hasMessage("process 42 has exited");
        assertThatThrownBy(() -> p.updatePtes(a, 1, (i, old) -> old)).hasMessage("process 42 has exited");
    }

    @Test
    void aProcessRunsOutOfItsFortyEightBitAddressSpace() {
        CpuProcess p = new CpuProcess(7, "big", mem, counters);
        int maps = 0;
        try {
            for (; maps < 100; maps++) {
                p.mmap(Integer.MAX_VALUE, false, 0, null, null); // 8 TiB each, from 256 GiB
            }
        } catch (IllegalStateException e) {
            assertThat(e).hasMessage("process 7: 48-bit address space exhausted");
        }
        // map k ends at 2^38 + (k + 1) * 2^43 - 4 KiB: below 2^48 for k = 0..30
        assertThat(maps).isEqualTo(31);
        assertThat(p.vmas()).hasSize(31);
        assertThat(p.vmas().get(30).end()).isLessThan(1L << 48);
    }
}
