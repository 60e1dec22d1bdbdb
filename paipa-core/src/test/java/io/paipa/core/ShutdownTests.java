package io.paipa.core;

import static io.paipa.core.TestThreads.assertNoThreadsLeft;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Stopping a continuous pipeline: draining under load, dead-lettering what cannot drain
 * in time, not hanging on handlers that ignore interrupts, and leaving no thread behind.
 */
@Timeout(90)
class ShutdownTests {

	/**
	 * Wide bound for "stop did not hang": the timeout plus the grace plus a loaded
	 * machine.
	 */
	private static final Duration NO_HANG = Duration.ofSeconds(10);

	private final List<Runnable> cleanups = new ArrayList<>();

	@AfterEach
	void cleanUp() {
		for (Runnable cleanup : this.cleanups) {
			cleanup.run();
		}
	}

	@Test
	void stopUnderLoadFinishesEveryAcceptedItemWithinALongTimeout() throws InterruptedException {
		String name = "sd-load";
		int producers = 4;
		Set<Long> accepted = ConcurrentHashMap.newKeySet();
		Set<Long> completed = ConcurrentHashMap.newKeySet();
		AtomicInteger duplicates = new AtomicInteger();
		ConcurrentLinkedQueue<DeadLetter> deadLetters = new ConcurrentLinkedQueue<>();
		Pipeline<Long> pipeline = Pipeline.<Long>builder(name)
			.queueCapacity(16)
			.deadLetterHandler(deadLetters::add)
			.progressInterval(Duration.ofMillis(500))
			.step("parse", (Long x) -> {
				LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200));
				return x;
			}, (s) -> s.workers(2))
			.step("filter", (Long x) -> (x % 10 == 0) ? null : x)
			.step("enrich", (Long x) -> {
				Thread.sleep(1);
				return x;
			}, (s) -> s.workers(3))
			.step("store", (Long x) -> {
				LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(300));
				if (!completed.add(x)) {
					duplicates.incrementAndGet();
				}
				return x;
			}, (s) -> s.workers(2))
			.build();
		this.cleanups.add(() -> stopQuietly(pipeline));
		pipeline.start();
		List<Thread> threads = new ArrayList<>();
		AtomicReference<Throwable> producerFailure = new AtomicReference<>();
		for (int p = 0; p < producers; p++) {
			long base = p * 1_000_000_000L;
			Thread producer = new Thread(() -> {
				try {
					for (long i = base;; i++) {
						pipeline.input().put(i);
						accepted.add(i);
					}
				}
				catch (PipelineClosedException ex) {
					// stopped: this item was not taken
				}
				catch (Throwable ex) {
					producerFailure.set(ex);
				}
			}, name + "-producer-" + p);
			producer.setDaemon(true);
			threads.add(producer);
			producer.start();
		}
		await().atMost(Duration.ofSeconds(30)).until(() -> completed.size() >= 500);

		PipelineResult result = pipeline.stop(Duration.ofSeconds(60));
		for (Thread producer : threads) {
			producer.join(10_000);
			assertThat(producer.isAlive()).as(producer.getName()).isFalse();
		}

		assertThat(producerFailure.get()).isNull();
		Set<Long> dropped = accepted.stream().filter((x) -> x % 10 == 0).collect(Collectors.toSet());
		assertThat(result.state()).isEqualTo(PipelineState.STOPPED);
		assertThat(result.isSuccess()).isTrue();
		assertThat(result.in()).isEqualTo(accepted.size());
		assertThat(result.deadLettered()).isZero();
		assertThat(deadLetters).isEmpty();
		assertThat(result.abandoned()).isZero();
		assertThat(result.stuckWorkers()).isEmpty();
		assertThat(result.dropped()).isEqualTo(dropped.size());
		assertThat(result.completed()).isEqualTo(accepted.size() - dropped.size());
		assertThat(accepted.size())
			.isEqualTo(result.completed() + result.dropped() + result.deadLettered() + result.abandoned());
		assertThat(duplicates).hasValue(0);
		Set<Long> expected = new HashSet<>(accepted);
		expected.removeAll(dropped);
		assertThat(completed).isEqualTo(expected);
		assertStepIdentities(result.steps());
		assertThat(pipeline.input().isAccepting()).isFalse();
		assertNoThreadsLeft(name);
	}

	@Test
	void itemsAcceptedJustBeforeAStopAreCountedAsEntered() throws InterruptedException {
		// many short runs, each stopped while producers race to put: an item whose put
		// returned normally was taken, and must be in the result's in count when the stop
		// completes it
		String name = "sd-race";
		List<String> wrong = new ArrayList<>();
		for (int round = 0; round < 300; round++) {
			AtomicLong accepted = new AtomicLong();
			CountDownLatch running = new CountDownLatch(1);
			Pipeline<Long> pipeline = Pipeline.<Long>builder(name).queueCapacity(4).step("id", (Long x) -> x).build();
			this.cleanups.add(() -> stopQuietly(pipeline));
			pipeline.start();
			List<Thread> producers = new ArrayList<>();
			for (int p = 0; p < 6; p++) {
				Thread producer = new Thread(() -> {
					try {
						for (long i = 0;; i++) {
							pipeline.input().put(i);
							if (accepted.incrementAndGet() == 100) {
								running.countDown();
							}
						}
					}
					catch (PipelineClosedException | InterruptedException ex) {
						// stopped
					}
				}, name + "-producer-" + p);
				producer.setDaemon(true);
				producers.add(producer);
				producer.start();
			}
			assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
			PipelineResult result = pipeline.stop(Duration.ofSeconds(30));
			for (Thread producer : producers) {
				producer.join(10_000);
				assertThat(producer.isAlive()).isFalse();
			}
			if (result.in() != accepted.get() || result.in() != result.completed() + result.dropped()
					+ result.deadLettered() + result.abandoned()) {
				wrong.add("round " + round + ": accepted " + accepted.get() + ", " + result);
			}
		}
		assertThat(wrong).as("runs whose result lost accepted items from in").isEmpty();
		assertNoThreadsLeft(name);
	}

	@Test
	void stopWithAShortTimeoutDeadLettersWhatCouldNotDrain() throws InterruptedException {
		String name = "sd-timeout";
		int items = 100;
		Set<Integer> completed = ConcurrentHashMap.newKeySet();
		ConcurrentLinkedQueue<DeadLetter> deadLetters = new ConcurrentLinkedQueue<>();
		Map<Integer, AtomicInteger> callbacks = new ConcurrentHashMap<>();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder(name)
			.inputCapacity(64)
			.queueCapacity(50)
			.deadLetterHandler(deadLetters::add)
			.step("fast", (Integer x) -> x)
			.step("slow", (Integer x) -> {
				Thread.sleep(50);
				completed.add(x);
				return x;
			})
			.build();
		this.cleanups.add(() -> stopQuietly(pipeline));
		pipeline.start();
		for (int i = 0; i < items; i++) {
			int item = i;
			assertThat(pipeline.input()
				.offer(item, Duration.ofSeconds(20),
						() -> callbacks.computeIfAbsent(item, (k) -> new AtomicInteger()).incrementAndGet()))
				.isTrue();
		}
		assertThat(completed.size()).isLessThan(items / 2);

		long start = System.nanoTime();
		PipelineResult result = pipeline.stop(Duration.ofMillis(300));
		Duration took = Duration.ofNanos(System.nanoTime() - start);

		assertThat(took).isLessThan(Duration.ofMillis(300).plus(NO_HANG));
		assertThat(result.state()).isEqualTo(PipelineState.STOPPED);
		assertThat(result.in()).isEqualTo(items);
		assertThat(result.deadLettered()).isPositive().isEqualTo(deadLetters.size());
		assertThat(result.abandoned()).isZero();
		assertThat(result.stuckWorkers()).isEmpty();
		assertThat(result.completed()).isEqualTo(completed.size());
		assertThat(result.in())
			.isEqualTo(result.completed() + result.dropped() + result.deadLettered() + result.abandoned());
		assertThat(deadLetters).allSatisfy((letter) -> {
			assertThat(letter.pipeline()).isEqualTo(name);
			assertThat(letter.cause()).isInstanceOf(PipelineClosedException.class);
		});
		// the item in the slow worker's hands was interrupted by the cut-off after one
		// attempt; every other one never reached a handler
		assertThat(deadLetters).filteredOn((letter) -> letter.attempts() != 0).allSatisfy((letter) -> {
			assertThat(letter.attempts()).isOne();
			assertThat(letter.cause()).hasCauseInstanceOf(InterruptedException.class);
		}).hasSizeLessThanOrEqualTo(1);
		List<Object> deadItems = deadLetters.stream().map(DeadLetter::item).toList();
		assertThat(deadItems).doesNotHaveDuplicates().doesNotContainAnyElementsOf(completed);
		Set<Object> settled = new HashSet<>(deadItems);
		settled.addAll(completed);
		assertThat(settled).isEqualTo(IntStream.range(0, items).boxed().collect(Collectors.toSet()));
		// dead letters settle their items too: every callback fired, once
		assertThat(callbacks.keySet()).hasSize(items);
		assertThat(callbacks.values()).allSatisfy((count) -> assertThat(count).hasValue(1));
		assertStepIdentities(result.steps());
		assertNoThreadsLeft(name);
	}

	@Test
	void stopDoesNotHangOnAHandlerThatIgnoresInterrupts() throws InterruptedException {
		String name = "sd-spinner";
		AtomicBoolean spin = new AtomicBoolean(true);
		this.cleanups.add(() -> spin.set(false));
		CountDownLatch spinning = new CountDownLatch(1);
		ConcurrentLinkedQueue<DeadLetter> deadLetters = new ConcurrentLinkedQueue<>();
		Set<Integer> completed = ConcurrentHashMap.newKeySet();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder(name)
			.deadLetterHandler(deadLetters::add)
			.step("before", (Integer x) -> x, (s) -> s.workers(2))
			.step("spin", (Integer x) -> {
				if (x == 1) {
					spinning.countDown();
					while (spin.get()) {
						Thread.onSpinWait();
					}
				}
				completed.add(x);
				return x;
			})
			.build();
		pipeline.start();
		pipeline.input().put(1);
		assertThat(spinning.await(10, TimeUnit.SECONDS)).isTrue();
		for (int i = 2; i <= 5; i++) {
			pipeline.input().put(i);
		}
		await().atMost(Duration.ofSeconds(10)).until(() -> pipeline.snapshot().step("spin").stats().in() == 5);

		long start = System.nanoTime();
		PipelineResult result = pipeline.stop(Duration.ofMillis(300));
		Duration took = Duration.ofNanos(System.nanoTime() - start);

		String worker = "paipa-" + name + "-spin-0";
		assertThat(took).isLessThan(Duration.ofMillis(300).plus(NO_HANG));
		assertThat(result.state()).isEqualTo(PipelineState.STOPPED);
		assertThat(result.stuckWorkers()).containsExactly(worker);
		assertThat(result.in()).isEqualTo(5);
		assertThat(result.completed()).isZero();
		assertThat(result.step("spin").abandoned()).isEqualTo(1);
		assertThat(result.abandoned()).isEqualTo(1);
		assertThat(result.deadLettered()).isEqualTo(4);
		assertThat(result.in())
			.isEqualTo(result.completed() + result.dropped() + result.deadLettered() + result.abandoned());
		assertThat(deadLetters).extracting(DeadLetter::item).containsExactlyInAnyOrder(2, 3, 4, 5);
		assertThat(deadLetters).allSatisfy((letter) -> {
			assertThat(letter.step()).isEqualTo("spin");
			assertThat(letter.cause()).isInstanceOf(PipelineClosedException.class);
			assertThat(letter.attempts()).isZero();
		});
		assertThat(completed).isEmpty();
		// every other thread of the pipeline has ended; the stuck one is still spinning
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(liveThreadNames(name)).containsExactly(worker));

		spin.set(false);
		assertNoThreadsLeft(name);
	}

	@Test
	void completionCallbackNeverFiresForAnItemAbandonedByAStuckWorker() throws InterruptedException {
		String name = "sd-abandoned-callback";
		AtomicBoolean spin = new AtomicBoolean(true);
		this.cleanups.add(() -> spin.set(false));
		CountDownLatch spinning = new CountDownLatch(1);
		Map<Integer, AtomicInteger> callbacks = new ConcurrentHashMap<>();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder(name).deadLetterHandler((letter) -> {
		}).step("spin", (Integer x) -> {
			if (x == 1) {
				spinning.countDown();
				while (spin.get()) {
					Thread.onSpinWait();
				}
			}
			return x;
		}).build();
		pipeline.start();
		for (int i = 1; i <= 3; i++) {
			int item = i;
			pipeline.input()
				.put(item, () -> callbacks.computeIfAbsent(item, (k) -> new AtomicInteger()).incrementAndGet());
			if (i == 1) {
				assertThat(spinning.await(10, TimeUnit.SECONDS)).isTrue();
			}
		}
		PipelineResult result = pipeline.stop(Duration.ofMillis(300));
		assertThat(result.stuckWorkers()).containsExactly("paipa-" + name + "-spin-0");
		assertThat(result.abandoned()).isEqualTo(1);
		assertThat(result.deadLettered()).isEqualTo(2);
		assertThat(callbacks.keySet()).containsExactlyInAnyOrder(2, 3);

		// the handler finally returns, long after the stop gave the item up
		spin.set(false);
		assertNoThreadsLeft(name);

		assertThat(callbacks.keySet()).as("items whose callbacks fired; item 1 was reported abandoned")
			.containsExactlyInAnyOrder(2, 3);
		assertThat(callbacks.values()).allSatisfy((count) -> assertThat(count).hasValue(1));
	}

	@Test
	void aStuckWorkerIsAccountedForEveryItemOfItsBatch() throws InterruptedException {
		StuckBatch stuck = new StuckBatch("sd-stuck-batch");
		PipelineResult result = stuck.stop();

		assertThat(result.stuckWorkers()).containsExactly("paipa-sd-stuck-batch-spin-0");
		assertThat(result.in()).isEqualTo(StuckBatch.WARM_UP + 16);
		// the items the handler got through before the stop count as completed, and every
		// item is counted once
		assertThat(result.completed()).as("completed, with the handler done with %d items", stuck.handledAtStop.size())
			.isEqualTo(stuck.handledAtStop.size());
		assertThat(result.in()).as(result.toString())
			.isEqualTo(result.completed() + result.dropped() + result.deadLettered() + result.abandoned());
		assertStepIdentities(result.steps());
		assertThat(stuck.deadLetters).extracting(DeadLetter::item).doesNotContainAnyElementsOf(stuck.handledAtStop);
		stuck.release();
	}

	@Test
	void aReleasedStuckWorkerDoesNotProcessTheItemsItWasAbandonedWith() throws InterruptedException {
		StuckBatch stuck = new StuckBatch("sd-stuck-release");
		PipelineResult result = stuck.stop();
		assertThat(result.stuckWorkers()).containsExactly("paipa-sd-stuck-release-spin-0");
		assertThat(result.abandoned()).isPositive();

		stuck.release();

		// the handler call that was stuck returns; no abandoned item is handed to it
		// after that
		assertThat(stuck.calls.get()).as("handler calls, %d when the stop returned", stuck.callsAtStop)
			.isEqualTo(stuck.callsAtStop);
	}

	/**
	 * A one-step pipeline whose warmed-up worker takes a batch of 16 items in one go and
	 * gets stuck, ignoring interrupts, on the 11th; then stopped with a short timeout.
	 */
	private final class StuckBatch {

		static final int WARM_UP = 300;

		static final long SPINNER = -1;

		final String name;

		final AtomicBoolean spin = new AtomicBoolean(true);

		final AtomicLong calls = new AtomicLong();

		final Set<Long> handled = ConcurrentHashMap.newKeySet();

		final ConcurrentLinkedQueue<DeadLetter> deadLetters = new ConcurrentLinkedQueue<>();

		final Pipeline<Long> pipeline;

		long callsAtStop;

		Set<Long> handledAtStop;

		StuckBatch(String name) throws InterruptedException {
			this.name = name;
			ShutdownTests.this.cleanups.add(() -> this.spin.set(false));
			CountDownLatch spinning = new CountDownLatch(1);
			CountDownLatch gate = new CountDownLatch(1);
			ShutdownTests.this.cleanups.add(gate::countDown);
			// the caller's queue holds its items back until the gate opens, so that they
			// reach the step in one hand-off and its warmed-up worker takes several at
			// once
			LinkedBlockingQueue<Long> queue = new LinkedBlockingQueue<>() {

				@Override
				public Long take() throws InterruptedException {
					gate.await();
					return super.take();
				}

			};
			this.pipeline = Pipeline.<Long>builder(name)
				.queueCapacity(64)
				.deadLetterHandler(this.deadLetters::add)
				.step("spin", (Long x) -> {
					this.calls.incrementAndGet();
					if (x == SPINNER) {
						spinning.countDown();
						while (this.spin.get()) {
							Thread.onSpinWait();
						}
					}
					this.handled.add(x);
					return x;
				})
				.build();
			this.pipeline.start(queue);
			for (long i = 0; i < WARM_UP; i++) {
				this.pipeline.input().put(i);
			}
			await().atMost(Duration.ofSeconds(10)).until(() -> this.handled.size() == WARM_UP);
			for (long i = 1000; i < 1010; i++) {
				queue.put(i);
			}
			queue.put(SPINNER);
			for (long i = 2000; i < 2005; i++) {
				queue.put(i);
			}
			gate.countDown();
			assertThat(spinning.await(10, TimeUnit.SECONDS)).isTrue();
			await().atMost(Duration.ofSeconds(10)).until(queue::isEmpty);
		}

		PipelineResult stop() {
			PipelineResult result = this.pipeline.stop(Duration.ofMillis(300));
			this.callsAtStop = this.calls.get();
			this.handledAtStop = Set.copyOf(this.handled);
			return result;
		}

		void release() {
			this.spin.set(false);
			assertNoThreadsLeft(this.name);
		}

	}

	@Test
	void stopTwiceReturnsTheSameResult() throws InterruptedException {
		String name = "sd-twice";
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder(name).step("id", (Integer x) -> x).build();
		pipeline.start();
		pipeline.input().put(1);
		pipeline.input().put(2);

		PipelineResult first = pipeline.stop();
		PipelineResult second = pipeline.stop();
		PipelineResult third = pipeline.stop(Duration.ZERO);

		assertThat(second).isSameAs(first);
		assertThat(third).isSameAs(first);
		assertThat(first.state()).isEqualTo(PipelineState.STOPPED);
		assertThat(first.in()).isEqualTo(2);
		assertThat(first.completed()).isEqualTo(2);
		assertThat(pipeline.state()).isEqualTo(PipelineState.STOPPED);
		assertNoThreadsLeft(name);
	}

	@Test
	void stopOfANeverStartedPipelineIsRefused() {
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("sd-never").step("id", (Integer x) -> x).build();

		assertThatIllegalStateException().isThrownBy(pipeline::stop).withMessageContaining("sd-never");
		assertThatIllegalStateException().isThrownBy(() -> pipeline.stop(Duration.ofSeconds(1)))
			.withMessageContaining("sd-never");
		assertThat(pipeline.state()).isEqualTo(PipelineState.NEW);
	}

	@Test
	void stopAfterABatchRunReturnsItsResult() {
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("sd-batch").step("id", (Integer x) -> x).build();
		PipelineResult result = pipeline.run(List.of(1, 2, 3));
		assertThat(result.completed()).isEqualTo(3);

		assertThat(pipeline.stop()).isSameAs(result);
		assertThat(pipeline.state()).isEqualTo(PipelineState.COMPLETED);
		assertNoThreadsLeft("sd-batch");
	}

	@Test
	void stopOfAnIdlePipelineEndsEveryThreadAtOnce() {
		String name = "sd-idle";
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder(name)
			.progressInterval(Duration.ofMillis(100))
			.step("a", (Integer x) -> x, (s) -> s.workers(3))
			.stream("chunk", Steps.<Integer>chunk(4, Duration.ofMillis(50)), (s) -> s.workers(2))
			.fanOut("flatten", Steps.<Integer>flatten(), (s) -> s.workers(2))
			.build();
		LinkedBlockingQueue<Integer> queue = new LinkedBlockingQueue<>();
		pipeline.start(queue);
		assertThat(liveThreadNames(name)).hasSize(3 + 2 + 2 + 2);

		long start = System.nanoTime();
		PipelineResult result = pipeline.stop(Duration.ofSeconds(30));
		Duration took = Duration.ofNanos(System.nanoTime() - start);

		// nothing to drain: the 30 s timeout is not waited out
		assertThat(took).isLessThan(NO_HANG);
		assertThat(result.state()).isEqualTo(PipelineState.STOPPED);
		assertThat(result.in()).isZero();
		assertThat(result.stuckWorkers()).isEmpty();
		assertNoThreadsLeft(name);
	}

	private static void assertStepIdentities(Collection<StepStats> steps) {
		for (StepStats step : steps) {
			assertThat(step.in())
				.as("step %s: in == processed + dropped + dead-lettered + abandoned; %s", step.step(), step)
				.isEqualTo(step.processed() + step.dropped() + step.deadLettered() + step.abandoned());
		}
	}

	private static void stopQuietly(Pipeline<?> pipeline) {
		if (pipeline.isRunning()) {
			pipeline.stop(Duration.ofSeconds(5));
		}
	}

	private static List<String> liveThreadNames(String pipeline) {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> thread.isAlive() && thread.getName().startsWith("paipa-" + pipeline + "-"))
			.map(Thread::getName)
			.sorted()
			.toList();
	}

}
