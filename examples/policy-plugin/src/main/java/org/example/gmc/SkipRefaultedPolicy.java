package org.example.gmc;

import dev.gmc.driver.Buffer;
import dev.gmc.driver.CompressionPolicy;
import dev.gmc.driver.GmcEvent;
import dev.gmc.driver.GmcListener;
import dev.gmc.driver.GpuDriverModel;
import dev.gmc.driver.PolicyArgs;
import dev.gmc.driver.PolicyProvider;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An example gmc daemon policy, {@code daemon=skip-refaulted}: like GMC's {@code background}, but a buffer that had
 * at least {@code skip-refaulted.faults} pages restored since the app last went to the background (it was needed
 * again soon after it was compressed) is left resident this time. It watches the run's events ({@link GmcListener})
 * to count restored pages per buffer.
 *
 * <p>Build: {@code ./mvnw -q install -DskipTests} at the repository root, then {@code ../../mvnw -q package} here;
 * use: {@code ./gmc replay --plugin examples/policy-plugin/target/policy-plugin.jar TRACE} with
 * {@code daemon=skip-refaulted} on the trace's driver line, or {@code gmc sweep --plugin ... --vary
 * daemon=background/skip-refaulted}.
 */
public final class SkipRefaultedPolicy implements PolicyProvider {
    @Override
    public String name() {
        return "skip-refaulted";
    }

    @Override
    public String description() {
        return "background, but buffers that faulted back since the last background stay resident once";
    }

    @Override
    public Map<String, String> options() {
        return Map.of("faults", "pages restored since the last background that keep a buffer resident (default 1)");
    }

    @Override
    public CompressionPolicy create(PolicyArgs args) {
        return new Policy(args, args.intOption("faults", 1, 1, Integer.MAX_VALUE));
    }

    private static final class Policy implements CompressionPolicy, GmcListener {
        private final PolicyArgs args;
        private final int faults;
        /** Pages restored per buffer id since its app last went to the background. */
        private final Map<Integer, Integer> restored = new ConcurrentHashMap<>();

        Policy(PolicyArgs args, int faults) {
            this.args = args;
            this.faults = faults;
        }

        @Override
        public void onEvent(GmcEvent e) {
            if (e.type() == GmcEvent.Type.PAGE_RESTORED) {
                restored.merge(e.buffer(), 1, Integer::sum);
            }
        }

        @Override
        public List<Buffer> candidates(int pid, boolean foreground, GpuDriverModel driver) {
            if (foreground) {
                return List.of();
            }
            List<Buffer> mine = driver.buffers().stream()
                    .filter(b -> b.context().owner().pid() == pid)
                    .sorted(Comparator.comparingInt(Buffer::id))
                    .toList();
            List<Buffer> out = mine.stream()
                    .filter(args::eligible)
                    .filter(b -> b.compressedPages() < b.pages())
                    .filter(b -> restored.getOrDefault(b.id(), 0) < faults)
                    .toList();
            mine.forEach(b -> restored.remove(b.id())); // a new period starts for this app's buffers
            return out;
        }
    }
}
