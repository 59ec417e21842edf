package dev.gmc.core.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * A size class's lock: a test-and-set spinlock, as the kernel's {@code class->lock} is a spinlock. Not reentrant.
 *
 * <p>Why not {@link java.util.concurrent.locks.ReentrantLock}: its unlock is a volatile write, a second fenced
 * instruction per critical section. On the store path (free one object, then allocate another: two critical
 * sections of a few dozen nanoseconds) the four fenced instructions of two ReentrantLock pairs measured about 40 ns
 * a page on this project's VM, a quarter of gmc's own cost per page. Here unlock is a release store (a plain store on
 * x86 and a {@code stlr} on arm64), so a pair costs one compare-and-set.
 *
 * <p>Waiting spins briefly, then yields, then parks for growing intervals (capped at 1 ms), so a thread waiting for a
 * long hold (compaction of a whole class holds the lock for its duration) does not burn a core. There is no queue:
 * waiters are not served in order, which is acceptable for locks held for microseconds.
 */
final class ClassLock {
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(ClassLock.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;

    void lock() {
        if (!STATE.compareAndSet(this, 0, 1)) {
            lockSlowly();
        }
    }

    void unlock() {
        STATE.setRelease(this, 0);
    }

    private void lockSlowly() {
        long parkNanos = 1_000;
        for (int tries = 0; ; tries++) {
            if ((int) STATE.getOpaque(this) == 0 && STATE.compareAndSet(this, 0, 1)) {
                return;
            }
            if (tries < 100) {
                Thread.onSpinWait();
            } else if (tries < 200) {
                Thread.yield();
            } else {
                LockSupport.parkNanos(parkNanos);
                parkNanos = Math.min(parkNanos * 2, 1_000_000);
            }
        }
    }
}
