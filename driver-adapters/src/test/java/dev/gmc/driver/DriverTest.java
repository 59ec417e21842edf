package dev.gmc.driver;

import static dev.gmc.driver.DriverCounters.Counter.CPU_FAULTS_MAJOR;
import static dev.gmc.driver.DriverCounters.Counter.CPU_FAULTS_MINOR;
import static dev.gmc.driver.DriverCounters.Counter.GPU_FAULTS_MAJOR;
import static dev.gmc.driver.DriverCounters.Counter.PAGES_RESTORED;
import static dev.gmc.driver.DriverCounters.Counter.PAGES_ZERO;
import static dev.gmc.driver.DriverCounters.Counter.PRE_JOB_RESTORES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.gmc.driver.replay.Content;
import dev.gmc.mmu.ArmPte;
import dev.gmc.mmu.CpuFaultException;
import dev.gmc.mmu.FrameKind;
import dev.gmc.mmu.KbaseAddressSpace;
import dev.gmc.mmu.KbaseEntry;
import dev.gmc.mmu.MmuCounters;
import dev.gmc.mmu.UtgardAddressSpace;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DriverTest {
    private static final int PAGES = 64;

    @ParameterizedTest
    @ValueSource(strings = {"midgard", "utgard"})
    void compressFreesFramesAndFaultsRestoreExactly(String name) {
        try (AbstractGmcDriver d = Drivers.make(name, DriverConfig.defaults())) {
            Drivers.Atlas a = Drivers.atlas(d, PAGES, true);
            Buffer b = a.buffer();
            long va = a.va();
            byte[] data = a.data();
            long dataFrames = d.memory().used(FrameKind.DATA);

            CompressResult r = d.compress(b);
            assertThat(r.sameFilled()).isEqualTo(24);
            assertThat(r.stored()).isEqualTo(24);
            assertThat(r.rejected()).isEqualTo(16);
            assertThat(r.aborted()).isZero();
            assertThat(d.counters().get(PAGES_ZERO)).isEqualTo(16);
            assertThat(d.memory().used(FrameKind.DATA)).isEqualTo(dataFrames - 48);
            assertThat(b.regionState()).isEqualTo(RegionState.COMPRESSED);
            assertThat(b.pageState(30)).isEqualTo(Buffer.PageState.COMPRESSED);
            assertThat(b.pageState(50)).as("noise is refused and stays").isEqualTo(Buffer.PageState.RESIDENT);
            long pte = d.process(100).pte(va + 30 * 4096L);
            assertThat(ArmPte.isSwap(pte)).isTrue();
            assertThat(ArmPte.swapOffset(pte)).isEqualTo((long) b.id() << 20 | 30);
            assertThat(ArmPte.present(d.process(100).pte(va + 50 * 4096L))).as("refused page mapped again").isTrue();
            assertThat(d.savedBytes()).isPositive();
            d.checkInvariants();

            byte[] page = new byte[4096];
            d.cpuRead(100, va + 30 * 4096L, page, 0, 4096);
            assertThat(page).isEqualTo(Arrays.copyOfRange(data, 30 * 4096, 31 * 4096));
            assertThat(d.counters().get(CPU_FAULTS_MAJOR)).isEqualTo(1);

            JobResult jr = Drivers.gpuRead(d, b, 31 * 4096L, page);
            assertThat(jr.ok()).as(String.valueOf(jr.message())).isTrue();
            assertThat(page).isEqualTo(Arrays.copyOfRange(data, 31 * 4096, 32 * 4096));
            if (name.equals("midgard")) {
                assertThat(d.counters().get(GPU_FAULTS_MAJOR)).isEqualTo(1);
            } else { // the pre-job hook restored every compressed page of the declared buffer
                assertThat(d.counters().get(PRE_JOB_RESTORES)).isEqualTo(47);
                assertThat(b.regionState()).isEqualTo(RegionState.RESIDENT);
            }
            // a write after restore lands in the restored page, seen by GPU and CPU
            byte[] w = "written after restore".getBytes();
            d.cpuWrite(100, va + 31 * 4096L + 100, w, 0, w.length);
            byte[] back = new byte[w.length];
            assertThat(Drivers.gpuRead(d, b, 31 * 4096L + 100, back).ok()).isTrue();
            assertThat(back).isEqualTo(w);
            d.checkInvariants();

            // everything else comes back byte for byte
            System.arraycopy(w, 0, data, 31 * 4096 + 100, w.length);
            byte[] all = new byte[data.length];
            d.cpuRead(100, va, all, 0, all.length);
            assertThat(all).isEqualTo(data);
            d.checkInvariants();
            d.free(b);
            assertThat(d.memory().used(FrameKind.DATA)).isZero();
            assertThat(d.store().pagesStored()).isZero();
            d.checkInvariants();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"FAULTING", "ALL"})
    void sharedBufferIsRestoredOnceAndRemappedByPolicy(String policy) {
        RemapPolicy remap = RemapPolicy.valueOf(policy);
        try (AbstractGmcDriver d = Drivers.make("midgard", DriverConfig.defaults().withRemap(remap))) {
            d.createProcess(100, "app");
            d.createProcess(200, "compositor");
            Buffer b = d.allocate(d.createContext(100), 8, BufferType.COLOUR_BUFFER, "window", false);
            long va1 = d.mapCpu(b, 100);
            long va2 = d.mapCpu(b, 200);
            d.mapGpu(b);
            byte[] data = new byte[8 * 4096];
            dev.gmc.driver.replay.Content.parse("gradient").fill(3, 0, data, 0, data.length);
            d.cpuWrite(100, va1, data, 0, data.length);
            assertThat(d.compress(b).stored()).isEqualTo(8);
            assertThat(ArmPte.isSwap(d.process(200).pte(va2 + 3 * 4096L))).isTrue();

            byte[] page = new byte[4096];
            d.cpuRead(100, va1 + 3 * 4096L, page, 0, 4096);
            long pte2 = d.process(200).pte(va2 + 3 * 4096L);
            if (remap == RemapPolicy.ALL) {
                assertThat(ArmPte.present(pte2)).isTrue();
            } else {
                assertThat(pte2).as("swap entry kept, like a swap-cache page's").isEqualTo(
                        AbstractGmcDriver.swapEntry(b, 3));
            }
            d.cpuRead(200, va2 + 3 * 4096L, page, 0, 4096);
            assertThat(page).isEqualTo(Arrays.copyOfRange(data, 3 * 4096, 4 * 4096));
            assertThat(d.counters().get(PAGES_RESTORED)).isEqualTo(1);
            assertThat(d.counters().get(CPU_FAULTS_MINOR)).isEqualTo(remap == RemapPolicy.ALL ? 0 : 1);
            d.checkInvariants();
        }
    }

    @Test
    void kbaseKillsTheContextOnAFaultOutsideAnyRegionAndOnAPermissionFault() {
        try (AbstractGmcDriver d = Drivers.make("midgard", DriverConfig.defaults())) {
            d.createProcess(100, "app");
            GpuContext ctx = d.createContext(100);
            Buffer b = d.allocate(ctx, 4, BufferType.TEXTURE, "tex", true);
            d.mapGpu(b);
            byte[] x = new byte[16];
            JobResult ok = Drivers.gpuRead(d, b, 0, x);
            assertThat(ok.ok()).isTrue();
            JobResult bad = d.submitJob(ctx, new Job(List.of(), List.of(new Job.Access(b.gpuVa() + 4 * 4096L, x, 0,
                    16, false))));
            assertThat(bad.ok()).isFalse();
            assertThat(bad.status()).isEqualTo(JobResult.KBASE_JOB_KILLED);
            assertThat(bad.message()).contains("Memory is not mapped on the GPU").contains("TRANSLATION_FAULT");
            assertThat(Drivers.gpuRead(d, b, 0, x).message()).contains("was killed");

            GpuContext ctx2 = d.createContext(100);
            Buffer ro = d.allocate(ctx2, 1, BufferType.TEXTURE, "ro", true);
            d.mapGpu(ro);
            JobResult perm = Drivers.gpuWrite(d, ro, 0, x);
            assertThat(perm.message()).contains("PERMISSION_FAULT").contains("Permission failure");
            assertThat(d.counters().get(DriverCounters.Counter.CONTEXTS_KILLED)).isEqualTo(2);
        }
    }

    @Test
    void utgardFailsAJobThatTouchesACompressedBufferItDidNotDeclare() {
        try (AbstractGmcDriver d = Drivers.make("utgard", DriverConfig.defaults())) {
            d.createProcess(100, "app");
            GpuContext s = d.createContext(100);
            Buffer a = d.allocate(s, 4, BufferType.TEXTURE, "a", false);
            Buffer b = d.allocate(s, 4, BufferType.TEXTURE, "b", false);
            d.mapGpu(a);
            d.mapGpu(b);
            byte[] data = new byte[4 * 4096];
            dev.gmc.driver.replay.Content.parse("text").fill(1, 0, data, 0, data.length);
            d.cpuWrite(100, d.mapCpu(b, 100), data, 0, data.length);
            d.compress(b);
            byte[] x = new byte[64];
            JobResult r = d.submitJob(s, new Job(List.of(a), List.of(new Job.Access(b.gpuVa() + 8192, x, 0, 64,
                    false))));
            assertThat(r.ok()).isFalse();
            assertThat(r.status()).isEqualTo(JobResult.UTGARD_END_SEG_FAULT);
            assertThat(r.message()).contains(String.format("PAGE_FAULT_ADDR 0x%08x", b.gpuVa() + 8192));
            assertThat(d.mmuCounters().get(MmuCounters.Op.UTGARD_PAGE_FAULT_DONE)).isEqualTo(1);
            // the session survives; declaring the buffer restores it first
            assertThat(Drivers.gpuRead(d, b, 8192, x).ok()).isTrue();
            assertThat(x).isEqualTo(Arrays.copyOfRange(data, 8192, 8192 + 64));
            d.checkInvariants();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"midgard", "utgard"})
    void cpuAccessOutsideABufferIsSigsegvAndAfterFreeToo(String name) {
        try (AbstractGmcDriver d = Drivers.make(name, DriverConfig.defaults())) {
            d.createProcess(100, "app");
            Buffer b = d.allocate(d.createContext(100), 2, BufferType.VERTEX, "vbo", false);
            long va = d.mapCpu(b, 100);
            byte[] x = new byte[8];
            assertThatThrownBy(() -> d.cpuRead(100, va + 2 * 4096L, x, 0, 8)).isInstanceOf(CpuFaultException.class)
                    .hasMessageContaining("SIGSEGV");
            d.free(b);
            assertThatThrownBy(() -> d.cpuRead(100, va, x, 0, 8)).hasMessageContaining("SIGSEGV");
            assertThat(d.counters().get(DriverCounters.Counter.SIGSEGV)).isEqualTo(2);
            d.checkInvariants();
        }
    }

    @Test
    void aRestoreWithoutAFreeFrameIsRefusedAndLosesNothing() {
        try (AbstractGmcDriver d = Drivers.make("midgard", DriverConfig.defaults().withRam(1 << 20))) {
            d.createProcess(100, "app");
            GpuContext ctx = d.createContext(100);
            Buffer b = d.allocate(ctx, 8, BufferType.TEXTURE, "t", false);
            long va = d.mapCpu(b, 100);
            byte[] data = new byte[8 * 4096];
            dev.gmc.driver.replay.Content.parse("gradient").fill(5, 0, data, 0, data.length);
            d.cpuWrite(100, va, data, 0, data.length);
            d.compress(b);
            Buffer hog = d.allocate(ctx, (int) d.memory().freeFrames(), BufferType.OTHER, "hog", false);
            byte[] page = new byte[4096];
            assertThatThrownBy(() -> d.cpuRead(100, va, page, 0, 4096)).hasMessageContaining("SIGBUS");
            assertThat(d.counters().get(DriverCounters.Counter.RESTORE_NO_FRAME)).isEqualTo(1);
            assertThat(b.pageState(0)).isEqualTo(Buffer.PageState.COMPRESSED);
            d.checkInvariants();
            d.free(hog);
            d.cpuRead(100, va, page, 0, 4096);
            assertThat(page).isEqualTo(Arrays.copyOfRange(data, 0, 4096));
        }
    }

    @Test
    void eventsFollowEveryStep() {
        try (AbstractGmcDriver d = Drivers.make("midgard", DriverConfig.defaults())) {
            List<GmcEvent.Type> seen = new ArrayList<>();
            d.addListener(e -> seen.add(e.type()));
            d.createProcess(100, "app");
            Buffer b = d.allocate(d.createContext(100), 2, BufferType.TEXTURE, "t", false);
            long va = d.mapCpu(b, 100);
            d.mapGpu(b);
            d.compress(b);
            d.cpuRead(100, va, new byte[1], 0, 1);
            assertThat(seen).containsExactly(GmcEvent.Type.CONTEXT_CREATED, GmcEvent.Type.BUFFER_ALLOCATED,
                    GmcEvent.Type.CPU_MAPPED, GmcEvent.Type.GPU_MAPPED, GmcEvent.Type.COMPRESS_START,
                    GmcEvent.Type.PAGE_SAME_FILLED, GmcEvent.Type.PAGE_SAME_FILLED, GmcEvent.Type.COMPRESS_END,
                    GmcEvent.Type.CPU_FAULT, GmcEvent.Type.PAGE_RESTORED, GmcEvent.Type.PAGE_REMAPPED);
        }
    }

    @Test
    void theDaemonCompressesOnlyTheBackgroundApp() {
        try (AbstractGmcDriver d = Drivers.make("utgard", DriverConfig.defaults())) {
            d.createProcess(100, "game");
            d.createProcess(200, "launcher");
            Buffer g = d.allocate(d.createContext(100), 16, BufferType.TEXTURE, "g", false);
            Buffer l = d.allocate(d.createContext(200), 16, BufferType.TEXTURE, "l", false);
            ResourceDaemon daemon = new ResourceDaemon(d, CompressionPolicy.background(1));
            List<CompressResult> r = daemon.appBackground(100).compressed();
            assertThat(r).extracting(CompressResult::bufferId).containsExactly(g.id());
            assertThat(g.compressedPages()).isEqualTo(16);
            assertThat(l.compressedPages()).isZero();
            assertThat(daemon.appForeground(100)).isEqualTo(new ResourceDaemon.Outcome(List.of(), List.of()));
            assertThat(daemon.isForeground(100)).isTrue();
            assertThatThrownBy(() -> daemon.appBackground(999)).hasMessageContaining("no process 999");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"AARCH64", "LPAE"})
    void midgardAtesCarryTheRegionsFlagsBeforeCompressionAndAfterARestore(String format) {
        KbaseEntry.Format f = KbaseEntry.Format.valueOf(format);
        try (AbstractGmcDriver d = Drivers.make("midgard", DriverConfig.defaults().withFormat(f))) {
            d.createProcess(100, "game");
            GpuContext ctx = d.createContext(100);
            for (boolean readOnly : new boolean[] {false, true}) {
                Buffer b = d.allocate(ctx, 4, BufferType.TEXTURE, "t", readOnly);
                long va = d.mapCpu(b, 100);
                d.mapGpu(b);
                byte[] text = new byte[4 * 4096];
                Content.parse("text").fill(1, 0, text, 0, text.length);
                d.cpuWrite(100, va, text, 0, text.length);
                KbaseAddressSpace as = (KbaseAddressSpace) ctx.addressSpace();
                long vpfn = b.gpuVa() >>> 12;
                // base_mem_alloc's buffer: GPU-readable, writable unless read-only, MEMATTR 0, not shared, not executable
                assertThat(as.entry(vpfn + 2)).as("read-only %s", readOnly).isEqualTo(KbaseEntry.ate(f, 3,
                        (long) b.pfn[2] << 12, 0, true, !readOnly, KbaseEntry.Share.NONE, true));
                assertThat(d.compress(b).stored()).isEqualTo(4);
                assertThat(as.entry(vpfn + 2)).as("compressed: invalid").isEqualTo(KbaseEntry.invalid());
                byte[] got = new byte[16];
                assertThat(Drivers.gpuRead(d, b, 2 * 4096L + 8, got).ok()).isTrue();
                assertThat(got).isEqualTo(Arrays.copyOfRange(text, 2 * 4096 + 8, 2 * 4096 + 24));
                assertThat(as.entry(vpfn + 2)).as("restored by the GPU fault").isEqualTo(KbaseEntry.ate(f, 3,
                        (long) b.pfn[2] << 12, 0, true, !readOnly, KbaseEntry.Share.NONE, true));
            }
        }
        int rd = MidgardDriver.KBASE_REG_GPU_RD;
        assertThat(MidgardDriver.ateFlags(rd | MidgardDriver.KBASE_REG_SHARE_IN | 5 << MidgardDriver.KBASE_REG_MEMATTR_SHIFT))
                .isEqualTo(new KbaseAddressSpace.AteFlags(true, false, 5, KbaseEntry.Share.INNER, false));
        assertThat(MidgardDriver.ateFlags(MidgardDriver.KBASE_REG_GPU_WR | MidgardDriver.KBASE_REG_SHARE_BOTH
                | MidgardDriver.KBASE_REG_SHARE_IN | MidgardDriver.KBASE_REG_GPU_NX | 7 << MidgardDriver.KBASE_REG_MEMATTR_SHIFT))
                .isEqualTo(new KbaseAddressSpace.AteFlags(false, true, 7, KbaseEntry.Share.BOTH, true));
        assertThat(MidgardDriver.ateFlags(rd | 8 << MidgardDriver.KBASE_REG_MEMATTR_SHIFT)).as("three bits of MEMATTR")
                .isEqualTo(new KbaseAddressSpace.AteFlags(true, false, 0, KbaseEntry.Share.NONE, false));
    }

    @Test
    void utgardRefusesJobsOnBuffersItCannotPinAndEndsAFaultingJobWithTheSessionSwitchedAway() {
        try (AbstractGmcDriver d = Drivers.make("utgard", DriverConfig.defaults())) {
            List<GmcEvent> events = new ArrayList<>();
            d.addListener(events::add);
            d.createProcess(100, "game");
            d.createProcess(200, "other");
            GpuContext mine = d.createContext(100);
            GpuContext other = d.createContext(200);
            Buffer onGpu = d.allocate(mine, 2, BufferType.TEXTURE, "t", false);
            d.mapGpu(onGpu);
            Buffer cpuOnly = d.allocate(mine, 2, BufferType.VERTEX, "v", false);
            Buffer foreign = d.allocate(other, 2, BufferType.TEXTURE, "f", false);
            d.mapGpu(foreign);
            Buffer freed = d.allocate(mine, 2, BufferType.TEXTURE, "gone", false);
            d.mapGpu(freed);
            d.free(freed);
            byte[] x = new byte[8];
            String[] why = {"not mapped on the GPU", "belongs to another session", "which is freed"};
            Buffer[] declared = {cpuOnly, foreign, freed};
            for (int k = 0; k < declared.length; k++) {
                int before = events.size();
                JobResult r = d.submitJob(mine, new Job(List.of(onGpu, declared[k]),
                        List.of(new Job.Access(onGpu.gpuVa(), x, 0, 8, false))));
                assertThat(r.ok()).isFalse();
                assertThat(r.status()).isEqualTo(JobResult.UTGARD_END_SEG_FAULT);
                assertThat(r.message()).startsWith("job declares " + declared[k]).endsWith(why[k]);
                assertThat(events.subList(before, events.size())).extracting(GmcEvent::type, GmcEvent::buffer)
                        .as("the job never started").containsExactly(tuple(
                                GmcEvent.Type.JOB_FAILED, declared[k].id()));
            }
            assertThat(d.counters().get(DriverCounters.Counter.JOBS_FAILED)).isEqualTo(3);
            // an access outside every buffer: the MMU faults, the job ends, the session is switched away
            long hole = onGpu.gpuVa() + 64 * 4096L;
            int before = events.size();
            JobResult r = d.submitJob(mine, new Job(List.of(onGpu), List.of(new Job.Access(hole, x, 0, 8, true))));
            assertThat(r.ok()).isFalse();
            assertThat(r.fault().address()).isEqualTo(hole);
            assertThat(r.message()).contains(String.format("PAGE_FAULT_ADDR 0x%08x", hole))
                    .endsWith("; job failed (END_SEG_FAULT), group reset");
            assertThat(events.subList(before, events.size())).extracting(GmcEvent::type, GmcEvent::value).endsWith(
                    tuple(GmcEvent.Type.GPU_FAULT, hole),
                    tuple(GmcEvent.Type.JOB_FAILED, hole));
            assertThat(d.counters().get(DriverCounters.Counter.JOBS_FAILED)).isEqualTo(4);
            UtgardAddressSpace as = (UtgardAddressSpace) mine.addressSpace();
            assertThat(as.isActive()).as("switched to the empty page directory").isFalse();
            assertThat(as.status()).as("PAGE_FAULT_DONE acknowledged, MMU idle").isEqualTo(
                    UtgardAddressSpace.STATUS_PAGING_ENABLED | UtgardAddressSpace.STATUS_IDLE);
            assertThat(d.compress(onGpu).skipped()).as("no pin left behind").isNull();
            assertThat(Drivers.gpuRead(d, onGpu, 0, x).ok()).as("the next job runs").isTrue();
            assertThat(d.counters().get(DriverCounters.Counter.JOBS)).isEqualTo(5);
        }
    }
}
