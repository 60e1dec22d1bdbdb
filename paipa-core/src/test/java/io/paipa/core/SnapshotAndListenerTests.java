package io.paipa.core;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * {@link Pipeline#snapshot()}, the {@link PipelineListener} SPI and the progress log.
 */
@Timeout(60)
class SnapshotAndListenerTests {

	private final ExecutorService executor = Executors.newCachedThreadPool();

	@AfterEach
	void shutdownExecutor() throws InterruptedException {
		this.executor.shutdownNow();
		assertThat(this.executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
	}

	private static List<Integer> range(int from, int to) {
		return IntStream.range(from, to).boxed().toList();
	}

	// ---- snapshot

	static class Parse implements StepHandler<String, Integer> {

		@Override
		public Integer process(String item) {
			return Integer.valueOf(item);
		}

	}

	static class ParseSubclass extends Parse {

	}

	static class Digits implements FanOutHandler<Integer, List<Character>> {

		@Override
		public void process(Integer item, Emitter<List<Character>> out) {
			List<Character> digits = new ArrayList<>();
			for (char c : item.toString().toCharArray()) {
				digits.add(c);
			}
			out.emit(digits);
		}

	}

	static class Count implements StreamHandler<List<Character>, Long> {

		@Override
		public void process(StepInput<List<Character>> in, Emitter<Long> out) {
			long n = 0;
			while (in.hasNext()) {
				n += in.next().size();
			}
			out.emit(n);
		}

	}

	@Test
	void snapshotBeforeAnyRunShowsTheStepsAsBuilt() {
		Pipeline<String> pipeline = Pipeline.<String>builder("shape")
			.step("parse", new Parse(), s -> s.workers(3).queueCapacity(10))
			.step("again", (Integer x) -> x.toString())
			.step("reparse", new ParseSubclass(), s -> s.workers(2))
			.fanOut("digits", new Digits())
			.stream("count", new Count(), s -> s.workers(4))
			.step("lambda", (Long n) -> n + 1)
			.step("declared", (Long n) -> n.toString(), s -> s.types(Long.class, String.class))
			.queueCapacity(32)
			.build();

		PipelineSnapshot snapshot = pipeline.snapshot();

		assertThat(snapshot.name()).isEqualTo("shape");
		assertThat(snapshot.state()).isEqualTo(PipelineState.NEW);
		assertThat(snapshot.in()).isZero();
		assertThat(snapshot.completed()).isZero();
		assertThat(snapshot.lastError()).isNull();
		assertThat(snapshot.steps()).extracting(StepSnapshot::name)
			.containsExactly("parse", "again", "reparse", "digits", "count", "lambda", "declared");
		assertThat(snapshot.steps()).extracting(StepSnapshot::kind)
			.containsExactly(StepKind.ONE_TO_ONE, StepKind.ONE_TO_ONE, StepKind.ONE_TO_ONE, StepKind.FAN_OUT,
					StepKind.STREAM, StepKind.ONE_TO_ONE, StepKind.ONE_TO_ONE);
		assertThat(snapshot.step("parse").inputType()).isEqualTo("String");
		assertThat(snapshot.step("parse").outputType()).isEqualTo("Integer");
		assertThat(snapshot.step("reparse").inputType()).as("inherited from the superclass").isEqualTo("String");
		assertThat(snapshot.step("reparse").outputType()).isEqualTo("Integer");
		assertThat(snapshot.step("digits").inputType()).isEqualTo("Integer");
		assertThat(snapshot.step("digits").outputType()).isEqualTo("List<Character>");
		assertThat(snapshot.step("count").inputType()).isEqualTo("List<Character>");
		assertThat(snapshot.step("count").outputType()).isEqualTo("Long");
		assertThat(snapshot.step("again").inputType()).isEqualTo("Object");
		assertThat(snapshot.step("again").outputType()).isEqualTo("Object");
		assertThat(snapshot.step("lambda").inputType()).isEqualTo("Object");
		assertThat(snapshot.step("lambda").outputType()).isEqualTo("Object");
		assertThat(snapshot.step("declared").inputType()).isEqualTo("Long");
		assertThat(snapshot.step("declared").outputType()).isEqualTo("String");
		assertThat(snapshot.steps()).extracting(StepSnapshot::workersConfigured).containsExactly(3, 1, 2, 1, 4, 1, 1);
		assertThat(snapshot.steps()).extracting(StepSnapshot::queueCapacity)
			.containsExactly(10, 32, 32, 32, 32, 32, 32);
		assertThat(snapshot.steps()).allSatisfy((step) -> {
			assertThat(step.workersAlive()).isZero();
			assertThat(step.workersBusy()).isZero();
			assertThat(step.queueDepth()).isZero();
			assertThat(step.utilization()).isZero();
			assertThat(step.longestBusyNanos()).isZero();
			assertThat(step.stats().step()).isEqualTo(step.name());
			assertThat(step.stats().in()).isZero();
			assertThat(step.stats().processed()).isZero();
		});
	}

	@Test
	void snapshotAfterARunShowsItsEndAndCounts() {
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("after")
			.step("drop", (Integer x) -> (x % 4 == 0) ? null : x, s -> s.workers(2))
			.step("sink", (Integer x) -> x)
			.build();

		PipelineResult result = pipeline.run(range(0, 100));
		PipelineSnapshot snapshot = pipeline.snapshot();

		assertThat(snapshot.state()).isEqualTo(PipelineState.COMPLETED);
		assertThat(snapshot.in()).isEqualTo(result.in()).isEqualTo(100);
		assertThat(snapshot.completed()).isEqualTo(result.completed()).isEqualTo(75);
		assertThat(snapshot.dropped()).isEqualTo(25);
		assertThat(snapshot.step("drop").stats()).isEqualTo(result.step("drop"));
		assertThat(snapshot.steps()).allSatisfy((step) -> {
			assertThat(step.workersAlive()).isZero();
			assertThat(step.workersBusy()).isZero();
			assertThat(step.queueDepth()).isZero();
		});
	}

	@Test
	void snapshotOfASaturatedStepShowsBusyWorkersFullQueuesAndUtilization() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		AtomicInteger entered = new AtomicInteger();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("sat")
			.step("first", (Integer x) -> x, s -> s.queueCapacity(2))
			.step("slow", (Integer x) -> {
				entered.incrementAndGet();
				release.await();
				return x;
			}, s -> s.workers(2).queueCapacity(3))
			.build();
		Future<PipelineResult> run = this.executor.submit(() -> pipeline.run(range(0, 200)));
		try {
			await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
				PipelineSnapshot now = pipeline.snapshot();
				StepSnapshot slow = now.step("slow");
				assertThat(slow.workersAlive()).isEqualTo(2);
				assertThat(slow.workersBusy()).isEqualTo(2);
				assertThat(slow.queueDepth()).isEqualTo(slow.queueCapacity()).isEqualTo(3);
				assertThat(now.step("first").queueDepth()).isEqualTo(2);
			});
			long longest = pipeline.snapshot().step("slow").longestBusyNanos();
			assertThat(longest).isPositive();
			await().atMost(Duration.ofSeconds(20))
				.until(() -> pipeline.snapshot().step("slow").longestBusyNanos() > longest);
			await().atMost(Duration.ofSeconds(30)).until(() -> pipeline.snapshot().step("slow").utilization() > 0.8);
			PipelineSnapshot now = pipeline.snapshot();
			assertThat(now.state()).isEqualTo(PipelineState.RUNNING);
			assertThat(now.step("slow").utilization()).isLessThanOrEqualTo(1.0);
			assertThat(now.step("slow").workersBusy()).isEqualTo(now.step("slow").workersConfigured());
			assertThat(now.completed()).isZero();
			assertThat(entered).hasValue(2);
			// in flight: at most capacity + max(capacity, workers) per step, (2 + 2) + (3
			// + 3)
			assertThat(now.in()).isLessThanOrEqualTo(10);
		}
		finally {
			release.countDown();
		}
		PipelineResult result = run.get(30, TimeUnit.SECONDS);
		assertThat(result.completed()).isEqualTo(200);
		assertThat(pipeline.snapshot().step("slow").workersBusy()).isZero();
		assertThat(pipeline.snapshot().step("slow").longestBusyNanos()).isZero();
	}

	// ---- listener

	/** Counts every event; thread-safe. */
	static class Recording implements PipelineListener {

		final List<String> states = new CopyOnWriteArrayList<>();

		final Map<String, LongAdder> items = new ConcurrentHashMap<>();

		final Map<String, LongAdder> started = new ConcurrentHashMap<>();

		final Map<String, LongAdder> stopped = new ConcurrentHashMap<>();

		final Queue<String> restarted = new ConcurrentLinkedQueue<>();

		final Queue<Long> negativeNanos = new ConcurrentLinkedQueue<>();

		final Queue<String> wrongPipeline = new ConcurrentLinkedQueue<>();

		final String pipeline;

		Recording(String pipeline) {
			this.pipeline = pipeline;
		}

		private void check(String pipeline) {
			if (!this.pipeline.equals(pipeline)) {
				this.wrongPipeline.add(pipeline);
			}
		}

		@Override
		public void stateChanged(String pipeline, PipelineState from, PipelineState to) {
			check(pipeline);
			this.states.add(from + "->" + to);
		}

		@Override
		public void itemProcessed(String pipeline, String step, ItemOutcome outcome, long handlerNanos) {
			check(pipeline);
			if (handlerNanos < -1) {
				this.negativeNanos.add(handlerNanos);
			}
			this.items.computeIfAbsent(step + "/" + outcome, (k) -> new LongAdder()).increment();
		}

		@Override
		public void workerStarted(String pipeline, String step, String worker) {
			check(pipeline);
			this.started.computeIfAbsent(step + "/" + worker, (k) -> new LongAdder()).increment();
		}

		@Override
		public void workerStopped(String pipeline, String step, String worker) {
			check(pipeline);
			this.stopped.computeIfAbsent(step + "/" + worker, (k) -> new LongAdder()).increment();
		}

		@Override
		public void workerRestarted(String pipeline, String step, String worker, Throwable cause) {
			check(pipeline);
			this.restarted.add(step + "/" + worker + "/" + cause.getMessage());
		}

		long count(String step, ItemOutcome outcome) {
			LongAdder adder = this.items.get(step + "/" + outcome);
			return (adder != null) ? adder.sum() : 0;
		}

		void assertMatches(StepStats stats) {
			assertThat(count(stats.step(), ItemOutcome.PROCESSED)).as("PROCESSED events of %s", stats.step())
				.isEqualTo(stats.processed());
			assertThat(count(stats.step(), ItemOutcome.DROPPED)).as("DROPPED events of %s", stats.step())
				.isEqualTo(stats.dropped());
			assertThat(count(stats.step(), ItemOutcome.RETRIED)).as("RETRIED events of %s", stats.step())
				.isEqualTo(stats.retried());
			assertThat(count(stats.step(), ItemOutcome.FAILED)).as("FAILED events of %s", stats.step())
				.isEqualTo(stats.failed());
		}

		static Map<String, Long> sums(Map<String, LongAdder> map) {
			Map<String, Long> out = new TreeMap<>();
			map.forEach((key, adder) -> out.put(key, adder.sum()));
			return out;
		}

	}

	private static Map<String, Long> oncePerWorker(String pipeline, String step, int workers) {
		Map<String, Long> out = new TreeMap<>();
		for (int i = 0; i < workers; i++) {
			out.put(step + "/paipa-" + pipeline + "-" + step + "-" + i, 1L);
		}
		return out;
	}

	@Test
	void listenerSeesBatchStatesItemOutcomesAndWorkers() {
		Recording listener = new Recording("events");
		Map<Integer, AtomicInteger> attempts = new ConcurrentHashMap<>();
		List<DeadLetter> letters = new CopyOnWriteArrayList<>();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("events").step("flaky", (Integer x) -> {
			int attempt = attempts.computeIfAbsent(x, (k) -> new AtomicInteger()).incrementAndGet();
			if (x % 5 == 0) {
				throw new IllegalStateException("never " + x);
			}
			if (x % 3 == 0 && attempt == 1) {
				throw new IllegalStateException("once " + x);
			}
			return x;
		}, s -> s.workers(2).retry(RetryPolicy.of(2, Duration.ZERO)))
			.step("drop", (Integer x) -> (x % 2 == 0) ? null : x, s -> s.workers(3))
			.<Integer>fanOut("twice", (x, out) -> {
				out.emit(x);
				out.emit(x);
			})
			.step("sink", (Integer x) -> x)
			.onError(ErrorPolicy.SKIP)
			.deadLetterHandler(letters::add)
			.listener(listener)
			.build();

		PipelineResult result = pipeline.run(range(1, 301));

		assertThat(listener.states).containsExactly("NEW->RUNNING", "RUNNING->COMPLETED");
		StepStats flaky = result.step("flaky");
		assertThat(flaky.failed()).isEqualTo(60);
		assertThat(flaky.retried()).isEqualTo(60 + 80);
		assertThat(result.step("drop").dropped()).isEqualTo(120);
		for (StepStats stats : result.steps()) {
			listener.assertMatches(stats);
		}
		assertThat(listener.count("sink", ItemOutcome.PROCESSED)).isEqualTo(240);
		assertThat(listener.negativeNanos).isEmpty();
		assertThat(listener.wrongPipeline).isEmpty();
		Map<String, Long> expected = new TreeMap<>();
		expected.putAll(oncePerWorker("events", "flaky", 2));
		expected.putAll(oncePerWorker("events", "drop", 3));
		expected.putAll(oncePerWorker("events", "twice", 1));
		expected.putAll(oncePerWorker("events", "sink", 1));
		assertThat(Recording.sums(listener.started)).isEqualTo(expected);
		// workerStopped is called by the worker as it ends, possibly just after run()
		// returns
		await().atMost(Duration.ofSeconds(10)).until(() -> Recording.sums(listener.stopped).equals(expected));
		assertThat(listener.restarted).isEmpty();
	}

	/** Counts the handler samples per step and keeps the smallest of each step. */
	static final class Sampler implements PipelineListener {

		final Map<String, LongAdder> samples = new ConcurrentHashMap<>();

		final Map<String, AtomicLong> smallest = new ConcurrentHashMap<>();

		@Override
		public void handlerSampled(String pipeline, String step, long handlerNanos) {
			this.samples.computeIfAbsent(step, (k) -> new LongAdder()).increment();
			this.smallest.computeIfAbsent(step, (k) -> new AtomicLong(Long.MAX_VALUE))
				.accumulateAndGet(handlerNanos, Math::min);
		}

		long smallest(String step) {
			AtomicLong value = this.smallest.get(step);
			return (value != null) ? value.get() : Long.MAX_VALUE;
		}

		long count(String step) {
			LongAdder adder = this.samples.get(step);
			return (adder != null) ? adder.sum() : 0;
		}

	}

	private static Integer slow(Integer x, long nanos) {
		long end = System.nanoTime() + nanos;
		while (System.nanoTime() < end) {
			LockSupport.parkNanos(end - System.nanoTime());
		}
		return x;
	}

	@Test
	void handlerIsSampledAtMostOncePerBatchAndForEveryItemOfASlowStep() {
		Sampler sampler = new Sampler();
		long slowNanos = TimeUnit.MICROSECONDS.toNanos(300);
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("sampled")
			.step("trivial", (Integer x) -> x + 1, s -> s.workers(2))
			.step("drop", (Integer x) -> (x % 2 == 0) ? null : x)
			.step("slow", (Integer x) -> slow(x, slowNanos))
			.<Integer>stream("stream", (in, out) -> {
				while (in.hasNext()) {
					out.emit(in.next());
				}
			})
			.listener(sampler)
			.build();

		PipelineResult result = pipeline.run(range(0, 400));

		assertThat(result.completed()).isEqualTo(200);
		// slower than the batch-time target: one item per batch, every item a sample,
		// each
		// the handler's own time
		assertThat(sampler.count("slow")).isEqualTo(200);
		// a sample is the handler's own time: never shorter than what the slow handler
		// takes
		assertThat(sampler.smallest("slow")).isGreaterThanOrEqualTo(slowNanos).isLessThan(Long.MAX_VALUE);
		// trivial steps take what waits: at least one sample, at most one per item the
		// handler got through (dropped items count)
		assertThat(sampler.count("trivial")).isBetween(1L, 400L);
		assertThat(sampler.count("drop")).isBetween(1L, 400L);
		// stream steps see no single item
		assertThat(sampler.count("stream")).isZero();
	}

	@Test
	void listenerOverridingItemProcessedStillGetsEveryItemBesideASampler() {
		Sampler sampler = new Sampler();
		Recording recording = new Recording("both");
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("both")
			.step("trivial", (Integer x) -> x + 1, s -> s.workers(2))
			.step("drop", (Integer x) -> (x % 2 == 0) ? null : x)
			.step("slow", (Integer x) -> slow(x, TimeUnit.MICROSECONDS.toNanos(300)))
			.listener(sampler)
			.listener(recording)
			.build();

		PipelineResult result = pipeline.run(range(0, 400));

		for (StepStats stats : result.steps()) {
			recording.assertMatches(stats);
		}
		assertThat(recording.negativeNanos).isEmpty();
		assertThat(sampler.count("slow")).isEqualTo(200);
		assertThat(sampler.count("trivial")).isBetween(1L, 400L);
	}

	@Test
	void listenerCountsOfAStreamStepMatchItsStats() {
		Recording listener = new Recording("streamevents");
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("streamevents")
			.stream("chunk", Steps.<Integer>chunk(10), s -> s.workers(2))
			.<Integer>stream("sizes", (in, out) -> {
				while (in.hasNext()) {
					out.emit(in.next().size());
				}
			})
			.step("sink", (Integer x) -> x)
			.listener(listener)
			.build();

		PipelineResult result = pipeline.run(range(0, 1000));

		assertThat(result.step("chunk").processed()).isEqualTo(1000);
		// "once per item a StreamHandler took"
		for (StepStats stats : result.steps()) {
			listener.assertMatches(stats);
		}
	}

	@Test
	void listenerSeesContinuousStatesThroughDraining() throws Exception {
		Recording listener = new Recording("cont");
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("cont")
			.step("sink", (Integer x) -> x, s -> s.workers(2))
			.listener(listener)
			.build();

		pipeline.start();
		assertThat(listener.states).containsExactly("NEW->RUNNING");
		for (int i = 0; i < 50; i++) {
			pipeline.input().put(i);
		}
		PipelineResult result = pipeline.stop(Duration.ofSeconds(10));

		assertThat(listener.states).containsExactly("NEW->RUNNING", "RUNNING->DRAINING", "DRAINING->STOPPED");
		assertThat(result.completed()).isEqualTo(50);
		listener.assertMatches(result.step("sink"));
		Map<String, Long> expected = oncePerWorker("cont", "sink", 2);
		assertThat(Recording.sums(listener.started)).isEqualTo(expected);
		await().atMost(Duration.ofSeconds(10)).until(() -> Recording.sums(listener.stopped).equals(expected));
	}

	@Test
	void aStepsOwnSnapshotIsItsPartOfThePipelinesBeforeDuringAndAfterRuns() {
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("one-step")
			.step("double", (Integer x) -> x * 2, (s) -> s.workers(2))
			.step("odd", (Integer x) -> (x % 4 == 0) ? null : x)
			.build();
		assertThat(pipeline.stepSnapshot("double")).isEqualTo(pipeline.snapshot().step("double"));

		pipeline.run(range(0, 100));
		pipeline.run(range(0, 50));

		// counts over both runs, as in the pipeline's snapshot
		assertThat(pipeline.stepSnapshot("odd").stats()).isEqualTo(pipeline.snapshot().step("odd").stats());
		assertThat(pipeline.stepSnapshot("double").stats().processed()).isEqualTo(150);
		assertThat(pipeline.stepSnapshot("odd").stats().in()).isEqualTo(150);
		assertThat(pipeline.stepSnapshot("double").workersConfigured()).isEqualTo(2);
		assertThatExceptionOfType(IllegalArgumentException.class).isThrownBy(() -> pipeline.stepSnapshot("nope"))
			.withMessageContaining("'nope'")
			.withMessageContaining("[double, odd]");
	}

	@Test
	void listenerSeesAFailedBatch() {
		Recording listener = new Recording("failing");
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("failing").step("boom", (Integer x) -> {
			if (x == 3) {
				throw new IllegalStateException("three");
			}
			return x;
		}).listener(listener).build();

		assertThatExceptionOfType(PipelineFailedException.class).isThrownBy(() -> pipeline.run(range(0, 10)))
			.satisfies((failure) -> assertThat(failure.getStep()).isEqualTo("boom"))
			.withMessageContaining("three");

		assertThat(pipeline.state()).isEqualTo(PipelineState.FAILED);
		assertThat(listener.states).containsExactly("NEW->RUNNING", "RUNNING->FAILED");
		assertThat(listener.count("boom", ItemOutcome.FAILED)).isEqualTo(1);
	}

	@Test
	void listenerStartedAndStoppedBalanceWhenAWorkerDiesAndIsReplaced() {
		Recording listener = new Recording("dies");
		AtomicInteger deaths = new AtomicInteger();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("dies").step("fragile", (Integer x) -> {
			if (x == 10 && deaths.getAndIncrement() == 0) {
				throw new AssertionError("worker killer");
			}
			return x;
		}).onError(ErrorPolicy.SKIP).deadLetterHandler((letter) -> {
		}).listener(listener).build();

		PipelineResult result = pipeline.run(range(0, 50));

		assertThat(result.step("fragile").restarts()).isEqualTo(1);
		assertThat(listener.restarted).containsExactly("fragile/paipa-dies-fragile-0/worker killer");
		assertThat(Recording.sums(listener.started)).isEqualTo(Map.of("fragile/paipa-dies-fragile-0", 2L));
		// workerStopped: "called when a worker thread ends, whatever the reason"; two
		// threads named paipa-dies-fragile-0 started and ended. (One worker per step: its
		// last workerStopped comes before the step finishes, so no wait is needed.)
		assertThat(Recording.sums(listener.stopped)).isEqualTo(Recording.sums(listener.started));
	}

	@Test
	void throwingListenerDoesNotBreakThePipeline() {
		AtomicLong calls = new AtomicLong();
		PipelineListener throwing = new PipelineListener() {

			@Override
			public void stateChanged(String pipeline, PipelineState from, PipelineState to) {
				calls.incrementAndGet();
				throw new IllegalStateException("listener bug");
			}

			@Override
			public void itemProcessed(String pipeline, String step, ItemOutcome outcome, long handlerNanos) {
				calls.incrementAndGet();
				throw new IllegalStateException("listener bug");
			}

			@Override
			public void workerStarted(String pipeline, String step, String worker) {
				calls.incrementAndGet();
				throw new AssertionError("listener error");
			}

			@Override
			public void workerStopped(String pipeline, String step, String worker) {
				calls.incrementAndGet();
				throw new IllegalStateException("listener bug");
			}

		};
		Recording after = new Recording("robust");
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("robust")
			.step("drop", (Integer x) -> (x % 2 == 0) ? null : x, s -> s.workers(2))
			.step("sink", (Integer x) -> x)
			.listener(throwing)
			.listener(after)
			.build();

		PipelineResult result = pipeline.run(range(0, 20));

		assertThat(result.state()).isEqualTo(PipelineState.COMPLETED);
		assertThat(result.completed()).isEqualTo(10);
		assertThat(result.dropped()).isEqualTo(10);
		// 2 state changes, 30 items, 3 workers started
		assertThat(calls.get()).isGreaterThanOrEqualTo(2 + 30 + 3);
		// the listener after the throwing one still gets everything
		assertThat(after.states).containsExactly("NEW->RUNNING", "RUNNING->COMPLETED");
		for (StepStats stats : result.steps()) {
			after.assertMatches(stats);
		}
		// and the pipeline runs again
		assertThat(pipeline.run(range(0, 10)).completed()).isEqualTo(5);
	}

	// ---- progress log

	private static boolean progressThreadAlive(String pipeline) {
		String name = "paipa-" + pipeline + "-progress";
		return Thread.getAllStackTraces().keySet().stream().anyMatch((t) -> t.getName().equals(name) && t.isAlive());
	}

	@Test
	void progressLogWritesLinesWhileABatchRunsAndItsThreadEnds() {
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("prog")
			.step("parse", (Integer x) -> x)
			.step("slow", (Integer x) -> {
				Thread.sleep(2);
				return (x % 10 == 0) ? null : x;
			}, s -> s.workers(2))
			.step("sink", (Integer x) -> x)
			.progressInterval(Duration.ofMillis(100))
			.build();
		AtomicInteger sawProgressThread = new AtomicInteger();
		ByteArrayOutputStream captured = new ByteArrayOutputStream();
		PrintStream original = System.err;
		PipelineResult result;
		System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
		try {
			result = pipeline.run(() -> IntStream.range(0, 400).peek((i) -> {
				if (i == 300 && progressThreadAlive("prog")) {
					sawProgressThread.incrementAndGet();
				}
			}).boxed().iterator());
		}
		finally {
			System.setErr(original);
		}

		assertThat(result.completed()).isEqualTo(360);
		assertThat(sawProgressThread).hasValue(1);
		Pattern line = Pattern
			.compile("\\[paipa-prog-progress\\] INFO io\\.paipa\\.progress - Pipeline 'prog' RUNNING: "
					+ "parse \\d+/s q \\d+/64 busy [01]/[01] \\| slow \\d+/s q \\d+/64 busy [0-2]/[0-2] \\| sink \\d+/s q \\d+/64 busy [01]/[01]"
					+ "; in \\d+, completed \\d+, dropped \\d+, dead-lettered 0");
		List<String> lines = captured.toString(StandardCharsets.UTF_8)
			.lines()
			.filter((text) -> text.contains("paipa-prog-progress"))
			.toList();
		assertThat(lines).isNotEmpty().allSatisfy((text) -> assertThat(text).containsPattern(line));
		await().atMost(Duration.ofSeconds(10)).until(() -> !progressThreadAlive("prog"));
	}

	@Test
	void progressThreadEndsWhenAContinuousPipelineStops() throws Exception {
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("progc")
			.step("sink", (Integer x) -> x)
			.progressInterval(Duration.ofMillis(50))
			.build();
		assertThat(progressThreadAlive("progc")).isFalse();
		pipeline.start();
		try {
			assertThat(progressThreadAlive("progc")).isTrue();
			pipeline.input().put(1);
		}
		finally {
			assertThat(pipeline.stop(Duration.ofSeconds(10)).completed()).isEqualTo(1);
		}
		await().atMost(Duration.ofSeconds(10)).until(() -> !progressThreadAlive("progc"));
	}

	@Test
	void noProgressThreadByDefault() {
		AtomicInteger seen = new AtomicInteger();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("noprog").step("sink", (Integer x) -> {
			if (progressThreadAlive("noprog")) {
				seen.incrementAndGet();
			}
			return x;
		}).build();

		pipeline.run(range(0, 5));

		assertThat(seen).hasValue(0);
	}

}
