package io.paipa.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Stream steps: the built-in chunk and flatten, custom stateful stream handlers, the
 * {@link StepInput} contract, stream error handling, and the {@link StepContext} given to
 * every kind of handler.
 */
@Timeout(60)
class StreamAndChunkTests {

	private static List<Integer> range(int from, int to) {
		return IntStream.range(from, to).boxed().toList();
	}

	private static void assertStepBalanced(StepStats stats) {
		assertThat(stats.in()).as("in of %s", stats.step())
			.isEqualTo(stats.processed() + stats.dropped() + stats.deadLettered() + stats.abandoned());
	}

	// ---- chunk and flatten

	@Test
	void chunkFlushesBySizeInOrderWithOneWorker() {
		List<List<Integer>> chunks = new CopyOnWriteArrayList<>();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("bysize")
			.stream("chunk", Steps.<Integer>chunk(10))
			.step("sink", (List<Integer> list) -> {
				chunks.add(list);
				return list;
			})
			.build();

		PipelineResult result = pipeline.run(range(0, 100));

		assertThat(chunks).extracting(List::size).containsExactly(10, 10, 10, 10, 10, 10, 10, 10, 10, 10);
		assertThat(chunks.stream().flatMap(List::stream).toList()).isEqualTo(range(0, 100));
		assertThat(result.state()).isEqualTo(PipelineState.COMPLETED);
		assertThat(result.in()).isEqualTo(100);
		assertThat(result.completed()).isEqualTo(10);
		StepStats chunk = result.step("chunk");
		assertThat(chunk.in()).isEqualTo(100);
		assertThat(chunk.processed()).isEqualTo(100);
		assertThat(chunk.emitted()).isEqualTo(10);
		assertStepBalanced(chunk);
		assertThat(result.step("sink").in()).isEqualTo(10);
		assertStepBalanced(result.step("sink"));
	}

	@Test
	void chunkEmitsTheFinalPartialChunkAtTheEndOfABatch() {
		List<List<Integer>> chunks = new CopyOnWriteArrayList<>();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("partial")
			.stream("chunk", Steps.<Integer>chunk(10))
			.step("sink", (List<Integer> list) -> {
				chunks.add(list);
				return list;
			})
			.build();

		PipelineResult result = pipeline.run(range(0, 25));

		assertThat(chunks).extracting(List::size).containsExactly(10, 10, 5);
		assertThat(chunks.get(2)).containsExactly(20, 21, 22, 23, 24);
		assertThat(result.step("chunk").emitted()).isEqualTo(3);
		assertThat(result.completed()).isEqualTo(3);
	}

	@Test
	void chunkOfMoreWorkersLosesNothingAndRespectsTheSize() {
		Queue<List<Integer>> chunks = new ConcurrentLinkedQueue<>();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("multichunk")
			.stream("chunk", Steps.<Integer>chunk(7), s -> s.workers(3))
			.step("sink", (List<Integer> list) -> {
				chunks.add(list);
				return list;
			}, s -> s.workers(2))
			.build();

		PipelineResult result = pipeline.run(range(0, 1000));

		assertThat(chunks).allSatisfy((chunk) -> assertThat(chunk).hasSizeBetween(1, 7));
		assertThat(chunks.stream().flatMap(List::stream).sorted().toList()).isEqualTo(range(0, 1000));
		// At most one partial chunk per worker.
		assertThat(chunks.stream().filter((chunk) -> chunk.size() < 7).count()).isLessThanOrEqualTo(3);
		assertThat(result.step("chunk").emitted()).isEqualTo(chunks.size());
		assertStepBalanced(result.step("chunk"));
	}

	@Test
	void chunkWithMaxWaitEmitsAPartialChunkWithoutMoreInput() {
		List<List<Integer>> chunks = new CopyOnWriteArrayList<>();
		AtomicLong arrivedAt = new AtomicLong();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("maxwait")
			.stream("chunk", Steps.<Integer>chunk(100, Duration.ofMillis(100)))
			.step("sink", (List<Integer> list) -> {
				arrivedAt.compareAndSet(0, System.nanoTime());
				chunks.add(list);
				return list;
			})
			.build();
		// The three items arrive in one hand-off, so the chunk worker sees them together.
		LinkedBlockingQueue<Integer> source = new LinkedBlockingQueue<>(List.of(1, 2, 3));
		long before = System.nanoTime();
		pipeline.start(source);
		PipelineResult result;
		try {
			await().atMost(Duration.ofSeconds(10)).until(() -> !chunks.isEmpty());
			assertThat(pipeline.state()).isEqualTo(PipelineState.RUNNING);
			assertThat(chunks).containsExactly(List.of(1, 2, 3));
			// The chunk cannot be emitted before max-wait has passed since its first
			// item.
			assertThat(arrivedAt.get() - before).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
		}
		finally {
			result = pipeline.stop(Duration.ofSeconds(10));
		}
		assertThat(result.state()).isEqualTo(PipelineState.STOPPED);
		assertThat(chunks).containsExactly(List.of(1, 2, 3));
		StepStats chunk = result.step("chunk");
		assertThat(chunk.in()).isEqualTo(3);
		assertThat(chunk.processed()).isEqualTo(3);
		assertThat(chunk.emitted()).isEqualTo(1);
		assertStepBalanced(chunk);
		assertThat(result.completed()).isEqualTo(1);
		assertThat(result.deadLettered()).isZero();
	}

	@Test
	void chunkWithMaxWaitFlushesItemsPutOneByOne() throws Exception {
		List<List<Integer>> chunks = new CopyOnWriteArrayList<>();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("maxwaitput")
			.stream("chunk", Steps.<Integer>chunk(100, Duration.ofMillis(100)))
			.step("sink", (List<Integer> list) -> {
				chunks.add(list);
				return list;
			})
			.build();
		pipeline.start();
		PipelineResult result;
		try {
			pipeline.input().put(1);
			pipeline.input().put(2);
			pipeline.input().put(3);
			await().atMost(Duration.ofSeconds(10)).until(() -> chunks.stream().mapToInt(List::size).sum() == 3);
			assertThat(pipeline.state()).isEqualTo(PipelineState.RUNNING);
			assertThat(chunks.stream().flatMap(List::stream).toList()).containsExactly(1, 2, 3);
			assertThat(chunks).allSatisfy((chunk) -> assertThat(chunk).hasSizeLessThan(100));
		}
		finally {
			result = pipeline.stop(Duration.ofSeconds(10));
		}
		assertThat(result.step("chunk").emitted()).isEqualTo(chunks.size());
		assertThat(result.step("chunk").processed()).isEqualTo(3);
	}

	@Test
	void chunkRejectsBadArguments() {
		assertThatThrownBy(() -> Steps.chunk(0)).isInstanceOf(IllegalArgumentException.class)
			.hasMessage("Chunk size must be at least 1 but was 0");
		assertThatThrownBy(() -> Steps.chunk(5, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("Chunk max-wait must be positive");
		assertThatThrownBy(() -> Steps.chunk(5, Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("Chunk max-wait must be positive");
	}

	@Test
	void flattenReversesChunkInOrder() {
		List<Integer> out = new CopyOnWriteArrayList<>();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("roundtrip")
			.stream("chunk", Steps.<Integer>chunk(7))
			.fanOut("flatten", Steps.<Integer>flatten())
			.step("sink", (Integer x) -> {
				out.add(x);
				return x;
			})
			.build();

		PipelineResult result = pipeline.run(range(0, 1000));

		assertThat(out).isEqualTo(range(0, 1000));
		assertThat(result.step("flatten").in()).isEqualTo(143);
		assertThat(result.step("flatten").processed()).isEqualTo(143);
		assertThat(result.step("flatten").emitted()).isEqualTo(1000);
		assertThat(result.completed()).isEqualTo(1000);
		for (StepStats stats : result.steps()) {
			assertStepBalanced(stats);
		}
	}

	@Test
	void flattenReversesChunkWithSeveralWorkers() {
		Queue<Integer> out = new ConcurrentLinkedQueue<>();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("roundtrip2")
			.stream("chunk", Steps.<Integer>chunk(16), s -> s.workers(2))
			.fanOut("flatten", Steps.<Integer>flatten(), s -> s.workers(3))
			.step("sink", (Integer x) -> {
				out.add(x);
				return x;
			}, s -> s.workers(2))
			.build();

		PipelineResult result = pipeline.run(range(0, 5000));

		assertThat(out.stream().sorted().toList()).isEqualTo(range(0, 5000));
		assertThat(result.completed()).isEqualTo(5000);
		assertThat(result.step("flatten").emitted()).isEqualTo(5000);
	}

	// ---- custom stream handlers

	@Test
	void statefulStreamHandlerSumsEachWorkersShareOverSeveralWorkers() {
		Queue<long[]> totals = new ConcurrentLinkedQueue<>();
		Set<String> emitters = ConcurrentHashMap.newKeySet();
		StreamHandler<Integer, long[]> summer = (in, out) -> {
			long sum = 0;
			long count = 0;
			while (in.hasNext()) {
				sum += in.next();
				count++;
			}
			emitters.add(Thread.currentThread().getName());
			out.emit(new long[] { sum, count });
		};
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("sums").step("slowish", (Integer x) -> {
			if (x % 100 == 0) {
				Thread.sleep(1);
			}
			return x;
		}, s -> s.workers(2)).stream("sum", summer, s -> s.workers(3)).step("sink", (long[] total) -> {
			totals.add(total);
			return total;
		}).build();

		PipelineResult result = pipeline.run(range(0, 2000));

		// One total per worker, whatever share of the items each one got.
		assertThat(totals).hasSize(3);
		assertThat(emitters).containsExactlyInAnyOrder("paipa-sums-sum-0", "paipa-sums-sum-1", "paipa-sums-sum-2");
		assertThat(totals.stream().mapToLong((t) -> t[0]).sum()).isEqualTo(1999L * 2000 / 2);
		assertThat(totals.stream().mapToLong((t) -> t[1]).sum()).isEqualTo(2000);
		StepStats sum = result.step("sum");
		assertThat(sum.in()).isEqualTo(2000);
		assertThat(sum.processed()).isEqualTo(2000);
		assertThat(sum.emitted()).isEqualTo(3);
		assertStepBalanced(sum);
		assertThat(result.completed()).isEqualTo(3);
	}

	@Test
	void deduplicatingStreamHandlerSharesItsStateAcrossWorkers() {
		List<Integer> input = new ArrayList<>();
		for (int copy = 0; copy < 3; copy++) {
			input.addAll(range(0, 300));
		}
		Collections.shuffle(input, new Random(42));
		Queue<Integer> out = new ConcurrentLinkedQueue<>();
		AtomicInteger instances = new AtomicInteger();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("dedup").stream("dedup", StreamHandler.perWorker(() -> {
			instances.incrementAndGet();
			return new Deduplicator();
		}), s -> s.workers(3)).step("sink", (Integer x) -> {
			out.add(x);
			return x;
		}).build();

		PipelineResult result = pipeline.run(input);

		assertThat(instances).hasValue(3);
		assertThat(out).hasSize(300);
		assertThat(out.stream().sorted().toList()).isEqualTo(range(0, 300));
		StepStats dedup = result.step("dedup");
		assertThat(dedup.in()).isEqualTo(900);
		assertThat(dedup.processed()).isEqualTo(900);
		assertThat(dedup.emitted()).isEqualTo(300);
		assertStepBalanced(dedup);
	}

	static final class Deduplicator implements StreamHandler<Integer, Integer> {

		private Set<Integer> seen;

		@Override
		@SuppressWarnings("unchecked")
		public void open(StepContext context) {
			this.seen = (Set<Integer>) context.shared()
				.computeIfAbsent("seen", (key) -> ConcurrentHashMap.<Integer>newKeySet());
		}

		@Override
		public void process(StepInput<Integer> in, Emitter<Integer> out) {
			while (in.hasNext()) {
				Integer item = in.next();
				if (this.seen.add(item)) {
					out.emit(item);
				}
			}
		}

	}

	@Test
	void pollReturnsNullOnTimeoutAndIsEndedTellsTheEnd() throws Exception {
		AtomicInteger timeouts = new AtomicInteger();
		AtomicBoolean zeroPollWasNull = new AtomicBoolean();
		AtomicReference<String> afterEnd = new AtomicReference<>();
		Queue<Integer> out = new ConcurrentLinkedQueue<>();
		StreamHandler<Integer, Integer> poller = (in, emitter) -> {
			zeroPollWasNull.set(in.poll(Duration.ZERO) == null);
			while (true) {
				Integer item = in.poll(Duration.ofMillis(20));
				if (item != null) {
					emitter.emit(item);
					continue;
				}
				if (in.isEnded()) {
					break;
				}
				// A time-out: had isEnded() said true here, the handler would have
				// returned
				// and the run failed, so the await on the time-outs below would not pass.
				timeouts.incrementAndGet();
			}
			long start = System.nanoTime();
			Integer polled = in.poll(Duration.ofSeconds(20));
			long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
			String next;
			try {
				in.next();
				next = "returned";
			}
			catch (NoSuchElementException ex) {
				next = "NoSuchElementException";
			}
			afterEnd.set("ended=" + in.isEnded() + " hasNext=" + in.hasNext() + " poll=" + polled + " next=" + next
					+ " fast=" + (waitedMillis < 10_000));
		};
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("poller")
			.stream("poll", poller)
			.step("sink", (Integer x) -> {
				out.add(x);
				return x;
			})
			.build();
		pipeline.start();
		PipelineResult result;
		try {
			// No input yet: poll times out (returns null) and the input has not ended.
			await().atMost(Duration.ofSeconds(10)).until(() -> timeouts.get() >= 2);
			pipeline.input().put(7);
			pipeline.input().put(8);
			await().atMost(Duration.ofSeconds(10)).until(() -> out.size() == 2);
			int before = timeouts.get();
			await().atMost(Duration.ofSeconds(10)).until(() -> timeouts.get() > before);
			assertThat(afterEnd.get()).isNull();
		}
		finally {
			result = pipeline.stop(Duration.ofSeconds(10));
		}
		assertThat(zeroPollWasNull).isTrue();
		assertThat(out).containsExactly(7, 8);
		assertThat(afterEnd.get())
			.isEqualTo("ended=true hasNext=false poll=null next=NoSuchElementException fast=true");
		assertThat(result.state()).isEqualTo(PipelineState.STOPPED);
		assertThat(result.step("poll").processed()).isEqualTo(2);
		assertThat(result.deadLettered()).isZero();
	}

	@Test
	void isEndedIsFalseWhileItemsRemainInABatch() {
		List<String> observations = new CopyOnWriteArrayList<>();
		StreamHandler<Integer, Integer> observer = (in, out) -> {
			observations.add("start ended=" + in.isEnded());
			int n = 0;
			while (in.hasNext()) {
				Integer item = in.next();
				n++;
				if (in.isEnded()) {
					observations.add("ended while item " + item + " was the " + n + "th");
				}
				out.emit(item);
			}
			observations.add("end ended=" + in.isEnded() + " n=" + n);
		};
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("ended")
			.stream("observe", observer)
			.step("sink", (Integer x) -> x)
			.build();

		PipelineResult result = pipeline.run(range(0, 500));

		// isEnded may turn true only once every item was taken: after the last one.
		assertThat(observations).first().isEqualTo("start ended=false");
		assertThat(observations).last().isEqualTo("end ended=true n=500");
		assertThat(observations.subList(1, observations.size() - 1))
			.allSatisfy((line) -> assertThat(line).isEqualTo("ended while item 499 was the 500th"));
		assertThat(result.completed()).isEqualTo(500);
	}

	@Test
	void streamHandlerThatThrowsUnderSkipDeadLettersTheLastItemAndContinues() {
		List<DeadLetter> letters = new CopyOnWriteArrayList<>();
		List<Integer> out = new CopyOnWriteArrayList<>();
		AtomicInteger calls = new AtomicInteger();
		StreamHandler<Integer, Integer> failing = (in, emitter) -> {
			calls.incrementAndGet();
			while (in.hasNext()) {
				Integer item = in.next();
				if (item == 5 || item == 12) {
					throw new IllegalStateException("cannot take " + item);
				}
				emitter.emit(item);
			}
		};
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("streamskip")
			.stream("s", failing, s -> s.onError(ErrorPolicy.SKIP))
			.step("sink", (Integer x) -> {
				out.add(x);
				return x;
			})
			.deadLetterHandler(letters::add)
			.build();

		PipelineResult result = pipeline.run(range(1, 21));

		assertThat(result.state()).isEqualTo(PipelineState.COMPLETED);
		assertThat(out).isEqualTo(range(1, 21).stream().filter((x) -> x != 5 && x != 12).toList());
		assertThat(calls).hasValue(3);
		assertThat(letters).hasSize(2);
		assertThat(letters).extracting(DeadLetter::item).containsExactly(5, 12);
		assertThat(letters).allSatisfy((letter) -> {
			assertThat(letter.pipeline()).isEqualTo("streamskip");
			assertThat(letter.step()).isEqualTo("s");
			assertThat(letter.attempts()).isEqualTo(1);
			assertThat(letter.cause()).isInstanceOf(IllegalStateException.class)
				.hasMessage("cannot take " + letter.item());
		});
		StepStats s = result.step("s");
		assertThat(s.in()).isEqualTo(20);
		assertThat(s.processed()).isEqualTo(18);
		assertThat(s.failed()).isEqualTo(2);
		assertThat(s.deadLettered()).isEqualTo(2);
		assertThat(s.abandoned()).isZero();
		assertStepBalanced(s);
		assertThat(result.deadLettered()).isEqualTo(2);
		assertThat(result.completed()).isEqualTo(18);
	}

	@Test
	void streamHandlerThatThrowsUnderFailFailsTheRun() {
		IllegalStateException boom = new IllegalStateException("boom at 5");
		StreamHandler<Integer, Integer> failing = (in, emitter) -> {
			while (in.hasNext()) {
				Integer item = in.next();
				if (item == 5) {
					throw boom;
				}
				emitter.emit(item);
			}
		};
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("streamfail")
			.stream("s", failing)
			.step("sink", (Integer x) -> x)
			.build();

		assertThatThrownBy(() -> pipeline.run(range(1, 1000))).isInstanceOfSatisfying(PipelineFailedException.class,
				(ex) -> {
					assertThat(ex.getPipeline()).isEqualTo("streamfail");
					assertThat(ex.getStep()).isEqualTo("s");
					assertThat(ex.getItemSummary()).isEqualTo("5");
					assertThat(ex.getCause()).isSameAs(boom);
					assertThat(ex.getMessage()).contains("stream handler failed");
				});
		assertThat(pipeline.state()).isEqualTo(PipelineState.FAILED);
		assertThat(pipeline.isRunning()).isFalse();
	}

	@Test
	void streamHandlerThatReturnsWithoutReadingFailsTheRunWithAClearMessage() {
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("lazy")
			.stream("lazy", (StepInput<Integer> in, Emitter<Integer> out) -> {
			})
			.step("sink", (Integer x) -> x)
			.build();

		assertThatThrownBy(() -> pipeline.run(range(0, 10))).isInstanceOfSatisfying(PipelineFailedException.class,
				(ex) -> {
					assertThat(ex.getStep()).isEqualTo("lazy");
					assertThat(ex.getMessage()).contains("returned without reading its input").contains("hasNext()");
				});
		assertThat(pipeline.state()).isEqualTo(PipelineState.FAILED);
	}

	@Test
	void streamHandlerThatReturnsAfterEachItemIsCalledAgainForTheRest() {
		AtomicInteger calls = new AtomicInteger();
		List<Integer> out = new CopyOnWriteArrayList<>();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("oneatatime")
			.stream("one", (StepInput<Integer> in, Emitter<Integer> emitter) -> {
				calls.incrementAndGet();
				if (in.hasNext()) {
					emitter.emit(in.next());
				}
			})
			.step("sink", (Integer x) -> {
				out.add(x);
				return x;
			})
			.build();

		PipelineResult result = pipeline.run(range(0, 50));

		assertThat(out).isEqualTo(range(0, 50));
		assertThat(calls.get()).isGreaterThanOrEqualTo(50);
		assertThat(result.step("one").processed()).isEqualTo(50);
		assertStepBalanced(result.step("one"));
	}

	// ---- step context and lifecycle

	@Test
	void eachWorkerOpensAndClosesOnceInItsOwnThreadWithItsContext() {
		ItemRecorder map = new ItemRecorder();
		FanOutRecorder fan = new FanOutRecorder();
		StreamRecorder stream = new StreamRecorder();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("ctx")
			.step("map", map, s -> s.workers(3).option("greeting", "hello").option("limit", 5))
			.fanOut("fan", fan, s -> s.workers(2).option("copies", 1))
			.stream("stream", stream, s -> s.workers(2))
			.build();

		PipelineResult result = pipeline.run(range(0, 300));

		assertThat(result.completed()).isEqualTo(300);
		map.assertLifecycle("ctx", "map", 3, Map.of("greeting", "hello", "limit", 5));
		fan.assertLifecycle("ctx", "fan", 2, Map.of("copies", 1));
		stream.assertLifecycle("ctx", "stream", 2, Map.of());
	}

	@Test
	void sharedMapIsFreshForEveryRun() {
		Queue<Map<String, Object>> maps = new ConcurrentLinkedQueue<>();
		StepHandler<Integer, Integer> handler = new StepHandler<>() {

			@Override
			public void open(StepContext context) {
				maps.add(context.shared());
				context.shared().merge("opened", 1, (a, b) -> (Integer) a + (Integer) b);
			}

			@Override
			public Integer process(Integer item) {
				return item;
			}

		};
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("sharedruns")
			.step("map", handler, s -> s.workers(2))
			.build();

		pipeline.run(range(0, 10));
		List<Map<String, Object>> first = new ArrayList<>(maps);
		maps.clear();
		pipeline.run(range(0, 10));
		List<Map<String, Object>> second = new ArrayList<>(maps);

		assertThat(first).hasSize(2);
		assertThat(second).hasSize(2);
		assertThat(first.get(0)).isSameAs(first.get(1));
		assertThat(second.get(0)).isSameAs(second.get(1));
		assertThat(second.get(0)).isNotSameAs(first.get(0));
		assertThat(first.get(0).get("opened")).isEqualTo(2);
		assertThat(second.get(0).get("opened")).isEqualTo(2);
	}

	/**
	 * Records lifecycle events per thread. Shared by all workers of a step, so
	 * thread-safe.
	 */
	abstract static class LifecycleRecorder implements StepLifecycle {

		final Map<String, List<String>> eventsByThread = new ConcurrentHashMap<>();

		final Map<Integer, String> openThreads = new ConcurrentHashMap<>();

		final Map<Integer, String> closeThreads = new ConcurrentHashMap<>();

		final AtomicInteger opens = new AtomicInteger();

		final AtomicInteger closes = new AtomicInteger();

		final Queue<String> contexts = new ConcurrentLinkedQueue<>();

		final Queue<Map<String, Object>> options = new ConcurrentLinkedQueue<>();

		final Set<Object> sharedMaps = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));

		final Queue<Object> sharedSeen = new ConcurrentLinkedQueue<>();

		final AtomicInteger optionWriteRejected = new AtomicInteger();

		private void event(String event) {
			this.eventsByThread.computeIfAbsent(Thread.currentThread().getName(), (key) -> new CopyOnWriteArrayList<>())
				.add(event);
		}

		void processed() {
			List<String> events = this.eventsByThread.get(Thread.currentThread().getName());
			if (events == null || !events.get(events.size() - 1).equals("process")) {
				event("process");
			}
		}

		@Override
		public void open(StepContext context) {
			this.opens.incrementAndGet();
			event("open");
			String previous = this.openThreads.putIfAbsent(context.workerIndex(), Thread.currentThread().getName());
			assertThat(previous).as("second open for worker %s", context.workerIndex()).isNull();
			this.contexts.add(context.pipelineName() + "/" + context.stepName() + "/" + context.workerCount());
			this.options.add(context.options());
			try {
				context.options().put("x", "y");
			}
			catch (UnsupportedOperationException ex) {
				this.optionWriteRejected.incrementAndGet();
			}
			this.sharedMaps.add(context.shared());
			context.shared().merge("opened", 1, (a, b) -> (Integer) a + (Integer) b);
		}

		@Override
		public void close(StepContext context) {
			this.closes.incrementAndGet();
			event("close");
			this.closeThreads.put(context.workerIndex(), Thread.currentThread().getName());
			this.sharedSeen.add(context.shared().get("opened"));
		}

		void assertLifecycle(String pipeline, String step, int workers, Map<String, Object> expectedOptions) {
			assertThat(this.opens).as("opens").hasValue(workers);
			assertThat(this.closes).as("closes").hasValue(workers);
			assertThat(this.openThreads.keySet()).as("worker indexes")
				.containsExactlyInAnyOrderElementsOf(IntStream.range(0, workers).boxed().toList());
			this.openThreads.forEach(
					(index, thread) -> assertThat(thread).isEqualTo("paipa-" + pipeline + "-" + step + "-" + index));
			assertThat(this.closeThreads).as("close in the opening thread").isEqualTo(this.openThreads);
			assertThat(this.eventsByThread.keySet()).containsExactlyInAnyOrderElementsOf(this.openThreads.values());
			this.eventsByThread.forEach((thread, events) -> {
				assertThat(events).as("events of %s", thread).first().isEqualTo("open");
				assertThat(events).as("events of %s", thread).last().isEqualTo("close");
				assertThat(events).as("events of %s", thread).hasSizeBetween(2, 3);
			});
			assertThat(this.contexts).hasSize(workers)
				.allSatisfy((context) -> assertThat(context).isEqualTo(pipeline + "/" + step + "/" + workers));
			assertThat(this.options).hasSize(workers)
				.allSatisfy((options) -> assertThat(options).isEqualTo(expectedOptions));
			assertThat(this.optionWriteRejected).as("options are read-only").hasValue(workers);
			assertThat(this.sharedMaps).as("one shared map per step").hasSize(1);
			Map<?, ?> shared = (Map<?, ?>) this.sharedMaps.iterator().next();
			assertThat(shared.get("opened")).isEqualTo(workers);
			// each worker sees the shared map in close() too
			assertThat(this.sharedSeen).hasSize(workers).allSatisfy((seen) -> assertThat(seen).isNotNull());
		}

	}

	static final class ItemRecorder extends LifecycleRecorder implements StepHandler<Integer, Integer> {

		@Override
		public Integer process(Integer item) {
			processed();
			return item;
		}

	}

	static final class FanOutRecorder extends LifecycleRecorder implements FanOutHandler<Integer, Integer> {

		@Override
		public void process(Integer item, Emitter<Integer> out) {
			processed();
			out.emit(item);
		}

	}

	static final class StreamRecorder extends LifecycleRecorder implements StreamHandler<Integer, Integer> {

		@Override
		public void process(StepInput<Integer> in, Emitter<Integer> out) {
			while (in.hasNext()) {
				processed();
				out.emit(in.next());
			}
		}

	}

	// ---- per-worker handlers

	/** A handler that must only ever be used by one thread. */
	static final class Confined {

		final String creator = Thread.currentThread().getName();

		final Set<String> users = ConcurrentHashMap.newKeySet();

		final AtomicInteger opens = new AtomicInteger();

		final AtomicInteger closes = new AtomicInteger();

		long items;

		void use() {
			this.users.add(Thread.currentThread().getName());
		}

	}

	@Test
	void perWorkerStepHandlersGiveEachWorkerItsOwnInstance() {
		Queue<Confined> created = new ConcurrentLinkedQueue<>();
		StepHandler<Integer, Integer> handler = StepHandler.perWorker(() -> {
			Confined state = new Confined();
			created.add(state);
			return new StepHandler<Integer, Integer>() {

				@Override
				public void open(StepContext context) {
					state.use();
					state.opens.incrementAndGet();
				}

				@Override
				public Integer process(Integer item) throws Exception {
					state.use();
					state.items++;
					if (item % 50 == 0) {
						Thread.sleep(1);
					}
					return item;
				}

				@Override
				public void close(StepContext context) {
					state.use();
					state.closes.incrementAndGet();
				}

			};
		});
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("pw").step("map", handler, s -> s.workers(3)).build();

		PipelineResult result = pipeline.run(range(0, 1000));

		assertConfined(created, "paipa-pw-map-", 3, 1000);
		assertThat(result.completed()).isEqualTo(1000);
	}

	@Test
	void perWorkerFanOutHandlersGiveEachWorkerItsOwnInstance() {
		Queue<Confined> created = new ConcurrentLinkedQueue<>();
		FanOutHandler<Integer, Integer> handler = FanOutHandler.perWorker(() -> {
			Confined state = new Confined();
			created.add(state);
			return new FanOutHandler<Integer, Integer>() {

				@Override
				public void open(StepContext context) {
					state.use();
					state.opens.incrementAndGet();
				}

				@Override
				public void process(Integer item, Emitter<Integer> out) {
					state.use();
					state.items++;
					out.emit(item);
					out.emit(-item);
				}

				@Override
				public void close(StepContext context) {
					state.use();
					state.closes.incrementAndGet();
				}

			};
		});
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("pwf").fanOut("fan", handler, s -> s.workers(2)).build();

		PipelineResult result = pipeline.run(range(1, 501));

		assertConfined(created, "paipa-pwf-fan-", 2, 500);
		assertThat(result.step("fan").emitted()).isEqualTo(1000);
		assertThat(result.completed()).isEqualTo(1000);
	}

	@Test
	void perWorkerStreamHandlersGiveEachWorkerItsOwnInstance() {
		Queue<Confined> created = new ConcurrentLinkedQueue<>();
		StreamHandler<Integer, Long> handler = StreamHandler.perWorker(() -> {
			Confined state = new Confined();
			created.add(state);
			return new StreamHandler<Integer, Long>() {

				@Override
				public void open(StepContext context) {
					state.use();
					state.opens.incrementAndGet();
				}

				@Override
				public void process(StepInput<Integer> in, Emitter<Long> out) {
					state.use();
					while (in.hasNext()) {
						in.next();
						state.items++;
					}
					out.emit(state.items);
				}

				@Override
				public void close(StepContext context) {
					state.use();
					state.closes.incrementAndGet();
				}

			};
		});
		Queue<Long> counts = new ConcurrentLinkedQueue<>();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("pws")
			.stream("count", handler, s -> s.workers(3))
			.step("sink", (Long n) -> {
				counts.add(n);
				return n;
			})
			.build();

		PipelineResult result = pipeline.run(range(0, 900));

		assertConfined(created, "paipa-pws-count-", 3, 900);
		assertThat(counts).hasSize(3);
		assertThat(counts.stream().mapToLong(Long::longValue).sum()).isEqualTo(900);
		assertThat(result.completed()).isEqualTo(3);
	}

	private static void assertConfined(Queue<Confined> created, String threadPrefix, int workers, long items) {
		assertThat(created).hasSize(workers);
		assertThat(created.stream().map((state) -> state.creator).collect(Collectors.toSet()))
			.as("created in the workers' own threads")
			.isEqualTo(IntStream.range(0, workers).mapToObj((i) -> threadPrefix + i).collect(Collectors.toSet()));
		assertThat(created).allSatisfy((state) -> {
			assertThat(state.users).as("threads using one instance").containsExactly(state.creator);
			assertThat(state.opens).hasValue(1);
			assertThat(state.closes).hasValue(1);
		});
		assertThat(created.stream().mapToLong((state) -> state.items).sum()).isEqualTo(items);
	}

}
