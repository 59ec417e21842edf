package dev.gmc.driver;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * The resource-daemon policies a replay can select with {@code daemon=NAME}: the built-in ones, then those that
 * {@link ServiceLoader} finds for {@link PolicyProvider} through a class loader (the class path, or the jars of
 * {@code --plugin}). Immutable.
 */
public final class Policies {
    /** The default {@code daemon=}. */
    public static final String DEFAULT = "background";

    private final Map<String, PolicyProvider> byName;

    private Policies(Map<String, PolicyProvider> byName) {
        this.byName = Collections.unmodifiableMap(byName);
    }

    /** The built-in policies only. */
    public static Policies builtIn() {
        return with(List.of());
    }

    /** The built-in policies and those on the class path of this class's loader. */
    public static Policies standard() {
        return load(Policies.class.getClassLoader());
    }

    /**
     * The built-in policies and every {@link PolicyProvider} that {@code loader} lists.
     *
     * @throws IllegalArgumentException if a provider cannot be loaded or instantiated, its name is malformed, or two
     *                                  providers share a name; the message names the classes
     */
    public static Policies load(ClassLoader loader) {
        List<PolicyProvider> found = new ArrayList<>();
        try {
            for (PolicyProvider p : ServiceLoader.load(PolicyProvider.class, loader)) {
                found.add(p);
            }
        } catch (ServiceConfigurationError e) {
            throw new IllegalArgumentException("cannot load a policy plug-in: " + e.getMessage(), e);
        }
        return with(found);
    }

    /** The built-in policies and {@code extra} (for tests and embedding). */
    public static Policies with(List<? extends PolicyProvider> extra) {
        Map<String, PolicyProvider> m = new LinkedHashMap<>();
        List<PolicyProvider> all = new ArrayList<>(List.of(new BackgroundPolicy(), new LruAppsPolicy(),
                new ColdBuffersPolicy()));
        all.addAll(extra);
        for (PolicyProvider p : all) {
            String name = p.name();
            if (name == null || !name.matches("[a-z][a-z0-9-]*")) {
                throw new IllegalArgumentException("policy plug-in " + p.getClass().getName() + ": name '" + name
                        + "' (expected lower-case letters, digits and '-', starting with a letter)");
            }
            for (String key : p.options().keySet()) {
                if (!key.matches("[a-z][a-z0-9-]*")) {
                    throw new IllegalArgumentException("policy plug-in " + p.getClass().getName() + ": option '"
                            + key + "' (expected lower-case letters, digits and '-', starting with a letter)");
                }
            }
            PolicyProvider before = m.putIfAbsent(name, p);
            if (before != null && before.getClass() != p.getClass()) {
                throw new IllegalArgumentException("two policies are named '" + name + "': "
                        + before.getClass().getName() + " and " + p.getClass().getName());
            }
        }
        return new Policies(m);
    }

    /** Every policy, built-in ones first. */
    public List<PolicyProvider> all() {
        return List.copyOf(byName.values());
    }

    /**
     * The policy named {@code name}.
     *
     * @throws IllegalArgumentException naming the known policies if there is none
     */
    public PolicyProvider get(String name) {
        PolicyProvider p = byName.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no daemon policy '" + name + "' (known: "
                    + String.join(", ", byName.keySet()) + "; a plug-in's jar is given with --plugin JAR)");
        }
        return p;
    }

    public boolean contains(String name) {
        return byName.containsKey(name);
    }
}
