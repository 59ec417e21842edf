package dev.gmc.mmu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The GPU address spaces (kbase in both encodings, Utgard) against a plain model: a map from virtual page to
 * (frame, permissions) and the bytes each data frame should hold. Random maps, unmaps, GPU reads and writes of one
 * to three pages at any offset, and (Utgard) job starts and ends; after each step every access must succeed or fault
 * exactly where the model says, with the hardware's fault status, every byte read must be the model's, and the
 * entries in the tables, the count of entries an unmap found and the number of table frames must agree. The TLB is
 * small (16 entries) so that entries are evicted and refilled throughout: a missed invalidation shows up as a read
 * through a stale translation.
 */
class GpuAddressSpaceModelTest {
    private static final int PAGE = PhysicalMemory.PAGE_SIZE;
    private static final int DATA_FRAMES = 24;
    private static final int WINDOW = 1200; // pages per window: crosses bottom-level tables (512 or 1024 entries)

    private record Mapping(int frame, boolean read, boolean write, long entry) {
    }

    /** One kind of address space as the test drives it. */
    private abstract static class Subject {
        final GpuAddressSpace as;

        Subject(GpuAddressSpace as) {
            this.as = as;
        }

        /** Maps {@code pfns} at {@code vpfn..}; returns each page's expected table entry and permissions. */
        abstract Mapping[] map(long vpfn, int[] pfns, SplittableRandom rnd);

        abstract int unmap(long vpfn, int n);

        abstract long entry(long vpfn);

        abstract long unmappedEntry();

        /** Table frames the model expects for these mapped (or ever mapped, for kbase) pages. */
        abstract int expectedTables(Set<Long> everMapped, Map<Long, Mapping> mapped);

        abstract void checkFault(GpuFaultException e, long va, boolean write, boolean permission);

        boolean active() {
            return true;
        }
    }

    private static final class Kbase extends Subject {
        final KbaseEntry.Format format;

        Kbase(KbaseEntry.Format format, PhysicalMemory mem, MmuCounters counters) {
            super(new KbaseAddressSpace(5, format, mem, counters, 16));
            this.format = format;
        }

        KbaseAddressSpace kas() {
            return (KbaseAddressSpace) as;
        }

        @Override
        Mapping[] map(long vpfn, int[] pfns, SplittableRandom rnd) {
            boolean read = rnd.nextInt(5) != 0;
            // AArch64 stage 1 has no write-only access; LPAE has
            boolean write = format == KbaseEntry.Format.LPAE ? rnd.nextBoolean() : read && rnd.nextBoolean();
            int memattr = rnd.nextInt(8);
            KbaseEntry.Share share = KbaseEntry.Share.values()[rnd.nextInt(3)];
            boolean nx = rnd.nextBoolean();
            kas().insertPages(vpfn, pfns, 0, pfns.length,
                    new KbaseAddressSpace.AteFlags(read, write, memattr, share, nx));
            Mapping[] m = new Mapping[pfns.length];
            for (int i = 0; i < pfns.length; i++) {
                m[i] = new Mapping(pfns[i], read, write,
                        KbaseEntry.ate(format, 3, (long) pfns[i] << 12, memattr, read, write, share, nx));
            }
            return m;
        }

        @Override
        int unmap(long vpfn, int n) {
            return kas().teardownPages(vpfn, n);
        }

        @Override
        long entry(long vpfn) {
            return kas().entry(vpfn);
        }

        @Override
        long unmappedEntry() {
            return KbaseEntry.invalid();
        }

        @Override
        int expectedTables(Set<Long> everMapped, Map<Long, Mapping> mapped) {
            // kbase keeps tables until the context dies: one table per level-1, -2 and -3 prefix ever used
            Set<Long> l1 = new HashSet<>();
            Set<Long> l2 = new HashSet<>();
            Set<Long> l3 = new HashSet<>();
            for (long v : everMapped) {
                l1.add(v >>> 27);
                l2.add(v >>> 18);
                l3.add(v >>> 9);
            }
            return 1 + l1.size() + l2.size() + l3.size();
        }

        @Override
        void checkFault(GpuFaultException e, long va, boolean write, boolean permission) {
            int status = KbaseFault.faultStatus(
                    permission ? KbaseFault.Exception.PERMISSION : KbaseFault.Exception.TRANSLATION,
                    write ? KbaseFault.Access.WRITE : KbaseFault.Access.READ);
            assertThat(e.fault().status()).isEqualTo(status);
            assertThat(e.getMessage()).isEqualTo(String.format(
                    "GPU page fault in AS5 at VA 0x%x: %s_FAULT, %s access, AS_FAULTSTATUS 0x%x", va,
                    permission ? "PERMISSION" : "TRANSLATION", write ? "WRITE" : "READ", status));
        }
    }

    private static final class Utgard extends Subject {
        Utgard(PhysicalMemory mem, MmuCounters counters) {
            super(new UtgardAddressSpace(9, mem, counters, 16));
        }

        UtgardAddressSpace uas() {
            return (UtgardAddressSpace) as;
        }

        @Override
        Mapping[] map(long vpfn, int[] pfns, SplittableRandom rnd) {
            boolean read = rnd.nextInt(5) != 0;
            boolean write = rnd.nextBoolean();
            int flags = UtgardEntry.PRESENT | (read ? UtgardEntry.READ_PERMISSION : 0)
                    | (write ? UtgardEntry.WRITE_PERMISSION : 0) | (rnd.nextInt(4) << 7);
            uas().map(vpfn << 12, pfns, 0, pfns.length, flags);
            Mapping[] m = new Mapping[pfns.length];
            for (int i = 0; i < pfns.length; i++) {
                m[i] = new Mapping(pfns[i], read, write, UtgardEntry.pte((long) pfns[i] << 12, flags));
            }
            return m;
        }

        @Override
        int unmap(long vpfn, int n) {
            return uas().unmap(vpfn << 12, n);
        }

        @Override
        long entry(long vpfn) {
            return uas().entry(vpfn << 12);
        }

        @Override
        long unmappedEntry() {
            return 0;
        }

        @Override
        int expectedTables(Set<Long> everMapped, Map<Long, Mapping> mapped) {
            // a page table lives while its 4 MiB window maps a page
            Set<Long> windows = new HashSet<>();
            for (long v : mapped.keySet()) {
                windows.add(v >>> 10);
            }
            return 1 + windows.size();
        }

        @Override
        void checkFault(GpuFaultException e, long va, boolean write, boolean permission) {
            int status = UtgardAddressSpace.STATUS_PAGING_ENABLED | UtgardAddressSpace.STATUS_PAGE_FAULT_ACTIVE
                    | (write ? UtgardAddressSpace.STATUS_PAGE_FAULT_IS_WRITE : 0)
                    | 1 << UtgardAddressSpace.STATUS_BUS_ID_SHIFT;
            assertThat(e.fault().status()).isEqualTo(status);
            assertThat(uas().status()).isEqualTo(status);
            assertThat(uas().pageFaultAddr()).isEqualTo((int) va);
            assertThat(e.getMessage()).isEqualTo(String.format(
                    "Mali MMU page fault, session 9: PAGE_FAULT_ADDR 0x%08x, STATUS 0x%x (%s)", va, status,
                    write ? "write" : "read"));
            uas().pageFaultDone();
            assertThat(uas().status() & (UtgardAddressSpace.STATUS_PAGE_FAULT_ACTIVE
                    | UtgardAddressSpace.STATUS_PAGE_FAULT_IS_WRITE)).isZero();
        }

        @Override
        boolean active() {
            return uas().isActive();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"kbase-aarch64", "kbase-lpae", "utgard"})
    void randomMapsUnmapsAndAccessesAgreeWithAPlainModel(String kind) {
        PhysicalMemory mem = new PhysicalMemory(16L << 20, true);
        MmuCounters counters = new MmuCounters();
        Subject s = switch (kind) {
            case "kbase-aarch64" -> new Kbase(KbaseEntry.Format.AARCH64, mem, counters);
            case "kbase-lpae" -> new Kbase(KbaseEntry.Format.LPAE, mem, counters);
            default -> new Utgard(mem, counters);
        };
        boolean utgard = s instanceof Utgard;
        // windows across a level-0/-1 boundary and at the top of the VA space (48 bits; Utgard: 32)
        long top = utgard ? 1L << 20 : 1L << 36;
        long[] windows = utgard ? new long[] {0, (1L << 19) - WINDOW / 2, top - WINDOW}
                : new long[] {0x100000, (1L << 27) - WINDOW / 2, top - WINDOW};
        int[] frames = new int[DATA_FRAMES];
        byte[][] data = new byte[DATA_FRAMES][PAGE];
        Map<Integer, Integer> frameIndex = new HashMap<>();
        for (int i = 0; i < DATA_FRAMES; i++) {
            frames[i] = mem.allocate(FrameKind.DATA, true);
            frameIndex.put(frames[i], i);
        }
        Map<Long, Mapping> mapped = new HashMap<>();
        Set<Long> everMapped = new HashSet<>();
        SplittableRandom rnd = new SplittableRandom(kind.hashCode());
        Model model = new Model(s, mem, mapped, frames, frameIndex, data, rnd);
        if (utgard) {
            ((Utgard) s).uas().activate();
        }
        long[] recent = new long[8]; // pages mapped or unmapped lately: half the accesses go there, through the TLB
        for (int step = 0; step < 6_000; step++) {
            long w = windows[rnd.nextInt(windows.length)];
            long vpfn = w + rnd.nextInt(WINDOW);
            if (rnd.nextBoolean() && step >= recent.length) {
                vpfn = recent[rnd.nextInt(recent.length)];
                for (long x : windows) {
                    w = vpfn >= x && vpfn < x + WINDOW ? x : w;
                }
            }
            recent[step % recent.length] = vpfn;
            int op = rnd.nextInt(100);
            String at = kind + " step " + step;
            if (op < 25) {
                int n = (int) Math.min(1 + rnd.nextInt(rnd.nextInt(8) == 0 ? 600 : 6), w + WINDOW - vpfn);
                if (utgard) { // the Mali driver maps only pages it has not mapped (a remap would need a zap)
                    for (int i = 0; i < n; i++) {
                        if (mapped.containsKey(vpfn + i)) {
                            n = i;
                            break;
                        }
                    }
                    if (n == 0) {
                        continue;
                    }
                }
                model.warmUp(vpfn, Math.min(n, 16), at); // kbase remaps: old translations cached
                int[] pfns = new int[n];
                for (int i = 0; i < n; i++) {
                    pfns[i] = frames[rnd.nextInt(DATA_FRAMES)];
                }
                Mapping[] m = s.map(vpfn, pfns, rnd);
                for (int i = 0; i < n; i++) {
                    mapped.put(vpfn + i, m[i]);
                    everMapped.add(vpfn + i);
                }
            } else if (op < 40) {
                int n = (int) Math.min(1 + rnd.nextInt(rnd.nextInt(8) == 0 ? 700 : 8), w + WINDOW - vpfn);
                // pages that were just readable: the TLB may still hold them, and must not let the next access through
                List<Long> warm = model.warmUp(vpfn, n, at);
                int expected = 0;
                for (int i = 0; i < n; i++) {
                    if (mapped.remove(vpfn + i) != null) {
                        expected++;
                    }
                }
                assertThat(s.unmap(vpfn, n)).as("%s: unmap(%d, %d)", at, vpfn, n).isEqualTo(expected);
                for (long v : warm) {
                    model.access(v << 12, 8, false, at + " (after unmap)");
                }
            } else if (op < 43 && utgard) {
                Utgard u = (Utgard) s;
                if (u.active()) {
                    u.uas().deactivate();
                } else {
                    u.uas().activate();
                }
            } else if (!s.active()) {
                continue; // a Utgard GPU accesses memory only while a job runs (its MMU is switched away between jobs)
            } else {
                boolean write = op >= 75;
                int off = rnd.nextInt(PAGE);
                int len = (int) Math.min(1 + rnd.nextInt(2 * PAGE + 1), ((w + WINDOW - vpfn) << 12) - off);
                model.access((vpfn << 12) + off, len, write, at);
            }
            if (step % 200 == 0) {
                checkTables(s, mem, mapped, everMapped, windows, at);
            }
        }
        checkTables(s, mem, mapped, everMapped, windows, kind + " end");
        if (utgard) {
            ((Utgard) s).uas().activate();
        }
        // every mapped page once more, through a TLB that the last steps left in any state
        for (long v : mapped.keySet()) {
            model.access(v << 12, PAGE, false, kind + " final read");
        }
        if (utgard && !mapped.isEmpty()) {
            assertThatThrownBy(s.as::destroy).isInstanceOf(IllegalStateException.class).hasMessage(
                    "session 9 closes with " + (s.expectedTables(everMapped, mapped) - 1)
                            + " page tables still in use");
        }
        if (utgard) {
            for (long w : windows) {
                s.unmap(w, WINDOW);
            }
        }
        s.as.destroy();
        assertThat(mem.used(FrameKind.GPU_TABLE)).as("every table frame freed").isZero();
        assertThat(mem.used(FrameKind.DATA)).as("the data frames are the buffers', not the tables'")
                .isEqualTo(DATA_FRAMES);
    }

    /** The address space under test and what the model says it should hold. */
    private record Model(Subject s, PhysicalMemory mem, Map<Long, Mapping> mapped, int[] frames,
            Map<Integer, Integer> frameIndex, byte[][] data, SplittableRandom rnd) {
        /** Reads 8 bytes of each readable page of {@code [vpfn, vpfn + n)}, so the TLB holds them; returns them. */
        List<Long> warmUp(long vpfn, int n, String at) {
            List<Long> warm = new ArrayList<>();
            for (int i = 0; i < n && s.active(); i++) {
                Mapping m = mapped.get(vpfn + i);
                if (m != null && m.read) {
                    access((vpfn + i) << 12, 8, false, at + " (warm-up)");
                    warm.add(vpfn + i);
                }
            }
            return warm;
        }

        /** One GPU access checked page piece by page piece against the model, as the hardware would perform it. */
        void access(long va, int len, boolean write, String at) {
            byte[] buf = new byte[len];
            if (write) {
                rnd.nextBytes(buf);
            }
            // where the model says the access stops, and why
            long faultVa = -1;
            boolean permission = false;
            for (long a = va; a < va + len; a = (a & ~(long) (PAGE - 1)) + PAGE) {
                Mapping m = mapped.get(a >>> 12);
                if (m == null || !(write ? m.write : m.read)) {
                    faultVa = a;
                    permission = m != null;
                    break;
                }
            }
            try {
                if (write) {
                    s.as.write(va, buf, 0, len);
                } else {
                    s.as.read(va, buf, 0, len);
                }
                if (faultVa >= 0) {
                    fail("%s: %s of %d bytes at 0x%x should fault at 0x%x", at, write ? "write" : "read", len, va,
                            faultVa);
                }
            } catch (GpuFaultException e) {
                assertThat(faultVa).as("%s: %s of %d bytes at 0x%x faulted at 0x%x", at, write ? "write" : "read", len,
                        va, e.fault().address()).isNotNegative();
                assertThat(e.fault().address()).as("%s: fault address", at).isEqualTo(faultVa);
                assertThat(e.fault().write()).isEqualTo(write);
                assertThat(e.fault().permission()).as("%s: permission fault", at).isEqualTo(permission);
                s.checkFault(e, faultVa, write, permission);
            }
            long end = faultVa >= 0 ? faultVa : va + len;
            for (long a = va; a < end; ) {
                long next = Math.min(end, (a & ~(long) (PAGE - 1)) + PAGE);
                byte[] frame = data[frameIndex.get(mapped.get(a >>> 12).frame)];
                int fo = (int) (a & (PAGE - 1));
                int bo = (int) (a - va);
                int n = (int) (next - a);
                if (write) {
                    System.arraycopy(buf, bo, frame, fo, n);
                } else {
                    for (int i = 0; i < n; i++) {
                        if (buf[bo + i] != frame[fo + i]) {
                            fail("%s: byte 0x%x of a read at 0x%x is 0x%02x, the model's frame holds 0x%02x", at,
                                    a + i, va, buf[bo + i], frame[fo + i]);
                        }
                    }
                }
                a = next;
            }
            // the bytes in RAM are the model's too (a write through a stale translation would land elsewhere)
            if (write) {
                byte[] ram = new byte[PAGE];
                for (int i = 0; i < data.length; i++) {
                    mem.read((long) frames[i] << 12, ram, 0, PAGE);
                    assertThat(ram).as("%s: frame %d after a write", at, i).isEqualTo(data[i]);
                }
            }
        }
    }

    private static void checkTables(Subject s, PhysicalMemory mem, Map<Long, Mapping> mapped, Set<Long> everMapped,
            long[] windows, String at) {
        for (long w : windows) {
            for (long v = w; v < w + WINDOW; v++) {
                Mapping m = mapped.get(v);
                assertThat(s.entry(v)).as("%s: entry of page 0x%x", at, v)
                        .isEqualTo(m == null ? s.unmappedEntry() : m.entry);
            }
        }
        int tables = s.expectedTables(everMapped, mapped);
        assertThat(s.as.tableFrames()).as("%s: table frames", at).isEqualTo(tables);
        assertThat(mem.used(FrameKind.GPU_TABLE)).as("%s: GPU_TABLE frames in RAM", at).isEqualTo(tables);
    }
}
