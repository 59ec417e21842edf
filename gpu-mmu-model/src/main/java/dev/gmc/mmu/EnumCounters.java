package dev.gmc.mmu;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * One {@link LongAdder} per constant of an enum: counters bumped from many threads (faults, TLB lookups) and read
 * rarely. Subclasses only name the enum.
 */
public class EnumCounters<E extends Enum<E>> {
    private final Class<E> type;
    private final LongAdder[] counts;

    protected EnumCounters(Class<E> type) {
        this.type = type;
        this.counts = new LongAdder[type.getEnumConstants().length];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    public void add(E k, long n) {
        counts[k.ordinal()].add(n);
    }

    public void inc(E k) {
        counts[k.ordinal()].increment();
    }

    public long get(E k) {
        return counts[k.ordinal()].sum();
    }

    /** All counters, in declaration order. */
    public Map<E, Long> snapshot() {
        Map<E, Long> m = new EnumMap<>(type);
        for (E k : type.getEnumConstants()) {
            m.put(k, get(k));
        }
        return m;
    }
}
