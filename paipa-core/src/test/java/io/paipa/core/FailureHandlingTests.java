package io.paipa.core;

import static io.paipa.core.TestThreads.assertNoThreadsLeft;
import static io.paipa.core.OriginalScenariosTests.assertStepAccounting;
import static io.paipa.core.TestThreads.threadsOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Retries, dead letters, the fail policy, dying workers, failing sources and handlers,
 * and how a failed run ends every thread and accounts for every item.
 */
@Timeout(60)
class FailureHandlingTests {

	private static List<Integer> range(int from, int to) {
		return IntStream.rangeClosed(from, to).boxed().toList();
	}

	// ---- retry

	@Test
	void retryThenSucceedCompletesEveryItemAndCountsEachRetry() {
		Map<Integer, AtomicInteger> attempts = new ConcurrentHashMap<>();
		AtomicInteger retriedEvents = new AtomicInteger();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("fh-retry-ok").step("flaky", (Integer i) -> {
			int attempt = attempts.computeIfAbsent(i, k -> new AtomicInteger()).incrementAndGet();
			if (attempt <= 2) {
				throw new IllegalStateException("attempt " + attempt + " of " + i);
			}
			return i;
		}, s -> s.workers(4))
			.step("sink", (Integer i) -> i, s -> s.workers(2))
			.retry(RetryPolicy.of(3, Duration.ZERO))
			.deadLetterHandler(letter -> {
				throw new AssertionError("no dead letter expected: " + letter);
			})
			.listener(new PipelineListener() {

				@Override
				public void itemProcessed(String pipeline, String step, ItemOutcome outcome, long handlerNanos) {
					if (outcome == ItemOutcome.RETRIED) {
						retriedEvents.incrementAndGet();
					}
				}

			})
			.build();

		PipelineResult result = pipeline.run(range(1, 200));

		assertThat(result.isSuccess()).isTrue();
		assertThat(result.completed()).isEqualTo(200);
		assertThat(result.deadLettered()).isZero();
		assertThat(result.abandoned()).isZero();
		StepStats flaky = result.step("flaky");
		assertThat(flaky.retried()).isEqualTo(400);
		assertThat(flaky.failed()).isZero();
		assertThat(flaky.processed()).isEqualTo(200);
		assertThat(retriedEvents).hasValue(400);
		assertThat(attempts).hasSize(200).allSatisfy((item, count) -> assertThat(count).hasValue(3));
		assertStepAccounting(result.steps());
	}

	@Test
	void retryPolicyBackoffGrowsByTheMultiplier() {
		RetryPolicy policy = RetryPolicy.of(5, Duration.ofMillis(10), 2.0);
		assertThat(policy.backoffNanos(1)).isEqualTo(10_000_000L);
		assertThat(policy.backoffNanos(2)).isEqualTo(20_000_000L);
		assertThat(policy.backoffNanos(3)).isEqualTo(40_000_000L);
		assertThat(policy.backoffNanos(4)).isEqualTo(80_000_000L);
		assertThat(policy.backoffNanos(0)).isEqualTo(10_000_000L);

		RetryPolicy fixed = RetryPolicy.of(3, Duration.ofMillis(7));
		assertThat(fixed.multiplier()).isEqualTo(1.0);
		assertThat(fixed.backoffNanos(1)).isEqualTo(7_000_000L);
		assertThat(fixed.backoffNanos(9)).isEqualTo(7_000_000L);

		RetryPolicy huge = RetryPolicy.of(100, Duration.ofSeconds(1), 10.0);
		assertThat(huge.backoffNanos(50)).isEqualTo(Long.MAX_VALUE);

		RetryPolicy none = RetryPolicy.none();
		assertThat(none.maxAttempts()).isEqualTo(1);
		assertThat(none.backoffNanos(1)).isZero();
	}

	@Test
	void retryPolicyRejectsInvalidSettingsWithClearMessages() {
		assertThatIllegalArgumentException().isThrownBy(() -> RetryPolicy.of(0, Duration.ZERO))
			.withMessage("Retry max attempts must be at least 1 but was 0");
		assertThatIllegalArgumentException().isThrownBy(() -> RetryPolicy.of(2, Duration.ofMillis(-1)))
			.withMessageStartingWith("Retry backoff must not be negative but was ");
		assertThatIllegalArgumentException().isThrownBy(() -> RetryPolicy.of(2, Duration.ZERO, 0.5))
			.withMessage("Retry multiplier must be at least 1.0 but was 0.5");
		assertThatIllegalArgumentException().isThrownBy(() -> RetryPolicy.of(2, Duration.ZERO, Double.NaN))
			.withMessage("Retry multiplier must be at least 1.0 but was NaN");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> RetryPolicy.of(2, Duration.ZERO, Double.POSITIVE_INFINITY))
			.withMessageContaining("Infinity");
		assertThatNullPointerException().isThrownBy(() -> RetryPolicy.of(2, null))
			.withMessage("backoff must not be null");
		assertThatCode(() -> RetryPolicy.of(1, Duration.ZERO, 1.0)).doesNotThrowAnyException();
	}

	@Test
	void retriesWaitAtLeastTheGrowingBackoff() {
		List<Long> attemptTimes = new CopyOnWriteArrayList<>();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("fh-backoff").step("slow-retry", (Integer i) -> {
			attemptTimes.add(System.nanoTime());
			throw new IllegalStateException("always");
		}).retry(RetryPolicy.of(3, Duration.ofMillis(50), 2.0)).onError(ErrorPolicy.SKIP).deadLetterHandler(letter -> {
		}).build();

		PipelineResult result = pipeline.run(List.of(1));

		assertThat(result.deadLettered()).isEqualTo(1);
		assertThat(attemptTimes).hasSize(3);
		// Lower bounds only: a sleep never ends early, a loaded machine only makes it
		// longer.
		assertThat(attemptTimes.get(1) - attemptTimes.get(0)).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(45));
		assertThat(attemptTimes.get(2) - attemptTimes.get(1)).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(95));
	}

	// ---- skip and dead letters

	@Test
	void skipWithTheDefaultLoggingDeadLetterHandlerCompletesWithoutThrowing() {
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("fh-skip-log").step("even-fails", (Integer i) -> {
			if (i % 2 == 0) {
				throw new IllegalArgumentException("even " + i);
			}
			return i;
		}, s -> s.workers(3)).onError(ErrorPolicy.SKIP).build();

		PipelineResult result;
		try (ErrCapture err = new ErrCapture()) {
			result = pipeline.run(range(1, 40));
			assertThat(err.text()).contains("fh-skip-log", "even-fails", "dead letter after 1 attempt(s)", "even 40");
		}

		assertThat(result.isSuccess()).isTrue();
		assertThat(result.state()).isEqualTo(PipelineState.COMPLETED);
		assertThat(result.completed()).isEqualTo(20);
		assertThat(result.deadLettered()).isEqualTo(20);
		assertThat(result.step("even-fails").failed()).isEqualTo(20);
		assertThat(result.in()).isEqualTo(result.completed() + result.dropped() + result.deadLettered());
		assertStepAccounting(result.steps());
	}

	@Test
	void loggingDeadLetterHandlerCutsHugeItemsAndNeverThrows() {
		Object hostile = new Object() {

			@Override
			public String toString() {
				throw new IllegalStateException("no toString for you");
			}

		};
		try (ErrCapture err = new ErrCapture()) {
			assertThatCode(() -> DeadLetterHandler.logging()
				.handle(new DeadLetter("fh-log-direct", "parse", "y".repeat(5000), new IllegalStateException("bad"),
						2)))
				.doesNotThrowAnyException();
			assertThatCode(() -> DeadLetterHandler.logging()
				.handle(new DeadLetter("fh-log-direct", "parse", hostile, new IllegalStateException("worse"), 1)))
				.doesNotThrowAnyException();
			assertThat(err.text()).contains("fh-log-direct", "parse", "dead letter after 2 attempt(s)",
					"y".repeat(200) + "... (5000 chars)", "toString failed");
			assertThat(err.text()).doesNotContain("y".repeat(201));
		}
	}

	@Test
	void customDeadLetterHandlerReceivesPipelineStepItemCauseAndAttempts() {
		List<DeadLetter> letters = new CopyOnWriteArrayList<>();
		Map<Integer, Exception> lastThrown = new ConcurrentHashMap<>();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("fh-dlh")
			.step("pass", (Integer i) -> i)
			.step("validate", (Integer i) -> {
				if (i % 10 == 0) {
					IllegalArgumentException ex = new IllegalArgumentException("invalid " + i);
					lastThrown.put(i, ex);
					throw ex;
				}
				return "ok-" + i;
			}, s -> s.workers(3))
			.step("sink", (String s) -> s)
			.retry(RetryPolicy.of(2, Duration.ZERO))
			.onError(ErrorPolicy.SKIP)
			.deadLetterHandler(letters::add)
			.build();

		PipelineResult result = pipeline.run(range(1, 100));

		assertThat(result.completed()).isEqualTo(90);
		assertThat(result.deadLettered()).isEqualTo(10);
		assertThat(letters).hasSize(10);
		assertThat(letters).allSatisfy(letter -> {
			assertThat(letter.pipeline()).isEqualTo("fh-dlh");
			assertThat(letter.step()).isEqualTo("validate");
			assertThat(letter.item()).isInstanceOf(Integer.class);
			assertThat(letter.cause()).isSameAs(lastThrown.get((Integer) letter.item()));
			assertThat(letter.attempts()).isEqualTo(2);
			assertThat(letter.toString()).contains("fh-dlh", "validate", "attempts=2");
		});
		assertThat(letters.stream().map(DeadLetter::item).toList()).containsExactlyInAnyOrder(10, 20, 30, 40, 50, 60,
				70, 80, 90, 100);
		StepStats validate = result.step("validate");
		assertThat(validate.retried()).isEqualTo(10);
		assertThat(validate.failed()).isEqualTo(10);
		assertThat(validate.deadLettered()).isEqualTo(10);
		assertThat(result.step("sink").in()).isEqualTo(90);
		assertStepAccounting(result.steps());
	}

	@Test
	void stepLevelSkipOverridesTheBatchDefaultOfFailing() {
		List<DeadLetter> letters = new CopyOnWriteArrayList<>();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("fh-step-skip").step("lenient", (Integer i) -> {
			if (i == 7) {
				throw new IllegalStateException("seven");
			}
			return i;
		}, s -> s.onError(ErrorPolicy.SKIP)).step("strict", (Integer i) -> i).deadLetterHandler(letters::add).build();

		PipelineResult result = pipeline.run(range(1, 20));

		assertThat(result.isSuccess()).isTrue();
		assertThat(result.completed()).isEqualTo(19);
		assertThat(letters).singleElement().satisfies(letter -> {
			assertThat(letter.step()).isEqualTo("lenient");
			assertThat(letter.item()).isEqualTo(7);
		});
	}

	@Test
	void aThrowingDeadLetterHandlerIsRetriedUntilItTakesEveryLetter() {
		AtomicInteger calls = new AtomicInteger();
		Set<Object> taken = ConcurrentHashMap.newKeySet();
		List<String> outages = new CopyOnWriteArrayList<>();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("fh-dlh-throws").step("fives-fail", (Integer i) -> {
			if (i % 5 == 0) {
				throw new IllegalStateException("five " + i);
			}
			return i;
		}, s -> s.workers(2))
			.step("sink", (Integer i) -> i)
			.onError(ErrorPolicy.SKIP)
			.outage(OutagePolicy.off().withBackoff(Duration.ofMillis(1), Duration.ofMillis(5)))
			.deadLetterHandler(letter -> {
				int call = calls.incrementAndGet();
				if (call <= 4) {
					if (call % 2 == 0) {
						throw new AssertionError("dead-letter store is down (error)");
					}
					throw new IllegalStateException("dead-letter store is down");
				}
				taken.add(letter.item());
			})
			.listener(new PipelineListener() {

				@Override
				public void outageStarted(String pipeline, String step, Throwable cause) {
					outages.add("started " + step);
				}

				@Override
				public void outageEnded(String pipeline, String step, Duration lasted) {
					outages.add("ended " + step);
				}

			})
			.build();

		PipelineResult result = pipeline.run(range(1, 50));

		assertThat(result.isSuccess()).isTrue();
		assertThat(calls).hasValue(14);
		assertThat(taken).containsExactlyInAnyOrder(5, 10, 15, 20, 25, 30, 35, 40, 45, 50);
		assertThat(result.deadLettered()).isEqualTo(10);
		assertThat(result.step("fives-fail").deadLettered()).isEqualTo(10);
		assertThat(result.completed()).isEqualTo(40);
		assertThat(result.step("fives-fail").restarts()).isZero();
		assertThat(result.in()).isEqualTo(result.completed() + result.dropped() + result.deadLettered());
		assertThat(outages).startsWith("started fives-fail").contains("ended fives-fail");
		assertStepAccounting(result.steps());
	}

	// ---- the fail policy

	@Test
	void failureOfAHugeItemCutsItsSummaryAndNamesPipelineAndStep() {
		Huge huge = new Huge(10_000);
		Pipeline<Object> pipeline = Pipeline.<Object>builder("fh-huge").step("inspect", (Object o) -> {
			if (o instanceof Huge) {
				throw new IllegalStateException("too big");
			}
			return o;
		}).build();

		PipelineFailedException failure = catchThrowableOfType(PipelineFailedException.class,
				() -> pipeline.run(List.of("a", huge, "b")));

		assertThat(failure).isNotNull();
		assertThat(failure.getItemSummary()).hasSizeLessThanOrEqualTo(230)
			.startsWith("x".repeat(200))
			.endsWith("(10000 chars)");
		assertThat(failure.getMessage()).contains("fh-huge", "inspect", "too big").doesNotContain("x".repeat(201));
		assertThat(failure.getMessage().length()).isLessThan(500);
		assertThat(failure.getPipeline()).isEqualTo("fh-huge");
		assertThat(failure.getStep()).isEqualTo("inspect");
		assertThat(failure.getCause()).isInstanceOf(IllegalStateException.class).hasMessage("too big");
		assertNoThreadsLeft("fh-huge");
	}

	@Test
	void failureOfAnItemWhoseToStringThrowsIsStillReported() {
		Object hostile = new Object() {

			@Override
			public String toString() {
				throw new UnsupportedOperationException("no toString");
			}

		};
		Pipeline<Object> pipeline = Pipeline.<Object>builder("fh-hostile").step("inspect", (Object o) -> {
			throw new IllegalStateException("rejected");
		}).build();

		PipelineFailedException failure = catchThrowableOfType(PipelineFailedException.class,
				() -> pipeline.run(List.of(hostile)));

		assertThat(failure).isNotNull();
		assertThat(failure.getItemSummary()).contains("toString failed");
		assertThat(failure.getCause()).hasMessage("rejected");
		assertNoThreadsLeft("fh-hostile");
	}

	@Test
	void secondFailureRecordedWhileTheFirstIsReportedIsAttachedAsSuppressed() {
		// Both workers fail their item; the listener holds each one after the engine
		// decided that the item failed and before it fails the pipeline, until both are
		// there. So both failures reach the pipeline, in some order.
		CyclicBarrier bothFailed = new CyclicBarrier(2);
		List<Exception> thrown = new CopyOnWriteArrayList<>();
		AtomicInteger barrierProblems = new AtomicInteger();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("fh-two-failures").step("bad", (Integer i) -> {
			IllegalStateException ex = new IllegalStateException("bad " + i);
			thrown.add(ex);
			throw ex;
		}, s -> s.workers(2)).listener(new PipelineListener() {

			@Override
			public void itemProcessed(String pipeline, String step, ItemOutcome outcome, long handlerNanos) {
				if (outcome == ItemOutcome.FAILED) {
					try {
						bothFailed.await(10, TimeUnit.SECONDS);
					}
					catch (Exception ex) {
						barrierProblems.incrementAndGet();
					}
				}
			}

		}).build();

		PipelineFailedException failure = catchThrowableOfType(PipelineFailedException.class,
				() -> pipeline.run(range(1, 100)));

		assertThat(barrierProblems).hasValue(0);
		assertThat(thrown).hasSize(2);
		assertThat(failure).isNotNull();
		assertThat(failure.getCause()).isIn(thrown.get(0), thrown.get(1));
		Throwable other = (failure.getCause() == thrown.get(0)) ? thrown.get(1) : thrown.get(0);
		assertThat(failure.getSuppressed()).singleElement().satisfies(suppressed -> {
			assertThat(suppressed).isInstanceOf(PipelineFailedException.class);
			assertThat(suppressed.getCause()).isSameAs(other);
			assertThat(((PipelineFailedException) suppressed).getStep()).isEqualTo("bad");
		});
		assertNoThreadsLeft("fh-two-failures");
		PipelineSnapshot snapshot = pipeline.snapshot();
		assertThat(snapshot.step("bad").stats().failed()).isEqualTo(2);
		assertStepAccounting(snapshot.steps().stream().map(StepSnapshot::stats).toList());
	}

	@Test
	void twoHandlersFailingAtTheSameTimeReportOneOfThemAsTheCause() {
		// Which failure wins, and whether the other one is still recorded, is a race;
		// what
		// is certain is that the cause is one of them and the other is never the cause
		// too.
		CyclicBarrier together = new CyclicBarrier(2);
		List<Exception> thrown = new CopyOnWriteArrayList<>();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("fh-together").step("bad", (Integer i) -> {
			together.await(10, TimeUnit.SECONDS);
			IllegalStateException ex = new IllegalStateException("bad " + i);
			thrown.add(ex);
			throw ex;
		}, s -> s.workers(2)).build();

		PipelineFailedException failure = catchThrowableOfType(PipelineFailedException.class,
				() -> pipeline.run(range(1, 100)));

		assertThat(failure).isNotNull();
		assertThat(thrown).hasSize(2);
		assertThat(failure.getCause()).isIn(thrown.get(0), thrown.get(1));
		assertThat(failure.getSuppressed()).hasSizeLessThanOrEqualTo(1)
			.allSatisfy(suppressed -> assertThat(suppressed.getCause()).isIn(thrown.get(0), thrown.get(1))
				.isNotSameAs(failure.getCause()));
		assertNoThreadsLeft("fh-together");
		assertStepAccounting(pipeline.snapshot().steps().stream().map(StepSnapshot::stats).toList());
	}

	// ---- dying workers

	@Test
	void handlerThrowingAnErrorDeadLettersTheItemAndReplacesTheWorker() {
		AssertionError error = new AssertionError("corrupt state at 42");
		List<DeadLetter> letters = new CopyOnWriteArrayList<>();
		List<String> restarted = new CopyOnWriteArrayList<>();
		List<Throwable> restartCauses = new CopyOnWriteArrayList<>();
		AtomicInteger started = new AtomicInteger();
		Set<Integer> finished = ConcurrentHashMap.newKeySet();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("fh-death").step("fragile", (Integer i) -> {
			if (i == 42) {
				throw error;
			}
			return i;
		}, s -> s.workers(2)).step("sink", (Integer i) -> {
			finished.add(i);
			return i;
		}).deadLetterHandler(letters::add).listener(new PipelineListener() {

			@Override
			public void workerStarted(String pipeline, String step, String worker) {
				if (step.equals("fragile")) {
					started.incrementAndGet();
				}
			}

			@Override
			public void workerRestarted(String pipeline, String step, String worker, Throwable cause) {
				assertThat(step).isEqualTo("fragile");
				restarted.add(worker);
				restartCauses.add(cause);
			}

		}).build();

		PipelineResult result = pipeline.run(range(1, 1000));

		assertThat(result.isSuccess()).isTrue();
		assertThat(result.state()).isEqualTo(PipelineState.COMPLETED);
		assertThat(result.completed()).isEqualTo(999);
		assertThat(result.deadLettered()).isEqualTo(1);
		assertThat(result.abandoned()).isZero();
		assertThat(finished).hasSize(999).doesNotContain(42);
		assertThat(letters).singleElement().satisfies(letter -> {
			assertThat(letter.pipeline()).isEqualTo("fh-death");
			assertThat(letter.step()).isEqualTo("fragile");
			assertThat(letter.item()).isEqualTo(42);
			assertThat(letter.cause()).isSameAs(error);
			assertThat(letter.attempts()).isEqualTo(1);
		});
		StepStats fragile = result.step("fragile");
		assertThat(fragile.restarts()).isEqualTo(1);
		assertThat(fragile.failed()).isEqualTo(1);
		assertThat(fragile.deadLettered()).isEqualTo(1);
		assertThat(fragile.processed()).isEqualTo(999);
		assertThat(restarted).singleElement().asString().startsWith("paipa-fh-death-fragile-");
		assertThat(restartCauses).containsExactly(error);
		assertThat(started).hasValue(3);
		assertThat(result.step("sink").restarts()).isZero();
		assertThat(result.in()).isEqualTo(result.completed() + result.dropped() + result.deadLettered());
		assertStepAccounting(result.steps());
		assertNoThreadsLeft("fh-death");
	}

	@Test
	void workersDyingMoreOftenThanTheRestartLimitFailTheRun() {
		List<DeadLetter> letters = new CopyOnWriteArrayList<>();
		List<Error> thrown = new CopyOnWriteArrayList<>();
		AtomicInteger restarted = new AtomicInteger();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("fh-restart-limit").step("doomed", (Integer i) -> {
			StackOverflowError error = new StackOverflowError("doomed " + i);
			thrown.add(error);
			throw error;
		}).maxRestarts(2).deadLetterHandler(letters::add).listener(new PipelineListener() {

			@Override
			public void workerRestarted(String pipeline, String step, String worker, Throwable cause) {
				restarted.incrementAndGet();
			}

		}).build();

		long start = System.nanoTime();
		PipelineFailedException failure = catchThrowableOfType(PipelineFailedException.class,
				() -> pipeline.run(range(1, 1000)));
		long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

		assertThat(failure).isNotNull();
		assertThat(tookMillis).as("run returned (did not hang)").isLessThan(20_000);
		assertThat(failure.getStep()).isEqualTo("doomed");
		assertThat(failure.getMessage()).contains("fh-restart-limit", "doomed", "restart limit of 2");
		assertThat(thrown).hasSize(3);
		assertThat(failure.getCause()).isSameAs(thrown.get(2));
		assertThat(restarted).hasValue(2);
		// every worker death dead-letters the item in hand, the last one included
		assertThat(letters).hasSize(3);
		assertThat(letters).extracting(DeadLetter::cause).containsExactlyElementsOf(thrown);
		assertNoThreadsLeft("fh-restart-limit");
		PipelineSnapshot snapshot = pipeline.snapshot();
		assertThat(snapshot.state()).isEqualTo(PipelineState.FAILED);
		assertThat(snapshot.lastError()).isNotNull();
		StepStats doomed = snapshot.step("doomed").stats();
		assertThat(doomed.deadLettered()).isEqualTo(3);
		assertThat(doomed.processed()).isZero();
		assertStepAccounting(snapshot.steps().stream().map(StepSnapshot::stats).toList());
		assertThat(snapshot.in())
			.isEqualTo(snapshot.completed() + snapshot.dropped() + snapshot.deadLettered() + snapshot.abandoned());
	}

	@Test
	void errorOnARetryDeadLettersTheItemWithTheNumberOfAttemptsMade() {
		AssertionError error = new AssertionError("gave up on the second try");
		AtomicInteger calls = new AtomicInteger();
		List<DeadLetter> letters = new CopyOnWriteArrayList<>();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("fh-error-on-retry").step("flaky", (Integer i) -> {
			if (i == 3) {
				if (calls.incrementAndGet() == 1) {
					throw new IllegalStateException("first try");
				}
				throw error;
			}
			return i;
		}).retry(RetryPolicy.of(3, Duration.ZERO)).deadLetterHandler(letters::add).build();

		PipelineResult result = pipeline.run(range(1, 5));

		assertThat(result.completed()).isEqualTo(4);
		assertThat(result.step("flaky").retried()).isEqualTo(1);
		assertThat(result.step("flaky").restarts()).isEqualTo(1);
		assertThat(calls).hasValue(2);
		assertThat(letters).singleElement().satisfies(letter -> {
			assertThat(letter.item()).isEqualTo(3);
			assertThat(letter.cause()).isSameAs(error);
			// DeadLetter.attempts: how many times the handler was called with the item
			assertThat(letter.attempts()).as("attempts").isEqualTo(2);
		});
	}

	@Test
	void streamStepUnderSkipDeadLettersTheItemItFailedOnAndGoesOn() {
		List<DeadLetter> letters = new CopyOnWriteArrayList<>();
		AtomicInteger invocations = new AtomicInteger();
		Set<Integer> finished = ConcurrentHashMap.newKeySet();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("fh-stream-skip")
			.stream("window", (StepInput<Integer> in, Emitter<Integer> out) -> {
				invocations.incrementAndGet();
				while (in.hasNext()) {
					Integer item = in.next();
					if (item % 100 == 0) {
						throw new IllegalStateException("hundred " + item);
					}
					out.emit(item);
				}
			})
			.step("sink", (Integer i) -> {
				finished.add(i);
				return i;
			})
			.onError(ErrorPolicy.SKIP)
			.deadLetterHandler(letters::add)
			.build();

		PipelineResult result = pipeline.run(range(1, 1000));

		assertThat(result.isSuccess()).isTrue();
		assertThat(result.completed()).isEqualTo(990);
		assertThat(finished).hasSize(990);
		assertThat(letters).hasSize(10).allSatisfy(letter -> {
			assertThat(letter.step()).isEqualTo("window");
			assertThat((Integer) letter.item() % 100).isZero();
			assertThat(letter.cause()).hasMessage("hundred " + letter.item());
			assertThat(letter.attempts()).isEqualTo(1);
		});
		assertThat(invocations).hasValue(11);
		StepStats window = result.step("window");
		assertThat(window.failed()).isEqualTo(10);
		assertThat(window.deadLettered()).isEqualTo(10);
		assertThat(window.processed()).isEqualTo(990);
		assertThat(result.in()).isEqualTo(result.completed() + result.dropped() + result.deadLettered());
		assertStepAccounting(result.steps());
	}

	@Test
	void failureCutsShortAnotherWorkersRetryBackoff() {
		CountDownLatch firstRetry = new CountDownLatch(1);
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("fh-backoff-abort").step("patient", (Integer i) -> {
			if (i == 1) {
				throw new IllegalStateException("try again much later");
			}
			return i;
		}, s -> s.workers(2).retry(RetryPolicy.of(5, Duration.ofSeconds(30)))).<Integer>step("fails", (Integer i) -> {
			if (!firstRetry.await(20, TimeUnit.SECONDS)) {
				throw new IllegalStateException("item 1 was never retried");
			}
			throw new IllegalArgumentException("downstream failure");
		}).listener(new PipelineListener() {

			@Override
			public void itemProcessed(String pipeline, String step, ItemOutcome outcome, long handlerNanos) {
				if (outcome == ItemOutcome.RETRIED) {
					firstRetry.countDown();
				}
			}

		}).build();

		long start = System.nanoTime();
		PipelineFailedException failure = catchThrowableOfType(PipelineFailedException.class,
				() -> pipeline.run(range(1, 10)));
		long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

		assertThat(failure).isNotNull();
		assertThat(failure.getStep()).isEqualTo("fails");
		assertThat(tookMillis).as("run did not wait out the 30 s backoff").isLessThan(15_000);
		assertNoThreadsLeft("fh-backoff-abort");
		PipelineSnapshot snapshot = pipeline.snapshot();
		assertThat(snapshot.step("patient").stats().retried()).isEqualTo(1);
		assertStepAccounting(snapshot.steps().stream().map(StepSnapshot::stats).toList());
		assertThat(snapshot.in())
			.isEqualTo(snapshot.completed() + snapshot.dropped() + snapshot.deadLettered() + snapshot.abandoned());
	}

	// ---- failing to open, failing sources

	@Test
	void openThrowingFailsTheRunNamingTheStepAndLeavesNoThreads() {
		IllegalStateException openFailure = new IllegalStateException("no connection");
		AtomicInteger opened = new AtomicInteger();
		AtomicInteger closed = new AtomicInteger();
		AtomicLong pulled = new AtomicLong();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("fh-open")
			.step("fine", new StepHandler<Integer, Integer>() {

				@Override
				public Integer process(Integer item) {
					return item;
				}

				@Override
				public void open(StepContext context) {
					opened.incrementAndGet();
				}

				@Override
				public void close(StepContext context) {
					closed.incrementAndGet();
				}

			}, s -> s.workers(2))
			.step("connect", new StepHandler<Integer, Integer>() {

				@Override
				public Integer process(Integer item) {
					return item;
				}

				@Override
				public void open(StepContext context) {
					throw openFailure;
				}

			}, s -> s.workers(2))
			.build();
		Iterator<Integer> source = IntStream.rangeClosed(1, 100).peek(i -> pulled.incrementAndGet()).iterator();

		PipelineFailedException failure = catchThrowableOfType(PipelineFailedException.class,
				() -> pipeline.run(source));

		assertThat(failure).isNotNull();
		assertThat(failure.getStep()).isEqualTo("connect");
		assertThat(failure.getCause()).isSameAs(openFailure);
		assertThat(failure.getMessage()).contains("fh-open", "connect", "could not be opened", "no connection");
		assertThat(failure.getItemSummary()).isNull();
		assertThat(pipeline.state()).isEqualTo(PipelineState.FAILED);
		assertThat(pulled).hasValue(0);
		assertNoThreadsLeft("fh-open");
		assertThat(closed).hasValue(opened.get());
	}

	@Test
	void openThrowingFailsStartOfAContinuousPipeline() throws Exception {
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("fh-open-cont")
			.step("fine", (Integer i) -> i)
			.step("connect", new StepHandler<Integer, Integer>() {

				@Override
				public Integer process(Integer item) {
					return item;
				}

				@Override
				public void open(StepContext context) throws Exception {
					throw new IOException("broker unreachable");
				}

			})
			.build();

		PipelineFailedException failure = catchThrowableOfType(PipelineFailedException.class, pipeline::start);

		assertThat(failure).isNotNull();
		assertThat(failure.getStep()).isEqualTo("connect");
		assertThat(failure.getCause()).isInstanceOf(IOException.class).hasMessage("broker unreachable");
		assertThat(pipeline.state()).isEqualTo(PipelineState.FAILED);
		assertThat(pipeline.input().isAccepting()).isFalse();
		assertThatThrownBy(() -> pipeline.input().put(1)).isInstanceOf(PipelineClosedException.class);
		assertNoThreadsLeft("fh-open-cont");
		PipelineResult result = pipeline.stop(Duration.ofSeconds(1));
		assertThat(result.state()).isEqualTo(PipelineState.FAILED);
		assertThat(result.failure()).isSameAs(failure);
		assertThat(result.in()).isZero();
	}

	@Test
	void sourceIteratorThrowingFailsTheRunWithThatCause() {
		IllegalStateException broken = new IllegalStateException("disk read error");
		Iterator<Integer> source = new Iterator<>() {

			int next = 1;

			@Override
			public boolean hasNext() {
				return true;
			}

			@Override
			public Integer next() {
				if (this.next > 10) {
					throw broken;
				}
				return this.next++;
			}

		};
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("fh-source")
			.step("work", (Integer i) -> i, s -> s.workers(2))
			.step("sink", (Integer i) -> i)
			.onError(ErrorPolicy.SKIP)
			.build();

		PipelineFailedException failure = catchThrowableOfType(PipelineFailedException.class,
				() -> pipeline.run(source));

		assertThat(failure).isNotNull();
		assertThat(failure.getCause()).isSameAs(broken);
		assertThat(failure.getMessage()).contains("fh-source", "source", "disk read error");
		assertThat(pipeline.state()).isEqualTo(PipelineState.FAILED);
		assertNoThreadsLeft("fh-source");
		PipelineSnapshot snapshot = pipeline.snapshot();
		assertThat(snapshot.in()).isLessThanOrEqualTo(10);
		assertThat(snapshot.in())
			.isEqualTo(snapshot.completed() + snapshot.dropped() + snapshot.deadLettered() + snapshot.abandoned());
		assertStepAccounting(snapshot.steps().stream().map(StepSnapshot::stats).toList());
	}

	@Test
	void sourceHasNextThrowingOrANullItemFailsTheRun() {
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("fh-source-misc").step("work", (Integer i) -> i).build();
		UnsupportedOperationException broken = new UnsupportedOperationException("cursor closed");
		Iterator<Integer> hasNextThrows = new Iterator<>() {

			@Override
			public boolean hasNext() {
				throw broken;
			}

			@Override
			public Integer next() {
				return 1;
			}

		};

		assertThatThrownBy(() -> pipeline.run(hasNextThrows)).isInstanceOf(PipelineFailedException.class)
			.hasCause(broken);

		List<Integer> withNull = new ArrayList<>(List.of(1, 2));
		withNull.add(null);
		assertThatThrownBy(() -> pipeline.run(withNull)).isInstanceOf(PipelineFailedException.class)
			.cause()
			.isInstanceOf(NullPointerException.class)
			.hasMessageContaining("null item");
		assertNoThreadsLeft("fh-source-misc");
	}

	// ---- ending a failed run

	@Test
	void failureEndsUpstreamBlockedOnAFullQueueAndDownstreamWaitingOnAnEmptyOne() throws Exception {
		String name = "fh-blocked";
		CountDownLatch release = new CountDownLatch(1);
		IllegalStateException middleFailure = new IllegalStateException("middle gives up");
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder(name).step("produce", (Integer i) -> {
			Thread.sleep(1);
			return i;
		}, s -> s.workers(2)).<Integer>step("middle", (Integer i) -> {
			if (!release.await(20, TimeUnit.SECONDS)) {
				throw new IllegalStateException("test never released the middle step");
			}
			throw middleFailure;
		}).step("store", (Integer i) -> i, s -> s.workers(2)).queueCapacity(1).build();
		FutureTask<PipelineResult> run = new FutureTask<>(() -> pipeline.run(range(1, 100_000)));
		Thread runner = new Thread(run, "fh-blocked-runner");
		runner.setDaemon(true);
		runner.start();

		// Upstream workers block handing on to the full queue of the held middle step;
		// downstream workers wait on their empty queue.
		await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
			PipelineSnapshot snapshot = pipeline.snapshot();
			assertThat(snapshot.state()).isEqualTo(PipelineState.RUNNING);
			assertThat(snapshot.step("middle").queueDepth()).isEqualTo(1);
			assertThat(snapshot.step("middle").workersBusy()).isEqualTo(1);
			assertThat(snapshot.step("produce").queueDepth()).isEqualTo(1);
			assertThat(snapshot.step("store").queueDepth()).isZero();
			assertThat(threadStates(name, "produce")).hasSize(2).containsOnly(Thread.State.WAITING);
			assertThat(threadStates(name, "store")).hasSize(2).containsOnly(Thread.State.WAITING);
		});
		release.countDown();

		ExecutionException thrown = catchThrowableOfType(ExecutionException.class, () -> run.get(20, TimeUnit.SECONDS));
		assertThat(thrown).isNotNull();
		assertThat(thrown.getCause()).isInstanceOf(PipelineFailedException.class);
		PipelineFailedException failure = (PipelineFailedException) thrown.getCause();
		assertThat(failure.getStep()).isEqualTo("middle");
		assertThat(failure.getCause()).isSameAs(middleFailure);
		assertNoThreadsLeft(name);

		PipelineSnapshot snapshot = pipeline.snapshot();
		assertThat(snapshot.state()).isEqualTo(PipelineState.FAILED);
		List<StepStats> stats = snapshot.steps().stream().map(StepSnapshot::stats).toList();
		assertStepAccounting(stats);
		assertThat(snapshot.completed()).isZero();
		assertThat(snapshot.abandoned()).isPositive();
		assertThat(snapshot.in())
			.isEqualTo(snapshot.completed() + snapshot.dropped() + snapshot.deadLettered() + snapshot.abandoned());
		StepStats middle = snapshot.step("middle").stats();
		assertThat(middle.processed()).isZero();
		assertThat(middle.failed()).isEqualTo(1);
		assertThat(middle.abandoned()).isEqualTo(middle.in());
		assertThat(snapshot.step("store").stats().in()).isZero();
		assertThat(snapshot.steps()).allSatisfy(step -> assertThat(step.workersAlive()).isZero());
	}

	@Test
	void handlerIgnoringInterruptsDoesNotKeepAFailedRunFromReturning() throws Exception {
		String name = "fh-stuck";
		CountDownLatch spinning = new CountDownLatch(1);
		AtomicInteger interruptsIgnored = new AtomicInteger();
		AtomicReference<String> spinnerName = new AtomicReference<>();
		Spinner spinner = new Spinner();
		IllegalStateException failureCause = new IllegalStateException("fails while the other spins");
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder(name).step("spin", (Integer i) -> {
			if (i == 1) {
				spinnerName.set(Thread.currentThread().getName());
				spinning.countDown();
				spinner.spin(interruptsIgnored);
				return i;
			}
			if (!spinning.await(20, TimeUnit.SECONDS)) {
				throw new IllegalStateException("spinner never started");
			}
			throw failureCause;
		}, s -> s.workers(2)).shutdownTimeout(Duration.ofMillis(500)).build();

		try (ErrCapture err = new ErrCapture()) {
			long start = System.nanoTime();
			PipelineFailedException failure = catchThrowableOfType(PipelineFailedException.class,
					() -> pipeline.run(range(1, 100)));
			long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

			assertThat(failure).isNotNull();
			assertThat(tookMillis).as("run returned within the shutdown timeout plus a grace").isLessThan(10_000);
			assertThat(failure.getCause()).isSameAs(failureCause);
			assertThat(failure.getStep()).isEqualTo("spin");
			assertThat(spinnerName.get()).startsWith("paipa-" + name + "-spin-");
			// the worker was interrupted by the abort, and ignored it
			assertThat(interruptsIgnored.get()).isPositive();
			await().atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(threadsOf(name)).containsExactly(spinnerName.get()));
			assertThat(err.text()).contains("worker " + spinnerName.get() + " did not end after the shutdown timeout",
					"abandoned with 1 item(s)");
			PipelineSnapshot snapshot = pipeline.snapshot();
			assertThat(snapshot.state()).isEqualTo(PipelineState.FAILED);
			assertThat(snapshot.step("spin").workersAlive()).isEqualTo(1);
			assertThat(snapshot.step("spin").workersBusy()).isEqualTo(1);
			assertStepAccounting(snapshot.steps().stream().map(StepSnapshot::stats).toList());
			assertThat(snapshot.completed()).isZero();
		}
		finally {
			spinner.release();
		}
		assertNoThreadsLeft(name);
	}

	@Test
	void stuckWorkerThatEndsAfterTheRunIsNotCountedTwice() throws Exception {
		String name = "fh-stuck-late";
		CountDownLatch spinning = new CountDownLatch(1);
		Spinner spinner = new Spinner();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder(name).step("spin", (Integer i) -> {
			if (i == 1) {
				spinning.countDown();
				spinner.spin(new AtomicInteger());
				return i;
			}
			if (!spinning.await(20, TimeUnit.SECONDS)) {
				throw new IllegalStateException("spinner never started");
			}
			throw new IllegalStateException("fails while the other spins");
		}, s -> s.workers(2)).shutdownTimeout(Duration.ofMillis(200)).build();

		try {
			assertThatThrownBy(() -> pipeline.run(range(1, 10))).isInstanceOf(PipelineFailedException.class);
			PipelineSnapshot atFailure = pipeline.snapshot();
			assertStepAccounting(atFailure.steps().stream().map(StepSnapshot::stats).toList());
			assertThat(atFailure.step("spin").stats().abandoned()).isPositive();
		}
		finally {
			spinner.release();
		}
		assertNoThreadsLeft(name);

		// The item the stuck worker held was counted abandoned when the run gave up on
		// it;
		// once the worker ends, the item must not also count as processed and completed.
		PipelineSnapshot after = pipeline.snapshot();
		assertStepAccounting(after.steps().stream().map(StepSnapshot::stats).toList());
		assertThat(after.in())
			.isEqualTo(after.completed() + after.dropped() + after.deadLettered() + after.abandoned());
	}

	@Test
	void continuousPipelineUnderTheFailPolicyFailsRefusesInputAndReportsTheFailureAtStop() throws Exception {
		IllegalStateException boom = new IllegalStateException("item 13 is cursed");
		AtomicInteger callbacks = new AtomicInteger();
		List<PipelineState> states = new CopyOnWriteArrayList<>();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("fh-cont-fail").step("check", (Integer i) -> {
			if (i == 13) {
				throw boom;
			}
			return i;
		}).onError(ErrorPolicy.FAIL).listener(new PipelineListener() {

			@Override
			public void stateChanged(String pipeline, PipelineState from, PipelineState to) {
				states.add(to);
			}

		}).build();

		pipeline.start();
		try {
			assertThat(pipeline.state()).isEqualTo(PipelineState.RUNNING);
			for (int i = 1; i <= 13; i++) {
				pipeline.input().put(i, callbacks::incrementAndGet);
			}
			await().atMost(Duration.ofSeconds(10)).until(pipeline::state, PipelineState.FAILED::equals);

			assertThat(pipeline.isRunning()).isFalse();
			assertThat(pipeline.input().isAccepting()).isFalse();
			assertThatThrownBy(() -> pipeline.input().put(14)).isInstanceOf(PipelineClosedException.class)
				.hasMessageContaining("fh-cont-fail");
			assertThatThrownBy(() -> pipeline.input().offer(15, Duration.ofMillis(10)))
				.isInstanceOf(PipelineClosedException.class);
		}
		finally {
			long start = System.nanoTime();
			PipelineResult result = pipeline.stop(Duration.ofSeconds(2));
			assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(10_000);

			assertThat(result.state()).isEqualTo(PipelineState.FAILED);
			assertThat(result.isSuccess()).isFalse();
			assertThat(result.failure()).isNotNull();
			assertThat(result.failure().getCause()).isSameAs(boom);
			assertThat(result.failure().getStep()).isEqualTo("check");
			assertThat(result.failure().getItemSummary()).isEqualTo("13");
			assertThat(result.in()).isEqualTo(13);
			assertThat(result.completed()).isEqualTo(12);
			assertThat(result.in())
				.isEqualTo(result.completed() + result.dropped() + result.deadLettered() + result.abandoned());
			assertStepAccounting(result.steps());
			assertThat(pipeline.stop()).isSameAs(result);
		}
		// items 1 to 12 settled; the abandoned item 13 never calls back
		assertThat(callbacks).hasValue(12);
		assertThat(states).contains(PipelineState.RUNNING, PipelineState.FAILED).doesNotContain(PipelineState.STOPPED);
		assertNoThreadsLeft("fh-cont-fail");
	}

	@Test
	void putBlockedOnAFullInputWhenTheContinuousPipelineFailsThrowsClosed() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("fh-cont-blocked-put")
			.<Integer>step("gate", (Integer i) -> {
				if (!release.await(20, TimeUnit.SECONDS)) {
					throw new IllegalStateException("never released");
				}
				throw new IllegalStateException("gate broke on " + i);
			})
			.inputCapacity(1)
			.onError(ErrorPolicy.FAIL)
			.build();
		pipeline.start();
		try {
			pipeline.input().put(1);
			await().atMost(Duration.ofSeconds(10)).until(() -> pipeline.snapshot().step("gate").workersBusy() == 1);
			pipeline.input().put(2);
			assertThat(pipeline.input().offer(3, Duration.ofMillis(50))).as("input is full").isFalse();
			AtomicReference<Throwable> putOutcome = new AtomicReference<>();
			CountDownLatch putEnded = new CountDownLatch(1);
			Thread producer = new Thread(() -> {
				try {
					pipeline.input().put(4);
				}
				catch (Throwable ex) {
					putOutcome.set(ex);
				}
				finally {
					putEnded.countDown();
				}
			}, "fh-cont-blocked-producer");
			producer.setDaemon(true);
			producer.start();
			await().atMost(Duration.ofSeconds(10)).until(() -> producer.getState() == Thread.State.WAITING);
			assertThat(putEnded.getCount()).isEqualTo(1);

			release.countDown();

			assertThat(putEnded.await(10, TimeUnit.SECONDS)).isTrue();
			assertThat(putOutcome.get()).isInstanceOf(PipelineClosedException.class);
			await().atMost(Duration.ofSeconds(10)).until(pipeline::state, PipelineState.FAILED::equals);
		}
		finally {
			release.countDown();
			PipelineResult result = pipeline.stop(Duration.ofSeconds(2));
			assertThat(result.state()).isEqualTo(PipelineState.FAILED);
			assertThat(result.failure()).isNotNull();
			assertThat(result.failure().getCause()).hasMessage("gate broke on 1");
			assertThat(result.in()).isEqualTo(2);
			assertThat(result.abandoned()).isEqualTo(2);
			assertStepAccounting(result.steps());
		}
		assertNoThreadsLeft("fh-cont-blocked-put");
	}

	// ---- helpers

	private static List<Thread.State> threadStates(String pipeline, String step) {
		String prefix = "paipa-" + pipeline + "-" + step + "-";
		List<Thread.State> states = new ArrayList<>();
		for (Thread thread : Thread.getAllStackTraces().keySet()) {
			if (thread.isAlive() && thread.getName().startsWith(prefix)) {
				states.add(thread.getState());
			}
		}
		return states;
	}

	/** An item whose toString is huge. */
	private record Huge(int length) {

		@Override
		public String toString() {
			return "x".repeat(this.length);
		}

	}

	/** Keeps a handler busy, ignoring interrupts, until released. */
	private static final class Spinner {

		private volatile boolean released;

		void spin(AtomicInteger interruptsIgnored) {
			while (!this.released) {
				try {
					Thread.sleep(5);
				}
				catch (InterruptedException ex) {
					interruptsIgnored.incrementAndGet();
				}
			}
		}

		void release() {
			this.released = true;
		}

	}

	/** Copies what is written to System.err (where slf4j-simple logs) while open. */
	private static final class ErrCapture implements AutoCloseable {

		private final PrintStream original = System.err;

		private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

		ErrCapture() {
			OutputStream tee = new OutputStream() {

				@Override
				public void write(int b) {
					synchronized (ErrCapture.this.captured) {
						ErrCapture.this.captured.write(b);
					}
					ErrCapture.this.original.write(b);
				}

				@Override
				public void write(byte[] b, int off, int len) {
					synchronized (ErrCapture.this.captured) {
						ErrCapture.this.captured.write(b, off, len);
					}
					ErrCapture.this.original.write(b, off, len);
				}

				@Override
				public void flush() {
					ErrCapture.this.original.flush();
				}

			};
			System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
		}

		String text() {
			synchronized (this.captured) {
				return this.captured.toString(StandardCharsets.UTF_8);
			}
		}

		@Override
		public void close() {
			System.err.flush();
			System.setErr(this.original);
		}

	}

}
