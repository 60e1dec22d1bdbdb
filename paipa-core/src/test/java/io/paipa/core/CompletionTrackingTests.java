package io.paipa.core;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Completion tracking: a callback given with an input item fires exactly once, only when
 * the item and everything derived from it has left the last step, been dropped or been
 * dead-lettered, and never for an abandoned item.
 */
@Timeout(60)
class CompletionTrackingTests {

	private static final Duration AWAIT = Duration.ofSeconds(20);

	@RegisterExtension
	final StartedPipelines pipelines = new StartedPipelines();

	/** Problems seen inside callbacks, which run in worker threads. */
	private final ConcurrentLinkedQueue<String> callbackErrors = new ConcurrentLinkedQueue<>();

	private <I> Pipeline<I> start(Pipeline<I> pipeline) {
		return this.pipelines.start(pipeline);
	}

	/**
	 * Waits until a stream step's handler took {@code n} items: they entered the step,
	 * its queue is empty and its worker waits for more (a stream worker waits only once
	 * its handler took its whole batch).
	 */
	static void awaitTakenByTheHandler(Pipeline<?> pipeline, String step, int n) {
		await().atMost(AWAIT).until(() -> {
			StepSnapshot snapshot = pipeline.snapshot().step(step);
			return snapshot.stats().in() == n && snapshot.queueDepth() == 0 && snapshot.workersBusy() == 0;
		});
	}

	private static void awaitLatch(CountDownLatch latch) {
		try {
			if (!latch.await(20, TimeUnit.SECONDS)) {
				throw new IllegalStateException("latch not released in time");
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted", ex);
		}
	}

	@Test
	void oneToOneCallbackFiresOnceOnlyAfterTheItemLeftTheLastStep() throws Exception {
		int n = 500;
		Set<Integer> recorded = ConcurrentHashMap.newKeySet();
		CountDownLatch holdEntered = new CountDownLatch(1);
		CountDownLatch releaseHold = new CountDownLatch(1);
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("cb-one")
			.step("double", (Integer x) -> x * 2, s -> s.workers(2).queueCapacity(8))
			.step("sink", (Integer x) -> {
				recorded.add(x);
				if (x == 0) {
					holdEntered.countDown();
					awaitLatch(releaseHold);
				}
				return x;
			}, s -> s.workers(2).queueCapacity(8))
			.build();
		start(pipeline);
		AtomicIntegerArray fired = new AtomicIntegerArray(n);
		CountDownLatch others = new CountDownLatch(n - 1);
		for (int i = 0; i < n; i++) {
			int item = i;
			pipeline.input().put(item, () -> {
				if (!recorded.contains(item * 2)) {
					this.callbackErrors.add("callback of " + item + " fired before the last step saw " + (item * 2));
				}
				fired.incrementAndGet(item);
				if (item != 0) {
					others.countDown();
				}
			});
			if (item == 0) {
				// item 0 alone in the hands of one sink worker
				assertThat(holdEntered.await(20, TimeUnit.SECONDS)).isTrue();
			}
		}
		// The second sink worker completes every other item while item 0 is held in the
		// last step.
		assertThat(others.await(20, TimeUnit.SECONDS)).isTrue();
		assertThat(fired.get(0)).as("callback of the item still inside the last step").isZero();
		releaseHold.countDown();
		await().atMost(AWAIT).until(() -> fired.get(0) == 1);
		PipelineResult result = pipeline.stop(Duration.ofSeconds(10));
		assertThat(this.callbackErrors).isEmpty();
		for (int i = 0; i < n; i++) {
			assertThat(fired.get(i)).as("callbacks of item %d", i).isEqualTo(1);
		}
		assertThat(result.state()).isEqualTo(PipelineState.STOPPED);
		assertThat(result.in()).isEqualTo(n);
		assertThat(result.completed()).isEqualTo(n);
		assertThat(result.in())
			.isEqualTo(result.completed() + result.dropped() + result.deadLettered() + result.abandoned());
	}

	@Test
	void fanOutCallbackWaitsForEveryOutputToLeaveTheLastStep() throws Exception {
		Map<Integer, AtomicInteger> recorded = new ConcurrentHashMap<>();
		CountDownLatch holdEntered = new CountDownLatch(1);
		CountDownLatch releaseHold = new CountDownLatch(1);
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("cb-fan")
			.fanOut("split", (Integer x, Emitter<Integer> out) -> {
				for (int j = 0; j < 3; j++) {
					out.emit(x * 10 + j);
				}
			}, s -> s.queueCapacity(4))
			.step("sink", (Integer y) -> {
				recorded.computeIfAbsent(y, k -> new AtomicInteger()).incrementAndGet();
				if (y == 71) {
					holdEntered.countDown();
					awaitLatch(releaseHold);
				}
				return y;
			}, s -> s.workers(2).queueCapacity(4))
			.build();
		start(pipeline);
		AtomicInteger heldFired = new AtomicInteger();
		pipeline.input().put(7, () -> {
			for (int j = 0; j < 3; j++) {
				if (!recorded.containsKey(70 + j)) {
					this.callbackErrors.add("callback of 7 fired before output " + (70 + j) + " left the last step");
				}
			}
			heldFired.incrementAndGet();
		});
		assertThat(holdEntered.await(20, TimeUnit.SECONDS)).isTrue();
		// the other two outputs pass the second sink worker
		await().atMost(AWAIT).until(() -> recorded.containsKey(70) && recorded.containsKey(72));
		// and more inputs settle while output 71 is held
		int n = 30;
		AtomicIntegerArray fired = new AtomicIntegerArray(n);
		CountDownLatch othersDone = new CountDownLatch(n);
		for (int i = 100; i < 100 + n; i++) {
			int item = i;
			pipeline.input().put(item, () -> {
				for (int j = 0; j < 3; j++) {
					if (!recorded.containsKey(item * 10 + j)) {
						this.callbackErrors.add("callback of " + item + " fired before output " + (item * 10 + j));
					}
				}
				fired.incrementAndGet(item - 100);
				othersDone.countDown();
			});
		}
		assertThat(othersDone.await(20, TimeUnit.SECONDS)).isTrue();
		assertThat(heldFired.get()).as("callback of the input whose output is still in the last step").isZero();
		releaseHold.countDown();
		await().atMost(AWAIT).until(() -> heldFired.get() == 1);
		PipelineResult result = pipeline.stop(Duration.ofSeconds(10));
		assertThat(this.callbackErrors).isEmpty();
		assertThat(heldFired.get()).isEqualTo(1);
		for (int i = 0; i < n; i++) {
			assertThat(fired.get(i)).as("callbacks of item %d", 100 + i).isEqualTo(1);
		}
		assertThat(recorded).hasSize(3 * (n + 1));
		assertThat(recorded.values()).allSatisfy(count -> assertThat(count.get()).isEqualTo(1));
		assertThat(result.step("split").emitted()).isEqualTo(3L * (n + 1));
		assertThat(result.completed()).isEqualTo(3L * (n + 1));
		assertThat(result.abandoned()).isZero();
	}

	@Test
	void fanOutWithoutOutputsSettlesItsInputAtOnce() throws Exception {
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("cb-fan-none")
			.fanOut("evensOnly", (Integer x, Emitter<Integer> out) -> {
				if (x % 2 == 0) {
					out.emit(x);
				}
			})
			.step("sink", (Integer x) -> x)
			.build();
		start(pipeline);
		int n = 40;
		Callbacks callbacks = putTracked(pipeline, n);
		AtomicIntegerArray fired = callbacks.fired();
		CountDownLatch all = callbacks.all();
		assertThat(all.await(20, TimeUnit.SECONDS)).isTrue();
		PipelineResult result = pipeline.stop(Duration.ofSeconds(10));
		for (int i = 0; i < n; i++) {
			assertThat(fired.get(i)).as("callbacks of item %d", i).isEqualTo(1);
		}
		assertThat(result.step("evensOnly").processed()).isEqualTo(n);
		assertThat(result.step("evensOnly").emitted()).isEqualTo(n / 2);
		assertThat(result.completed()).isEqualTo(n / 2);
	}

	@Test
	void chunkMembersSettleWhenTheirChunkLeftTheLastStepAndThePartialChunkAtStop() throws Exception {
		Set<Integer> recorded = ConcurrentHashMap.newKeySet();
		List<Integer> chunkSizes = new CopyOnWriteArrayList<>();
		CountDownLatch firstChunkEntered = new CountDownLatch(1);
		CountDownLatch releaseFirstChunk = new CountDownLatch(1);
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("cb-chunk")
			.stream("chunk", Steps.<Integer>chunk(10), s -> s.queueCapacity(8))
			.step("sink", (List<Integer> chunk) -> {
				recorded.addAll(chunk);
				chunkSizes.add(chunk.size());
				if (chunk.contains(0)) {
					firstChunkEntered.countDown();
					awaitLatch(releaseFirstChunk);
				}
				return chunk.size();
			}, s -> s.queueCapacity(4))
			.build();
		start(pipeline);
		int n = 25;
		AtomicIntegerArray fired = new AtomicIntegerArray(n);
		CountDownLatch fullChunks = new CountDownLatch(20);
		for (int i = 0; i < n; i++) {
			int item = i;
			pipeline.input().put(item, () -> {
				if (!recorded.contains(item)) {
					this.callbackErrors.add("callback of " + item + " fired before its chunk reached the last step");
				}
				fired.incrementAndGet(item);
				fullChunks.countDown();
			});
		}
		assertThat(firstChunkEntered.await(20, TimeUnit.SECONDS)).isTrue();
		// The chunk step has consumed every item: it holds no reference to the first
		// chunk's
		// members any more; only the chunk in the last step does.
		awaitTakenByTheHandler(pipeline, "chunk", n);
		for (int i = 0; i < n; i++) {
			assertThat(fired.get(i)).as("callback of item %d while the first chunk is in the last step", i).isZero();
		}
		releaseFirstChunk.countDown();
		assertThat(fullChunks.await(20, TimeUnit.SECONDS)).isTrue();
		for (int i = 0; i < 20; i++) {
			assertThat(fired.get(i)).as("callbacks of item %d", i).isEqualTo(1);
		}
		// The partial chunk (20..24) is still held by the chunk step: no callback, not in
		// the sink.
		for (int i = 20; i < n; i++) {
			assertThat(fired.get(i)).as("callback of item %d of the partial chunk before stop", i).isZero();
			assertThat(recorded).doesNotContain(i);
		}
		PipelineResult result = pipeline.stop(Duration.ofSeconds(10));
		assertThat(this.callbackErrors).isEmpty();
		for (int i = 0; i < n; i++) {
			assertThat(fired.get(i)).as("callbacks of item %d after stop", i).isEqualTo(1);
		}
		assertThat(chunkSizes).containsExactly(10, 10, 5);
		assertThat(result.state()).isEqualTo(PipelineState.STOPPED);
		assertThat(result.step("chunk").in()).isEqualTo(n);
		assertThat(result.step("chunk").processed()).isEqualTo(n);
		assertThat(result.step("chunk").emitted()).isEqualTo(3);
		assertThat(result.completed()).isEqualTo(3);
		assertThat(result.deadLettered()).isZero();
		assertThat(result.abandoned()).isZero();
	}

	@Test
	void chunkMembersSettleOnceTheirChunkLeftEvenWhenNoFurtherInputComes() throws Exception {
		Set<Integer> recorded = ConcurrentHashMap.newKeySet();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("cb-chunk-idle")
			.stream("chunk", Steps.<Integer>chunk(5, Duration.ofMillis(50)))
			.step("sink", (List<Integer> chunk) -> {
				recorded.addAll(chunk);
				return chunk.size();
			})
			.build();
		start(pipeline);
		// two full chunks and a partial one that goes out at max-wait; then the input
		// stays idle
		int n = 12;
		AtomicIntegerArray fired = new AtomicIntegerArray(n);
		CountDownLatch all = new CountDownLatch(n);
		for (int i = 0; i < n; i++) {
			int item = i;
			pipeline.input().put(item, () -> {
				if (!recorded.contains(item)) {
					this.callbackErrors.add("callback of " + item + " fired before its chunk reached the last step");
				}
				fired.incrementAndGet(item);
				all.countDown();
			});
		}
		assertThat(all.await(20, TimeUnit.SECONDS)).as("every callback while the pipeline runs").isTrue();
		assertThat(pipeline.isRunning()).isTrue();
		PipelineResult result = pipeline.stop(Duration.ofSeconds(10));
		assertThat(this.callbackErrors).isEmpty();
		for (int i = 0; i < n; i++) {
			assertThat(fired.get(i)).as("callbacks of item %d", i).isEqualTo(1);
		}
		assertThat(result.step("chunk").processed()).isEqualTo(n);
		assertThat(result.completed()).isEqualTo(3);
	}

	@Test
	void droppedItemsFireTheirCallbacks() throws Exception {
		Set<Integer> reached = ConcurrentHashMap.newKeySet();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("cb-drop")
			.step("oddsOut", (Integer x) -> (x % 2 == 0) ? x : null, s -> s.workers(2).queueCapacity(4))
			.step("sink", (Integer x) -> {
				reached.add(x);
				return x;
			})
			.build();
		start(pipeline);
		int n = 200;
		Callbacks callbacks = putTracked(pipeline, n);
		AtomicIntegerArray fired = callbacks.fired();
		CountDownLatch all = callbacks.all();
		assertThat(all.await(20, TimeUnit.SECONDS)).isTrue();
		PipelineResult result = pipeline.stop(Duration.ofSeconds(10));
		for (int i = 0; i < n; i++) {
			assertThat(fired.get(i)).as("callbacks of item %d", i).isEqualTo(1);
			assertThat(reached.contains(i)).as("item %d reached the sink", i).isEqualTo(i % 2 == 0);
		}
		assertThat(result.dropped()).isEqualTo(n / 2);
		assertThat(result.step("oddsOut").dropped()).isEqualTo(n / 2);
		assertThat(result.completed()).isEqualTo(n / 2);
		assertThat(result.in())
			.isEqualTo(result.completed() + result.dropped() + result.deadLettered() + result.abandoned());
	}

	@Test
	void deadLetteredItemsFireTheirCallbacksAfterTheDeadLetterHandler() throws Exception {
		Set<Object> deadLettered = ConcurrentHashMap.newKeySet();
		Map<Integer, AtomicInteger> attempts = new ConcurrentHashMap<>();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("cb-dead").step("picky", (Integer x) -> {
			attempts.computeIfAbsent(x, k -> new AtomicInteger()).incrementAndGet();
			if (x % 3 == 0) {
				throw new IllegalStateException("no multiples of 3: " + x);
			}
			return x;
		}, s -> s.workers(2).queueCapacity(4).retry(RetryPolicy.of(2, Duration.ZERO)))
			.step("sink", (Integer x) -> x)
			.deadLetterHandler((letter) -> deadLettered.add(letter.item()))
			.build();
		start(pipeline);
		int n = 90;
		AtomicIntegerArray fired = new AtomicIntegerArray(n);
		CountDownLatch all = new CountDownLatch(n);
		for (int i = 0; i < n; i++) {
			int item = i;
			pipeline.input().put(item, () -> {
				if (item % 3 == 0 && !deadLettered.contains(item)) {
					this.callbackErrors.add("callback of " + item + " fired before its dead letter was handled");
				}
				fired.incrementAndGet(item);
				all.countDown();
			});
		}
		assertThat(all.await(20, TimeUnit.SECONDS)).isTrue();
		PipelineResult result = pipeline.stop(Duration.ofSeconds(10));
		assertThat(this.callbackErrors).isEmpty();
		for (int i = 0; i < n; i++) {
			assertThat(fired.get(i)).as("callbacks of item %d", i).isEqualTo(1);
			assertThat(attempts.get(i).get()).as("attempts of item %d", i).isEqualTo((i % 3 == 0) ? 2 : 1);
		}
		assertThat(deadLettered).hasSize(n / 3);
		StepStats picky = result.step("picky");
		assertThat(picky.deadLettered()).isEqualTo(n / 3);
		assertThat(picky.failed()).isEqualTo(n / 3);
		assertThat(picky.retried()).isEqualTo(n / 3);
		assertThat(picky.in())
			.isEqualTo(picky.processed() + picky.dropped() + picky.deadLettered() + picky.abandoned());
		assertThat(result.completed()).isEqualTo(n - n / 3);
		assertThat(result.abandoned()).isZero();
	}

	/** A callback that knows its input, as a source acknowledging records would. */
	private record Origin(int input) implements CompletionCallback {

		@Override
		public void completed() {
		}

	}

	@Test
	void deadLettersNameTheCallbacksOfTheInputsTheyDeriveFrom() throws Exception {
		Map<Object, List<CompletionCallback>> origins = new ConcurrentHashMap<>();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("cb-origins")
			.fanOut("twice", (Integer x, Emitter<Integer> out) -> {
				out.emit(x * 10);
				out.emit(x * 10 + 1);
			})
			.step("picky", (Integer x) -> {
				if (x == 31) {
					throw new IllegalStateException("no 31");
				}
				return x;
			}, s -> s.onError(ErrorPolicy.SKIP))
			.stream("chunk", Steps.<Integer>chunk(4, Duration.ofMillis(20)))
			.step("sink", (List<Integer> chunk) -> {
				if (chunk.contains(50)) {
					throw new IllegalStateException("no chunk with 50");
				}
				return chunk;
			}, s -> s.onError(ErrorPolicy.SKIP))
			.deadLetterHandler((letter) -> origins.put(letter.item(), letter.origins()))
			.build();
		start(pipeline);
		for (int i = 0; i < 8; i++) {
			pipeline.input().put(i, new Origin(i));
		}
		pipeline.input().put(9);
		await().atMost(AWAIT).until(() -> origins.size() == 2);
		// the fan-out output 31 comes from input 3 alone
		assertThat(origins.get(31)).containsExactly(new Origin(3));
		// the chunk holding 50 stands for every input its members came from
		Object chunk = origins.keySet().stream().filter(List.class::isInstance).findFirst().orElseThrow();
		List<Integer> expected = ((List<?>) chunk).stream().map((x) -> ((Integer) x) / 10).distinct().toList();
		assertThat(origins.get(chunk)).extracting((origin) -> ((Origin) origin).input())
			.containsOnlyElementsOf(expected)
			.contains(5);
		PipelineResult result = pipeline.stop(Duration.ofSeconds(10));
		assertThat(result.deadLettered()).isEqualTo(2);
		assertThat(new DeadLetter("p", "s", "x", new IllegalStateException(), 1).origins()).isEmpty();
	}

	@Test
	void deadLetteredItemsOfAStreamStepFireTheirCallbacksAfterTheDeadLetterHandler() throws Exception {
		Set<Object> deadLettered = ConcurrentHashMap.newKeySet();
		Set<Integer> reached = ConcurrentHashMap.newKeySet();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("cb-stream-dead")
			.stream("noFives", (StepInput<Integer> input, Emitter<Integer> out) -> {
				while (input.hasNext()) {
					Integer x = input.next();
					if (x % 5 == 0) {
						throw new IllegalStateException("no multiples of 5: " + x);
					}
					out.emit(x);
				}
			}, s -> s.queueCapacity(4))
			.step("sink", (Integer x) -> {
				reached.add(x);
				return x;
			})
			.deadLetterHandler((letter) -> deadLettered.add(letter.item()))
			.build();
		start(pipeline);
		int n = 50;
		AtomicIntegerArray fired = new AtomicIntegerArray(n);
		CountDownLatch all = new CountDownLatch(n);
		for (int i = 0; i < n; i++) {
			int item = i;
			pipeline.input().put(item, () -> {
				if (item % 5 == 0 && !deadLettered.contains(item)) {
					this.callbackErrors.add("callback of " + item + " fired before its dead letter was handled");
				}
				fired.incrementAndGet(item);
				all.countDown();
			});
		}
		// the last item (49) settles when the stream step ends
		PipelineResult result = pipeline.stop(Duration.ofSeconds(10));
		assertThat(all.await(20, TimeUnit.SECONDS)).isTrue();
		for (int i = 0; i < n; i++) {
			assertThat(fired.get(i)).as("callbacks of item %d", i).isEqualTo(1);
			assertThat(reached.contains(i)).as("item %d reached the sink", i).isEqualTo(i % 5 != 0);
		}
		assertThat(deadLettered).hasSize(n / 5);
		assertThat(result.step("noFives").deadLettered()).isEqualTo(n / 5);
		assertThat(result.step("noFives").in())
			.isEqualTo(result.step("noFives").processed() + result.step("noFives").deadLettered());
		assertThat(this.callbackErrors)
			.as("a source that acknowledges in the callback must not acknowledge an item "
					+ "before the dead-letter handler has it")
			.isEmpty();
	}

	@Test
	void membersOfAChunkDeadLetteredAtStopFireTheirCallbacks() throws Exception {
		CountDownLatch gateEntered = new CountDownLatch(1);
		CountDownLatch neverOpened = new CountDownLatch(1);
		ConcurrentLinkedQueue<DeadLetter> deadLetters = new ConcurrentLinkedQueue<>();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("cb-chunk-stop").step("gate", (Integer x) -> {
			if (x == 99) {
				gateEntered.countDown();
				// interrupted when the stop's timeout runs out
				neverOpened.await();
			}
			return x;
		}, s -> s.queueCapacity(4))
			.stream("chunk", Steps.<Integer>chunk(100), s -> s.queueCapacity(8))
			.step("sink", (List<Integer> chunk) -> chunk.size())
			.deadLetterHandler(deadLetters::add)
			.build();
		start(pipeline);
		Map<Integer, AtomicInteger> fired = new ConcurrentHashMap<>();
		for (int item : new int[] { 0, 1, 2, 3, 4 }) {
			pipeline.input().put(item, () -> fired.computeIfAbsent(item, k -> new AtomicInteger()).incrementAndGet());
		}
		// all five sit in the chunk worker's partial chunk
		awaitTakenByTheHandler(pipeline, "chunk", 5);
		pipeline.input().put(99, () -> fired.computeIfAbsent(99, k -> new AtomicInteger()).incrementAndGet());
		assertThat(gateEntered.await(20, TimeUnit.SECONDS)).isTrue();
		long begin = System.nanoTime();
		PipelineResult result = pipeline.stop(Duration.ofMillis(300));
		assertThat(Duration.ofNanos(System.nanoTime() - begin)).isLessThan(Duration.ofSeconds(10));
		assertThat(result.state()).isEqualTo(PipelineState.STOPPED);
		assertThat(result.stuckWorkers()).isEmpty();
		// 99 could not be finished at "gate"; the partial chunk never reached "sink"
		assertThat(deadLetters).extracting(DeadLetter::step).containsExactlyInAnyOrder("gate", "sink");
		assertThat(deadLetters).extracting(DeadLetter::item).containsExactlyInAnyOrder(99, List.of(0, 1, 2, 3, 4));
		assertThat(result.completed()).isZero();
		assertThat(result.abandoned()).isZero();
		for (StepStats step : result.steps()) {
			assertThat(step.in()).as("step %s", step.step())
				.isEqualTo(step.processed() + step.dropped() + step.deadLettered() + step.abandoned());
		}
		// every item was dead-lettered (99 itself, 0..4 inside their chunk): each
		// callback fires once
		assertThat(fired.keySet()).as("items whose callbacks fired").containsExactlyInAnyOrder(0, 1, 2, 3, 4, 99);
		assertThat(fired.values()).allSatisfy(count -> assertThat(count.get()).isEqualTo(1));
	}

	@Test
	void withRedeliverTrackedAtStopTrackedLeftoversAreAbandonedAndOthersDeadLettered() throws Exception {
		CountDownLatch gateEntered = new CountDownLatch(1);
		CountDownLatch neverOpened = new CountDownLatch(1);
		ConcurrentLinkedQueue<DeadLetter> deadLetters = new ConcurrentLinkedQueue<>();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("cb-redeliver").step("gate", (Integer x) -> {
			if (x == 99) {
				gateEntered.countDown();
				// interrupted when the stop's timeout runs out
				neverOpened.await();
			}
			return x;
		}, s -> s.queueCapacity(4))
			.stream("chunk", Steps.<Integer>chunk(100), s -> s.queueCapacity(8))
			.step("sink", (List<Integer> chunk) -> chunk.size())
			.deadLetterHandler(deadLetters::add)
			.redeliverTrackedAtStop()
			.build();
		start(pipeline);
		Map<Integer, AtomicInteger> fired = new ConcurrentHashMap<>();
		for (int item : new int[] { 0, 1, 2, 3, 4 }) {
			pipeline.input().put(item, () -> fired.computeIfAbsent(item, k -> new AtomicInteger()).incrementAndGet());
		}
		awaitTakenByTheHandler(pipeline, "chunk", 5);
		pipeline.input().put(99, () -> fired.computeIfAbsent(99, k -> new AtomicInteger()).incrementAndGet());
		assertThat(gateEntered.await(20, TimeUnit.SECONDS)).isTrue();
		// an untracked item waits behind 99
		pipeline.input().put(7);
		await().atMost(AWAIT).until(() -> pipeline.snapshot().step("gate").queueDepth() == 1);
		PipelineResult result = pipeline.stop(Duration.ofMillis(300));
		assertThat(result.state()).isEqualTo(PipelineState.STOPPED);
		// the untracked item is dead-lettered as always; the tracked ones are left to
		// their source
		assertThat(deadLetters).extracting(DeadLetter::item).containsExactly(7);
		assertThat(fired).as("callbacks of items left to their source").isEmpty();
		assertThat(result.step("gate").abandoned()).isEqualTo(1);
		assertThat(result.abandoned()).isGreaterThanOrEqualTo(2);
		assertThat(result.deadLettered()).isEqualTo(1);
		for (StepStats step : result.steps()) {
			assertThat(step.in()).as("step %s", step.step())
				.isEqualTo(step.processed() + step.dropped() + step.deadLettered() + step.abandoned());
		}
	}

	@Test
	void abandonedItemsNeverFireTheirCallbacks() throws Exception {
		CountDownLatch sinkHolds = new CountDownLatch(1);
		CountDownLatch neverReleased = new CountDownLatch(1);
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("cb-abandon").step("boom", (Integer x) -> {
			if (x == 5) {
				throw new IllegalStateException("boom on 5");
			}
			return x;
		}, s -> s.onError(ErrorPolicy.FAIL).queueCapacity(4)).step("sink", (Integer x) -> {
			if (x == 3) {
				sinkHolds.countDown();
				// interrupted by the abort after the failure
				neverReleased.await();
			}
			return x;
		}, s -> s.queueCapacity(4)).shutdownTimeout(Duration.ofSeconds(5)).build();
		start(pipeline);
		Map<Integer, AtomicInteger> fired = new ConcurrentHashMap<>();
		CountDownLatch firstThree = new CountDownLatch(3);
		for (int item : new int[] { 0, 1, 2, 3 }) {
			pipeline.input().put(item, () -> {
				fired.computeIfAbsent(item, k -> new AtomicInteger()).incrementAndGet();
				firstThree.countDown();
			});
		}
		assertThat(firstThree.await(20, TimeUnit.SECONDS)).isTrue();
		assertThat(sinkHolds.await(20, TimeUnit.SECONDS)).isTrue();
		// item 10 passes "boom" and waits in the sink's queue behind the held item 3
		pipeline.input().put(10, () -> fired.computeIfAbsent(10, k -> new AtomicInteger()).incrementAndGet());
		await().atMost(AWAIT).until(() -> pipeline.snapshot().step("sink").queueDepth() == 1);
		pipeline.input().put(5, () -> fired.computeIfAbsent(5, k -> new AtomicInteger()).incrementAndGet());
		await().atMost(AWAIT).until(() -> pipeline.state() == PipelineState.FAILED);
		long begin = System.nanoTime();
		PipelineResult result = pipeline.stop(Duration.ofSeconds(5));
		assertThat(Duration.ofNanos(System.nanoTime() - begin)).isLessThan(Duration.ofSeconds(20));
		assertThat(result.state()).isEqualTo(PipelineState.FAILED);
		assertThat(result.failure()).isNotNull();
		assertThat(result.failure().getStep()).isEqualTo("boom");
		assertThat(result.stuckWorkers()).isEmpty();
		// 3 held in the sink, 10 queued in front of it, 5 failed under FAIL: all
		// abandoned
		assertThat(result.abandoned()).isEqualTo(3);
		assertThat(result.step("boom").abandoned()).isEqualTo(1);
		assertThat(result.step("sink").abandoned()).isEqualTo(2);
		assertThat(result.in()).isEqualTo(6);
		assertThat(result.completed()).isEqualTo(3);
		assertThat(result.in())
			.isEqualTo(result.completed() + result.dropped() + result.deadLettered() + result.abandoned());
		for (StepStats step : result.steps()) {
			assertThat(step.in()).as("step %s", step.step())
				.isEqualTo(step.processed() + step.dropped() + step.deadLettered() + step.abandoned());
		}
		// every worker has ended: nothing can fire any more
		assertThat(fired.keySet()).containsExactlyInAnyOrder(0, 1, 2);
		assertThat(fired.values()).allSatisfy(count -> assertThat(count.get()).isEqualTo(1));
	}

	@Test
	void theItemThatFailedAStreamStepUnderTheFailPolicyNeverFiresItsCallback() throws Exception {
		Set<Integer> reached = ConcurrentHashMap.newKeySet();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("cb-stream-fail")
			.stream("noThrees", (StepInput<Integer> input, Emitter<Integer> out) -> {
				while (input.hasNext()) {
					Integer x = input.next();
					if (x == 3) {
						throw new IllegalStateException("no 3");
					}
					out.emit(x);
				}
			}, s -> s.onError(ErrorPolicy.FAIL).queueCapacity(4))
			.step("sink", (Integer x) -> {
				reached.add(x);
				return x;
			})
			.shutdownTimeout(Duration.ofSeconds(5))
			.build();
		start(pipeline);
		Map<Integer, AtomicInteger> fired = new ConcurrentHashMap<>();
		CountDownLatch firstThree = new CountDownLatch(3);
		for (int item : new int[] { 0, 1, 2 }) {
			pipeline.input().put(item, () -> {
				fired.computeIfAbsent(item, k -> new AtomicInteger()).incrementAndGet();
				firstThree.countDown();
			});
		}
		// 0 and 1 settle when the stream step takes the next item; 2 when it takes 3
		await().atMost(AWAIT).until(() -> reached.size() == 3);
		pipeline.input().put(3, () -> fired.computeIfAbsent(3, k -> new AtomicInteger()).incrementAndGet());
		await().atMost(AWAIT).until(() -> pipeline.state() == PipelineState.FAILED);
		PipelineResult result = pipeline.stop(Duration.ofSeconds(5));
		assertThat(firstThree.await(20, TimeUnit.SECONDS)).isTrue();
		assertThat(result.state()).isEqualTo(PipelineState.FAILED);
		assertThat(result.failure().getStep()).isEqualTo("noThrees");
		assertThat(result.step("noThrees").abandoned()).isEqualTo(1);
		assertThat(result.step("noThrees").deadLettered()).isZero();
		assertThat(result.completed()).isEqualTo(3);
		// 3 was abandoned by the failure: an at-least-once source must see it again
		assertThat(fired.keySet()).as("items whose callbacks fired").containsExactlyInAnyOrder(0, 1, 2);
		assertThat(fired.values()).allSatisfy(count -> assertThat(count.get()).isEqualTo(1));
	}

	@Test
	void offerThatTimesOutNeverFiresItsCallback() throws Exception {
		CountDownLatch entered = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("cb-offer").step("slow", (Integer x) -> {
			if (x == 0) {
				entered.countDown();
				awaitLatch(release);
			}
			return x;
		}, s -> s.queueCapacity(1)).build();
		start(pipeline);
		Map<Integer, AtomicInteger> fired = new ConcurrentHashMap<>();
		assertThat(pipeline.input()
			.offer(0, Duration.ofSeconds(10),
					() -> fired.computeIfAbsent(0, k -> new AtomicInteger()).incrementAndGet()))
			.isTrue();
		assertThat(entered.await(20, TimeUnit.SECONDS)).isTrue();
		assertThat(pipeline.input()
			.offer(1, Duration.ofSeconds(10),
					() -> fired.computeIfAbsent(1, k -> new AtomicInteger()).incrementAndGet()))
			.isTrue();
		assertThat(pipeline.input()
			.offer(2, Duration.ofMillis(50),
					() -> fired.computeIfAbsent(2, k -> new AtomicInteger()).incrementAndGet()))
			.isFalse();
		release.countDown();
		PipelineResult result = pipeline.stop(Duration.ofSeconds(10));
		assertThat(result.in()).isEqualTo(2);
		assertThat(result.completed()).isEqualTo(2);
		assertThat(fired.keySet()).containsExactlyInAnyOrder(0, 1);
		assertThat(fired.values()).allSatisfy(count -> assertThat(count.get()).isEqualTo(1));
	}

	@Test
	void throwingCallbacksDoNotBreakThePipeline() throws Exception {
		Set<Integer> reached = ConcurrentHashMap.newKeySet();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("cb-throw")
			.step("pass", (Integer x) -> (x % 5 == 4) ? null : x, s -> s.workers(2).queueCapacity(4))
			.step("sink", (Integer x) -> {
				reached.add(x);
				return x;
			}, s -> s.workers(2).queueCapacity(4))
			.build();
		start(pipeline);
		int n = 60;
		AtomicIntegerArray fired = new AtomicIntegerArray(n);
		CountDownLatch all = new CountDownLatch(n);
		for (int i = 0; i < n; i++) {
			int item = i;
			pipeline.input().put(item, () -> {
				fired.incrementAndGet(item);
				all.countDown();
				if (item % 3 == 0) {
					throw new IllegalStateException("callback of " + item + " fails");
				}
				if (item % 3 == 1) {
					throw new AssertionError("callback of " + item + " fails with an Error");
				}
			});
		}
		assertThat(all.await(20, TimeUnit.SECONDS)).isTrue();
		assertThat(pipeline.isRunning()).isTrue();
		assertThat(pipeline.input().isAccepting()).isTrue();
		PipelineResult result = pipeline.stop(Duration.ofSeconds(10));
		for (int i = 0; i < n; i++) {
			assertThat(fired.get(i)).as("callbacks of item %d", i).isEqualTo(1);
		}
		assertThat(result.state()).isEqualTo(PipelineState.STOPPED);
		assertThat(result.isSuccess()).isTrue();
		assertThat(reached).hasSize(n - n / 5);
		assertThat(result.completed()).isEqualTo(n - n / 5);
		assertThat(result.dropped()).isEqualTo(n / 5);
		assertThat(result.deadLettered()).isZero();
		for (StepStats step : result.steps()) {
			assertThat(step.restarts()).as("restarts of %s", step.step()).isZero();
		}
	}

	/**
	 * Puts items 0..n-1, each with a callback counting its calls; {@code all} counts the
	 * first calls down.
	 */
	private static Callbacks putTracked(Pipeline<Integer> pipeline, int n) throws InterruptedException {
		AtomicIntegerArray fired = new AtomicIntegerArray(n);
		CountDownLatch all = new CountDownLatch(n);
		for (int i = 0; i < n; i++) {
			int item = i;
			pipeline.input().put(item, () -> {
				fired.incrementAndGet(item);
				all.countDown();
			});
		}
		return new Callbacks(fired, all);
	}

	/** The callback counts of {@link #putTracked}. */
	private record Callbacks(AtomicIntegerArray fired, CountDownLatch all) {

	}

}
