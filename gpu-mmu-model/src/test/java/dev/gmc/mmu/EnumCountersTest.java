package dev.gmc.mmu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;

/** Per-thread counter cells: exact sums, also after the threads that counted have ended. */
class EnumCountersTest {
    private enum K { A, B, C }

    private static final class Counters extends EnumCounters<K> {
        Counters() {
            super(K.class);
        }
    }

    @Test
    void sumsAreExactAcrossThreadsThatComeAndGo() throws Exception {
        Counters c = new Counters();
        long[] expected = new long[K.values().length];
        c.add(K.C, 5); // the reading thread counts too
        expected[K.C.ordinal()] += 5;
        for (int wave = 0; wave < 4; wave++) {
            int threads = 6;
            CyclicBarrier go = new CyclicBarrier(threads);
            List<Thread> ts = new ArrayList<>();
            long[][] perThread = new long[threads][K.values().length];
            for (int t = 0; t < threads; t++) {
                int me = t;
                long seed = wave * 100L + t;
                Thread th = new Thread(() -> {
                    SplittableRandom rnd = new SplittableRandom(seed);
                    try {
                        go.await();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    for (int i = 0; i < 200_000; i++) {
                        K k = K.values()[rnd.nextInt(3)];
                        long n = rnd.nextInt(4) - 1; // decrements too, as a frame count's frees
                        c.add(k, n);
                        perThread[me][k.ordinal()] += n;
                    }
                });
                ts.add(th);
                th.start();
            }
            if (wave % 2 == 0) { // reads while threads count: folding must leave live threads alone
                for (int i = 0; i < 50; i++) {
                    c.snapshot();
                }
            }
            for (Thread th : ts) {
                th.join();
            }
            for (long[] p : perThread) {
                for (int k = 0; k < p.length; k++) {
                    expected[k] += p[k];
                }
            }
            for (K k : K.values()) {
                assertThat(c.get(k)).as("wave %d, %s", wave, k).isEqualTo(expected[k.ordinal()]);
            }
        }
        for (int t = 0; t < 100; t++) { // short-lived threads that nobody reads after: no cells pile up
            Thread th = new Thread(() -> c.inc(K.A));
            th.start();
            th.join();
        }
        expected[K.A.ordinal()] += 100;
        assertThat(c.cellSets()).as("this thread's and at most the last ended one's").isLessThanOrEqualTo(2);
        assertThat(c.snapshot()).containsEntry(K.A, expected[0]).containsEntry(K.B, expected[1])
                .containsEntry(K.C, expected[2]);
    }
}
