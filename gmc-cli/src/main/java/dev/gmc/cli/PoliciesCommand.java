package dev.gmc.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.gmc.driver.PolicyProvider;
import java.io.PrintWriter;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gmc policies}: the resource-daemon policies a trace can select with {@code daemon=NAME}. */
@Command(name = "policies", mixinStandardHelpOptions = true,
        description = {"List the resource-daemon policies a trace's driver line can select with daemon=NAME, with "
                + "their own options (written NAME.KEY=VALUE on the driver line, or --set/--vary in gmc sweep).",
                "Built-in policies come first, then those of --plugin jars."})
final class PoliciesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    PluginOptions plugins;

    @Option(names = "--format", defaultValue = "table", description = "table or json (default: ${DEFAULT-VALUE}).")
    String format;

    @Override
    public Integer call() throws Exception {
        if (!List.of("table", "json").contains(format)) {
            throw new IllegalArgumentException("--format: '" + format + "' (expected table or json)");
        }
        PrintWriter out = spec.commandLine().getOut();
        try (PluginOptions.Loaded loaded = plugins.load()) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (PolicyProvider p : loaded.policies().all()) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("name", p.name());
                row.put("description", p.description());
                Map<String, String> opts = new TreeMap<>();
                p.options().forEach((k, v) -> opts.put(p.name() + "." + k, v));
                row.put("options", opts);
                row.put("source", source(p));
                rows.add(row);
            }
            if (format.equals("json")) {
                out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(rows));
            } else {
                for (Map<String, Object> r : rows) {
                    out.printf("%s  (%s)%n    %s%n", r.get("name"), r.get("source"), r.get("description"));
                    @SuppressWarnings("unchecked")
                    Map<String, String> opts = (Map<String, String>) r.get("options");
                    opts.forEach((k, v) -> out.printf("    %s=…  %s%n", k, v));
                }
            }
        }
        out.flush();
        return 0;
    }

    /** "built-in", or the jar the provider's class came from. */
    private static String source(PolicyProvider p) {
        if (p.getClass().getModule().equals(PolicyProvider.class.getModule())
                && p.getClass().getPackageName().equals(PolicyProvider.class.getPackageName())) {
            return "built-in";
        }
        CodeSource cs = p.getClass().getProtectionDomain().getCodeSource();
        return cs == null || cs.getLocation() == null ? p.getClass().getName() : cs.getLocation().getPath();
    }
}
