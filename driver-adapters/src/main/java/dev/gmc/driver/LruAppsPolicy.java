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
 * {@code background} does.
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
        // Background apps not compressed yet, the most recently backgrounded first.
        Deque<Integer> waiting = new ArrayDeque<>();
        return (pid, foreground, driver) -> {
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
            return driver.buffers().stream()
                    .filter(b -> out.contains(b.context().owner().pid()))
                    .filter(args::eligible)
                    .filter(b -> b.compressedPages() < b.pages())
                    .sorted(Comparator.comparingInt(Buffer::id))
                    .toList();
        };
    }
}
