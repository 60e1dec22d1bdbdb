package io.paipa.core;

import static io.paipa.core.TestThreads.assertNoThreadsLeft;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The scenarios of the original Python paipa, run on the threaded engine: a long chain
 * with one poisoned item under retry-then-skip, a step that always fails under the fail
 * policy, and a stream step failing over an endless source.
 */
@Timeout(60)
class OriginalScenariosTests {

	private static final int POISON = 500;

	@Test
	void fiveStepChainRetriesThenSkipsTheOneItemThatAlwaysFails() {
		List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();
		List<Exception> thrownForPoison = new CopyOnWriteArrayList<>();
		Set<Integer> finished = ConcurrentHashMap.newKeySet();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("orig-chain")
			.step("s1", (Integer i) -> i, s -> s.workers(10))
			.step("s2", (Integer i) -> i, s -> s.workers(1))
			.step("s3", (Integer i) -> {
				if (i == POISON) {
					IllegalStateException ex = new IllegalStateException("poisoned item " + i);
					thrownForPoison.add(ex);
					throw ex;
				}
				return i;
			}, s -> s.workers(2))
			.step("s4", (Integer i) -> i, s -> s.workers(1))
			.step("s5", (Integer i) -> {
				finished.add(i);
				return i;
			}, s -> s.workers(40))
			.retry(RetryPolicy.of(3, Duration.ofMillis(1)))
			.onError(ErrorPolicy.SKIP)
			.deadLetterHandler(deadLetters::add)
			.build();

		PipelineResult result = pipeline.run(IntStream.rangeClosed(1, 1000).boxed().toList());

		assertThat(result.isSuccess()).isTrue();
		assertThat(result.state()).isEqualTo(PipelineState.COMPLETED);
		assertThat(result.in()).isEqualTo(1000);
		assertThat(result.completed()).isEqualTo(999);
		assertThat(result.deadLettered()).isEqualTo(1);
		assertThat(result.dropped()).isZero();
		assertThat(result.abandoned()).isZero();
		assertThat(result.in()).isEqualTo(result.completed() + result.dropped() + result.deadLettered());
		assertThat(finished).hasSize(999).doesNotContain(POISON);

		assertThat(thrownForPoison).hasSize(3);
		assertThat(deadLetters).hasSize(1);
		DeadLetter letter = deadLetters.get(0);
		assertThat(letter.pipeline()).isEqualTo("orig-chain");
		assertThat(letter.step()).isEqualTo("s3");
		assertThat(letter.item()).isEqualTo(POISON);
		assertThat(letter.attempts()).isEqualTo(3);
		assertThat(letter.cause()).isSameAs(thrownForPoison.get(2));

		StepStats s3 = result.step("s3");
		assertThat(s3.retried()).isEqualTo(2);
		assertThat(s3.failed()).isEqualTo(1);
		assertThat(s3.deadLettered()).isEqualTo(1);
		assertThat(s3.processed()).isEqualTo(999);
		for (String name : List.of("s1", "s2", "s4", "s5")) {
			assertThat(result.step(name).retried()).as(name + " retried").isZero();
			assertThat(result.step(name).deadLettered()).as(name + " dead-lettered").isZero();
		}
		assertThat(result.step("s4").in()).isEqualTo(999);
		assertThat(result.step("s5").processed()).isEqualTo(999);
		assertStepAccounting(result.steps());
		assertNoThreadsLeft("orig-chain");
	}

	@Test
	void alwaysFailingStepFailsTheRunEndsEveryThreadAndThePipelineCanRunAgain() {
		AtomicBoolean failing = new AtomicBoolean(true);
		List<Exception> thrown = new CopyOnWriteArrayList<>();
		Set<Thread> workerThreads = ConcurrentHashMap.newKeySet();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("orig-always-fails").step("parse", (Integer i) -> {
			workerThreads.add(Thread.currentThread());
			return i;
		}, s -> s.workers(3)).step("broken", (Integer i) -> {
			workerThreads.add(Thread.currentThread());
			if (failing.get()) {
				IllegalArgumentException ex = new IllegalArgumentException("cannot handle " + i);
				thrown.add(ex);
				throw ex;
			}
			return i * 2;
		}, s -> s.workers(2)).step("sink", (Integer i) -> {
			workerThreads.add(Thread.currentThread());
			return i;
		}, s -> s.workers(2)).build();

		List<Integer> source = IntStream.rangeClosed(1, 10_000).boxed().toList();
		PipelineFailedException failure = catchThrowableOfType(PipelineFailedException.class,
				() -> pipeline.run(source));

		assertThat(failure).isNotNull();
		assertThat(failure.getStep()).isEqualTo("broken");
		assertThat(failure.getPipeline()).isEqualTo("orig-always-fails");
		assertThat(thrown).isNotEmpty();
		assertThat(failure.getCause()).isIn(thrown.toArray());
		assertThat(failure.getItemSummary()).isNotNull();
		assertThat(failure.getMessage()).contains("orig-always-fails", "broken");
		for (Throwable suppressed : failure.getSuppressed()) {
			assertThat(suppressed).isInstanceOf(PipelineFailedException.class);
			assertThat(suppressed.getCause()).isIn(thrown.toArray()).isNotSameAs(failure.getCause());
		}
		assertThat(pipeline.state()).isEqualTo(PipelineState.FAILED);
		assertThat(pipeline.isRunning()).isFalse();

		assertThat(workerThreads).isNotEmpty();
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(workerThreads).noneMatch(Thread::isAlive));
		assertNoThreadsLeft("orig-always-fails");

		// The accounting of the failed run, read through the pipeline once run() has
		// thrown.
		PipelineSnapshot afterFailure = pipeline.snapshot();
		assertThat(afterFailure.state()).isEqualTo(PipelineState.FAILED);
		assertThat(afterFailure.steps()).allSatisfy(step -> {
			assertThat(step.workersAlive()).as(step.name() + " workers alive").isZero();
			assertThat(step.queueDepth()).as(step.name() + " queue depth").isZero();
		});
		List<StepStats> stats = afterFailure.steps().stream().map(StepSnapshot::stats).toList();
		assertStepAccounting(stats);
		assertThat(afterFailure.in()).isPositive().isLessThan(source.size());
		assertThat(afterFailure.completed()).isZero();
		assertThat(afterFailure.in()).isEqualTo(afterFailure.completed() + afterFailure.dropped()
				+ afterFailure.deadLettered() + afterFailure.abandoned());
		StepStats broken = afterFailure.step("broken").stats();
		assertThat(broken.processed()).isZero();
		assertThat(broken.failed()).isGreaterThanOrEqualTo(1);
		assertThat(broken.abandoned()).isEqualTo(broken.in());

		// The pipeline can run again; this time the step works.
		failing.set(false);
		workerThreads.clear();
		PipelineResult again = pipeline.run(IntStream.rangeClosed(1, 500).boxed().toList());
		assertThat(again.state()).isEqualTo(PipelineState.COMPLETED);
		assertThat(again.isSuccess()).isTrue();
		assertThat(again.in()).isEqualTo(500);
		assertThat(again.completed()).isEqualTo(500);
		assertThat(again.abandoned()).isZero();
		assertStepAccounting(again.steps());
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(workerThreads).noneMatch(Thread::isAlive));
		assertNoThreadsLeft("orig-always-fails");
	}

	@Test
	void streamStepFailingAfterAThousandItemsOfAnEndlessSourceFailsTheRunAndReturns() {
		AtomicLong pulled = new AtomicLong();
		Iterator<Long> endless = new Iterator<>() {

			@Override
			public boolean hasNext() {
				return true;
			}

			@Override
			public Long next() {
				return pulled.incrementAndGet();
			}

		};
		List<Exception> thrown = new CopyOnWriteArrayList<>();
		Pipeline<Long> pipeline = Pipeline.<Long>builder("orig-stream-endless")
			.step("double", (Long l) -> l * 2, s -> s.workers(2))
			.stream("window", (StepInput<Long> in, Emitter<Long> out) -> {
				long seen = 0;
				while (in.hasNext()) {
					Long item = in.next();
					if (++seen > 1000) {
						IllegalStateException ex = new IllegalStateException("window overflow at " + item);
						thrown.add(ex);
						throw ex;
					}
					out.emit(item);
				}
			})
			.step("sink", (Long l) -> l)
			.queueCapacity(16)
			.build();

		PipelineFailedException failure = catchThrowableOfType(PipelineFailedException.class,
				() -> pipeline.run(endless));

		assertThat(failure).isNotNull();
		assertThat(thrown).hasSize(1);
		assertThat(failure.getCause()).isSameAs(thrown.get(0));
		assertThat(failure.getStep()).isEqualTo("window");
		assertThat(pipeline.state()).isEqualTo(PipelineState.FAILED);
		// The source was pulled lazily: only as far as the bounded queues allowed.
		assertThat(pulled.get()).isGreaterThan(1000).isLessThan(100_000);
		assertNoThreadsLeft("orig-stream-endless");

		PipelineSnapshot snapshot = pipeline.snapshot();
		// outputs still buffered or queued at the failure are abandoned, so at most 1,000
		// completed
		assertThat(snapshot.completed()).isLessThanOrEqualTo(1000);
		assertThat(snapshot.step("window").stats().processed()).isEqualTo(1000);
		assertThat(snapshot.step("window").stats().failed()).isEqualTo(1);
		// the window emits each item it took once, so the pipeline's items are still
		// one-to-one
		assertThat(snapshot.step("window").stats().emitted()).isEqualTo(1000);
		assertThat(snapshot.in())
			.isEqualTo(snapshot.completed() + snapshot.dropped() + snapshot.deadLettered() + snapshot.abandoned());
		assertStepAccounting(snapshot.steps().stream().map(StepSnapshot::stats).toList());
		assertThat(snapshot.in()).isEqualTo(pulled.get());
	}

	@Test
	void stepFailingOverAnEndlessSourceFailsTheRunAndStopsPullingIt() {
		AtomicLong pulled = new AtomicLong();
		Iterator<Integer> endless = new Iterator<>() {

			@Override
			public boolean hasNext() {
				return true;
			}

			@Override
			public Integer next() {
				return (int) pulled.incrementAndGet();
			}

		};
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("orig-step-endless")
			.step("fail-at-1000", (Integer i) -> {
				if (i == 1000) {
					throw new IllegalStateException("enough");
				}
				return i;
			})
			.build();

		assertThatThrownBy(() -> pipeline.run(endless)).isInstanceOf(PipelineFailedException.class)
			.hasRootCauseMessage("enough");
		assertNoThreadsLeft("orig-step-endless");
		long afterRun = pulled.get();
		assertThat(afterRun).isGreaterThanOrEqualTo(1000).isLessThan(100_000);
		PipelineSnapshot snapshot = pipeline.snapshot();
		assertThat(snapshot.in()).isEqualTo(afterRun);
		assertThat(snapshot.completed()).isEqualTo(999);
		assertStepAccounting(snapshot.steps().stream().map(StepSnapshot::stats).toList());
	}

	static void assertStepAccounting(List<StepStats> steps) {
		assertThat(steps).allSatisfy(s -> assertThat(s.in())
			.as("step %s: in == processed + dropped + deadLettered + abandoned (%s)", s.step(), s)
			.isEqualTo(s.processed() + s.dropped() + s.deadLettered() + s.abandoned()));
	}

}
