package dev.gmc.driver;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The GMC resource daemon: receives app foreground/background events (from the window manager / activity
 * manager in the real system), asks the {@link CompressionPolicy} for candidates, compresses them, then restores
 * the policy's restore candidates. Runs on the calling thread; a caller that wants it in the background submits
 * these calls to an executor.
 */
public final class ResourceDaemon {
    private final GpuDriverModel driver;
    private final CompressionPolicy policy;
    private final Map<Integer, Boolean> foreground = new ConcurrentHashMap<>();

    public ResourceDaemon(GpuDriverModel driver, CompressionPolicy policy) {
        this.driver = driver;
        this.policy = policy;
    }

    /** What the daemon did for one app event: the compressions, then the restores. */
    public record Outcome(List<CompressResult> compressed, List<RestoreResult> restored) {
        /** Pages restored by this event. */
        public int pagesRestored() {
            return restored.stream().mapToInt(RestoreResult::restored).sum();
        }
    }

    public Outcome appBackground(int pid) {
        return event(pid, false);
    }

    public Outcome appForeground(int pid) {
        return event(pid, true);
    }

    /** Whether the app is in the foreground (apps start in the foreground). */
    public boolean isForeground(int pid) {
        return foreground.getOrDefault(pid, true);
    }

    private Outcome event(int pid, boolean fg) {
        driver.process(pid); // names an unknown pid clearly
        foreground.put(pid, fg);
        if (driver instanceof AbstractGmcDriver d) {
            d.emit(fg ? GmcEvent.Type.APP_FOREGROUND : GmcEvent.Type.APP_BACKGROUND, -1, -1, -1, pid);
        }
        List<CompressResult> out = new ArrayList<>();
        for (Buffer b : policy.candidates(pid, fg, driver)) {
            out.add(driver.compress(b));
        }
        List<RestoreResult> back = new ArrayList<>();
        for (Buffer b : policy.restoreCandidates(pid, fg, driver)) {
            back.add(driver.restore(b));
        }
        return new Outcome(List.copyOf(out), List.copyOf(back));
    }
}
