package dev.gmc.driver;

import dev.gmc.mmu.CpuProcess;
import dev.gmc.mmu.GpuAddressSpace;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A kbase context or a Utgard session: the GPU address space one process opened, and the buffers in it.
 * The region map is guarded by this object's monitor.
 */
public final class GpuContext {
    private final int id;
    private final CpuProcess owner;
    private final GpuAddressSpace as;
    private final TreeMap<Long, Buffer> regions = new TreeMap<>();
    private final List<Buffer> buffers = new ArrayList<>();
    private long nextVa;
    private final long vaLimit;
    private volatile String killedReason;

    GpuContext(int id, CpuProcess owner, GpuAddressSpace as, long vaBase, long vaLimit) {
        this.id = id;
        this.owner = owner;
        this.as = as;
        this.nextVa = vaBase;
        this.vaLimit = vaLimit;
    }

    public int id() {
        return id;
    }

    public CpuProcess owner() {
        return owner;
    }

    public GpuAddressSpace addressSpace() {
        return as;
    }

    /** Why kbase killed this context, or null while it is alive. */
    public String killedReason() {
        return killedReason;
    }

    void kill(String reason) {
        if (killedReason == null) {
            killedReason = reason;
        }
    }

    synchronized long reserveVa(int pages) {
        long va = nextVa;
        long end = va + ((long) pages << 12);
        if (end > vaLimit) {
            throw new IllegalStateException("context " + id + ": GPU address space exhausted");
        }
        nextVa = end + 4096; // a guard page between regions, so an overrun faults
        return va;
    }

    synchronized void addRegion(Buffer b, long va) {
        regions.put(va, b);
    }

    synchronized void removeRegion(long va) {
        regions.remove(va);
    }

    /** The region enclosing GPU address {@code va} ({@code kbase_region_tracker_find_region_enclosing_address}). */
    public synchronized Buffer regionAt(long va) {
        Map.Entry<Long, Buffer> e = regions.floorEntry(va);
        if (e == null || va - e.getKey() >= e.getValue().sizeBytes()) {
            return null;
        }
        return e.getValue();
    }

    synchronized void addBuffer(Buffer b) {
        buffers.add(b);
    }

    synchronized void removeBuffer(Buffer b) {
        buffers.remove(b);
    }

    public synchronized List<Buffer> buffers() {
        return List.copyOf(buffers);
    }

    @Override
    public String toString() {
        return "context " + id + " of process " + owner.pid();
    }
}
