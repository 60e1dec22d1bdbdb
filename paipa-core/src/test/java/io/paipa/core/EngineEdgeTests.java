package io.paipa.core;

import static io.paipa.core.TestThreads.assertNoThreadsLeft;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The edges of the engine, where stop timeouts, aborts, stream steps and sources meet.
 * Each test is one defect that was found on the engine as a user would use it; the rule
 * checked everywhere: every accepted item ends exactly once as completed, dropped,
 * dead-lettered or (only where documented) abandoned, and its completion callback runs
 * exactly once, after everything derived from it has settled.
 */
@Timeout(120)
class EngineEdgeTests {

	private static final Duration AWAIT = Duration.ofSeconds(20);

	private final List<Runnable> cleanups = new ArrayList<>();

	private final ExecutorService executor = Executors.newCachedThreadPool();

	@AfterEach
	void cleanUp() {
		for (Runnable cleanup : this.cleanups) {
			cleanup.run();
		}
		this.executor.shutdownNow();
	}

	/**
	 * Defect 1: items taken from the caller's queue by a stop with a short timeout were
	 * neither completed nor dead-lettered.
	 */
	@Test
	void itemsTakenFromTheCallersQueueEndExactlyOnceWhateverTheStopTimeout() throws Exception {
		for (int trial = 0; trial < 24; trial++) {
			String name = "edge-callers-queue-" + trial;
			ArrayBlockingQueue<Integer> queue = new ArrayBlockingQueue<>(16);
			Set<Integer> completed = ConcurrentHashMap.newKeySet();
			ConcurrentLinkedQueue<Object> deadLettered = new ConcurrentLinkedQueue<>();
			Pipeline<Integer> pipeline = Pipeline.<Integer>builder(name)
				.queueCapacity(4)
				.deadLetterHandler((letter) -> deadLettered.add(letter.item()))
				.step("slow", (Integer x) -> {
					Thread.sleep(1);
					completed.add(x);
					return x;
				}, (s) -> s.workers(2))
				.build();
			pipeline.start(queue);
			AtomicBoolean producing = new AtomicBoolean(true);
			AtomicInteger produced = new AtomicInteger();
			Future<?> producer = this.executor.submit(() -> {
				while (producing.get()) {
					if (queue.offer(produced.get(), 1, TimeUnit.MILLISECONDS)) {
						produced.incrementAndGet();
					}
				}
				return null;
			});
			int enough = 20 + (trial % 4) * 10;
			await().atMost(AWAIT).until(() -> produced.get() > enough);
			Duration timeout = List.of(Duration.ZERO, Duration.ofMillis(1), Duration.ofMillis(10)).get(trial % 3);
			PipelineResult result = pipeline.stop(timeout);
			producing.set(false);
			producer.get(10, TimeUnit.SECONDS);

			Set<Integer> left = Set.copyOf(queue);
			List<Integer> taken = IntStream.range(0, produced.get()).filter((i) -> !left.contains(i)).boxed().toList();
			assertThat(result.in()).as("trial %d: items taken from the caller's queue; %s", trial, result)
				.isEqualTo(taken.size());
			assertThat(result.abandoned()).as("trial %d: %s", trial, result).isZero();
			assertThat(result.completed()).isEqualTo(completed.size());
			assertThat(result.deadLettered()).isEqualTo(deadLettered.size());
			List<Object> ended = new ArrayList<>(completed);
			ended.addAll(deadLettered);
			assertThat(ended).as("trial %d: every taken item ends exactly once", trial)
				.containsExactlyInAnyOrderElementsOf(taken);
			assertNoThreadsLeft(name);
		}
	}

	/**
	 * Defect 2: a stop timeout in the middle of a fan-out dead-lettered the emitted items
	 * one by one at the next step and again inside the whole input at the fan-out step.
	 */
	@Test
	void aStopTimeoutInTheMiddleOfAFanOutEndsEveryElementExactlyOnce() throws Exception {
		String name = "edge-fan-out-stop";
		CountDownLatch blocked = new CountDownLatch(1);
		CountDownLatch never = new CountDownLatch(1);
		ConcurrentLinkedQueue<DeadLetter> deadLetters = new ConcurrentLinkedQueue<>();
		Set<Integer> completed = ConcurrentHashMap.newKeySet();
		Pipeline<List<Integer>> pipeline = Pipeline.<List<Integer>>builder(name)
			.fanOut("flatten", Steps.<Integer>flatten(), (s) -> s.queueCapacity(1))
			.step("blocked", (Integer x) -> {
				blocked.countDown();
				never.await();
				completed.add(x);
				return x;
			}, (s) -> s.queueCapacity(1))
			.deadLetterHandler(deadLetters::add)
			.build();
		pipeline.start();
		AtomicInteger callbacks = new AtomicInteger();
		List<Integer> list = IntStream.range(0, 40).boxed().toList();
		pipeline.input().put(list, callbacks::incrementAndGet);
		assertThat(blocked.await(20, TimeUnit.SECONDS)).isTrue();
		await().atMost(AWAIT).until(() -> pipeline.snapshot().step("blocked").queueDepth() == 1);

		PipelineResult result = pipeline.stop(Duration.ZERO);

		Map<Integer, Integer> seen = new HashMap<>();
		for (DeadLetter letter : deadLetters) {
			if (letter.item() instanceof List<?> whole) {
				whole.forEach((x) -> seen.merge((Integer) x, 1, Integer::sum));
			}
			else {
				seen.merge((Integer) letter.item(), 1, Integer::sum);
			}
		}
		completed.forEach((x) -> seen.merge(x, 1, Integer::sum));
		assertThat(seen.keySet()).as("every element ends").containsExactlyInAnyOrderElementsOf(list);
		assertThat(seen).as("no element ends twice; %s", result).allSatisfy((x, times) -> assertThat(times).isOne());
		assertThat(result.in()).isOne();
		assertThat(result.deadLettered()).isEqualTo(deadLetters.size());
		assertThat(callbacks).hasValue(1);
		assertNoThreadsLeft(name);
	}

	/**
	 * Defect 3: items held by a chunk were lost at a stop timeout (the abort escaped the
	 * chunk's input, so it never emitted the partial chunk it held).
	 */
	@Test
	void itemsHeldByAChunkAreDeadLetteredAtAStopTimeout() throws Exception {
		String name = "edge-chunk-stop";
		CountDownLatch never = new CountDownLatch(1);
		ConcurrentLinkedQueue<DeadLetter> deadLetters = new ConcurrentLinkedQueue<>();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder(name)
			.stream("chunk", Steps.<Integer>chunk(2))
			.step("blocked", (List<Integer> chunk) -> {
				never.await();
				return chunk;
			}, (s) -> s.queueCapacity(1))
			.deadLetterHandler(deadLetters::add)
			.build();
		pipeline.start();
		Map<Integer, AtomicInteger> callbacks = new ConcurrentHashMap<>();
		for (int i = 0; i <= 6; i++) {
			int item = i;
			pipeline.input()
				.put(item, () -> callbacks.computeIfAbsent(item, (k) -> new AtomicInteger()).incrementAndGet());
		}
		await().atMost(AWAIT).until(() -> pipeline.snapshot().step("chunk").stats().in() == 7);
		await().atMost(AWAIT).until(() -> pipeline.snapshot().step("blocked").queueDepth() == 1);

		PipelineResult result = pipeline.stop(Duration.ZERO);

		// 6 is in the chunk's partial list, or still in its queue when the chunk worker
		// was
		// blocked handing the full chunks on before it could take it
		List<Object> members = new ArrayList<>();
		for (DeadLetter letter : deadLetters) {
			if (letter.item() instanceof List<?> chunk) {
				members.addAll(chunk);
			}
			else {
				assertThat(letter.step()).isEqualTo("chunk");
				members.add(letter.item());
			}
		}
		assertThat(members).as("%s", result).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6);
		assertThat(callbacks.keySet()).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6);
		assertThat(callbacks.values()).allSatisfy((count) -> assertThat(count).hasValue(1));
		assertThat(result.in()).isEqualTo(7);
		assertThat(result.abandoned()).isZero();
		assertNoThreadsLeft(name);
	}

	/**
	 * Defect 4: a stop racing a start could leave a pipeline whose stop returned STOPPED
	 * but that said RUNNING forever, with no threads and refusing input.
	 */
	@Test
	void aStopRacingAStartLeavesAStoppedPipelineThatCanStartAgain() throws Exception {
		String name = "edge-stop-races-start";
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder(name)
			.step("slowOpen", new StepHandler<Integer, Integer>() {

				@Override
				public void open(StepContext context) throws Exception {
					Thread.sleep(2);
				}

				@Override
				public Integer process(Integer item) {
					return item;
				}

			}, (s) -> s.workers(2))
			.build();
		for (int trial = 0; trial < 40; trial++) {
			CyclicBarrier go = new CyclicBarrier(2);
			Future<?> starter = this.executor.submit(() -> {
				go.await();
				pipeline.start();
				return null;
			});
			Future<PipelineResult> stopper = this.executor.submit(() -> {
				go.await();
				try {
					return pipeline.stop(Duration.ofSeconds(5));
				}
				catch (IllegalStateException ex) {
					return null; // came before the start began
				}
			});
			starter.get(20, TimeUnit.SECONDS);
			stopper.get(20, TimeUnit.SECONDS);
			if (pipeline.state() == PipelineState.RUNNING) {
				// the stop came first (it found the previous run, or none): this run must
				// work
				assertThat(TestThreads.threadsOf(name)).as("trial %d: threads of a running pipeline", trial)
					.isNotEmpty();
				pipeline.input().put(-1);
				assertThat(pipeline.stop(Duration.ofSeconds(5)).completed()).isOne();
			}
			else {
				assertThat(pipeline.state()).as("trial %d", trial).isEqualTo(PipelineState.STOPPED);
				assertThat(pipeline.input().isAccepting()).isFalse();
			}
			assertNoThreadsLeft(name);
			// it starts again, takes an item, and stops
			pipeline.start();
			pipeline.input().put(trial);
			assertThat(pipeline.stop(Duration.ofSeconds(5)).completed()).isOne();
		}
	}

	/**
	 * Defect 5: a stop during a retry backoff dead-lettered the item with zero attempts
	 * although the handler had been called.
	 */
	@Test
	void aStopDuringARetryBackoffCountsTheAttemptsMade() throws Exception {
		CountDownLatch retrying = new CountDownLatch(1);
		ConcurrentLinkedQueue<DeadLetter> deadLetters = new ConcurrentLinkedQueue<>();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("edge-backoff-stop").step("flaky", (Integer x) -> {
			throw new IllegalStateException("down");
		}, (s) -> s.retry(RetryPolicy.of(5, Duration.ofSeconds(30))))
			.deadLetterHandler(deadLetters::add)
			.listener(new PipelineListener() {

				@Override
				public void itemProcessed(String pipeline, String step, ItemOutcome outcome, long handlerNanos) {
					if (outcome == ItemOutcome.RETRIED) {
						retrying.countDown();
					}
				}

			})
			.build();
		pipeline.start();
		pipeline.input().put(1);
		// the first attempt failed; the worker waits out its 30 s backoff
		assertThat(retrying.await(20, TimeUnit.SECONDS)).isTrue();

		PipelineResult result = pipeline.stop(Duration.ZERO);

		assertThat(deadLetters).singleElement().satisfies((letter) -> {
			assertThat(letter.attempts()).isOne();
			assertThat(letter.cause()).isInstanceOf(PipelineClosedException.class);
			assertThat(letter.cause().getCause()).hasMessage("down");
		});
		assertThat(result.deadLettered()).isOne();
	}

	/**
	 * Defect 6: a batch source pulled a queue's worth before handing any item on, so a
	 * slow source held its first items back, and a source that blocks until the pipeline
	 * has seen what it yielded never got them processed.
	 */
	@Test
	void aBatchSourceHandsEachItemOnAsItIsPulled() {
		Set<Integer> seen = ConcurrentHashMap.newKeySet();
		AtomicReference<String> problem = new AtomicReference<>();
		// yields item n only once the first step has seen item n - 1
		Iterator<Integer> source = new Iterator<>() {

			private int next;

			@Override
			public boolean hasNext() {
				return this.next < 12;
			}

			@Override
			public Integer next() {
				if (this.next >= 12) {
					throw new NoSuchElementException();
				}
				if (this.next > 0) {
					int previous = this.next - 1;
					try {
						if (problem.get() == null) {
							await().atMost(Duration.ofSeconds(5)).until(() -> seen.contains(previous));
						}
					}
					catch (RuntimeException ex) {
						problem.compareAndSet(null, "item " + previous + " was held back by the source thread");
					}
				}
				return this.next++;
			}

		};
		PipelineResult result = Pipeline.<Integer>builder("edge-slow-source").step("first", (Integer x) -> {
			seen.add(x);
			return x;
		}).build().run(source);
		assertThat(problem.get()).isNull();
		assertThat(result.completed()).isEqualTo(12);
	}

	/**
	 * Defect 7, part 1: a stream step that holds an item back settled it before the
	 * output made from it had left the pipeline.
	 */
	@Test
	void aStreamStepThatHoldsAnItemBackSettlesItOnlyAfterItsOutputLeft() throws Exception {
		Set<Integer> leftSink = ConcurrentHashMap.newKeySet();
		ConcurrentLinkedQueue<String> early = new ConcurrentLinkedQueue<>();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("edge-lag")
			.stream("lagOne", (StepInput<Integer> in, Emitter<Integer> out) -> {
				Integer held = null;
				while (in.hasNext()) {
					Integer x = in.next();
					if (held != null) {
						out.emit(held);
					}
					held = x;
				}
				if (held != null) {
					out.emit(held);
				}
			})
			.step("sink", (Integer x) -> {
				leftSink.add(x);
				return x;
			})
			.build();
		pipeline.start();
		int n = 1000;
		CountDownLatch all = new CountDownLatch(n);
		for (int i = 0; i < n; i++) {
			int item = i;
			pipeline.input().put(item, () -> {
				if (!leftSink.contains(item)) {
					early.add("callback of " + item + " before its output left the sink");
				}
				all.countDown();
			});
		}
		PipelineResult result = pipeline.stop(Duration.ofSeconds(20));
		assertThat(all.await(20, TimeUnit.SECONDS)).isTrue();
		assertThat(early).isEmpty();
		assertThat(result.completed()).isEqualTo(n);
	}

	/**
	 * Defect 7, part 2: a stream handler that threw under skip lost the items in its own
	 * state while their callbacks still fired.
	 */
	@Test
	void aStreamHandlerThatThrowsUnderSkipDeadLettersTheItemsItHeld() throws Exception {
		Set<Integer> reached = ConcurrentHashMap.newKeySet();
		ConcurrentLinkedQueue<Object> deadLettered = new ConcurrentLinkedQueue<>();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("edge-stream-state")
			.stream("triples", (StepInput<Integer> in, Emitter<List<Integer>> out) -> {
				List<Integer> triple = new ArrayList<>();
				while (in.hasNext()) {
					Integer x = in.next();
					if (x == 7) {
						throw new IllegalStateException("no 7");
					}
					triple.add(x);
					if (triple.size() == 3) {
						out.emit(triple);
						triple = new ArrayList<>();
					}
				}
				if (!triple.isEmpty()) {
					out.emit(triple);
				}
			})
			.step("sink", (List<Integer> triple) -> {
				reached.addAll(triple);
				return triple;
			})
			.deadLetterHandler((letter) -> deadLettered.add(letter.item()))
			.build();
		pipeline.start();
		Map<Integer, AtomicInteger> callbacks = new ConcurrentHashMap<>();
		for (int i = 0; i < 12; i++) {
			int item = i;
			pipeline.input()
				.put(item, () -> callbacks.computeIfAbsent(item, (k) -> new AtomicInteger()).incrementAndGet());
		}
		pipeline.stop(Duration.ofSeconds(20));

		List<Object> ended = new ArrayList<>(reached);
		ended.addAll(deadLettered);
		// 6 was in the handler's own list when 7 failed: it is dead-lettered with 7
		assertThat(deadLettered).containsExactlyInAnyOrder(6, 7);
		assertThat(ended).containsExactlyInAnyOrderElementsOf(IntStream.range(0, 12).boxed().toList());
		assertThat(callbacks.keySet()).hasSize(12);
		assertThat(callbacks.values()).allSatisfy((count) -> assertThat(count).hasValue(1));
	}

	/**
	 * Defect 8, part 1: stop() called from a handler waited the whole shutdown timeout,
	 * marked its own worker stuck and abandoned the item.
	 */
	@Test
	void stopFromAHandlerDoesNotWaitForItself() throws Exception {
		String name = "edge-stop-from-handler";
		AtomicReference<Pipeline<Integer>> self = new AtomicReference<>();
		AtomicReference<PipelineResult> fromHandler = new AtomicReference<>();
		AtomicLong stopNanos = new AtomicLong();
		Set<Integer> completed = ConcurrentHashMap.newKeySet();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder(name)
			.shutdownTimeout(Duration.ofSeconds(60))
			.step("work", (Integer x) -> {
				if (x == 3) {
					long start = System.nanoTime();
					fromHandler.set(self.get().stop());
					stopNanos.set(System.nanoTime() - start);
				}
				completed.add(x);
				return x;
			})
			.build();
		self.set(pipeline);
		pipeline.start();
		for (int i = 0; i < 3; i++) {
			pipeline.input().put(i);
		}
		pipeline.input().put(3);
		await().atMost(AWAIT).until(() -> fromHandler.get() != null);
		assertThat(Duration.ofNanos(stopNanos.get())).isLessThan(Duration.ofSeconds(20));
		assertThat(pipeline.input().isAccepting()).isFalse();
		await().atMost(AWAIT).until(() -> pipeline.state() == PipelineState.STOPPED);

		PipelineResult result = pipeline.stop();
		assertThat(result.state()).isEqualTo(PipelineState.STOPPED);
		assertThat(result.stuckWorkers()).isEmpty();
		assertThat(result.abandoned()).isZero();
		assertThat(result.completed()).isEqualTo(4);
		assertThat(completed).containsExactlyInAnyOrder(0, 1, 2, 3);
		assertNoThreadsLeft(name);
	}

	/**
	 * Defect 8, part 2: a batch run could not be cancelled: stop() refused batch runs.
	 */
	@Test
	void stopCancelsABatchRun() throws Exception {
		String name = "edge-stop-batch";
		AtomicInteger pulled = new AtomicInteger();
		Set<Integer> completed = ConcurrentHashMap.newKeySet();
		ConcurrentLinkedQueue<Object> deadLettered = new ConcurrentLinkedQueue<>();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder(name).step("slow", (Integer x) -> {
			Thread.sleep(2);
			completed.add(x);
			return x;
		}).deadLetterHandler((letter) -> deadLettered.add(letter.item())).build();
		Iterator<Integer> endless = IntStream.iterate(0, (i) -> i + 1).peek((i) -> pulled.incrementAndGet()).iterator();
		Future<PipelineResult> run = this.executor.submit(() -> pipeline.run(endless));
		await().atMost(AWAIT).until(() -> completed.size() > 20);

		PipelineResult stopped = pipeline.stop(Duration.ofSeconds(10));
		PipelineResult result = run.get(20, TimeUnit.SECONDS);

		assertThat(result).isSameAs(stopped);
		assertThat(result.state()).isEqualTo(PipelineState.STOPPED);
		assertThat(result.failure()).isNull();
		assertThat(result.in()).isEqualTo(pulled.get());
		assertThat(result.in())
			.isEqualTo(result.completed() + result.dropped() + result.deadLettered() + result.abandoned());
		assertThat(result.completed()).isEqualTo(completed.size());
		assertNoThreadsLeft(name);
	}

	/**
	 * Defect 8, part 3: interrupting the thread blocked in run() was ignored.
	 */
	@Test
	void interruptingTheRunningThreadStopsABatchRun() throws Exception {
		String name = "edge-interrupt-batch";
		Set<Integer> completed = ConcurrentHashMap.newKeySet();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder(name)
			.shutdownTimeout(Duration.ofSeconds(10))
			.step("slow", (Integer x) -> {
				Thread.sleep(2);
				completed.add(x);
				return x;
			})
			.build();
		AtomicReference<PipelineResult> result = new AtomicReference<>();
		AtomicBoolean interruptedAfter = new AtomicBoolean();
		Thread runner = new Thread(() -> {
			result.set(pipeline.run(IntStream.iterate(0, (i) -> i + 1).iterator()));
			interruptedAfter.set(Thread.currentThread().isInterrupted());
		});
		runner.start();
		await().atMost(AWAIT).until(() -> completed.size() > 20);
		runner.interrupt();
		runner.join(TimeUnit.SECONDS.toMillis(30));

		assertThat(runner.isAlive()).isFalse();
		assertThat(result.get().state()).isEqualTo(PipelineState.STOPPED);
		assertThat(interruptedAfter).as("the interrupt status is kept for the caller").isTrue();
		assertThat(result.get().in()).isEqualTo(result.get().completed() + result.get().dropped()
				+ result.get().deadLettered() + result.get().abandoned());
		assertNoThreadsLeft(name);
	}

	/**
	 * Defect 9: runInline was a second engine: with a dead-letter handler that throws it
	 * threw the raw exception and called no listener, where run completed.
	 */
	@Test
	void runInlineAndRunAgreeWhenTheDeadLetterHandlerThrows() {
		RecordingListener threadedEvents = new RecordingListener();
		RecordingListener inlineEvents = new RecordingListener();
		PipelineResult threaded = throwingDeadLetters(threadedEvents).run(List.of(1, 2, 3));
		AtomicReference<PipelineResult> inline = new AtomicReference<>();
		assertThatNoException()
			.isThrownBy(() -> inline.set(throwingDeadLetters(inlineEvents).runInline(List.of(1, 2, 3))));
		assertThat(inline.get().deadLettered()).isEqualTo(threaded.deadLettered()).isOne();
		assertThat(inline.get().completed()).isEqualTo(threaded.completed()).isEqualTo(2);
		assertThat(inlineEvents.items).containsExactlyInAnyOrderElementsOf(threadedEvents.items);
		assertThat(inlineEvents.states).containsExactlyElementsOf(threadedEvents.states);
	}

	/** A dead-letter store that is down for its first two calls. */
	private static Pipeline<Integer> throwingDeadLetters(PipelineListener listener) {
		AtomicInteger calls = new AtomicInteger();
		return Pipeline.<Integer>builder("edge-inline-dlh").step("noTwos", (Integer x) -> {
			if (x == 2) {
				throw new IllegalStateException("no 2");
			}
			return x;
		})
			.onError(ErrorPolicy.SKIP)
			.outage(OutagePolicy.off().withBackoff(Duration.ofMillis(1), Duration.ofMillis(1)))
			.deadLetterHandler((letter) -> {
				if (calls.incrementAndGet() <= 2) {
					throw new IllegalStateException("dead-letter store down");
				}
			})
			.listener(listener)
			.build();
	}

	/** Records the events that do not depend on timing or worker counts. */
	static final class RecordingListener implements PipelineListener {

		@Override
		public void outageStarted(String pipeline, String step, Throwable cause) {
			this.states.add("outage " + step);
		}

		@Override
		public void outageEnded(String pipeline, String step, Duration lasted) {
			this.states.add("outage over " + step);
		}

		final Collection<String> items = new ConcurrentLinkedQueue<>();

		final Collection<String> states = new ConcurrentLinkedQueue<>();

		@Override
		public void stateChanged(String pipeline, PipelineState from, PipelineState to) {
			this.states.add(from + "->" + to);
		}

		@Override
		public void itemProcessed(String pipeline, String step, ItemOutcome outcome, long handlerNanos) {
			this.items.add(step + ":" + outcome);
		}

	}

}
