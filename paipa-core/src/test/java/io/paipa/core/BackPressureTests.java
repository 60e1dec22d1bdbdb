package io.paipa.core;

import static io.paipa.core.TestThreads.assertNoThreadsLeft;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Back-pressure: a step holds at most {@code capacity + max(capacity, workers)} items,
 * queued or in its workers' hands, so with one-to-one steps the source is never pulled
 * more than the sum of those ahead of the last step's completions, and queues never hold
 * more than their capacity.
 */
@Timeout(120)
class BackPressureTests {

	/** Slack for the races between the counters the test keeps on different threads. */
	private static final int SLACK = 2;

	private final List<Runnable> cleanups = new ArrayList<>();

	@AfterEach
	void cleanUp() {
		for (Runnable cleanup : this.cleanups) {
			cleanup.run();
		}
	}

	@ParameterizedTest(name = "capacity {0}, workers {1}, steps {2}")
	@CsvSource({ "1, 1, 3", "1, 3, 4", "4, 1, 3", "4, 2, 4", "16, 1, 3", "16, 3, 4", "16, 2, 3" })
	void sourceIsNeverPulledFurtherAheadOfTheLastStepThanTheInFlightBound(int capacity, int workers, int steps) {
		int items = 400 * workers;
		String name = "bp-slow-" + capacity + "-" + workers + "-" + steps;
		LongAdder done = new LongAdder();
		Pipeline.Builder<Long, Long> builder = Pipeline.<Long>builder(name).queueCapacity(capacity);
		for (int i = 0; i < steps - 1; i++) {
			builder = builder.step("s" + i, (Long x) -> x + 1, (s) -> s.workers(workers));
		}
		Pipeline<Long> pipeline = builder.step("last", (Long x) -> {
			Thread.sleep(1);
			done.increment();
			return x;
		}, (s) -> s.workers(workers)).build();
		long bound = inFlightBound(steps, capacity, workers);
		MeasuringSource source = new MeasuringSource(items, done, 1);

		PipelineResult result = pipeline.run(source);

		assertThat(result.state()).isEqualTo(PipelineState.COMPLETED);
		assertThat(result.in()).isEqualTo(items);
		assertThat(result.completed()).isEqualTo(items);
		assertThat(done.sum()).isEqualTo(items);
		assertThat(source.maxAhead.get()).as("most items pulled ahead of the last step's completions (bound %d)", bound)
			.isLessThanOrEqualTo(bound + SLACK)
			// the source was held back by a full pipeline, not only pulled as fast as the
			// last step completes: more than half the bound was in flight at some point
			.isGreaterThan(bound / 2);
		assertNoThreadsLeft(name);
	}

	@Test
	void sourceThreadWaitsWhileTheLastStepIsBlocked() {
		String name = "bp-blocked";
		int capacity = 4;
		int workers = 2;
		int steps = 3;
		CountDownLatch release = new CountDownLatch(1);
		this.cleanups.add(release::countDown);
		LongAdder done = new LongAdder();
		Pipeline<Long> pipeline = Pipeline.<Long>builder(name)
			.queueCapacity(capacity)
			.step("a", (Long x) -> x, (s) -> s.workers(workers))
			.step("b", (Long x) -> x, (s) -> s.workers(workers))
			.step("last", (Long x) -> {
				release.await();
				done.increment();
				return x;
			}, (s) -> s.workers(workers))
			.build();
		long bound = inFlightBound(steps, capacity, workers);
		int items = 10_000;
		MeasuringSource source = new MeasuringSource(items, done, 1);
		AtomicReference<PipelineResult> result = new AtomicReference<>();
		AtomicReference<Throwable> error = new AtomicReference<>();
		Thread runner = new Thread(() -> {
			try {
				result.set(pipeline.run(source));
			}
			catch (Throwable ex) {
				error.set(ex);
			}
		}, "bp-blocked-runner");
		runner.start();

		await().atMost(Duration.ofSeconds(20))
			.until(() -> threadState("paipa-" + name + "-source") == Thread.State.WAITING && source.pulled.get() > 0);
		// while nothing completes, the source stays parked with at most the bound pulled
		await().during(Duration.ofMillis(300))
			.atMost(Duration.ofSeconds(5))
			.until(() -> threadState("paipa-" + name + "-source") == Thread.State.WAITING);
		assertThat(done.sum()).isZero();
		assertThat(source.pulled.get()).isLessThanOrEqualTo(bound + SLACK).isLessThan(items);
		PipelineSnapshot snapshot = pipeline.snapshot();
		assertThat(snapshot.in()).isLessThanOrEqualTo(bound);
		for (StepSnapshot step : snapshot.steps()) {
			assertThat(step.queueDepth()).as(step.name()).isLessThanOrEqualTo(step.queueCapacity());
		}

		release.countDown();
		await().atMost(Duration.ofSeconds(60)).until(() -> !runner.isAlive());
		assertThat(error.get()).isNull();
		assertThat(result.get().completed()).isEqualTo(items);
		assertThat(source.maxAhead.get()).isLessThanOrEqualTo(bound + SLACK);
		assertNoThreadsLeft(name);
	}

	@Test
	void tenMillionLazyItemsFlowThroughInBoundedMemory() {
		String name = "bp-large";
		int items = 10_000_000;
		int capacity = 64;
		int steps = 3;
		AtomicLong done = new AtomicLong();
		Pipeline<Long> pipeline = Pipeline.<Long>builder(name)
			.queueCapacity(capacity)
			.step("a", (Long x) -> x + 1)
			.step("b", (Long x) -> x * 2)
			.step("c", (Long x) -> {
				done.lazySet(done.get() + 1);
				return x;
			})
			.build();
		long bound = inFlightBound(steps, capacity, 1);
		MeasuringSource source = new MeasuringSource(items, done::get, 1024);

		PipelineResult result = pipeline.run(source);

		assertThat(result.state()).isEqualTo(PipelineState.COMPLETED);
		assertThat(result.in()).isEqualTo(items);
		assertThat(result.completed()).isEqualTo(items);
		assertThat(done.get()).isEqualTo(items);
		assertThat(result.dropped() + result.deadLettered() + result.abandoned()).isZero();
		for (StepStats step : result.steps()) {
			assertThat(step.in()).as(step.step()).isEqualTo(items);
			assertThat(step.processed()).as(step.step()).isEqualTo(items);
		}
		assertThat(source.maxAhead.get()).isLessThanOrEqualTo(bound + SLACK);
		assertNoThreadsLeft(name);
	}

	@ParameterizedTest(name = "capacity {0}, workers {1}")
	@CsvSource({ "1, 1", "4, 2", "16, 3" })
	void queueDepthNeverExceedsCapacityAndRisesToItBehindABlockedStep(int capacity, int workers)
			throws InterruptedException {
		String name = "bp-depth-" + capacity + "-" + workers;
		CountDownLatch release = new CountDownLatch(1);
		this.cleanups.add(release::countDown);
		Pipeline<Long> pipeline = Pipeline.<Long>builder(name)
			.queueCapacity(capacity)
			// a little work per item keeps batches at one item, so a blocked worker holds
			// one
			.step("a", (Long x) -> work(x), (s) -> s.workers(workers))
			.step("b", (Long x) -> work(x), (s) -> s.workers(workers))
			.step("last", (Long x) -> {
				release.await();
				return x;
			}, (s) -> s.workers(workers))
			.build();
		pipeline.start();
		AtomicBoolean sampling = new AtomicBoolean(true);
		AtomicInteger samples = new AtomicInteger();
		AtomicReference<String> overflow = new AtomicReference<>();
		Thread sampler = new Thread(() -> {
			while (sampling.get()) {
				for (StepSnapshot step : pipeline.snapshot().steps()) {
					if (step.queueDepth() > step.queueCapacity() && overflow.get() == null) {
						overflow.set(step.name() + " held " + step.queueDepth() + " of " + step.queueCapacity());
					}
				}
				samples.incrementAndGet();
				LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200));
			}
		}, name + "-sampler");
		sampler.start();
		AtomicLong accepted = new AtomicLong();
		Thread producer = new Thread(() -> {
			try {
				for (long i = 0;; i++) {
					pipeline.input().put(i);
					accepted.incrementAndGet();
				}
			}
			catch (PipelineClosedException | InterruptedException ex) {
				// stopped
			}
		}, name + "-producer");
		producer.start();
		this.cleanups.add(() -> {
			sampling.set(false);
			producer.interrupt();
		});

		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			PipelineSnapshot snapshot = pipeline.snapshot();
			for (StepSnapshot step : snapshot.steps()) {
				assertThat(step.queueDepth()).as(step.name()).isEqualTo(capacity);
				assertThat(step.queueCapacity()).as(step.name()).isEqualTo(capacity);
			}
		});
		// the producer is held back, and stays so
		await().atMost(Duration.ofSeconds(10)).until(() -> threadState(name + "-producer") == Thread.State.WAITING);
		long held = accepted.get();
		// within the bound, and tighter: these steps take one item at a time, so each
		// holds
		// at most its full queue plus one item per worker
		assertThat(held).isLessThanOrEqualTo(inFlightBound(3, capacity, workers))
			.isLessThanOrEqualTo(3L * (capacity + workers));
		await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(5)).until(() -> accepted.get() == held);
		int before = samples.get();
		await().atMost(Duration.ofSeconds(10)).until(() -> samples.get() > before + 100);

		release.countDown();
		PipelineResult result = pipeline.stop(Duration.ofSeconds(30));
		sampling.set(false);
		sampler.join(10_000);
		producer.join(10_000);

		assertThat(overflow.get()).as("a queue above its capacity").isNull();
		assertThat(producer.isAlive()).isFalse();
		assertThat(result.in()).isEqualTo(accepted.get());
		assertThat(result.completed()).isEqualTo(accepted.get());
		assertThat(result.deadLettered() + result.dropped() + result.abandoned()).isZero();
		assertNoThreadsLeft(name);
	}

	/** The most items one-to-one steps hold, queued or in hand: the documented bound. */
	private static long inFlightBound(int steps, int capacity, int workers) {
		return (long) steps * (capacity + Math.max(capacity, workers));
	}

	private static Long work(Long x) {
		LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
		return x;
	}

	private static Thread.State threadState(String threadName) {
		for (Thread thread : Thread.getAllStackTraces().keySet()) {
			if (thread.getName().equals(threadName)) {
				return thread.getState();
			}
		}
		return null;
	}

	/** A counter read by the source; {@link LongAdder} or {@link AtomicLong}. */
	@FunctionalInterface
	interface Counter {

		long get();

	}

	/**
	 * A lazy source of longs that records, every {@code every} pulls, how far it was
	 * pulled ahead of the last step's completions.
	 */
	static final class MeasuringSource implements Iterator<Long> {

		private final long size;

		private final Counter done;

		private final int every;

		final AtomicLong pulled = new AtomicLong();

		final AtomicLong maxAhead = new AtomicLong();

		private long next;

		MeasuringSource(long size, LongAdder done, int every) {
			this(size, done::sum, every);
		}

		MeasuringSource(long size, Counter done, int every) {
			this.size = size;
			this.done = done;
			this.every = every;
		}

		@Override
		public boolean hasNext() {
			return this.next < this.size;
		}

		@Override
		public Long next() {
			if (this.next >= this.size) {
				throw new NoSuchElementException();
			}
			long n = ++this.next;
			if (n % this.every == 0) {
				this.pulled.set(n);
				long ahead = n - this.done.get();
				if (ahead > this.maxAhead.get()) {
					this.maxAhead.set(ahead);
				}
			}
			return n;
		}

	}

}
