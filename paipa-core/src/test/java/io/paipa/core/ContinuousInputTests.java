package io.paipa.core;

import static io.paipa.core.TestThreads.assertNoThreadsLeft;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
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
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Feeding a continuous pipeline: {@link PipelineInput} blocking and timing out, refusing
 * items when not running, draining a caller's queue, the start/stop life cycle, and
 * completion callbacks.
 */
@Timeout(60)
class ContinuousInputTests {

	private final List<CountDownLatch> latches = new ArrayList<>();

	private final List<Pipeline<?>> pipelines = new ArrayList<>();

	private final List<Thread> threads = new ArrayList<>();

	@AfterEach
	void cleanUp() throws InterruptedException {
		this.latches.forEach(CountDownLatch::countDown);
		for (Pipeline<?> pipeline : this.pipelines) {
			if (pipeline.isRunning()) {
				pipeline.stop(Duration.ofSeconds(5));
			}
		}
		for (Thread thread : this.threads) {
			thread.interrupt();
			thread.join(5_000);
		}
	}

	@Test
	void putWaitsWhileTheInputIsFullAndReturnsOnceThereIsRoom() throws InterruptedException {
		String name = "ci-put-blocks";
		CountDownLatch entered = new CountDownLatch(1);
		CountDownLatch release = latch();
		List<Integer> processed = Collections.synchronizedList(new ArrayList<>());
		Pipeline<Integer> pipeline = track(
				Pipeline.<Integer>builder(name).inputCapacity(2).step("hold", (Integer x) -> {
					entered.countDown();
					release.await();
					processed.add(x);
					return x;
				}).build());
		pipeline.start();
		PipelineInput<Integer> input = pipeline.input();
		input.put(1);
		assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
		// the worker holds item 1; the input queue takes two more
		assertThat(input.offer(2, Duration.ofSeconds(10))).isTrue();
		assertThat(input.offer(3, Duration.ofSeconds(10))).isTrue();
		assertThat(pipeline.snapshot().step("hold").queueDepth()).isEqualTo(2);
		assertThat(pipeline.snapshot().step("hold").queueCapacity()).isEqualTo(2);

		AtomicBoolean returned = new AtomicBoolean();
		AtomicReference<Throwable> failure = new AtomicReference<>();
		Thread putter = thread(name + "-putter", () -> {
			try {
				input.put(4);
				returned.set(true);
			}
			catch (Throwable ex) {
				failure.set(ex);
			}
		});
		putter.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> putter.getState() == Thread.State.WAITING);
		await().during(Duration.ofMillis(300))
			.atMost(Duration.ofSeconds(5))
			.until(() -> !returned.get() && putter.getState() == Thread.State.WAITING);
		assertThat(processed).isEmpty();

		release.countDown();
		await().atMost(Duration.ofSeconds(10)).untilTrue(returned);
		putter.join(10_000);
		assertThat(failure.get()).isNull();
		await().atMost(Duration.ofSeconds(10)).until(() -> processed.size() == 4);
		PipelineResult result = pipeline.stop(Duration.ofSeconds(10));

		assertThat(processed).containsExactly(1, 2, 3, 4);
		assertThat(result.in()).isEqualTo(4);
		assertThat(result.completed()).isEqualTo(4);
		assertThat(result.deadLettered() + result.dropped() + result.abandoned()).isZero();
		assertNoThreadsLeft(name);
	}

	@Test
	void offerReturnsFalseWhileTheInputStaysFullAndTrueWhenThereIsRoom() throws InterruptedException {
		String name = "ci-offer";
		CountDownLatch entered = new CountDownLatch(1);
		CountDownLatch release = latch();
		List<Integer> processed = Collections.synchronizedList(new ArrayList<>());
		Pipeline<Integer> pipeline = track(
				Pipeline.<Integer>builder(name).inputCapacity(2).step("hold", (Integer x) -> {
					entered.countDown();
					release.await();
					processed.add(x);
					return x;
				}).build());
		pipeline.start();
		PipelineInput<Integer> input = pipeline.input();
		assertThat(input.offer(1, Duration.ofMillis(50))).isTrue();
		assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(input.offer(2, Duration.ofSeconds(10))).isTrue();
		assertThat(input.offer(3, Duration.ofSeconds(10))).isTrue();

		AtomicInteger refusedCallbacks = new AtomicInteger();
		assertThat(input.offer(-1, Duration.ofMillis(50))).isFalse();
		assertThat(input.offer(-2, Duration.ZERO)).isFalse();
		assertThat(input.offer(-3, Duration.ofMillis(50), refusedCallbacks::incrementAndGet)).isFalse();
		assertThat(pipeline.snapshot().in()).isEqualTo(3);

		release.countDown();
		assertThat(input.offer(4, Duration.ofSeconds(10))).isTrue();
		assertThat(input.offer(5, Duration.ofSeconds(10))).isTrue();
		await().atMost(Duration.ofSeconds(10)).until(() -> processed.size() == 5);
		PipelineResult result = pipeline.stop(Duration.ofSeconds(10));

		assertThat(processed).containsExactly(1, 2, 3, 4, 5);
		assertThat(result.in()).isEqualTo(5);
		assertThat(result.completed()).isEqualTo(5);
		assertThat(refusedCallbacks).hasValue(0);
		assertNoThreadsLeft(name);
	}

	@Test
	void putAndOfferAreRefusedBeforeStartAndAfterStop() throws InterruptedException {
		String name = "ci-refused";
		List<Integer> processed = Collections.synchronizedList(new ArrayList<>());
		Pipeline<Integer> pipeline = track(Pipeline.<Integer>builder(name).step("keep", (Integer x) -> {
			processed.add(x);
			return x;
		}).build());
		PipelineInput<Integer> input = pipeline.input();

		assertThat(input.isAccepting()).isFalse();
		assertRefused(input, 100);

		pipeline.start();
		assertThat(input.isAccepting()).isTrue();
		input.put(1);
		assertThat(input.offer(2, Duration.ofSeconds(5))).isTrue();
		PipelineResult result = pipeline.stop(Duration.ofSeconds(10));

		assertThat(input.isAccepting()).isFalse();
		assertRefused(input, 200);
		assertThat(pipeline.input()).isSameAs(input);
		assertThat(result.in()).isEqualTo(2);
		assertThat(result.completed()).isEqualTo(2);
		assertThat(processed).containsExactly(1, 2);
		assertNoThreadsLeft(name);
	}

	@Test
	void inputIsClosedWhileThePipelineDrainsAndAWaitingPutIsRefused() throws InterruptedException {
		String name = "ci-draining";
		CountDownLatch entered = new CountDownLatch(1);
		CountDownLatch release = latch();
		List<Integer> processed = Collections.synchronizedList(new ArrayList<>());
		Pipeline<Integer> pipeline = track(
				Pipeline.<Integer>builder(name).inputCapacity(1).step("hold", (Integer x) -> {
					entered.countDown();
					release.await();
					processed.add(x);
					return x;
				}).build());
		pipeline.start();
		PipelineInput<Integer> input = pipeline.input();
		input.put(1);
		assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
		input.put(2);
		// the input is full: a third put waits for room
		AtomicReference<Throwable> putOutcome = new AtomicReference<>();
		Thread putter = thread(name + "-putter", () -> {
			try {
				input.put(3);
				putOutcome.set(new AssertionError("put returned normally"));
			}
			catch (Throwable ex) {
				putOutcome.set(ex);
			}
		});
		putter.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> putter.getState() == Thread.State.WAITING);

		AtomicReference<PipelineResult> result = new AtomicReference<>();
		Thread stopper = thread(name + "-stopper", () -> result.set(pipeline.stop(Duration.ofSeconds(30))));
		stopper.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> pipeline.state() == PipelineState.DRAINING);
		assertThat(input.isAccepting()).isFalse();
		assertRefused(input, 300);
		await().atMost(Duration.ofSeconds(10)).until(() -> putOutcome.get() != null);
		assertThat(putOutcome.get()).isInstanceOf(PipelineClosedException.class);

		release.countDown();
		stopper.join(30_000);
		assertThat(result.get()).isNotNull();
		assertThat(result.get().state()).isEqualTo(PipelineState.STOPPED);
		assertThat(result.get().in()).isEqualTo(2);
		assertThat(result.get().completed()).isEqualTo(2);
		assertThat(result.get().deadLettered()).isZero();
		assertThat(processed).containsExactly(1, 2);
		assertNoThreadsLeft(name);
	}

	@Test
	void startWithACallersQueueDeliversEveryItemPutIntoIt() throws InterruptedException {
		String name = "ci-queue";
		LinkedBlockingQueue<Integer> queue = new LinkedBlockingQueue<>();
		Set<Integer> seen = ConcurrentHashMap.newKeySet();
		AtomicInteger duplicates = new AtomicInteger();
		Pipeline<Integer> pipeline = track(Pipeline.<Integer>builder(name)
			.queueCapacity(8)
			.step("double", (Integer x) -> x * 2, (s) -> s.workers(2))
			.step("collect", (Integer x) -> {
				if (!seen.add(x)) {
					duplicates.incrementAndGet();
				}
				return x;
			})
			.build());
		pipeline.start(queue);
		for (int i = 0; i < 1000; i++) {
			queue.put(i);
		}
		// the pipeline's own input works alongside the queue
		pipeline.input().put(5000);
		await().atMost(Duration.ofSeconds(20)).until(() -> seen.size() == 1001);
		PipelineResult result = pipeline.stop(Duration.ofSeconds(10));

		assertThat(seen).containsAll(IntStream.range(0, 1000).map((i) -> i * 2).boxed().toList()).contains(10000);
		assertThat(duplicates).hasValue(0);
		assertThat(result.in()).isEqualTo(1001);
		assertThat(result.completed()).isEqualTo(1001);
		assertThat(queue).isEmpty();
		assertNoThreadsLeft(name);

		// after the stop the caller's queue is the caller's again
		queue.put(7);
		queue.put(8);
		await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> queue.size() == 2);
		assertThat(queue).containsExactly(7, 8);
	}

	@Test
	void itemsStillInTheCallersQueueAtStopStayThere() throws InterruptedException {
		String name = "ci-queue-rest";
		int total = 300;
		LinkedBlockingQueue<Integer> queue = new LinkedBlockingQueue<>();
		for (int i = 0; i < total; i++) {
			queue.put(i);
		}
		List<Integer> processed = Collections.synchronizedList(new ArrayList<>());
		ConcurrentLinkedQueue<DeadLetter> deadLetters = new ConcurrentLinkedQueue<>();
		Pipeline<Integer> pipeline = track(Pipeline.<Integer>builder(name)
			.queueCapacity(4)
			.deadLetterHandler(deadLetters::add)
			.step("slow", (Integer x) -> {
				Thread.sleep(5);
				processed.add(x);
				return x;
			})
			.build());
		pipeline.start(queue);
		await().atMost(Duration.ofSeconds(20)).until(() -> processed.size() >= 10);
		PipelineResult result = pipeline.stop(Duration.ofSeconds(30));

		long in = result.in();
		assertThat(in).isBetween(10L, (long) total - 1);
		assertThat(result.completed()).isEqualTo(in);
		assertThat(result.deadLettered()).isZero();
		assertThat(deadLetters).isEmpty();
		assertThat(processed).containsExactlyElementsOf(range(0, (int) in));
		// nothing was lost or taken twice: what did not enter is still queued, in order
		assertThat(new ArrayList<>(queue)).containsExactlyElementsOf(range((int) in, total));
		assertNoThreadsLeft(name);
	}

	@Test
	void startingTwiceIsRefused() {
		String name = "ci-start-twice";
		Pipeline<Integer> pipeline = track(Pipeline.<Integer>builder(name).step("id", (Integer x) -> x).build());
		pipeline.start();

		assertThatIllegalStateException().isThrownBy(pipeline::start).withMessageContaining(name);
		assertThatIllegalStateException().isThrownBy(() -> pipeline.start(new LinkedBlockingQueue<>()))
			.withMessageContaining(name);
		assertThat(pipeline.state()).isEqualTo(PipelineState.RUNNING);
		assertThat(pipeline.input().isAccepting()).isTrue();

		PipelineResult result = pipeline.stop(Duration.ofSeconds(10));
		assertThat(result.state()).isEqualTo(PipelineState.STOPPED);
		assertNoThreadsLeft(name);
	}

	@Test
	void runWhileStartedIsRefusedWithAMessageThatSaysToStopFirst() throws InterruptedException {
		String name = "ci-run-while-started";
		AtomicInteger calls = new AtomicInteger();
		Pipeline<Integer> pipeline = track(Pipeline.<Integer>builder(name).step("count", (Integer x) -> {
			calls.incrementAndGet();
			return x;
		}).build());
		pipeline.start();

		assertThatIllegalStateException().isThrownBy(() -> pipeline.run(List.of(1, 2, 3)))
			.withMessageContaining(name)
			.withMessageContaining("already running")
			.withMessageContaining("stop()");
		assertThat(calls).hasValue(0);
		assertThat(pipeline.state()).isEqualTo(PipelineState.RUNNING);
		// the continuous run is unharmed
		pipeline.input().put(1);
		await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() == 1);
		PipelineResult result = pipeline.stop(Duration.ofSeconds(10));
		assertThat(result.in()).isEqualTo(1);
		assertThat(result.completed()).isEqualTo(1);
		assertNoThreadsLeft(name);
	}

	@Test
	void aStoppedPipelineStartsAgainWithFreshResultsWhileSnapshotsCountEveryRun() throws InterruptedException {
		String name = "ci-restart";
		Set<Integer> seen = ConcurrentHashMap.newKeySet();
		Pipeline<Integer> pipeline = track(Pipeline.<Integer>builder(name)
			.step("drop-odd", (Integer x) -> (x % 2 == 0) ? x : null, (s) -> s.workers(2))
			.step("keep", (Integer x) -> {
				seen.add(x);
				return x;
			})
			.build());

		pipeline.start();
		for (int i = 0; i < 10; i++) {
			pipeline.input().put(i);
		}
		PipelineResult first = pipeline.stop(Duration.ofSeconds(10));
		assertThat(first.in()).isEqualTo(10);
		assertThat(first.completed()).isEqualTo(5);
		assertThat(first.dropped()).isEqualTo(5);
		assertThat(pipeline.state()).isEqualTo(PipelineState.STOPPED);
		assertNoThreadsLeft(name);

		pipeline.start();
		assertThat(pipeline.state()).isEqualTo(PipelineState.RUNNING);
		assertThat(pipeline.input().isAccepting()).isTrue();
		// snapshots count over every run (monitoring counters never go down); results
		// count one run
		PipelineSnapshot fresh = pipeline.snapshot();
		assertThat(fresh.in()).isEqualTo(10);
		assertThat(fresh.completed()).isEqualTo(5);
		assertThat(fresh.dropped()).isEqualTo(5);
		for (StepSnapshot step : fresh.steps()) {
			assertThat(step.stats().in()).as(step.name()).isEqualTo(step.name().equals("keep") ? 5 : 10);
			assertThat(step.workersAlive()).as(step.name()).isPositive();
		}
		for (int i = 100; i < 103; i++) {
			pipeline.input().put(i);
		}
		PipelineResult second = pipeline.stop(Duration.ofSeconds(10));

		assertThat(second).isNotSameAs(first);
		assertThat(second.state()).isEqualTo(PipelineState.STOPPED);
		assertThat(second.in()).isEqualTo(3);
		assertThat(second.completed()).isEqualTo(2);
		assertThat(second.dropped()).isEqualTo(1);
		assertThat(second.step("drop-odd").in()).isEqualTo(3);
		assertThat(second.step("keep").in()).isEqualTo(2);
		assertThat(seen).containsExactlyInAnyOrder(0, 2, 4, 6, 8, 100, 102);
		// the first result is kept as it was
		assertThat(first.in()).isEqualTo(10);
		assertThat(pipeline.snapshot().in()).isEqualTo(13);
		assertThat(pipeline.snapshot().completed()).isEqualTo(7);
		assertNoThreadsLeft(name);
	}

	@Test
	void completionCallbackFiresOncePerItemWhetherCompletedDroppedOrDeadLettered() throws InterruptedException {
		String name = "ci-callbacks";
		int perProducer = 400;
		int producers = 3;
		int total = perProducer * producers;
		Map<Integer, AtomicInteger> callbacks = new ConcurrentHashMap<>();
		AtomicInteger callbackTotal = new AtomicInteger();
		ConcurrentLinkedQueue<DeadLetter> deadLetters = new ConcurrentLinkedQueue<>();
		Set<Integer> completed = ConcurrentHashMap.newKeySet();
		Pipeline<Integer> pipeline = track(Pipeline.<Integer>builder(name)
			.queueCapacity(16)
			.deadLetterHandler(deadLetters::add)
			.step("filter", (Integer x) -> (x % 5 == 0) ? null : x, (s) -> s.workers(2))
			.step("check", (Integer x) -> {
				if (x % 7 == 0) {
					throw new IllegalArgumentException("multiple of seven: " + x);
				}
				return x;
			}, (s) -> s.workers(3))
			.step("store", (Integer x) -> {
				completed.add(x);
				return x;
			}, (s) -> s.workers(2))
			.build());
		pipeline.start();
		List<Thread> feeders = new ArrayList<>();
		AtomicReference<Throwable> feedFailure = new AtomicReference<>();
		for (int p = 0; p < producers; p++) {
			int first = p * perProducer;
			boolean useOffer = p == 0;
			Thread feeder = thread(name + "-feeder-" + p, () -> {
				try {
					for (int i = first; i < first + perProducer; i++) {
						int item = i;
						CompletionCallback callback = () -> {
							callbacks.computeIfAbsent(item, (k) -> new AtomicInteger()).incrementAndGet();
							callbackTotal.incrementAndGet();
						};
						if (useOffer) {
							assertThat(pipeline.input().offer(item, Duration.ofSeconds(20), callback)).isTrue();
						}
						else {
							pipeline.input().put(item, callback);
						}
					}
				}
				catch (Throwable ex) {
					feedFailure.set(ex);
				}
			});
			feeders.add(feeder);
			feeder.start();
		}
		for (Thread feeder : feeders) {
			feeder.join(30_000);
		}
		assertThat(feedFailure.get()).isNull();
		await().atMost(Duration.ofSeconds(20)).until(() -> callbackTotal.get() >= total);
		PipelineResult result = pipeline.stop(Duration.ofSeconds(10));

		Set<Integer> all = IntStream.range(0, total).boxed().collect(Collectors.toSet());
		Set<Integer> dropped = all.stream().filter((x) -> x % 5 == 0).collect(Collectors.toSet());
		Set<Integer> rejected = all.stream().filter((x) -> x % 5 != 0 && x % 7 == 0).collect(Collectors.toSet());
		assertThat(callbacks.keySet()).isEqualTo(all);
		assertThat(callbacks.values()).allSatisfy((count) -> assertThat(count).hasValue(1));
		assertThat(callbackTotal).hasValue(total);
		assertThat(result.in()).isEqualTo(total);
		assertThat(result.dropped()).isEqualTo(dropped.size());
		assertThat(result.deadLettered()).isEqualTo(rejected.size());
		assertThat(result.completed()).isEqualTo(total - dropped.size() - rejected.size());
		assertThat(result.in())
			.isEqualTo(result.completed() + result.dropped() + result.deadLettered() + result.abandoned());
		assertThat(deadLetters).extracting(DeadLetter::item).containsExactlyInAnyOrderElementsOf(rejected);
		assertThat(deadLetters).allSatisfy((letter) -> {
			assertThat(letter.step()).isEqualTo("check");
			assertThat(letter.attempts()).isEqualTo(1);
			assertThat(letter.cause()).isInstanceOf(IllegalArgumentException.class);
		});
		Set<Integer> expectedCompleted = all.stream()
			.filter((x) -> !dropped.contains(x) && !rejected.contains(x))
			.collect(Collectors.toSet());
		assertThat(completed).isEqualTo(expectedCompleted);
		assertNoThreadsLeft(name);
	}

	private static void assertRefused(PipelineInput<Integer> input, int item) {
		assertThatExceptionOfType(PipelineClosedException.class).isThrownBy(() -> input.put(item));
		assertThatExceptionOfType(PipelineClosedException.class).isThrownBy(() -> input.put(item, () -> {
		}));
		assertThatExceptionOfType(PipelineClosedException.class)
			.isThrownBy(() -> input.offer(item, Duration.ofMillis(10)));
		assertThatExceptionOfType(PipelineClosedException.class)
			.isThrownBy(() -> input.offer(item, Duration.ZERO, () -> {
			}));
	}

	private static List<Integer> range(int from, int to) {
		return IntStream.range(from, to).boxed().toList();
	}

	private CountDownLatch latch() {
		CountDownLatch latch = new CountDownLatch(1);
		this.latches.add(latch);
		return latch;
	}

	private <T> Pipeline<T> track(Pipeline<T> pipeline) {
		this.pipelines.add(pipeline);
		return pipeline;
	}

	private Thread thread(String name, Runnable task) {
		Thread thread = new Thread(task, name);
		thread.setDaemon(true);
		this.threads.add(thread);
		return thread;
	}

}
