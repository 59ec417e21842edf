package dev.gmc.driver.replay;

import dev.gmc.core.store.MmStat;
import dev.gmc.driver.DriverCounters;
import dev.gmc.mmu.MmuCounters;
import java.lang.reflect.RecordComponent;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * One {@code KEY=VALUE} of a trace's {@code assert} line: a figure that must equal a number, or lie in a range, when
 * the line runs (docs/TRACE-FORMAT.md "Assertions"). Keys: the driver counters ({@code cpu_faults_major}, ...),
 * {@code mmu.}-prefixed MMU counters, {@code mm_stat.}-prefixed zram fields ({@code mm_stat.compr_data_size}, ...)
 * and the replay's memory figures ({@code data_frames}, {@code table_frames}, {@code stored_pages},
 * {@code pool_bytes}, {@code saved_bytes}). Values: {@code N}, {@code A..B}, {@code A..} or {@code ..B}, each number
 * decimal or {@code 0x} hex, optionally with a {@code K}, {@code M} or {@code G} (binary) suffix.
 *
 * @param key the figure
 * @param min the smallest value that passes
 * @param max the largest value that passes
 */
record CounterAssertion(String key, long min, long max) {
    /** The memory figures of a {@link ReplayReport.Sample}. */
    static final Set<String> MEMORY = Set.of("data_frames", "table_frames", "stored_pages", "pool_bytes",
            "saved_bytes");
    /** The resource daemon's counters (memory-pressure reclaim). */
    static final Set<String> DAEMON = Set.of("daemon_reclaims", "daemon_reclaimed_regions", "daemon_direct_reclaims",
            "daemon_recompressed_regions");
    /** Every key an {@code assert} line may use, sorted. */
    static final Set<String> KEYS;

    static {
        Set<String> k = new TreeSet<>(MEMORY);
        k.addAll(DAEMON);
        for (DriverCounters.Counter c : DriverCounters.Counter.values()) {
            k.add(c.name().toLowerCase(Locale.ROOT));
        }
        for (MmuCounters.Op o : MmuCounters.Op.values()) {
            k.add("mmu." + o.name().toLowerCase(Locale.ROOT));
        }
        for (RecordComponent rc : MmStat.class.getRecordComponents()) {
            k.add("mm_stat." + snake(rc.getName()));
        }
        KEYS = java.util.Collections.unmodifiableSet(k);
    }

    /** {@code origDataSize} → {@code orig_data_size}, the kernel's names for the mm_stat fields. */
    static String snake(String camel) {
        return camel.replaceAll("([A-Z])", "_$1").toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException naming what is wrong with the key or the value */
    static CounterAssertion parse(String key, String value) {
        if (!KEYS.contains(key)) {
            throw new IllegalArgumentException("no figure '" + key + "' (expected a driver counter, mmu.COUNTER, "
                    + "mm_stat.FIELD or one of " + String.join(", ", new TreeSet<>(MEMORY)) + "; all: "
                    + String.join(" ", KEYS) + ")");
        }
        int dots = value.indexOf("..");
        if (dots < 0) {
            long x = number(key, value, value);
            return new CounterAssertion(key, x, x);
        }
        String lo = value.substring(0, dots);
        String hi = value.substring(dots + 2);
        if (lo.isEmpty() && hi.isEmpty()) {
            throw new IllegalArgumentException(key + " '" + value + "' (expected N, A..B, A.. or ..B)");
        }
        long min = lo.isEmpty() ? 0 : number(key, lo, value);
        long max = hi.isEmpty() ? Long.MAX_VALUE : number(key, hi, value);
        if (min > max) {
            throw new IllegalArgumentException(key + " '" + value + "': an empty range");
        }
        return new CounterAssertion(key, min, max);
    }

    private static long number(String key, String s, String whole) {
        String u = s.toUpperCase(Locale.ROOT);
        int shift = u.endsWith("G") ? 30 : u.endsWith("M") ? 20 : u.endsWith("K") ? 10 : 0;
        String digits = shift == 0 ? s : s.substring(0, s.length() - 1);
        try {
            long x = digits.startsWith("0x") || digits.startsWith("0X") ? Long.parseLong(digits.substring(2), 16)
                    : Long.parseLong(digits);
            if (x >= 0 && x <= Long.MAX_VALUE >> shift) {
                return x << shift;
            }
        } catch (NumberFormatException e) {
            // named below
        }
        throw new IllegalArgumentException(key + " '" + whole + "' (expected N, A..B, A.. or ..B with numbers >= 0, "
                + "optionally K, M or G)");
    }

    boolean holds(long actual) {
        return actual >= min && actual <= max;
    }

    /** What was expected, for a failure message. */
    String expected() {
        if (min == max) {
            return String.valueOf(min);
        }
        if (max == Long.MAX_VALUE) {
            return "at least " + min;
        }
        return min == 0 ? "at most " + max : "from " + min + " to " + max;
    }
}
