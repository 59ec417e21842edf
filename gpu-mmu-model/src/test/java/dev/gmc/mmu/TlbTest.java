package dev.gmc.mmu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The TLB against a plain model: a map from set index to the one entry that set holds (direct-mapped, so a fill
 * evicts whatever its set held). Every lookup, every invalidation's count and the entries left afterwards must
 * agree, for range invalidations on both of the TLB's paths (a range no longer than the TLB visits the range's
 * sets; a longer one scans every set).
 */
class TlbTest {
    private record Entry(long vpfn, long pfn, boolean read, boolean write) {
    }

    private static final long MAX_VPFN = (1L << 36) - 1; // a 48-bit GPU VA
    private static final long MAX_PFN = (1L << 25) - 1;

    @ParameterizedTest(name = "{0} entries")
    @ValueSource(ints = {1, 2, 16, 64})
    void randomFillsLookupsAndInvalidationsAgreeWithAMapModel(int size) {
        Tlb tlb = new Tlb(size);
        assertThat(tlb.size()).isEqualTo(size);
        Map<Integer, Entry> model = new HashMap<>();
        SplittableRandom rnd = new SplittableRandom(size * 7919L);
        // a window of virtual pages a few TLBs wide, at the bottom, in the middle or at the top of the VA space
        long[] bases = {0, 1L << 20, MAX_VPFN - 4L * size - 8};
        for (int step = 0; step < 20_000; step++) {
            long base = bases[rnd.nextInt(bases.length)];
            long vpfn = base + rnd.nextLong(4L * size + 8);
            int op = rnd.nextInt(100);
            if (op < 45) {
                long pfn = rnd.nextInt(8) == 0 ? MAX_PFN - rnd.nextInt(4) : rnd.nextLong(1 << 20);
                boolean read = rnd.nextBoolean();
                boolean write = rnd.nextBoolean();
                tlb.fill(vpfn, pfn, read, write);
                model.put((int) (vpfn & (size - 1)), new Entry(vpfn, pfn, read, write));
            } else if (op < 85) {
                check(tlb, model, vpfn, size);
            } else if (op < 99) {
                // lengths on both sides of the TLB's size, and 0
                long pages = switch (rnd.nextInt(4)) {
                    case 0 -> 0;
                    case 1 -> 1 + rnd.nextInt(size);
                    case 2 -> size + 1 + rnd.nextInt(3 * size);
                    default -> size;
                };
                long first = Math.max(0, vpfn - rnd.nextInt(3));
                int expected = 0;
                for (var it = model.values().iterator(); it.hasNext(); ) {
                    Entry e = it.next();
                    if (e.vpfn >= first && e.vpfn < first + pages) {
                        it.remove();
                        expected++;
                    }
                }
                assertThat(tlb.invalidate(first, pages)).as("invalidate(%d, %d) at step %d", first, pages, step)
                        .isEqualTo(expected);
            } else {
                assertThat(tlb.invalidateAll()).as("invalidateAll at step %d", step).isEqualTo(model.size());
                model.clear();
            }
        }
        for (long base : bases) {
            for (long v = base; v < base + 4L * size + 8; v++) {
                check(tlb, model, v, size);
            }
        }
    }

    private static void check(Tlb tlb, Map<Integer, Entry> model, long vpfn, int size) {
        long e = tlb.lookup(vpfn);
        Entry m = model.get((int) (vpfn & (size - 1)));
        if (m == null || m.vpfn != vpfn) {
            assertThat(e).as("lookup(%d): a miss", vpfn).isZero();
            return;
        }
        assertThat(e).as("lookup(%d): a hit", vpfn).isNotZero();
        assertThat(Tlb.pfn(e)).as("pfn of %d", vpfn).isEqualTo(m.pfn);
        assertThat(Tlb.readable(e)).as("readable %d", vpfn).isEqualTo(m.read);
        assertThat(Tlb.writable(e)).as("writable %d", vpfn).isEqualTo(m.write);
    }

    @Test
    void aPageOneSetApartNeverHitsAnotherPagesEntry() {
        Tlb tlb = new Tlb(8);
        tlb.fill(3, 77, true, false);
        assertThat(tlb.lookup(11)).as("same set, other page").isZero();
        assertThat(tlb.lookup(3 + (1L << 36))).as("a page beyond the 36-bit VPN never aliases page 3").isZero();
        assertThat(tlb.invalidate(11, 1)).as("invalidating the other page of the set drops nothing").isZero();
        assertThat(tlb.invalidate(0, 3)).isZero();
        assertThat(tlb.invalidate(4, 100)).as("a long range above page 3").isZero();
        assertThat(Tlb.pfn(tlb.lookup(3))).isEqualTo(77);
        assertThat(tlb.invalidate(0, 100)).as("a long range from 0").isEqualTo(1);
        assertThat(tlb.lookup(3)).isZero();
        assertThat(tlb.invalidateAll()).as("nothing left").isZero();
    }

    @Test
    void sizesThatAreNotAPowerOfTwoAreRefused() {
        for (int bad : new int[] {0, -1, -8, 3, 12, Integer.MIN_VALUE}) {
            assertThatThrownBy(() -> new Tlb(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("TLB size " + bad + " is not a power of two");
        }
        for (int good : new int[] {1, 2, 1024}) {
            Tlb.checkSize(good);
            assertThat(new Tlb(good).size()).isEqualTo(good);
        }
    }
}
