package dev.gmc.mmu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * One counter per constant of an enum, bumped from many threads (faults, TLB lookups) and read rarely. Subclasses
 * only name the enum.
 *
 * <p>Each thread counts in its own cells, which only it writes (an opaque store: no atomic instruction, no fence);
 * a read sums every thread's cells. Why not a {@link java.util.concurrent.atomic.LongAdder} per counter: with 16
 * threads restoring pages at once, the adders' compare-and-sets on shared cells took a fifth of the fault path's
 * samples (docs/PERFORMANCE.md), because more threads than cells keep colliding. The cells of a thread that has
 * ended are folded into a retired sum by the next read or the next thread's first count, so a long run with
 * short-lived threads keeps no garbage.
 * Sums are exact when no thread is counting, and each counter is read atomically otherwise (as before).
 */
public class EnumCounters<E extends Enum<E>> {
    private static final VarHandle CELL = MethodHandles.arrayElementVarHandle(long[].class);
    /** Longs of padding on each side of a thread's cells, so that two threads' cells never share a cache line. */
    private static final int PAD = 8;

    private final Class<E> type;
    private final int size;
    private final ThreadLocal<long[]> mine;
    // Every live thread's cells (guarded by this object's monitor, as is retired).
    private final List<Cells> all = new ArrayList<>();
    private final long[] retired;

    private record Cells(Thread owner, long[] cells) {
    }

    protected EnumCounters(Class<E> type) {
        this.type = type;
        this.size = type.getEnumConstants().length;
        this.retired = new long[size];
        this.mine = ThreadLocal.withInitial(() -> {
            long[] c = new long[PAD + size + PAD];
            synchronized (this) {
                foldEnded(); // so that the list stays as short as the live threads, even if nobody reads
                all.add(new Cells(Thread.currentThread(), c));
            }
            return c;
        });
    }

    public void add(E k, long n) {
        long[] c = mine.get();
        int i = PAD + k.ordinal();
        CELL.setOpaque(c, i, c[i] + n); // only this thread writes c
    }

    public void inc(E k) {
        add(k, 1);
    }

    public synchronized long get(E k) {
        foldEnded();
        int i = PAD + k.ordinal();
        long sum = retired[k.ordinal()];
        for (Cells x : all) {
            sum += (long) CELL.getOpaque(x.cells(), i);
        }
        return sum;
    }

    /** All counters, in declaration order. */
    public synchronized Map<E, Long> snapshot() {
        Map<E, Long> m = new EnumMap<>(type);
        for (E k : type.getEnumConstants()) {
            m.put(k, get(k));
        }
        return m;
    }

    /** Threads whose cells are kept (for tests). */
    synchronized int cellSets() {
        return all.size();
    }

    /** Adds the cells of threads that have ended to {@link #retired} (they can no longer change) and drops them. */
    private void foldEnded() {
        all.removeIf(x -> {
            if (x.owner().isAlive()) {
                return false;
            }
            for (int i = 0; i < size; i++) {
                retired[i] += (long) CELL.getOpaque(x.cells(), PAD + i);
            }
            return true;
        });
    }
}
