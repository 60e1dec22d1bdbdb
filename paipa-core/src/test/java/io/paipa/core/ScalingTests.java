package io.paipa.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

/**
 * Live scaling: {@link Pipeline#scale(String, int)} adds and removes workers while items
 * flow, without losing or duplicating any.
 */
@Timeout(90)
class ScalingTests {

	private static final Duration AWAIT = Duration.ofSeconds(30);

	@RegisterExtension
	final StartedPipelines pipelines = new StartedPipelines();

	private <I> Pipeline<I> start(Pipeline<I> pipeline) {
		return this.pipelines.start(pipeline);
	}

	private static int alive(Pipeline<?> pipeline, String step) {
		return pipeline.snapshot().step(step).workersAlive();
	}

	private static long liveThreads(String prefix) {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> thread.isAlive() && thread.getName().startsWith(prefix))
			.count();
	}

	private static void assertStepIdentities(PipelineResult result) {
		for (StepStats step : result.steps()) {
			assertThat(step.in()).as("in == processed + dropped + deadLettered + abandoned at step %s", step.step())
				.isEqualTo(step.processed() + step.dropped() + step.deadLettered() + step.abandoned());
		}
	}

	private static void assertEachExactlyOnce(Map<Integer, AtomicInteger> seen, int n) {
		List<Integer> missing = new ArrayList<>();
		List<Integer> duplicated = new ArrayList<>();
		for (int i = 0; i < n; i++) {
			AtomicInteger count = seen.get(i);
			if (count == null) {
				missing.add(i);
			}
			else if (count.get() != 1) {
				duplicated.add(i);
			}
		}
		assertThat(missing).as("items that never reached the last step").isEmpty();
		assertThat(duplicated).as("items that reached the last step more than once").isEmpty();
		assertThat(seen).as("items seen at the last step").hasSize(n);
	}

	private static void record(Map<Integer, AtomicInteger> seen, Integer item) {
		seen.computeIfAbsent(item, (k) -> new AtomicInteger()).incrementAndGet();
	}

	@Test
	void scalingUpAndDownUnderLoadLosesAndDuplicatesNothing() throws Exception {
		int n = 20_000;
		Map<Integer, AtomicInteger> seen = new ConcurrentHashMap<>();
		AtomicLong lastCount = new AtomicLong();
		ConcurrentLinkedQueue<DeadLetter> deadLetters = new ConcurrentLinkedQueue<>();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("scale-load")
			.step("first", (Integer x) -> x, s -> s.workers(2).queueCapacity(16))
			.step("middle", (Integer x) -> {
				LockSupport.parkNanos(200_000);
				return x;
			}, s -> s.queueCapacity(32))
			.step("last", (Integer x) -> {
				record(seen, x);
				lastCount.incrementAndGet();
				return x;
			}, s -> s.workers(2).queueCapacity(16))
			.deadLetterHandler(deadLetters::add)
			.build();
		start(pipeline);
		AtomicReference<Throwable> producerFailure = new AtomicReference<>();
		Thread producer = new Thread(() -> {
			try {
				for (int i = 0; i < n; i++) {
					pipeline.input().put(i);
				}
			}
			catch (Throwable ex) {
				producerFailure.set(ex);
			}
		}, "test-producer");
		producer.start();
		int[] sequence = { 8, 2, 5, 1 };
		int scalings = 0;
		int rounds = 0;
		while (producer.isAlive()) {
			for (int workers : sequence) {
				pipeline.scale("middle", workers);
				scalings++;
				assertThat(pipeline.snapshot().step("middle").workersConfigured()).isEqualTo(workers);
				// let some items through at this size before changing it again
				long mark = lastCount.get();
				long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
				while (lastCount.get() < mark + 150 && producer.isAlive()) {
					if (System.nanoTime() > deadline) {
						throw new AssertionError("no progress at " + workers + " workers: " + pipeline.snapshot());
					}
					LockSupport.parkNanos(1_000_000);
				}
			}
			rounds++;
		}
		producer.join(TimeUnit.SECONDS.toMillis(30));
		assertThat(producerFailure.get()).isNull();
		assertThat(rounds).as("full rounds of scaling while items flowed").isGreaterThanOrEqualTo(1);
		PipelineResult result = pipeline.stop(Duration.ofSeconds(30));
		assertThat(result.state()).isEqualTo(PipelineState.STOPPED);
		assertThat(result.stuckWorkers()).isEmpty();
		assertThat(deadLetters).isEmpty();
		assertThat(result.deadLettered()).isZero();
		assertThat(result.abandoned()).isZero();
		assertThat(result.dropped()).isZero();
		assertThat(result.in()).isEqualTo(n);
		assertThat(result.completed()).isEqualTo(n);
		assertEachExactlyOnce(seen, n);
		StepStats middle = result.step("middle");
		assertThat(middle.in()).isEqualTo(n);
		assertThat(middle.processed()).isEqualTo(n);
		assertThat(middle.emitted()).isEqualTo(n);
		assertThat(middle.restarts()).isZero();
		assertStepIdentities(result);
		assertThat(scalings).isGreaterThanOrEqualTo(4);
		await().atMost(AWAIT).until(() -> liveThreads("paipa-scale-load-") == 0);
	}

	@Test
	void scaleSetsConfiguredWorkersAndAliveWorkersFollow() {
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("scale-count")
			.step("work", (Integer x) -> x)
			.step("sink", (Integer x) -> x)
			.build();
		start(pipeline);
		assertThat(alive(pipeline, "work")).isEqualTo(1);
		for (int workers : new int[] { 4, 2, 7, 1, 3 }) {
			pipeline.scale("work", workers);
			assertThat(pipeline.snapshot().step("work").workersConfigured()).isEqualTo(workers);
			await().atMost(AWAIT).until(() -> alive(pipeline, "work") == workers);
			await().atMost(AWAIT).until(() -> liveThreads("paipa-scale-count-work-") == workers);
			// the other step is untouched
			assertThat(pipeline.snapshot().step("sink").workersConfigured()).isEqualTo(1);
			assertThat(alive(pipeline, "sink")).isEqualTo(1);
		}
		PipelineResult result = pipeline.stop(Duration.ofSeconds(10));
		assertThat(result.state()).isEqualTo(PipelineState.STOPPED);
		await().atMost(AWAIT).until(() -> liveThreads("paipa-scale-count-") == 0);
	}

	@Test
	void scaleRejectsUnknownStepsAndWorkerCountsBelowOne() {
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("scale-bad")
			.step("work", (Integer x) -> x, s -> s.workers(2))
			.build();
		assertThatIllegalArgumentException().isThrownBy(() -> pipeline.scale("nope", 2))
			.withMessageContaining("'nope'")
			.withMessageContaining("scale-bad")
			.withMessageContaining("work");
		assertThatIllegalArgumentException().isThrownBy(() -> pipeline.scale("work", 0))
			.withMessageContaining("'work'")
			.withMessageContaining("0");
		assertThatIllegalArgumentException().isThrownBy(() -> pipeline.scale("work", -3))
			.withMessageContaining("'work'")
			.withMessageContaining("-3");
		assertThat(pipeline.snapshot().step("work").workersConfigured()).isEqualTo(2);
		start(pipeline);
		assertThatIllegalArgumentException().isThrownBy(() -> pipeline.scale("Work", 2))
			.withMessageContaining("'Work'");
		assertThatIllegalArgumentException().isThrownBy(() -> pipeline.scale("work", 0))
			.withMessageContaining("'work'")
			.withMessageContaining("0");
		// a rejected scale changes nothing
		assertThat(pipeline.snapshot().step("work").workersConfigured()).isEqualTo(2);
		assertThat(alive(pipeline, "work")).isEqualTo(2);
		pipeline.stop(Duration.ofSeconds(10));
	}

	@Test
	void scaleBeforeStartSetsTheWorkerCountOfTheNextRuns() throws Exception {
		AtomicInteger opened = new AtomicInteger();
		Set<Integer> workerCounts = ConcurrentHashMap.newKeySet();
		StepHandler<Integer, Integer> handler = new StepHandler<>() {

			@Override
			public void open(StepContext context) {
				opened.incrementAndGet();
				workerCounts.add(context.workerCount());
			}

			@Override
			public Integer process(Integer item) {
				return item;
			}

		};
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("scale-before")
			.step("work", handler)
			.step("sink", (Integer x) -> x)
			.build();
		assertThat(pipeline.snapshot().step("work").workersConfigured()).isEqualTo(1);
		pipeline.scale("work", 3);
		assertThat(pipeline.snapshot().step("work").workersConfigured()).isEqualTo(3);
		start(pipeline);
		// start returns once every worker opened its handler
		assertThat(opened.get()).isEqualTo(3);
		assertThat(workerCounts).containsExactly(3);
		assertThat(pipeline.snapshot().step("work").workersConfigured()).isEqualTo(3);
		assertThat(alive(pipeline, "work")).isEqualTo(3);
		for (int i = 0; i < 100; i++) {
			pipeline.input().put(i);
		}
		PipelineResult first = pipeline.stop(Duration.ofSeconds(10));
		assertThat(first.completed()).isEqualTo(100);

		// the count applies to later runs too, batch ones included
		opened.set(0);
		PipelineResult batch = pipeline.run(IntStream.range(0, 50).boxed().toList());
		assertThat(opened.get()).isEqualTo(3);
		assertThat(batch.completed()).isEqualTo(50);

		// scaled between runs
		pipeline.scale("work", 2);
		opened.set(0);
		PipelineResult again = pipeline.run(IntStream.range(0, 50).boxed().toList());
		assertThat(opened.get()).isEqualTo(2);
		assertThat(again.completed()).isEqualTo(50);
	}

	@Test
	void scaleRacingStartStartsNoExtraWorkers() throws Exception {
		AtomicInteger opened = new AtomicInteger();
		StepHandler<Integer, Integer> handler = new StepHandler<>() {

			@Override
			public void open(StepContext context) {
				opened.incrementAndGet();
			}

			@Override
			public Integer process(Integer item) {
				return item;
			}

		};
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("scale-race")
			.step("work", handler, s -> s.workers(2))
			.build();
		// scale to the count the step already has, over and over: it must never start a
		// worker
		AtomicBoolean hammering = new AtomicBoolean(true);
		Thread hammer = new Thread(() -> {
			while (hammering.get()) {
				pipeline.scale("work", 2);
			}
		}, "test-scale-hammer");
		hammer.start();
		List<String> extraWorkers = new ArrayList<>();
		try {
			for (int run = 0; run < 150 && extraWorkers.size() < 3; run++) {
				opened.set(0);
				pipeline.start();
				int aliveAfterStart = alive(pipeline, "work");
				pipeline.input().put(run);
				PipelineResult result = pipeline.stop(Duration.ofSeconds(10));
				assertThat(result.completed()).isEqualTo(1);
				// every worker of the run has ended: opened counts them all
				if (opened.get() != 2) {
					extraWorkers.add("run " + run + ": " + opened.get() + " workers opened, " + aliveAfterStart
							+ " alive after start, configured 2");
				}
			}
		}
		finally {
			hammering.set(false);
			hammer.join(10_000);
		}
		assertThat(extraWorkers).as("runs where a scale racing start() started workers on top of start()'s").isEmpty();
	}

	@ParameterizedTest(name = "chunk max-wait {0}")
	@ValueSource(booleans = { false, true })
	void scalingAStreamStepDownFlushesTheChunksOfLeavingWorkers(boolean timed) throws Exception {
		int n = 400;
		Map<Integer, AtomicInteger> seen = new ConcurrentHashMap<>();
		Map<Integer, Integer> consumedBy = new ConcurrentHashMap<>();
		Set<Integer> returned = ConcurrentHashMap.newKeySet();
		List<Integer> chunkSizes = new CopyOnWriteArrayList<>();
		// the max-wait is long enough never to run out during the test
		StreamHandler<Integer, List<Integer>> chunk = timed ? Steps.chunk(1000, Duration.ofMinutes(5))
				: Steps.chunk(1000);
		// each worker, once it has an item, waits until all four have one, so that the
		// leaving workers hold items whatever the machine's scheduling
		CountDownLatch spread = new CountDownLatch(4);
		StreamHandler<Integer, List<Integer>> recordingChunk = StreamHandler
			.perWorker(() -> new RecordingChunk(chunk, consumedBy, returned, spread));
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("scale-stream")
			.stream("chunk", recordingChunk, s -> s.workers(4).queueCapacity(8))
			.step("sink", (List<Integer> items) -> {
				chunkSizes.add(items.size());
				for (Integer item : items) {
					record(seen, item);
				}
				return items.size();
			})
			.build();
		start(pipeline);
		for (int i = 0; i < n; i++) {
			pipeline.input().put(i);
		}
		// every item sits in some worker's partial chunk of up to 1000
		await().atMost(AWAIT).until(() -> consumedBy.size() == n);
		assertThat(seen).isEmpty();
		pipeline.scale("chunk", 1);
		assertThat(pipeline.snapshot().step("chunk").workersConfigured()).isEqualTo(1);
		await().atMost(AWAIT).until(() -> alive(pipeline, "chunk") == 1);
		// the three leaving workers returned from the handler and handed on their chunks
		// before leaving, without the pipeline stopping
		assertThat(returned).hasSize(3);
		Set<Integer> left = Set.copyOf(returned);
		List<Integer> heldByLeavers = consumedBy.entrySet()
			.stream()
			.filter((entry) -> left.contains(entry.getValue()))
			.map(Map.Entry::getKey)
			.toList();
		assertThat(heldByLeavers).as("items in the partial chunks of the leaving workers").isNotEmpty();
		await().atMost(AWAIT).until(() -> seen.keySet().containsAll(heldByLeavers));
		assertThat(pipeline.isRunning()).isTrue();
		int staying = IntStream.range(0, 4).filter((i) -> !left.contains(i)).findFirst().getAsInt();
		assertThat(seen.keySet()).as("only the chunks of the leaving workers reached the sink")
			.hasSize(heldByLeavers.size())
			.allSatisfy((item) -> assertThat(consumedBy.get(item)).isNotEqualTo(staying));
		// more input goes to the remaining worker only
		for (int i = n; i < n + 100; i++) {
			pipeline.input().put(i);
		}
		await().atMost(AWAIT).until(() -> consumedBy.size() == n + 100);
		for (int i = n; i < n + 100; i++) {
			assertThat(consumedBy.get(i)).isEqualTo(staying);
		}
		PipelineResult result = pipeline.stop(Duration.ofSeconds(10));
		assertEachExactlyOnce(seen, n + 100);
		assertThat(chunkSizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(n + 100);
		assertThat(result.deadLettered()).isZero();
		assertThat(result.abandoned()).isZero();
		StepStats chunkStats = result.step("chunk");
		assertThat(chunkStats.in()).isEqualTo(n + 100);
		assertThat(chunkStats.processed()).isEqualTo(n + 100);
		assertThat(chunkStats.emitted()).isEqualTo(chunkSizes.size());
		assertThat(result.completed()).isEqualTo(chunkSizes.size());
		assertStepIdentities(result);
	}

	@Test
	void scalingWorksInBatchModeMidRun() throws Exception {
		int gateItem = 50;
		Map<Integer, AtomicInteger> seen = new ConcurrentHashMap<>();
		AtomicLong lastCount = new AtomicLong();
		CountDownLatch gateEntered = new CountDownLatch(1);
		CountDownLatch openGate = new CountDownLatch(1);
		// The source runs until told to stop, so that the checks after each rescale never
		// run out of items however fast the machine is.
		AtomicBoolean stopSource = new AtomicBoolean();
		AtomicInteger produced = new AtomicInteger();
		Iterator<Integer> source = new Iterator<>() {

			@Override
			public boolean hasNext() {
				return !stopSource.get();
			}

			@Override
			public Integer next() {
				return produced.getAndIncrement();
			}

		};
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("scale-batch").step("middle", (Integer x) -> {
			if (x == gateItem) {
				gateEntered.countDown();
				if (!openGate.await(30, TimeUnit.SECONDS)) {
					throw new IllegalStateException("gate never opened");
				}
			}
			LockSupport.parkNanos(100_000);
			return x;
		}, s -> s.queueCapacity(16)).step("last", (Integer x) -> {
			record(seen, x);
			lastCount.incrementAndGet();
			return x;
		}, s -> s.queueCapacity(16)).build();
		ConcurrentLinkedQueue<Throwable> scalerFailures = new ConcurrentLinkedQueue<>();
		AtomicReference<PipelineResult> resultRef = new AtomicReference<>();
		Thread runner = new Thread(() -> {
			try {
				resultRef.set(pipeline.run(source));
			}
			catch (Throwable ex) {
				scalerFailures.add(ex);
			}
		}, "test-batch-runner");
		runner.start();
		try {
			assertThat(gateEntered.await(30, TimeUnit.SECONDS)).isTrue();
			assertThat(pipeline.state()).isEqualTo(PipelineState.RUNNING);
			// the only worker is held: items move only through workers added now
			long before = lastCount.get();
			pipeline.scale("middle", 6);
			assertThat(pipeline.snapshot().step("middle").workersConfigured()).isEqualTo(6);
			await().atMost(AWAIT).until(() -> alive(pipeline, "middle") == 6);
			await().atMost(AWAIT).until(() -> lastCount.get() >= before + 500);
			pipeline.scale("middle", 3);
			assertThat(pipeline.snapshot().step("middle").workersConfigured()).isEqualTo(3);
			await().atMost(AWAIT).until(() -> alive(pipeline, "middle") == 3);
			// with the held worker among the three, two carry the load
			long mark = lastCount.get();
			await().atMost(AWAIT).until(() -> lastCount.get() >= mark + 500);
		}
		finally {
			stopSource.set(true);
			openGate.countDown();
		}
		runner.join(TimeUnit.SECONDS.toMillis(60));
		assertThat(runner.isAlive()).isFalse();
		assertThat(scalerFailures).isEmpty();
		int n = produced.get();
		PipelineResult result = resultRef.get();
		assertThat(result.state()).isEqualTo(PipelineState.COMPLETED);
		assertThat(result.in()).isEqualTo(n);
		assertThat(result.completed()).isEqualTo(n);
		assertThat(result.dropped() + result.deadLettered() + result.abandoned()).isZero();
		assertEachExactlyOnce(seen, n);
		assertThat(result.step("middle").processed()).isEqualTo(n);
		assertStepIdentities(result);
		assertThat(pipeline.snapshot().step("middle").workersConfigured()).isEqualTo(3);
	}

	/**
	 * A chunk step that records which worker consumed each item, and which workers
	 * returned.
	 */
	private static final class RecordingChunk implements StreamHandler<Integer, List<Integer>> {

		private final StreamHandler<Integer, List<Integer>> chunk;

		private final Map<Integer, Integer> consumedBy;

		private final Set<Integer> returned;

		private final CountDownLatch spread;

		private int worker;

		RecordingChunk(StreamHandler<Integer, List<Integer>> chunk, Map<Integer, Integer> consumedBy,
				Set<Integer> returned, CountDownLatch spread) {
			this.chunk = chunk;
			this.consumedBy = consumedBy;
			this.returned = returned;
			this.spread = spread;
		}

		@Override
		public void open(StepContext context) {
			this.worker = context.workerIndex();
		}

		@Override
		public void process(StepInput<Integer> input, Emitter<List<Integer>> out) throws Exception {
			this.chunk.process(new RecordingInput(input, this.consumedBy, this.worker, this.spread), out);
			this.returned.add(this.worker);
		}

	}

	/** Records which worker consumed each item. */
	private static final class RecordingInput implements StepInput<Integer> {

		private final StepInput<Integer> delegate;

		private final Map<Integer, Integer> consumedBy;

		private final int worker;

		private final CountDownLatch spread;

		private boolean first = true;

		RecordingInput(StepInput<Integer> delegate, Map<Integer, Integer> consumedBy, int worker,
				CountDownLatch spread) {
			this.delegate = delegate;
			this.consumedBy = consumedBy;
			this.worker = worker;
			this.spread = spread;
		}

		@Override
		public boolean hasNext() {
			return this.delegate.hasNext();
		}

		@Override
		public Integer next() {
			return note(this.delegate.next());
		}

		@Override
		public Integer poll(Duration timeout) {
			return note(this.delegate.poll(timeout));
		}

		@Override
		public boolean isEnded() {
			return this.delegate.isEnded();
		}

		private Integer note(Integer item) {
			if (item != null) {
				Integer previous = this.consumedBy.put(item, this.worker);
				if (previous != null) {
					throw new IllegalStateException("item " + item + " consumed twice");
				}
				if (this.first) {
					this.first = false;
					this.spread.countDown();
					try {
						this.spread.await(10, TimeUnit.SECONDS);
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
					}
				}
			}
			return item;
		}

	}

}
