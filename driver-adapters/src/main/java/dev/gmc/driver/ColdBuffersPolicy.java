package dev.gmc.driver;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code daemon=cold-buffers}: GMC's "rarely used graphics buffers". When an app goes to the background, only its
 * buffers that none of its context's last {@code cold-buffers.jobs} GPU jobs declared are compressed; the buffers
 * its recent frames used stay resident, so that its first frames after it returns do not fault on them. Under memory
 * pressure ({@code reclaim=}) the background apps' remaining buffers go too, the least recently used first. Recency
 * comes from the driver's {@link GmcEvent.Type#JOB_USES} events (a job's declared buffers: what a driver knows), so a
 * buffer only ever touched by the CPU counts as never used by the GPU.
 */
final class ColdBuffersPolicy implements PolicyProvider {
    @Override
    public String name() {
        return "cold-buffers";
    }

    @Override
    public String description() {
        return "on background, compress only the buffers the app's last GPU jobs did not use (GMC's rarely used "
                + "buffers); the rest under memory pressure, least recently used first";
    }

    @Override
    public Map<String, String> options() {
        return Map.of("jobs", "a buffer declared by one of its context's last this many jobs is hot (default 4)");
    }

    @Override
    public CompressionPolicy create(PolicyArgs args) {
        return new Policy(args, args.intOption("jobs", 4, 1, 1 << 20));
    }

    /**
     * Listens to jobs. State is in concurrent maps and no lock is held while the driver is asked about buffers:
     * events arrive from driver threads that may hold a buffer's lock, so a policy lock held around
     * {@code compressedPages()} could deadlock with them.
     */
    private static final class Policy implements CompressionPolicy, GmcListener {
        private final PolicyArgs args;
        private final int jobs;
        private final Map<Integer, Long> jobsByContext = new ConcurrentHashMap<>();
        /** Buffer id → its context's job count when a job last declared it (for "hot"). */
        private final Map<Integer, Long> lastUse = new ConcurrentHashMap<>();
        /** Buffer id → the event sequence number of that declaration (for ordering across contexts). */
        private final Map<Integer, Long> lastUseSeq = new ConcurrentHashMap<>();
        private final Set<Integer> background = ConcurrentHashMap.newKeySet();

        Policy(PolicyArgs args, int jobs) {
            this.args = args;
            this.jobs = jobs;
        }

        @Override
        public void onEvent(GmcEvent e) {
            switch (e.type()) {
                case JOB_START -> jobsByContext.merge(e.context(), 1L, Long::sum);
                case JOB_USES -> {
                    lastUse.put(e.buffer(), jobsByContext.getOrDefault(e.context(), 0L));
                    lastUseSeq.put(e.buffer(), e.seq());
                }
                case BUFFER_FREED -> {
                    lastUse.remove(e.buffer());
                    lastUseSeq.remove(e.buffer());
                }
                default -> {
                }
            }
        }

        private boolean hot(Buffer b) {
            Long used = lastUse.get(b.id());
            return used != null && jobsByContext.getOrDefault(b.context().id(), 0L) - used < jobs;
        }

        @Override
        public List<Buffer> candidates(int pid, boolean foreground, GpuDriverModel driver) {
            if (foreground) {
                background.remove(pid);
                return List.of();
            }
            background.add(pid);
            return driver.buffers().stream()
                    .filter(b -> b.context().owner().pid() == pid)
                    .filter(args::eligible)
                    .filter(b -> b.compressedPages() < b.pages())
                    .filter(b -> !hot(b))
                    .sorted(Comparator.comparingInt(Buffer::id))
                    .toList();
        }

        @Override
        public List<Buffer> pressureCandidates(GpuDriverModel driver) {
            Map<Buffer, Long> seq = new java.util.HashMap<>(); // read once: the sort needs keys that hold still
            for (Buffer b : driver.buffers()) {
                if (background.contains(b.context().owner().pid()) && args.eligible(b)
                        && b.compressedPages() < b.pages()) {
                    seq.put(b, lastUseSeq.getOrDefault(b.id(), -1L));
                }
            }
            List<Buffer> out = new ArrayList<>(seq.keySet());
            // never used by a job first (-1), then the least recently used
            out.sort(Comparator.comparingLong((Buffer b) -> seq.get(b)).thenComparingInt(Buffer::id));
            return out;
        }
    }
}
