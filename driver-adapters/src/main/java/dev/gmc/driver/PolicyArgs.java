package dev.gmc.driver;

import java.util.Map;
import java.util.Set;

/**
 * What a {@link PolicyProvider} is configured with: the driver line's {@code compress=} buffer types and
 * {@code min-pages=}, which every policy honours through {@link #eligible}, and the policy's own
 * {@code NAME.KEY=VALUE} options (keys without the prefix), read with {@link #intOption} or {@link #option}.
 *
 * @param policy   the policy's name (for messages)
 * @param compress buffer types the daemon may compress
 * @param minPages the smallest buffer, in pages, it may compress
 * @param options  the policy's own options, keys without the {@code NAME.} prefix
 */
public record PolicyArgs(String policy, Set<BufferType> compress, int minPages, Map<String, String> options) {
    public PolicyArgs {
        compress = Set.copyOf(compress);
        options = Map.copyOf(options);
    }

    /** Whether the driver line's {@code compress=} and {@code min-pages=} let the daemon compress {@code b}. */
    public boolean eligible(Buffer b) {
        return compress.contains(b.type()) && b.pages() >= minPages;
    }

    /** The option's value, or {@code dflt} if the driver line does not set it. */
    public String option(String key, String dflt) {
        return options.getOrDefault(key, dflt);
    }

    /**
     * An integer option in {@code [min, max]}.
     *
     * @throws IllegalArgumentException naming {@code NAME.KEY}, the value and the range
     */
    public int intOption(String key, int dflt, int min, int max) {
        String v = options.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            int x = Integer.parseInt(v);
            if (x >= min && x <= max) {
                return x;
            }
        } catch (NumberFormatException e) {
            // named below
        }
        throw new IllegalArgumentException(policy + "." + key + " '" + v + "' (expected an integer from " + min
                + " to " + max + ")");
    }
}
