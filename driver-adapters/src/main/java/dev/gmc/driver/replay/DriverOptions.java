package dev.gmc.driver.replay;

import dev.gmc.core.codec.CodecSpec;
import dev.gmc.core.pool.KernelArch;
import dev.gmc.core.pool.SizeClassTable;
import dev.gmc.core.store.IncompressiblePolicy;
import dev.gmc.core.store.StoreConfig;
import dev.gmc.driver.BufferType;
import dev.gmc.driver.CompressionPolicy;
import dev.gmc.driver.DriverConfig;
import dev.gmc.driver.Policies;
import dev.gmc.driver.PolicyArgs;
import dev.gmc.driver.PolicyProvider;
import dev.gmc.driver.RemapPolicy;
import dev.gmc.mmu.KbaseEntry;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A trace's {@code driver} line, parsed (docs/TRACE-FORMAT.md "Header"): which driver model, its configuration, and
 * the resource daemon's policy. The one place these options are read, so that a trace, {@code gmc replay --restore}
 * and {@code gmc sweep} agree on what each means.
 *
 * @param driver      {@code midgard} or {@code utgard}
 * @param daemon      the resource daemon's policy ({@code daemon=}, default {@code background})
 * @param args        its configuration: {@code compress=}, {@code min-pages=} and its own {@code NAME.KEY=} options
 * @param reclaimLow  {@code reclaim=LOW:HIGH}: the daemon's low watermark in percent of RAM, 0 for off
 * @param reclaimHigh its high watermark
 * @param recompressAfter     {@code recompress-after=N}: the daemon recompresses a background app's buffers N app
 *                            events after it left the foreground, 0 for never
 * @param recompressThreshold {@code recompress-threshold=BYTES}: the threshold of those recompressions, 0 for none
 * @param recompressCompact   {@code recompress-compact=yes|no}: whether the daemon compacts the pool after them
 */
record DriverOptions(String driver, DriverConfig config, RestoreMode restore, PolicyProvider daemon,
        PolicyArgs args, int reclaimLow, int reclaimHigh, int recompressAfter, int recompressThreshold,
        boolean recompressCompact) {

    /** The daemon as a report names it: policy, its options, reclaim ({@code lru-apps warm=2 reclaim=40:50}). */
    String describeDaemon() {
        StringBuilder b = new StringBuilder(daemon.name());
        new java.util.TreeMap<>(args.options()).forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
        if (reclaimLow > 0) {
            b.append(" reclaim=").append(reclaimLow).append(':').append(reclaimHigh);
        }
        if (recompressAfter > 0) {
            b.append(" recompress-after=").append(recompressAfter);
            if (recompressThreshold > 0) {
                b.append(" recompress-threshold=").append(recompressThreshold);
            }
            if (!recompressCompact) {
                b.append(" recompress-compact=no");
            }
        }
        return b.toString();
    }

    /** A new instance of the daemon's policy for one run (before the restore mode is applied). */
    CompressionPolicy basePolicy() {
        return create(daemon, args);
    }

    /** {@code p.create(args)}; a plug-in's failure other than a refused option is named as the plug-in's. */
    private static CompressionPolicy create(PolicyProvider p, PolicyArgs args) {
        CompressionPolicy c;
        try {
            c = p.create(args);
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("daemon policy '" + p.name() + "' (" + p.getClass().getName()
                    + ") failed to start: " + e, e);
        }
        if (c == null) {
            throw new IllegalArgumentException("daemon policy '" + p.name() + "' (" + p.getClass().getName()
                    + ") returned no policy");
        }
        return c;
    }

    /** Parses a driver line. @throws TraceException naming the line and the option */
    static DriverOptions of(String file, Trace.Line h, Policies policies) {
        String name = h.field(0);
        if (!name.equals("midgard") && !name.equals("utgard")) {
            throw new TraceException(file, h.number(), "NAME", "driver '" + name + "' (expected midgard or utgard)");
        }
        String option = null;
        try {
            DriverConfig cfg = DriverConfig.defaults();
            StoreConfig store = cfg.store();
            option = "ram";
            cfg = cfg.withRam(Trace.parseSize(file, h.number(), "ram", h.opt("ram", "256M")));
            option = "algo";
            store = store.withCodec(CodecSpec.parse(h.opt("algo", "lz4-kernel")));
            option = "arch";
            KernelArch arch = arch(h.opt("arch", "64"));
            option = "pool";
            store = store.withClasses(pool(h.opt("pool", "chain8"), arch));
            option = "policy";
            store = store.withPolicy(IncompressiblePolicy.parse(h.opt("policy", "reject")));
            option = "threshold";
            if (h.opt("threshold", null) != null) {
                store = store.withThreshold(Trace.parseInt(file, h.number(), "threshold", h.opt("threshold", null), 1,
                        Integer.MAX_VALUE));
            }
            option = "recompress";
            store = store.withRecompressCodecs(recompressCodecs(h.opt("recompress", "none")));
            option = "recompress-after";
            int recompressAfter = Trace.parseInt(file, h.number(), option, h.opt(option, "0"), 0,
                    Integer.MAX_VALUE);
            if (recompressAfter > 0 && store.recompressCodecs().isEmpty()) {
                throw new IllegalArgumentException("recompress-after=" + recompressAfter
                        + " needs recompression codecs (recompress=ALGO[,ALGO...])");
            }
            option = "recompress-threshold";
            int recompressThreshold = Trace.parseInt(file, h.number(), option, h.opt(option, "0"), 0, 4095);
            option = "recompress-compact";
            boolean recompressCompact = yesNo(h.opt(option, "yes"));
            option = "remap";
            cfg = cfg.withStore(store).withRemap(remap(h.opt("remap", "faulting")));
            option = "tlb";
            cfg = cfg.withTlbEntries(Trace.parseInt(file, h.number(), "tlb", h.opt("tlb", "64"), 1, 1 << 20));
            option = "format";
            cfg = cfg.withFormat(format(h.opt("format", "aarch64")));
            option = "restore";
            RestoreMode restore = RestoreMode.parse(h.opt("restore", "lazy"));
            option = "compress";
            Set<BufferType> compress = types(h.opt("compress", "all"));
            option = "min-pages";
            int minPages = Trace.parseInt(file, h.number(), "min-pages", h.opt("min-pages", "1"), 1,
                    Integer.MAX_VALUE);
            option = "reclaim";
            int[] reclaim = reclaim(h.opt("reclaim", "off"));
            option = "daemon";
            PolicyProvider daemon = policies.get(h.opt("daemon", Policies.DEFAULT));
            // Every policy's NAME.KEY options, grouped by policy; each policy named checks its own values (a sweep
            // may set options of a policy that only some of its runs select).
            Map<PolicyProvider, Map<String, String>> byPolicy = new LinkedHashMap<>();
            byPolicy.put(daemon, new LinkedHashMap<>());
            for (String[] o : h.options()) {
                int dot = o[0].indexOf('.');
                if (dot > 0) {
                    option = o[0];
                    PolicyProvider p = policies.get(o[0].substring(0, dot));
                    String key = o[0].substring(dot + 1);
                    if (!p.options().containsKey(key)) {
                        throw new IllegalArgumentException(Trace.takesNoOption("daemon policy '" + p.name() + "'",
                                key, p.options().keySet(), ""));
                    }
                    byPolicy.computeIfAbsent(p, x -> new LinkedHashMap<>()).put(key, o[1]);
                }
            }
            option = "daemon";
            PolicyArgs args = null;
            for (Map.Entry<PolicyProvider, Map<String, String>> e : byPolicy.entrySet()) {
                PolicyArgs a = new PolicyArgs(e.getKey().name(), compress, minPages, e.getValue());
                create(e.getKey(), a); // checks the policy's own options now, not when the replay reaches them
                if (e.getKey() == daemon) {
                    args = a;
                }
            }
            return new DriverOptions(name, cfg, restore, daemon, args, reclaim[0], reclaim[1], recompressAfter,
                    recompressThreshold, recompressCompact);
        } catch (IllegalArgumentException e) {
            throw new TraceException(file, h.number(), option, e.getMessage());
        }
    }

    /** Checks one option's value (keys whose values are words, not numbers). @throws IllegalArgumentException */
    static void check(String key, String value) {
        switch (key) {
            case "restore" -> RestoreMode.parse(value);
            case "compress" -> types(value);
            case "algo" -> CodecSpec.parse(value);
            case "policy" -> IncompressiblePolicy.parse(value);
            case "remap" -> remap(value);
            case "format" -> format(value);
            case "reclaim" -> reclaim(value);
            case "recompress" -> recompressCodecs(value);
            case "recompress-compact" -> yesNo(value);
            case "pool" -> pool(value, KernelArch.BIT64);
            case "arch" -> arch(value);
            default -> throw new AssertionError(key);
        }
    }

    /**
     * The pool's kernel: {@code chainN} (Linux 6.3 and later with {@code CONFIG_ZSMALLOC_CHAIN_SIZE=N}; chain8 is the
     * default) or {@code legacy} (6.2 and earlier: the used-percent class rule with chain 4, four fullness groups and
     * the old compaction loop, as checked against Linux 6.1).
     */
    static SizeClassTable pool(String v, KernelArch arch) {
        if (v.equals("legacy")) {
            return SizeClassTable.of(4, SizeClassTable.ChainRule.LEGACY_USED_PERCENT, arch);
        }
        if (v.startsWith("chain")) {
            try {
                int chain = Integer.parseInt(v.substring(5));
                if (chain >= 1 && chain <= 16) {
                    return SizeClassTable.of(chain, SizeClassTable.ChainRule.MIN_TAIL_WASTE, arch);
                }
            } catch (NumberFormatException e) {
                // named below
            }
        }
        throw new IllegalArgumentException("pool '" + v + "' (expected chain1..chain16, the zspage chain of Linux "
                + "6.3 and later, default chain8, or legacy for 6.2 and earlier)");
    }

    /** The kernel's word size and physical addresses: {@code 64}, {@code arm32} or {@code arm32-lpae}. */
    static KernelArch arch(String v) {
        return KernelArch.parse(v);
    }

    /** The pool's kernel as a report names it ({@code zsmalloc chain8, 64-bit}), or "" for the default. */
    String describePool() {
        SizeClassTable t = config.store().classes();
        SizeClassTable d = SizeClassTable.kernelDefault();
        if (t.maxChain() == d.maxChain() && t.rule() == d.rule() && t.arch() == d.arch()) {
            return "";
        }
        String pool = t.rule() == SizeClassTable.ChainRule.LEGACY_USED_PERCENT ? "<= 6.2" : "chain"
                + t.maxChain();
        return "zsmalloc " + pool + ", " + (t.arch() == KernelArch.BIT64 ? "64-bit" : t.arch().label()) + " kernel";
    }

    /** {@code none}, or up to three codecs separated by commas: zram's recomp_algorithm, priorities 1, 2, 3. */
    static List<CodecSpec> recompressCodecs(String v) {
        if (v.equals("none")) {
            return List.of();
        }
        List<CodecSpec> l = new ArrayList<>();
        for (String c : v.split(",", -1)) {
            l.add(CodecSpec.parse(c));
        }
        if (l.size() > StoreConfig.MAX_RECOMPRESS_CODECS) {
            throw new IllegalArgumentException("'" + v + "': " + l.size() + " codecs (zram has priorities 1.."
                    + StoreConfig.MAX_RECOMPRESS_CODECS + ")");
        }
        return l;
    }

    private static boolean yesNo(String v) {
        return switch (v) {
            case "yes" -> true;
            case "no" -> false;
            default -> throw new IllegalArgumentException("'" + v + "' (expected yes or no)");
        };
    }

    /** {@code all}, or buffer types separated by commas. */
    static Set<BufferType> types(String v) {
        if (v.equals("all")) {
            return EnumSet.allOf(BufferType.class);
        }
        Set<BufferType> t = EnumSet.noneOf(BufferType.class);
        for (String name : v.split(",", -1)) {
            t.add(BufferType.parse(name));
        }
        return t;
    }

    /** {@code off} or {@code LOW:HIGH}, percent of RAM with {@code 0 < LOW <= HIGH <= 100}. */
    static int[] reclaim(String v) {
        if (v.equals("off")) {
            return new int[] {0, 0};
        }
        String[] p = v.split(":", -1);
        try {
            if (p.length == 2) {
                int low = Integer.parseInt(p[0]);
                int high = Integer.parseInt(p[1]);
                if (low > 0 && low <= high && high <= 100) {
                    return new int[] {low, high};
                }
            }
        } catch (NumberFormatException e) {
            // named below
        }
        throw new IllegalArgumentException("reclaim '" + v + "' (expected off or LOW:HIGH, percent of RAM with "
                + "0 < LOW <= HIGH <= 100, e.g. 10:20)");
    }

    private static RemapPolicy remap(String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "faulting" -> RemapPolicy.FAULTING;
            case "all" -> RemapPolicy.ALL;
            default -> throw new IllegalArgumentException("remap '" + v + "' (expected faulting or all)");
        };
    }

    private static KbaseEntry.Format format(String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "aarch64" -> KbaseEntry.Format.AARCH64;
            case "lpae" -> KbaseEntry.Format.LPAE;
            default -> throw new IllegalArgumentException("format '" + v + "' (expected aarch64 or lpae)");
        };
    }
}
