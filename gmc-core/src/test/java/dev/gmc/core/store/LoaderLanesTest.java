package dev.gmc.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** {@link LoaderLanes}: every part once, on distinct lanes at once, and a failing part stops the batch. */
class LoaderLanesTest {
    @Test
    void everyPartRunsOnceAndTheLanesRunAtTheSameTime() throws Exception {
        try (LoaderLanes lanes = new LoaderLanes(3)) {
            // three parts that each wait for the other two to start: they finish only if three lanes run at once
            CountDownLatch started = new CountDownLatch(3);
            Set<Integer> lanesSeen = ConcurrentHashMap.newKeySet();
            Set<String> threads = ConcurrentHashMap.newKeySet();
            lanes.run(3, (lane, part) -> {
                lanesSeen.add(lane);
                threads.add(Thread.currentThread().getName());
                started.countDown();
                try {
                    assertThat(started.await(30, TimeUnit.SECONDS)).as("three lanes at once").isTrue();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(lanesSeen).containsExactlyInAnyOrder(0, 1, 2);
            assertThat(threads).hasSize(3).contains(Thread.currentThread().getName());

            AtomicIntegerArray runs = new AtomicIntegerArray(1000);
            lanes.run(1000, (lane, part) -> {
                assertThat(lane).isBetween(0, 2);
                runs.incrementAndGet(part);
            });
            for (int k = 0; k < 1000; k++) {
                assertThat(runs.get(k)).as("part %d", k).isEqualTo(1);
            }
        }
    }

    @Test
    void aFailingPartIsRethrownAndNoFurtherPartStarts() {
        try (LoaderLanes one = new LoaderLanes(1)) {
            AtomicIntegerArray runs = new AtomicIntegerArray(10);
            assertThatThrownBy(() -> one.run(10, (lane, part) -> {
                runs.incrementAndGet(part);
                if (part == 2) {
                    throw new IllegalArgumentException("part 2 is bad");
                }
            })).isInstanceOf(IllegalArgumentException.class).hasMessage("part 2 is bad");
            assertThat(runs.get(3)).as("no part after the failure").isZero();
        }
        try (LoaderLanes three = new LoaderLanes(3)) {
            // every lane fails once: the first failure is thrown, the others ride along as suppressed
            CountDownLatch started = new CountDownLatch(3);
            assertThatThrownBy(() -> three.run(3, (lane, part) -> {
                started.countDown();
                try {
                    started.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                throw new IllegalStateException("lane " + lane);
            })).isInstanceOf(IllegalStateException.class)
                    .satisfies(e -> assertThat(e.getSuppressed()).hasSize(2));
        }
        assertThatThrownBy(() -> new LoaderLanes(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("loader lanes: 0");
    }
}
