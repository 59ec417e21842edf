package dev.gmc.driver;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * {@code daemon=lru-apps}: keep the {@code lru-apps.warm} apps that went to the background most recently resident, so
 * that a user flipping between a few apps does not pay faults for the ones just left (the trade-off: their memory
 * stays resident). An app is compressed when another app comes to the foreground and pushes it out of that window:
 * the decision waits for the foreground event because a switch reaches the daemon as "old app to the background" and
 * then "new app to the foreground", and the new app may be one that was waiting. With no foreground event (all apps in
 * the background) nothing more is compressed. {@code warm=0} compresses at the background event, as
 * {@code background} does. Under memory pressure (a trace's {@code reclaim=}) the warm apps are compressed too, the
 * one that left longest ago first, until the daemon's high watermark is reached: with a large {@code warm}, this is
 * "compress only when memory is short".
 */
final class LruAppsPolicy implements PolicyProvider {
    @Override
    public String name() {
        return "lru-apps";
    }

    @Override
    public String description() {
        return "keep the apps that went to the background most recently resident; compress an app when a foreground "
                + "event pushes it out of that window";
    }

    @Override
    public Map<String, String> options() {
        return Map.of("warm", "apps kept resident after going to the background, most recent first (default 1; "
                + "0 = background)");
    }

    @Override
    public CompressionPolicy create(PolicyArgs args) {
        int warm = args.intOption("warm", 1, 0, 1 << 16);
        return new CompressionPolicy() {
            // Background apps not compressed yet, the most recently backgrounded first.
            private final Deque<Integer> waiting = new ArrayDeque<>();

            @Override
            public List<Buffer> candidates(int pid, boolean foreground, GpuDriverModel driver) {
                List<Integer> out = new ArrayList<>();
                synchronized (waiting) { // a daemon may take events from several threads
                    waiting.remove(pid);
                    if (!foreground) {
                        waiting.addFirst(pid);
                    }
                    while (waiting.size() > warm && (foreground || warm == 0)) {
                        out.add(waiting.removeLast());
                    }
                }
                return buffersOf(out, driver);
            }

            /** Under memory pressure the warm apps go too, the one that left longest ago first. */
            @Override
            public List<Buffer> pressureCandidates(GpuDriverModel driver) {
                List<Integer> oldestFirst;
                synchronized (waiting) {
                    oldestFirst = new ArrayList<>(waiting);
                }
                java.util.Collections.reverse(oldestFirst);
                return buffersOf(oldestFirst, driver);
            }

            /** The eligible buffers with resident pages of these apps, app by app in this order. */
            private List<Buffer> buffersOf(List<Integer> pids, GpuDriverModel driver) {
                List<Buffer> out = new ArrayList<>();
                for (int pid : pids) {
                    driver.buffers().stream()
                            .filter(b -> b.context().owner().pid() == pid)
                            .filter(args::eligible)
                            .filter(b -> b.compressedPages() < b.pages())
                            .sorted(Comparator.comparingInt(Buffer::id))
                            .forEach(out::add);
                }
                return out;
            }
        };
    }
}
