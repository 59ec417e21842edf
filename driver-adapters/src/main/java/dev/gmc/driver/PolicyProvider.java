package dev.gmc.driver;

import java.util.Map;

/**
 * A named resource-daemon policy that a trace selects with {@code daemon=NAME} on its {@code driver} line (and
 * {@code gmc sweep --vary daemon=A/B} compares): the way to prototype a compression policy without changing gmc.
 * Two are built in ({@code background}, GMC's published design, and {@code lru-apps}); others are found with
 * {@link java.util.ServiceLoader} in jars given to {@code gmc replay/sweep/policies --plugin JAR}, listed in the jar's
 * {@code META-INF/services/dev.gmc.driver.PolicyProvider} (example: {@code examples/policy-plugin/}).
 *
 * <p>A policy's own options are written {@code NAME.KEY=VALUE} on the driver line (e.g. {@code lru-apps.warm=2}), so
 * that a sweep can set options of several policies at once and each policy reads only its own. The driver line's
 * {@code compress=} and {@code min-pages=} apply to every policy through {@link PolicyArgs#eligible}.
 *
 * <p>If the policy {@link #create} returns also implements {@link GmcListener}, the replay registers it with the
 * driver before the first line runs, so it sees every {@link GmcEvent} (jobs, faults, restores, app events).
 */
public interface PolicyProvider {
    /** The name {@code daemon=} selects: lower-case letters, digits and '-', starting with a letter. */
    String name();

    /** One line for {@code gmc policies}. */
    String description();

    /** This policy's own options (keys without the {@code NAME.} prefix), each with a line of help that says its
     * default; none by default. Keys not listed here are refused when the trace is parsed. */
    default Map<String, String> options() {
        return Map.of();
    }

    /**
     * A new policy for one replay (each run gets its own, so a policy may keep state). Also called when a trace is
     * parsed, to check the options, and from several threads at once by {@code gmc sweep}.
     *
     * @throws IllegalArgumentException if an option's value is bad; the message should name the option and say
     *                                  what is expected (it reaches the user with the trace's line)
     */
    CompressionPolicy create(PolicyArgs args);
}
