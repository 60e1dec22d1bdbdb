package io.paipa.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code runInline} and {@code run} go through the same code for each item: for random
 * pipelines (one-to-one, dropping, fan-out and chunk steps, failures that retries cure or
 * not, a dead-letter handler and listeners that throw now and then) both give the same
 * counts, the same dead letters, the same outputs and the same listener events.
 */
@Timeout(120)
class InlineParityTests {

	static List<Long> seeds() {
		return LongStream.range(1, 41).boxed().toList();
	}

	@ParameterizedTest(name = "seed {0}")
	@MethodSource("seeds")
	void randomPipelinesGiveTheSameResultsInlineAndThreaded(long seed) {
		Recorder threaded = new Recorder();
		Recorder inline = new Recorder();
		Shape shape = Shape.random(seed, false);
		PipelineResult threadedResult = shape.build(threaded).run(shape.source());
		PipelineResult inlineResult = shape.build(inline).runInline(shape.source());

		assertThat(inlineResult.in()).as("in, %s", shape).isEqualTo(threadedResult.in());
		assertThat(inlineResult.completed()).as("completed, %s", shape).isEqualTo(threadedResult.completed());
		assertThat(inlineResult.dropped()).isEqualTo(threadedResult.dropped());
		assertThat(inlineResult.deadLettered()).isEqualTo(threadedResult.deadLettered());
		assertThat(inlineResult.abandoned()).isEqualTo(threadedResult.abandoned()).isZero();
		for (int i = 0; i < threadedResult.steps().size(); i++) {
			StepStats a = threadedResult.steps().get(i);
			StepStats b = inlineResult.steps().get(i);
			assertThat(
					List.of(b.in(), b.processed(), b.dropped(), b.retried(), b.failed(), b.deadLettered(), b.emitted()))
				.as("step %s of %s", a.step(), shape)
				.isEqualTo(List.of(a.in(), a.processed(), a.dropped(), a.retried(), a.failed(), a.deadLettered(),
						a.emitted()));
		}
		assertThat(inline.deadLetters).as("dead letters, %s", shape)
			.containsExactlyInAnyOrderElementsOf(threaded.deadLetters);
		assertThat(inline.outputs).as("outputs, %s", shape).containsExactlyInAnyOrderElementsOf(threaded.outputs);
		assertThat(inline.items).as("item events, %s", shape).containsExactlyInAnyOrderElementsOf(threaded.items);
		assertThat(inline.states).as("state events").containsExactlyElementsOf(threaded.states);
		assertThat(inline.workers.get()).as("worker starts and stops balance").isZero();
	}

	@Test
	void aFailureUnderTheFailPolicyNamesTheSameStepAndItem() {
		for (long seed = 100; seed < 110; seed++) {
			Shape shape = Shape.random(seed, true);
			Recorder threaded = new Recorder();
			Recorder inline = new Recorder();
			PipelineFailedException a = catchThrowableOfType(PipelineFailedException.class,
					() -> shape.build(threaded).run(shape.source()));
			PipelineFailedException b = catchThrowableOfType(PipelineFailedException.class,
					() -> shape.build(inline).runInline(shape.source()));
			assertThat(a).as("%s", shape).isNotNull();
			assertThat(b).as("%s", shape).isNotNull();
			assertThat(b.getStep()).isEqualTo(a.getStep());
			assertThat(b.getItemSummary()).isEqualTo(a.getItemSummary());
			assertThat(b.getMessage()).isEqualTo(a.getMessage());
			assertThat(inline.states).containsExactlyElementsOf(threaded.states);
		}
	}

	/**
	 * What a run did, as seen by its dead-letter handler, its last step and its listener.
	 */
	static final class Recorder implements PipelineListener {

		final Collection<String> deadLetters = new ConcurrentLinkedQueue<>();

		final Collection<Object> outputs = new ConcurrentLinkedQueue<>();

		final Collection<String> items = new ConcurrentLinkedQueue<>();

		final Collection<String> states = new ConcurrentLinkedQueue<>();

		final AtomicInteger workers = new AtomicInteger();

		final AtomicInteger events = new AtomicInteger();

		final AtomicInteger deadLetterCalls = new AtomicInteger();

		/**
		 * The handler's attempts per step and item, so that failures can depend on them.
		 */
		final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();

		@Override
		public void stateChanged(String pipeline, PipelineState from, PipelineState to) {
			this.states.add(from + "->" + to);
		}

		@Override
		public void itemProcessed(String pipeline, String step, ItemOutcome outcome, long handlerNanos) {
			this.items.add(step + ":" + outcome);
			if (this.events.incrementAndGet() % 7 == 0) {
				throw new IllegalStateException("a listener that throws now and then");
			}
		}

		@Override
		public void workerStarted(String pipeline, String step, String worker) {
			this.workers.incrementAndGet();
		}

		@Override
		public void workerStopped(String pipeline, String step, String worker) {
			this.workers.decrementAndGet();
		}

	}

	/** A random pipeline over longs: its steps, and whether failures fail the run. */
	record Shape(long seed, List<String> kinds, List<Integer> workers, int items, int maxAttempts, boolean fail) {

		static Shape random(long seed, boolean fail) {
			Random random = new Random(seed);
			int steps = 1 + random.nextInt(5);
			List<String> kinds = new ArrayList<>();
			List<Integer> workers = new ArrayList<>();
			for (int i = 0; i < steps; i++) {
				// under the fail policy the first step fails one item: it must call a
				// handler
				String kind = (fail && i == 0) ? "map"
						: List.of("map", "map", "drop", "fanOut", "chunk").get(random.nextInt(5));
				kinds.add(kind);
				// a chunk's lists depend on how its items are spread over workers: one
				// worker
				workers.add(kind.equals("chunk") || fail ? 1 : 1 + random.nextInt(4));
			}
			return new Shape(seed, List.copyOf(kinds), List.copyOf(workers), 50 + random.nextInt(300),
					1 + random.nextInt(3), fail);
		}

		Iterable<Long> source() {
			return LongStream.range(0, this.items).boxed().toList();
		}

		Pipeline<Long> build(Recorder recorder) {
			Pipeline.Builder<Long, Long> builder = Pipeline.<Long>builder("parity-" + this.seed);
			for (int i = 0; i < this.kinds.size(); i++) {
				builder = add(builder, i, recorder);
			}
			return builder.step("last", (Long x) -> {
				recorder.outputs.add(x);
				return x;
			})
				.onError(this.fail ? ErrorPolicy.FAIL : ErrorPolicy.SKIP)
				.retry(RetryPolicy.of(this.maxAttempts, Duration.ZERO))
				.outage(OutagePolicy.off().withBackoff(Duration.ofMillis(1), Duration.ofMillis(1)))
				.deadLetterHandler((letter) -> {
					if (recorder.deadLetterCalls.incrementAndGet() % 3 == 0) {
						throw new IllegalStateException("a dead-letter store that fails now and then");
					}
					recorder.deadLetters.add(letter.step() + ":" + letter.item() + ":" + letter.attempts());
				})
				.listener(recorder)
				.build();
		}

		private Pipeline.Builder<Long, Long> add(Pipeline.Builder<Long, Long> builder, int index, Recorder recorder) {
			String name = "s" + index + "-" + this.kinds.get(index);
			int workers = this.workers.get(index);
			return switch (this.kinds.get(index)) {
				case "map" -> builder.step(name, (Long x) -> {
					failSometimes(recorder, name, x);
					return x * 3 + 1;
				}, (s) -> s.workers(workers));
				case "drop" -> builder.step(name, (Long x) -> {
					failSometimes(recorder, name, x);
					return (x % 5 == 0) ? null : x;
				}, (s) -> s.workers(workers));
				case "fanOut" -> builder.fanOut(name, (Long x, Emitter<Long> out) -> {
					failSometimes(recorder, name, x);
					for (long j = 0; j < x % 3; j++) {
						out.emit(x * 4 + j);
					}
				}, (s) -> s.workers(workers));
				default -> builder.stream(name, Steps.<Long>chunk(7), (s) -> s.workers(1))
					.fanOut(name + "-flatten", Steps.<Long>flatten(), (s) -> s.workers(workers));
			};
		}

		/** Fails for some items always, for others on the first attempt only. */
		private void failSometimes(Recorder recorder, String step, long x) {
			int attempt = recorder.attempts.computeIfAbsent(step + ":" + x, (k) -> new AtomicInteger())
				.incrementAndGet();
			long h = (x * 31 + step.hashCode()) & 0xffff;
			if (this.fail) {
				if (x == this.items / 2 && step.startsWith("s0")) {
					throw new IllegalStateException("item " + x + " fails at " + step);
				}
				return;
			}
			if (h % 17 == 0 || (h % 11 == 0 && attempt == 1)) {
				throw new IllegalStateException("item " + x + " fails at " + step + ", attempt " + attempt);
			}
		}

	}

}
