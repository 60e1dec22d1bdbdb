package io.paipa.core;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * The builder's validation, and running a pipeline more than once.
 */
@Timeout(60)
class PipelineBuilderTests {

	private final ExecutorService executor = Executors.newCachedThreadPool();

	@AfterEach
	void shutdownExecutor() throws InterruptedException {
		this.executor.shutdownNow();
		assertThat(this.executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
	}

	private static List<Integer> range(int from, int to) {
		return IntStream.range(from, to).boxed().toList();
	}

	private static StepHandler<Integer, Integer> identity() {
		return (x) -> x;
	}

	// ---- validation

	@Test
	void builderRejectsZeroOrNegativeWorkers() {
		assertThatThrownBy(() -> Pipeline.<Integer>builder("p").step("x", identity(), s -> s.workers(0)))
			.isInstanceOf(IllegalArgumentException.class)
			.hasMessage("Step 'x': workers must be at least 1 but was 0");
		assertThatThrownBy(
				() -> Pipeline.<List<Integer>>builder("p").fanOut("f", Steps.<Integer>flatten(), s -> s.workers(-2)))
			.isInstanceOf(IllegalArgumentException.class)
			.hasMessage("Step 'f': workers must be at least 1 but was -2");
		assertThatThrownBy(() -> Pipeline.<Integer>builder("p").stream("c", Steps.<Integer>chunk(2), s -> s.workers(0)))
			.isInstanceOf(IllegalArgumentException.class)
			.hasMessage("Step 'c': workers must be at least 1 but was 0");
	}

	@Test
	void builderRejectsZeroQueueCapacities() {
		assertThatThrownBy(() -> Pipeline.<Integer>builder("p").step("x", identity(), s -> s.queueCapacity(0)))
			.isInstanceOf(IllegalArgumentException.class)
			.hasMessage("Step 'x': queue capacity must be at least 1 but was 0");
		assertThatThrownBy(() -> Pipeline.<Integer>builder("p").queueCapacity(0))
			.isInstanceOf(IllegalArgumentException.class)
			.hasMessage("Pipeline 'p': queue capacity must be at least 1 but was 0");
		assertThatThrownBy(() -> Pipeline.<Integer>builder("p").inputCapacity(-1))
			.isInstanceOf(IllegalArgumentException.class)
			.hasMessage("Pipeline 'p': input capacity must be at least 1 but was -1");
	}

	@Test
	void builderRejectsDuplicateStepNames() {
		Pipeline.Builder<Integer, Integer> builder = Pipeline.<Integer>builder("p").step("x", identity());
		assertThatThrownBy(() -> builder.<Integer>fanOut("x", (x, out) -> out.emit(x)))
			.isInstanceOf(IllegalArgumentException.class)
			.hasMessage("Pipeline 'p': step name 'x' is used twice");
		// the builder is still usable after the refusal
		assertThat(builder.step("y", identity()).build().stepNames()).containsExactly("x", "y");
	}

	@Test
	void builderRejectsAPipelineWithoutSteps() {
		assertThatThrownBy(() -> Pipeline.<Integer>builder("empty").build())
			.isInstanceOf(IllegalArgumentException.class)
			.hasMessage("Pipeline 'empty' has no steps; add at least one with step(...)");
	}

	@Test
	void builderRejectsBlankNames() {
		for (String name : new String[] { null, "", "   " }) {
			assertThatThrownBy(() -> Pipeline.<Integer>builder(name)).as("pipeline name '%s'", name)
				.isInstanceOf(IllegalArgumentException.class)
				.hasMessage("Pipeline name must not be empty");
			assertThatThrownBy(() -> Pipeline.<Integer>builder("p").step(name, identity())).as("step name '%s'", name)
				.isInstanceOf(IllegalArgumentException.class)
				.hasMessage("Pipeline 'p': step name must not be empty");
			assertThatThrownBy(() -> Pipeline.<Integer>builder("p").stream(name, Steps.<Integer>chunk(1)))
				.isInstanceOf(IllegalArgumentException.class)
				.hasMessage("Pipeline 'p': step name must not be empty");
		}
	}

	@Test
	void builderRejectsNullHandlers() {
		assertThatThrownBy(() -> Pipeline.<Integer>builder("p").step("x", (StepHandler<Integer, Integer>) null))
			.isInstanceOf(NullPointerException.class)
			.hasMessage("Step 'x': handler must not be null");
		assertThatThrownBy(() -> Pipeline.<Integer>builder("p").fanOut("f", (FanOutHandler<Integer, Integer>) null))
			.isInstanceOf(NullPointerException.class)
			.hasMessage("Step 'f': handler must not be null");
		assertThatThrownBy(() -> Pipeline.<Integer>builder("p").stream("s", (StreamHandler<Integer, Integer>) null))
			.isInstanceOf(NullPointerException.class)
			.hasMessage("Step 's': handler must not be null");
		assertThatThrownBy(() -> StepHandler.perWorker(null)).isInstanceOf(NullPointerException.class)
			.hasMessage("factory must not be null");
	}

	@Test
	void builderRejectsNegativeDurationsAndRestarts() {
		Pipeline.Builder<Integer, Integer> builder = Pipeline.<Integer>builder("p").step("x", identity());
		assertThatThrownBy(() -> builder.shutdownTimeout(Duration.ofMillis(-1)))
			.isInstanceOf(IllegalArgumentException.class)
			.hasMessage("Pipeline 'p': shutdown timeout must not be negative but was PT-0.001S");
		assertThatThrownBy(() -> builder.progressInterval(Duration.ofSeconds(-1)))
			.isInstanceOf(IllegalArgumentException.class)
			.hasMessage("Pipeline 'p': progress interval must not be negative but was PT-1S");
		assertThatThrownBy(() -> builder.maxRestarts(-1)).isInstanceOf(IllegalArgumentException.class)
			.hasMessage("Pipeline 'p': max restarts must not be negative but was -1");
		assertThatThrownBy(() -> builder.shutdownTimeout(null)).isInstanceOf(NullPointerException.class);
		assertThatThrownBy(() -> builder.progressInterval(null)).isInstanceOf(NullPointerException.class);
		// zero is allowed for all three
		assertThatNoException().isThrownBy(
				() -> builder.shutdownTimeout(Duration.ZERO).progressInterval(Duration.ZERO).maxRestarts(0).build());
	}

	@Test
	void builderRejectsChunkSizeZero() {
		assertThatThrownBy(() -> Pipeline.<Integer>builder("p").stream("c", Steps.<Integer>chunk(0)))
			.isInstanceOf(IllegalArgumentException.class)
			.hasMessage("Chunk size must be at least 1 but was 0");
	}

	@Test
	void virtualThreadsAreRejectedBeforeJava21() {
		assumeThat(Runtime.version().feature()).isLessThan(21);
		assertThatThrownBy(() -> Pipeline.<Integer>builder("p").step("io", identity(), s -> s.virtualThreads(true)))
			.isInstanceOf(IllegalArgumentException.class)
			.hasMessage("Step 'io': virtual threads need Java 21 or later, but this is Java "
					+ Runtime.version().feature() + "; run on a newer Java or turn virtual threads off");
		// turning them off is fine
		assertThat(Pipeline.<Integer>builder("p")
			.step("io", identity(), s -> s.virtualThreads(false))
			.build()
			.run(range(0, 3))
			.completed()).isEqualTo(3);
	}

	@Test
	void virtualThreadsRunStepsFromJava21() throws Exception {
		assumeThat(Runtime.version().feature()).isGreaterThanOrEqualTo(21);
		Method isVirtual = Thread.class.getMethod("isVirtual");
		Queue<String> seen = new ConcurrentLinkedQueue<>();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("vt").step("io", (Integer x) -> {
			Thread thread = Thread.currentThread();
			seen.add(thread.getName() + ":" + isVirtual.invoke(thread));
			return x;
		}, s -> s.workers(4).virtualThreads(true)).build();

		PipelineResult result = pipeline.run(range(0, 100));

		assertThat(result.completed()).isEqualTo(100);
		assertThat(seen).allSatisfy((entry) -> assertThat(entry).matches("paipa-vt-io-[0-3]:true"));
	}

	@Test
	void scaleRejectsUnknownStepsAndZeroWorkers() {
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("p").step("x", identity()).build();
		assertThatThrownBy(() -> pipeline.scale("nope", 2)).isInstanceOf(IllegalArgumentException.class)
			.hasMessage("Pipeline 'p' has no step 'nope'; its steps are [x]");
		assertThatThrownBy(() -> pipeline.scale("x", 0)).isInstanceOf(IllegalArgumentException.class)
			.hasMessage("Step 'x': workers must be at least 1 but was 0");
		pipeline.scale("x", 3);
		assertThat(pipeline.snapshot().step("x").workersConfigured()).isEqualTo(3);
	}

	@Test
	void builtPipelineKnowsItsNameAndSteps() {
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("named")
			.step("a", identity())
			.stream("b", Steps.<Integer>chunk(3))
			.fanOut("c", Steps.<Integer>flatten())
			.build();

		assertThat(pipeline.name()).isEqualTo("named");
		assertThat(pipeline.stepNames()).containsExactly("a", "b", "c");
		assertThat(pipeline.state()).isEqualTo(PipelineState.NEW);
		assertThat(pipeline.isRunning()).isFalse();
		assertThat(pipeline.toString()).isEqualTo("Pipeline 'named' [a, b, c]");
		assertThatThrownBy(pipeline::stop).isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("not started");
	}

	// ---- running more than once

	@Test
	void pipelineRunsAgainAfterARunEnded() {
		AtomicInteger opens = new AtomicInteger();
		Queue<Integer> out = new ConcurrentLinkedQueue<>();
		StepHandler<Integer, Integer> sink = new StepHandler<>() {

			@Override
			public void open(StepContext context) {
				opens.incrementAndGet();
			}

			@Override
			public Integer process(Integer item) {
				out.add(item);
				return item;
			}

		};
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("again")
			.step("drop", (Integer x) -> (x % 3 == 0) ? null : x, s -> s.workers(2))
			.step("sink", sink)
			.build();

		PipelineResult first = pipeline.run(range(0, 30));
		PipelineResult second = pipeline.run(range(0, 60));

		assertThat(first.in()).isEqualTo(30);
		assertThat(first.completed()).isEqualTo(20);
		assertThat(first.dropped()).isEqualTo(10);
		assertThat(second.in()).as("counts start from zero on every run").isEqualTo(60);
		assertThat(second.completed()).isEqualTo(40);
		assertThat(second.dropped()).isEqualTo(20);
		assertThat(second.step("drop").in()).isEqualTo(60);
		assertThat(out).hasSize(60);
		assertThat(opens).hasValue(2);
		assertThat(pipeline.state()).isEqualTo(PipelineState.COMPLETED);
	}

	@Test
	void pipelineRunsAgainAfterAFailedRunAndSwitchesModes() throws Exception {
		AtomicBoolean failNext = new AtomicBoolean(true);
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("modes").step("maybe", (Integer x) -> {
			if (x == 2 && failNext.getAndSet(false)) {
				throw new IllegalStateException("first time");
			}
			return x;
		}).build();

		assertThatThrownBy(() -> pipeline.run(range(0, 5))).isInstanceOf(PipelineFailedException.class);
		assertThat(pipeline.state()).isEqualTo(PipelineState.FAILED);

		assertThat(pipeline.run(range(0, 5)).completed()).isEqualTo(5);

		pipeline.start();
		pipeline.input().put(1);
		pipeline.input().put(2);
		PipelineResult stopped = pipeline.stop(Duration.ofSeconds(10));
		assertThat(stopped.state()).isEqualTo(PipelineState.STOPPED);
		assertThat(stopped.completed()).isEqualTo(2);

		assertThat(pipeline.run(range(0, 7)).completed()).isEqualTo(7);
		assertThat(pipeline.state()).isEqualTo(PipelineState.COMPLETED);
	}

	@Test
	void secondConcurrentRunIsRefused() throws Exception {
		CountDownLatch entered = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("busy").step("wait", (Integer x) -> {
			entered.countDown();
			assertThat(release.await(30, TimeUnit.SECONDS)).isTrue();
			return x;
		}).build();
		Future<PipelineResult> first = this.executor.submit(() -> pipeline.run(range(0, 3)));
		try {
			assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
			assertThat(pipeline.isRunning()).isTrue();

			assertThatThrownBy(() -> pipeline.run(range(10, 13))).isInstanceOf(IllegalStateException.class)
				.hasMessageContaining("already running")
				.hasMessageContaining("busy");
			assertThatThrownBy(pipeline::start).isInstanceOf(IllegalStateException.class)
				.hasMessageContaining("already running");
			AtomicBoolean closed = new AtomicBoolean();
			assertThatThrownBy(() -> pipeline.run(Stream.of(1).onClose(() -> closed.set(true))))
				.isInstanceOf(IllegalStateException.class);
			assertThat(closed).as("a refused stream is closed too").isTrue();
		}
		finally {
			release.countDown();
		}
		PipelineResult result = first.get(30, TimeUnit.SECONDS);
		assertThat(result.state()).isEqualTo(PipelineState.COMPLETED);
		assertThat(result.in()).as("the refused runs did not feed the running one").isEqualTo(3);
		assertThat(result.completed()).isEqualTo(3);
		await().atMost(Duration.ofSeconds(5)).until(() -> !pipeline.isRunning());
		assertThat(pipeline.run(range(0, 4)).completed()).isEqualTo(4);
	}

	@Test
	void runOfAStreamClosesTheStream() {
		AtomicInteger closed = new AtomicInteger();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("streams").step("x", identity()).build();

		PipelineResult result = pipeline.run(range(0, 10).stream().onClose(closed::incrementAndGet));

		assertThat(result.completed()).isEqualTo(10);
		assertThat(closed).hasValue(1);
	}

	@Test
	void runOfAStreamClosesTheStreamWhenTheRunFails() {
		AtomicInteger closed = new AtomicInteger();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("streamfail").step("x", (Integer x) -> {
			throw new IllegalStateException("no");
		}).build();

		assertThatThrownBy(() -> pipeline.run(Stream.of(1, 2, 3).onClose(closed::incrementAndGet)))
			.isInstanceOf(PipelineFailedException.class);
		assertThat(closed).hasValue(1);
	}

}
