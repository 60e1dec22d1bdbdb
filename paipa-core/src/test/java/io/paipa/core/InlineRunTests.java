package io.paipa.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link Pipeline#runInline(Iterable)}: the same steps in the caller's thread, with the
 * same outputs and counts as a threaded run for pure steps.
 */
@Timeout(60)
class InlineRunTests {

	private static final int N = 3000;

	private static List<Integer> range(int from, int to) {
		return IntStream.range(from, to).boxed().toList();
	}

	/**
	 * Pure steps of every kind: 1:1, drop, fan-out (0 to 2 outputs), chunk, flatten, a
	 * custom stream step, and a collecting last step. The chunk has one worker so that
	 * the number of chunks does not depend on how the items were spread.
	 */
	private static Pipeline<Integer> mixed(String name, Queue<Integer> sink, int workers) {
		return Pipeline.<Integer>builder(name)
			.step("triple", (Integer x) -> x * 3, s -> s.workers(workers))
			.step("dropOdd", (Integer x) -> (x % 2 == 0) ? x : null, s -> s.workers(workers))
			.<Integer>fanOut("split", (x, out) -> {
				for (int i = 0; i < (x / 6) % 3; i++) {
					out.emit(x + i);
				}
			}, s -> s.workers(workers))
			.stream("chunk", Steps.<Integer>chunk(5))
			.fanOut("flatten", Steps.<Integer>flatten(), s -> s.workers(workers))
			.<Integer>stream("plusOne", (in, out) -> {
				while (in.hasNext()) {
					out.emit(in.next() + 1);
				}
			}, s -> s.workers(workers))
			.step("collect", (Integer x) -> {
				sink.add(x);
				return x;
			}, s -> s.workers(workers))
			.build();
	}

	@Test
	void inlineAndThreadedRunsGiveTheSameOutputsForPureSteps() {
		Queue<Integer> threadedOut = new ConcurrentLinkedQueue<>();
		Queue<Integer> inlineOut = new ConcurrentLinkedQueue<>();

		PipelineResult threaded = mixed("threaded", threadedOut, 3).run(range(0, N));
		PipelineResult inline = mixed("inline", inlineOut, 3).runInline(range(0, N));

		// the even half, each with 0, 1 or 2 copies in turn: N / 2 outputs
		assertThat(threadedOut).hasSize(N / 2);
		assertThat(inlineOut.stream().sorted().toList()).isEqualTo(threadedOut.stream().sorted().toList());
		assertThat(inline.state()).isEqualTo(PipelineState.COMPLETED);
		assertThat(inline.in()).isEqualTo(threaded.in()).isEqualTo(N);
		assertThat(inline.completed()).isEqualTo(threaded.completed()).isEqualTo(inlineOut.size());
		assertThat(inline.dropped()).isEqualTo(threaded.dropped()).isEqualTo(N / 2);
		assertThat(inline.deadLettered()).isZero();
		assertThat(inline.abandoned()).isZero();
		assertThat(inline.failure()).isNull();
		assertThat(inline.isSuccess()).isTrue();
	}

	@Test
	void inlineStepCountsEqualTheThreadedRunsAndMeasureHandlerTime() {
		Queue<Integer> threadedOut = new ConcurrentLinkedQueue<>();
		Queue<Integer> inlineOut = new ConcurrentLinkedQueue<>();

		PipelineResult threaded = mixed("threaded", threadedOut, 2).run(range(0, N));
		PipelineResult inline = mixed("inline", inlineOut, 2).runInline(range(0, N));

		assertThat(inline.steps()).extracting(StepStats::step)
			.containsExactly("triple", "dropOdd", "split", "chunk", "flatten", "plusOne", "collect");
		for (int i = 0; i < inline.steps().size(); i++) {
			StepStats in = inline.steps().get(i);
			StepStats th = threaded.steps().get(i);
			assertThat(in.in()).as("in of %s", in.step()).isEqualTo(th.in());
			assertThat(in.processed()).as("processed of %s", in.step()).isEqualTo(th.processed());
			assertThat(in.dropped()).as("dropped of %s", in.step()).isEqualTo(th.dropped());
			assertThat(in.emitted()).as("emitted of %s", in.step()).isEqualTo(th.emitted());
			assertThat(in.in()).as("balance of %s", in.step())
				.isEqualTo(in.processed() + in.dropped() + in.deadLettered() + in.abandoned());
			assertThat(in.handlerNanos()).as("handler time of %s", in.step()).isPositive();
			assertThat(in.itemsPerSecond()).as("items per second of %s", in.step()).isPositive();
		}
		assertThat(inline.step("dropOdd").dropped()).isEqualTo(N / 2);
		assertThat(inline.step("chunk").emitted()).isEqualTo((inline.step("chunk").in() + 4) / 5);
	}

	@Test
	void inlineRunsEveryHandlerInTheCallersThreadWithOneWorkerContext() {
		Thread caller = Thread.currentThread();
		Queue<String> events = new ConcurrentLinkedQueue<>();
		Queue<Thread> threads = new ConcurrentLinkedQueue<>();
		StepHandler<Integer, Integer> handler = new StepHandler<>() {

			@Override
			public void open(StepContext context) {
				threads.add(Thread.currentThread());
				events.add("open " + context.pipelineName() + "/" + context.stepName() + " " + context.workerIndex()
						+ "/" + context.workerCount() + " " + context.options());
			}

			@Override
			public Integer process(Integer item) {
				threads.add(Thread.currentThread());
				return item;
			}

			@Override
			public void close(StepContext context) {
				threads.add(Thread.currentThread());
				events.add("close " + context.stepName());
			}

		};
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("caller")
			.step("map", handler, s -> s.workers(4).option("k", "v"))
			.build();

		PipelineResult result = pipeline.runInline(range(0, 100));

		assertThat(result.completed()).isEqualTo(100);
		assertThat(threads).isNotEmpty().allSatisfy((thread) -> assertThat(thread).isSameAs(caller));
		assertThat(events).containsExactly("open caller/map 0/1 {k=v}", "close map");
		assertThat(pipeline.state()).as("runInline is not a threaded run").isEqualTo(PipelineState.NEW);
	}

	@Test
	void inlineRetriesInPlace() {
		Map<Integer, AtomicInteger> attempts = new ConcurrentHashMap<>();
		List<Integer> out = new CopyOnWriteArrayList<>();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("retry").step("flaky", (Integer x) -> {
			int attempt = attempts.computeIfAbsent(x, (k) -> new AtomicInteger()).incrementAndGet();
			if (attempt <= x % 3) {
				throw new IllegalStateException("attempt " + attempt + " of " + x);
			}
			return x;
		}, s -> s.retry(RetryPolicy.of(3, Duration.ZERO))).step("sink", (Integer x) -> {
			out.add(x);
			return x;
		}).build();

		PipelineResult result = pipeline.runInline(range(0, 30));

		assertThat(out).isEqualTo(range(0, 30));
		StepStats flaky = result.step("flaky");
		assertThat(flaky.processed()).isEqualTo(30);
		assertThat(flaky.retried()).isEqualTo(30);
		assertThat(flaky.failed()).isZero();
		assertThat(flaky.deadLettered()).isZero();
		assertThat(attempts.values().stream().mapToInt(AtomicInteger::get).sum()).isEqualTo(60);
	}

	@Test
	void inlineSkipDeadLettersAfterTheLastAttempt() {
		List<DeadLetter> letters = new CopyOnWriteArrayList<>();
		List<Integer> out = new CopyOnWriteArrayList<>();
		AtomicInteger calls = new AtomicInteger();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("skip").step("picky", (Integer x) -> {
			calls.incrementAndGet();
			if (x % 10 == 0) {
				throw new IllegalArgumentException("no multiples of ten: " + x);
			}
			return x;
		}).step("sink", (Integer x) -> {
			out.add(x);
			return x;
		}).onError(ErrorPolicy.SKIP).retry(RetryPolicy.of(2, Duration.ZERO)).deadLetterHandler(letters::add).build();

		PipelineResult result = pipeline.runInline(range(1, 51));

		assertThat(out).isEqualTo(range(1, 51).stream().filter((x) -> x % 10 != 0).toList());
		assertThat(letters).extracting(DeadLetter::item).containsExactly(10, 20, 30, 40, 50);
		assertThat(letters).allSatisfy((letter) -> {
			assertThat(letter.pipeline()).isEqualTo("skip");
			assertThat(letter.step()).isEqualTo("picky");
			assertThat(letter.attempts()).isEqualTo(2);
			assertThat(letter.cause()).isInstanceOf(IllegalArgumentException.class)
				.hasMessage("no multiples of ten: " + letter.item());
		});
		assertThat(calls).hasValue(55);
		StepStats picky = result.step("picky");
		assertThat(picky.in()).isEqualTo(50);
		assertThat(picky.processed()).isEqualTo(45);
		assertThat(picky.retried()).isEqualTo(5);
		assertThat(picky.failed()).isEqualTo(5);
		assertThat(picky.deadLettered()).isEqualTo(5);
		assertThat(picky.in()).isEqualTo(picky.processed() + picky.dropped() + picky.deadLettered());
		assertThat(result.in()).isEqualTo(result.completed() + result.dropped() + result.deadLettered());
		assertThat(result.deadLettered()).isEqualTo(5);
	}

	@Test
	void inlineFailThrowsWithTheStepAndStopsPullingTheSource() {
		AtomicInteger pulled = new AtomicInteger();
		Iterable<Integer> source = () -> new Iterator<>() {

			int next = 1;

			@Override
			public boolean hasNext() {
				return this.next <= 100;
			}

			@Override
			public Integer next() {
				pulled.incrementAndGet();
				return this.next++;
			}

		};
		IllegalStateException boom = new IllegalStateException("bad 7");
		Queue<String> lifecycle = new ConcurrentLinkedQueue<>();
		StepHandler<Integer, Integer> sink = new StepHandler<>() {

			@Override
			public void open(StepContext context) {
				lifecycle.add("open");
			}

			@Override
			public Integer process(Integer item) {
				return item;
			}

			@Override
			public void close(StepContext context) {
				lifecycle.add("close");
			}

		};
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("fail").step("boom", (Integer x) -> {
			if (x == 7) {
				throw boom;
			}
			return x;
		}).step("sink", sink).build();

		assertThatThrownBy(() -> pipeline.runInline(source)).isInstanceOfSatisfying(PipelineFailedException.class,
				(ex) -> {
					assertThat(ex.getPipeline()).isEqualTo("fail");
					assertThat(ex.getStep()).isEqualTo("boom");
					assertThat(ex.getItemSummary()).isEqualTo("7");
					assertThat(ex.getCause()).isSameAs(boom);
					assertThat(ex.getMessage()).contains("handler failed after 1 attempt(s)");
				});
		assertThat(pulled).hasValue(7);
		assertThat(lifecycle).as("handlers are closed after a failure").containsExactly("open", "close");
	}

	@Test
	void inlineFailAfterRetriesCountsTheAttempts() {
		AtomicInteger calls = new AtomicInteger();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("failretry").step("always", (Integer x) -> {
			calls.incrementAndGet();
			throw new IllegalStateException("never");
		}, s -> s.retry(RetryPolicy.of(3, Duration.ofMillis(1)))).build();

		assertThatThrownBy(() -> pipeline.runInline(List.of(1, 2))).isInstanceOf(PipelineFailedException.class)
			.hasMessageContaining("after 3 attempt(s)");
		assertThat(calls).hasValue(3);
	}

	@Test
	void inlineStreamStepUnderSkipDeadLettersTheLastItemAndContinues() {
		List<DeadLetter> letters = new CopyOnWriteArrayList<>();
		List<Integer> out = new CopyOnWriteArrayList<>();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("streamskip").<Integer>stream("s", (in, emitter) -> {
			while (in.hasNext()) {
				Integer item = in.next();
				if (item == 4) {
					throw new IllegalStateException("four");
				}
				emitter.emit(item);
			}
		}, s -> s.onError(ErrorPolicy.SKIP)).step("sink", (Integer x) -> {
			out.add(x);
			return x;
		}).deadLetterHandler(letters::add).build();

		PipelineResult result = pipeline.runInline(range(1, 11));

		assertThat(out).containsExactly(1, 2, 3, 5, 6, 7, 8, 9, 10);
		assertThat(letters).singleElement().satisfies((letter) -> {
			assertThat(letter.step()).isEqualTo("s");
			assertThat(letter.item()).isEqualTo(4);
			assertThat(letter.attempts()).isEqualTo(1);
			assertThat(letter.cause()).hasMessage("four");
		});
		StepStats s = result.step("s");
		assertThat(s.in()).isEqualTo(10);
		assertThat(s.processed()).isEqualTo(9);
		assertThat(s.failed()).isEqualTo(1);
		assertThat(s.deadLettered()).isEqualTo(1);
		assertThat(s.in()).isEqualTo(s.processed() + s.dropped() + s.deadLettered());
	}

	@Test
	void inlineStreamStepUnderFailThrows() {
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("streamfail").<Integer>stream("s", (in, emitter) -> {
			while (in.hasNext()) {
				Integer item = in.next();
				if (item == 4) {
					throw new IllegalStateException("four");
				}
				emitter.emit(item);
			}
		}).build();

		assertThatThrownBy(() -> pipeline.runInline(range(1, 11))).isInstanceOfSatisfying(PipelineFailedException.class,
				(ex) -> {
					assertThat(ex.getStep()).isEqualTo("s");
					assertThat(ex.getItemSummary()).isEqualTo("4");
					assertThat(ex.getCause()).hasMessage("four");
				});
	}

	@Test
	void inlineRefusesTwoStreamStepsBesidesChunks() {
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("twostreams").<Integer>stream("first", (in, out) -> {
			while (in.hasNext()) {
				out.emit(in.next());
			}
		}).stream("chunk", Steps.<Integer>chunk(3)).<Integer>stream("second", (in, out) -> {
			while (in.hasNext()) {
				out.emit(in.next().size());
			}
		}).build();

		assertThatThrownBy(() -> pipeline.runInline(range(0, 10))).isInstanceOf(UnsupportedOperationException.class)
			.hasMessageContaining("twostreams")
			.hasMessageContaining("one stream step besides chunks, but there are 2");
		// The threaded engine runs the same pipeline.
		assertThat(pipeline.run(range(0, 10)).completed()).isEqualTo(4);
	}

	@Test
	void inlineAcceptsChunksAroundOneStreamStep() {
		List<Integer> out = new ArrayList<>();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("chunks")
			.stream("before", Steps.<Integer>chunk(4))
			.<Integer>stream("sizes", (in, emitter) -> {
				while (in.hasNext()) {
					emitter.emit(in.next().size());
				}
			})
			.stream("after", Steps.<Integer>chunk(2))
			.step("sink", (List<Integer> sizes) -> {
				out.add(sizes.stream().mapToInt(Integer::intValue).sum());
				return sizes;
			})
			.build();

		PipelineResult result = pipeline.runInline(range(0, 10));

		// chunks of 4, 4, 2 -> sizes 4, 4, 2 -> pairs [4, 4], [2]
		assertThat(out).containsExactly(8, 2);
		assertThat(result.completed()).isEqualTo(2);
	}

	@Test
	void inlineLastStepReturningNullCompletesLikeThreaded() {
		Queue<Integer> threadedOut = new ConcurrentLinkedQueue<>();
		Queue<Integer> inlineOut = new ConcurrentLinkedQueue<>();
		AtomicInteger inlineCalls = new AtomicInteger();

		PipelineResult threaded = Pipeline.<Integer>builder("nullsink").step("sink", (Integer x) -> {
			threadedOut.add(x);
			return null;
		}).build().run(range(0, 20));
		assertThat(threaded.completed()).isEqualTo(20);
		assertThat(threaded.step("sink").dropped()).isZero();

		// The last step's return value is ignored: every return, null or not, completes.
		PipelineResult inline = Pipeline.<Integer>builder("nullsink").step("sink", (Integer x) -> {
			inlineCalls.incrementAndGet();
			inlineOut.add(x);
			return null;
		}).build().runInline(range(0, 20));

		assertThat(inlineCalls).as("the sink is called once per item").hasValue(20);
		assertThat(inlineOut).containsExactlyElementsOf(threadedOut.stream().sorted().toList());
		assertThat(inline.completed()).isEqualTo(20);
		assertThat(inline.step("sink").processed()).isEqualTo(20);
		assertThat(inline.step("sink").failed()).isZero();
	}

	@Test
	void inlineStreamHandlerThatReturnsWithoutReadingFailsLikeThreaded() {
		Pipeline<Integer> threaded = Pipeline.<Integer>builder("lazy").<Integer>stream("lazy", (in, out) -> {
		}).build();
		assertThatThrownBy(() -> threaded.run(range(0, 5))).isInstanceOf(PipelineFailedException.class)
			.hasMessageContaining("returned without reading its input");

		// Bounded so that the test ends whatever the engine does: after 1000 empty calls
		// the handler gives in and reads everything.
		AtomicInteger calls = new AtomicInteger();
		Pipeline<Integer> inline = Pipeline.<Integer>builder("lazy").<Integer>stream("lazy", (in, out) -> {
			if (calls.incrementAndGet() > 1000) {
				while (in.hasNext()) {
					out.emit(in.next());
				}
			}
		}).build();
		assertThatThrownBy(() -> inline.runInline(range(0, 5)))
			.as("runInline with a stream handler that returns without reading (called %s times)", calls)
			.isInstanceOf(PipelineFailedException.class)
			.hasMessageContaining("returned without reading its input");
	}

}
