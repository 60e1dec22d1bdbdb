package io.paipa.boot.health;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import io.paipa.core.DeadLetter;
import io.paipa.core.ErrorPolicy;
import io.paipa.core.Pipeline;
import io.paipa.core.PipelineFailedException;
import io.paipa.core.PipelineResult;
import io.paipa.core.PipelineSnapshot;
import io.paipa.core.PipelineState;
import io.paipa.core.StepKind;
import io.paipa.core.StepSnapshot;
import io.paipa.core.StepStats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.entry;
import static org.awaitility.Awaitility.await;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;

/**
 * {@link PipelineHealthIndicator}: UP while a pipeline runs well and for a batch pipeline
 * that is idle or finished well, DOWN after a failure, on a stalled worker and when a
 * step has lost its workers, OUT_OF_SERVICE once stopped; and the details it shows.
 */
@Timeout(60)
class PipelineHealthIndicatorTests {

	private static final Duration WAIT = Duration.ofSeconds(20);

	private static final Duration LONG_STALL_TIMEOUT = Duration.ofMinutes(1);

	private final List<CountDownLatch> latches = new CopyOnWriteArrayList<>();

	private final List<Pipeline<?>> started = new CopyOnWriteArrayList<>();

	private final List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();

	@AfterEach
	void releaseAndStop() {
		this.latches.forEach(CountDownLatch::countDown);
		for (Pipeline<?> pipeline : this.started) {
			if (pipeline.isRunning()) {
				pipeline.stop(Duration.ofSeconds(5));
			}
		}
	}

	// ---- UP

	@Test
	void upWhileAContinuousPipelineRunsWithEveryStepAtItsWorkers() throws Exception {
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("running")
			.deadLetterHandler(this.deadLetters::add)
			.step("double", (Integer i) -> i * 2, (s) -> s.workers(2))
			.step("sink", (Integer i) -> i)
			.build();
		PipelineHealthIndicator indicator = new PipelineHealthIndicator(pipeline, LONG_STALL_TIMEOUT);
		start(pipeline);
		for (int i = 0; i < 20; i++) {
			pipeline.input().put(i);
		}
		await().atMost(WAIT).until(() -> pipeline.snapshot().completed() == 20);

		Health health = indicator.health();

		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsEntry("state", PipelineState.RUNNING)
			.containsEntry("in", 20L)
			.containsEntry("completed", 20L)
			.containsEntry("dropped", 0L)
			.containsEntry("deadLettered", 0L)
			.containsEntry("abandoned", 0L)
			.doesNotContainKeys("problems", "lastError");
		assertThat(steps(health)).containsOnlyKeys("double", "sink");
		assertThat(step(health, "double")).containsEntry("processed", 20L).containsEntry("restarts", 0);
		assertThat(workers(health, "double")).containsOnly(entry("configured", 2), entry("alive", 2), entry("busy", 0));
		assertThat(workers(health, "sink")).containsOnly(entry("configured", 1), entry("alive", 1), entry("busy", 0));
	}

	@Test
	void downWhileAStepIsInAnOutageAndUpAgainWhenItIsOver() throws Exception {
		java.util.concurrent.atomic.AtomicBoolean databaseDown = new java.util.concurrent.atomic.AtomicBoolean(true);
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("outage")
			.deadLetterHandler(this.deadLetters::add)
			.step("store", (Integer i) -> {
				if (databaseDown.get()) {
					throw new IllegalStateException("database closed");
				}
				return i;
			}, (s) -> s.outage(io.paipa.core.OutagePolicy.afterFailures(1)
				.withBackoff(Duration.ofMillis(5), Duration.ofMillis(20))))
			.build();
		PipelineHealthIndicator indicator = new PipelineHealthIndicator(pipeline, LONG_STALL_TIMEOUT);
		start(pipeline);
		pipeline.input().put(1);
		await().atMost(WAIT).until(() -> indicator.health().getStatus().equals(Status.DOWN));

		Health down = indicator.health();
		assertThat((List<?>) down.getDetails().get("problems")).singleElement()
			.asString()
			.contains("step 'store' is in an outage")
			.contains("database closed");
		assertThat(step(down, "store")).containsKey("outage");

		databaseDown.set(false);
		await().atMost(WAIT).until(() -> indicator.health().getStatus().equals(Status.UP));
		assertThat(step(indicator.health(), "store")).doesNotContainKey("outage");
	}

	@Test
	void upForABatchPipelineNeverRunAndAfterASuccessfulRun() {
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("batch")
			.step("filter", (Integer i) -> (i % 3 == 0) ? null : i, (s) -> s.workers(2).queueCapacity(8))
			.step("sink", (Integer i) -> i)
			.build();
		PipelineHealthIndicator indicator = new PipelineHealthIndicator(pipeline, LONG_STALL_TIMEOUT);

		Health idle = indicator.health();
		assertThat(idle.getStatus()).isEqualTo(Status.UP);
		assertThat(idle.getDetails()).containsEntry("state", PipelineState.NEW)
			.containsEntry("in", 0L)
			.doesNotContainKeys("problems", "lastError");
		// not running: no worker alive is no problem
		assertThat(workers(idle, "filter")).containsOnly(entry("configured", 2), entry("alive", 0), entry("busy", 0));
		assertThat(queue(idle, "filter")).containsOnly(entry("depth", 0), entry("capacity", 8));

		PipelineResult result = pipeline.run(IntStream.rangeClosed(1, 30).boxed().toList());
		assertThat(result.isSuccess()).isTrue();

		Health finished = indicator.health();
		assertThat(finished.getStatus()).isEqualTo(Status.UP);
		assertThat(finished.getDetails()).containsEntry("state", PipelineState.COMPLETED)
			.containsEntry("in", 30L)
			.containsEntry("completed", 20L)
			.containsEntry("dropped", 10L)
			.doesNotContainKeys("problems", "lastError");
		assertThat(step(finished, "filter")).containsEntry("processed", 20L).containsEntry("dropped", 10L);
		assertThat(workers(finished, "filter")).containsEntry("alive", 0);
	}

	@Test
	void upDuringTheTailOfABatchRunOnceTheFirstStepHasFinishedItsInput() throws Exception {
		CountDownLatch release = latch();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("batch-tail")
			.step("read", (Integer i) -> i)
			.step("write", (Integer i) -> {
				release.await();
				return i;
			})
			.build();
		PipelineHealthIndicator indicator = new PipelineHealthIndicator(pipeline, LONG_STALL_TIMEOUT);
		FutureTask<PipelineResult> run = new FutureTask<>(() -> pipeline.run(List.of(1, 2, 3)));
		Thread runner = new Thread(run, "batch-tail-runner");
		runner.start();
		// "read" got through the whole (finite) input and its worker ended normally,
		// while
		// "write" still works on it: a healthy run near its end
		await().atMost(WAIT)
			.until(() -> pipeline.snapshot().step("read").stats().processed() == 3
					&& pipeline.snapshot().step("read").workersAlive() == 0);
		assertThat(pipeline.state()).isEqualTo(PipelineState.RUNNING);

		Health tail = indicator.health();

		release.countDown();
		assertThat(run.get(WAIT.toSeconds(), TimeUnit.SECONDS).completed()).isEqualTo(3);
		assertThat(tail.getDetails()).doesNotContainKey("problems");
		assertThat(tail.getStatus()).isEqualTo(Status.UP);
	}

	// ---- DOWN

	@Test
	void downWhileAReporterKnowsOfAProblemAndUpAgainWhenItIsGone() throws Exception {
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("reported")
			.deadLetterHandler(this.deadLetters::add)
			.step("sink", (Integer i) -> i)
			.build();
		List<String> problems = new CopyOnWriteArrayList<>(List.of("its Kafka source cannot reach the broker"));
		PipelineHealthIndicator indicator = new PipelineHealthIndicator(pipeline, LONG_STALL_TIMEOUT,
				List.of((name) -> name.equals("reported") ? List.copyOf(problems) : List.of("wrong pipeline")));
		start(pipeline);

		Health down = indicator.health();
		assertThat(down.getStatus()).isEqualTo(Status.DOWN);
		assertThat(down.getDetails()).containsEntry("problems", List.of("its Kafka source cannot reach the broker"));
		problems.clear();
		assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
		problems.add("again");
		pipeline.stop(WAIT);
		// once stopped, only the pipeline's own state counts
		assertThat(indicator.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
	}

	@Test
	void downAfterAFailureUnderTheFailPolicyWithTheErrorInTheDetails() throws Exception {
		Pipeline<String> pipeline = Pipeline.<String>builder("failing")
			.onError(ErrorPolicy.FAIL)
			.deadLetterHandler(this.deadLetters::add)
			.step("check", (String s) -> {
				if (s.equals("bad")) {
					throw new IllegalStateException("cannot take a bad item");
				}
				return s;
			})
			.step("sink", (String s) -> s)
			.build();
		PipelineHealthIndicator indicator = new PipelineHealthIndicator(pipeline, LONG_STALL_TIMEOUT);
		start(pipeline);
		pipeline.input().put("good");
		await().atMost(WAIT).until(() -> pipeline.snapshot().completed() == 1);
		assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);

		pipeline.input().put("bad");

		await().atMost(WAIT).until(() -> indicator.health().getStatus().equals(Status.DOWN));
		Health health = indicator.health();
		assertThat(pipeline.state()).isEqualTo(PipelineState.FAILED);
		assertThat(health.getDetails()).containsEntry("state", PipelineState.FAILED);
		assertThat(health.getDetails().get("lastError")).asString()
			.contains("check")
			.contains("cannot take a bad item");
		assertThat(step(health, "check")).containsEntry("failed", 1L).containsEntry("processed", 1L);
		// a failed pipeline stays DOWN: it does not recover by itself
		assertThat(indicator.health().getStatus()).isEqualTo(Status.DOWN);
	}

	@Test
	void downAfterAFailedBatchRun() {
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("failed-batch").step("check", (Integer i) -> {
			if (i == 7) {
				throw new IllegalArgumentException("seven is not allowed");
			}
			return i;
		}).build();
		PipelineHealthIndicator indicator = new PipelineHealthIndicator(pipeline, LONG_STALL_TIMEOUT);

		assertThatExceptionOfType(PipelineFailedException.class)
			.isThrownBy(() -> pipeline.run(IntStream.rangeClosed(1, 20).boxed().toList()));

		Health health = indicator.health();
		assertThat(health.getStatus()).isEqualTo(Status.DOWN);
		assertThat(health.getDetails()).containsEntry("state", PipelineState.FAILED);
		assertThat(health.getDetails().get("lastError")).asString().contains("seven is not allowed");
	}

	@Test
	void downWhileAWorkerIsStalledPastTheStallTimeoutAndUpAgainOnceItMovesOn() throws Exception {
		CountDownLatch release = latch();
		CountDownLatch entered = new CountDownLatch(1);
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("stalling")
			.deadLetterHandler(this.deadLetters::add)
			.step("call", (Integer i) -> {
				if (i == 1) {
					entered.countDown();
					release.await();
				}
				return i;
			})
			.step("sink", (Integer i) -> i)
			.build();
		PipelineHealthIndicator indicator = new PipelineHealthIndicator(pipeline, Duration.ofMillis(200));
		start(pipeline);
		assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);

		pipeline.input().put(1);
		assertThat(entered.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

		await().atMost(WAIT).until(() -> indicator.health().getStatus().equals(Status.DOWN));
		Health stalled = indicator.health();
		assertThat(stalled.getDetails()).containsEntry("state", PipelineState.RUNNING);
		assertThat(stalled.getDetails()).containsKey("problems");
		assertThat(problems(stalled)).singleElement()
			.asString()
			.contains("'call'")
			.contains("stall timeout")
			.contains("PT0.2S");
		assertThat(workers(stalled, "call")).containsEntry("busy", 1);

		release.countDown();
		await().atMost(WAIT).until(() -> indicator.health().getStatus().equals(Status.UP));
		assertThat(indicator.health().getDetails()).doesNotContainKey("problems");
		assertThat(pipeline.snapshot().completed()).isEqualTo(1);
	}

	@Test
	void downWhenAStepsWorkersDieMoreOftenThanTheRestartLimit() throws Exception {
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("dying")
			.maxRestarts(0)
			.deadLetterHandler(this.deadLetters::add)
			.step("fragile", (Integer i) -> {
				if (i == 3) {
					throw new WorkerKiller();
				}
				return i;
			})
			.step("sink", (Integer i) -> i)
			.build();
		PipelineHealthIndicator indicator = new PipelineHealthIndicator(pipeline, LONG_STALL_TIMEOUT);
		start(pipeline);
		pipeline.input().put(1);
		pipeline.input().put(2);
		await().atMost(WAIT).until(() -> pipeline.snapshot().completed() == 2);
		assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);

		pipeline.input().put(3);

		await().atMost(WAIT).until(() -> indicator.health().getStatus().equals(Status.DOWN));
		Health health = indicator.health();
		assertThat(pipeline.state()).isEqualTo(PipelineState.FAILED);
		assertThat(health.getDetails()).containsEntry("state", PipelineState.FAILED);
		assertThat(health.getDetails().get("lastError")).asString().contains("fragile").contains("restart limit");
		await().atMost(WAIT)
			.untilAsserted(() -> assertThat(workers(indicator.health(), "fragile")).containsEntry("alive", 0));
		assertThat(step(indicator.health(), "fragile")).containsEntry("restarts", 0);
		assertThat(this.deadLetters).singleElement()
			.satisfies((letter) -> assertThat(letter.cause()).isInstanceOf(WorkerKiller.class));
	}

	@Test
	void downWhenARunningStepHasNoLiveWorker() {
		// a running step without a live worker cannot be provoked reliably (the engine
		// replaces dead workers or fails the run), so the snapshot is given
		Pipeline<?> pipeline = mock(Pipeline.class);
		StepSnapshot healthy = stepSnapshot("read", 2, 2, 0, 0);
		StepSnapshot orphaned = stepSnapshot("write", 3, 0, 0, 0);
		given(pipeline.snapshot()).willReturn(new PipelineSnapshot("orphan", PipelineState.RUNNING, 10, 4, 0, 0, 0,
				List.of(healthy, orphaned), "worker paipa-orphan-write-0 died"));
		PipelineHealthIndicator indicator = new PipelineHealthIndicator(pipeline, LONG_STALL_TIMEOUT);

		Health health = indicator.health();

		assertThat(health.getStatus()).isEqualTo(Status.DOWN);
		assertThat(problems(health)).singleElement().asString().contains("'write'").contains("no live worker");
		assertThat(health.getDetails()).containsEntry("lastError", "worker paipa-orphan-write-0 died");
		assertThat(workers(health, "write")).containsOnly(entry("configured", 3), entry("alive", 0), entry("busy", 0));

		// the same snapshot draining is still DOWN; stopped, it is only out of service
		given(pipeline.snapshot()).willReturn(new PipelineSnapshot("orphan", PipelineState.DRAINING, 10, 4, 0, 0, 0,
				List.of(healthy, orphaned), null));
		assertThat(indicator.health().getStatus()).isEqualTo(Status.DOWN);
		given(pipeline.snapshot()).willReturn(new PipelineSnapshot("orphan", PipelineState.STOPPED, 10, 4, 0, 0, 0,
				List.of(healthy, orphaned), null));
		assertThat(indicator.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
	}

	@Test
	void stallProblemSaysHowLongTheWorkerHasBeenBusy() {
		Pipeline<?> pipeline = mock(Pipeline.class);
		given(pipeline.snapshot()).willReturn(new PipelineSnapshot("slow", PipelineState.RUNNING, 1, 0, 0, 0, 0,
				List.of(stepSnapshot("call", 1, 1, 1, Duration.ofMillis(750).toNanos())), null));
		PipelineHealthIndicator indicator = new PipelineHealthIndicator(pipeline, Duration.ofMillis(200));

		Health health = indicator.health();

		assertThat(health.getStatus()).isEqualTo(Status.DOWN);
		// 750 ms busy, over a 200 ms timeout: "busy on one item for 0 s, longer than the
		// stall timeout of PT0.2S" would contradict itself
		assertThat(problems(health)).singleElement()
			.asString()
			.contains("'call'")
			.contains("PT0.2S")
			.doesNotContain("for 0 s");
	}

	// ---- OUT_OF_SERVICE

	@Test
	void outOfServiceOnceStopped() throws Exception {
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("stopping")
			.deadLetterHandler(this.deadLetters::add)
			.step("sink", (Integer i) -> i, (s) -> s.workers(2))
			.build();
		PipelineHealthIndicator indicator = new PipelineHealthIndicator(pipeline, LONG_STALL_TIMEOUT);
		start(pipeline);
		pipeline.input().put(1);
		await().atMost(WAIT).until(() -> pipeline.snapshot().completed() == 1);
		assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);

		PipelineResult result = pipeline.stop(Duration.ofSeconds(10));
		assertThat(result.state()).isEqualTo(PipelineState.STOPPED);

		Health health = indicator.health();
		assertThat(health.getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
		assertThat(health.getDetails()).containsEntry("state", PipelineState.STOPPED)
			.containsEntry("completed", 1L)
			.doesNotContainKey("problems");
		assertThat(workers(health, "sink")).containsEntry("alive", 0);

		// started again it is UP again
		start(pipeline);
		assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
	}

	@Test
	void notDownWhileAStopDrainsAfterTheFirstStepHasFinished() throws Exception {
		CountDownLatch release = latch();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("draining")
			.deadLetterHandler(this.deadLetters::add)
			.step("read", (Integer i) -> i)
			.step("write", (Integer i) -> {
				release.await();
				return i;
			})
			.build();
		PipelineHealthIndicator indicator = new PipelineHealthIndicator(pipeline, LONG_STALL_TIMEOUT);
		start(pipeline);
		pipeline.input().put(1);
		pipeline.input().put(2);
		await().atMost(WAIT).until(() -> pipeline.snapshot().step("read").stats().processed() == 2);
		FutureTask<PipelineResult> stop = new FutureTask<>(() -> pipeline.stop(Duration.ofSeconds(30)));
		new Thread(stop, "draining-stopper").start();
		// intake closed, "read" drained its queue and its worker ended; "write" drains
		await().atMost(WAIT)
			.until(() -> pipeline.state() == PipelineState.DRAINING
					&& pipeline.snapshot().step("read").workersAlive() == 0);

		Health draining = indicator.health();

		release.countDown();
		PipelineResult result = stop.get(WAIT.toSeconds(), TimeUnit.SECONDS);
		assertThat(result.completed()).isEqualTo(2);
		assertThat(result.deadLettered()).isZero();
		assertThat(draining.getDetails()).containsEntry("state", PipelineState.DRAINING).doesNotContainKey("problems");
		// a graceful stop is not an outage
		assertThat(draining.getStatus()).isIn(Status.UP, Status.OUT_OF_SERVICE);
		assertThat(indicator.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
	}

	// ---- details

	@Test
	void detailsShowTheStateEveryStepsWorkersQueueCountsAndUtilizationAndTheLastError() throws Exception {
		CountDownLatch release = latch();
		CountDownLatch busy = new CountDownLatch(2);
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("detailed")
			.onError(ErrorPolicy.SKIP)
			.deadLetterHandler(this.deadLetters::add)
			.step("parse", (Integer i) -> {
				if (i < 0) {
					throw new WorkerKiller();
				}
				return (i % 2 == 0) ? null : i;
			}, (s) -> s.queueCapacity(16))
			.step("slow", (Integer i) -> {
				busy.countDown();
				release.await();
				return i;
			}, (s) -> s.workers(2).queueCapacity(4))
			.build();
		PipelineHealthIndicator indicator = new PipelineHealthIndicator(pipeline, LONG_STALL_TIMEOUT);
		start(pipeline);
		pipeline.input().put(-1);
		for (int i = 1; i <= 8; i++) {
			pipeline.input().put(i);
		}
		assertThat(busy.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		// 4 odd items reach "slow": 2 in its workers' hands, 2 waiting
		await().atMost(WAIT).untilAsserted(() -> {
			Health health = indicator.health();
			assertThat(queue(health, "slow")).containsOnly(entry("depth", 2), entry("capacity", 4));
			assertThat(workers(health, "slow")).containsOnly(entry("configured", 2), entry("alive", 2),
					entry("busy", 2));
			assertThat((Double) step(health, "slow").get("utilization")).isGreaterThan(0.8);
		});

		Health health = indicator.health();
		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsKeys("state", "in", "completed", "dropped", "deadLettered", "abandoned",
				"steps", "lastError");
		assertThat(health.getDetails()).containsEntry("state", PipelineState.RUNNING)
			.containsEntry("in", 9L)
			.containsEntry("completed", 0L)
			.containsEntry("dropped", 4L)
			.containsEntry("deadLettered", 1L);
		assertThat(steps(health).keySet()).containsExactly("parse", "slow");
		assertThat(step(health, "parse")).containsOnlyKeys("workers", "queue", "processed", "dropped", "failed",
				"deadLettered", "restarts", "utilization");
		assertThat(step(health, "parse")).containsEntry("processed", 4L)
			.containsEntry("dropped", 4L)
			.containsEntry("failed", 1L)
			.containsEntry("deadLettered", 1L)
			.containsEntry("restarts", 1);
		assertThat(queue(health, "parse")).containsOnly(entry("depth", 0), entry("capacity", 16));
		assertThat((Double) step(health, "parse").get("utilization")).isBetween(0.0, 1.0);
		assertThat(workers(health, "parse")).containsOnly(entry("configured", 1), entry("alive", 1), entry("busy", 0));
		// the worker that died was replaced, so the pipeline is UP, and the details tell
		// what
		// happened
		assertThat(health.getDetails().get("lastError")).asString()
			.contains("parse")
			.contains("died")
			.contains("killed on purpose");
		assertThat(this.deadLetters).singleElement().satisfies((letter) -> {
			assertThat(letter.item()).isEqualTo(-1);
			assertThat(letter.cause()).isInstanceOf(WorkerKiller.class);
		});

		release.countDown();
		await().atMost(WAIT).until(() -> pipeline.snapshot().completed() == 4);
		assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
	}

	// ---- helpers

	private <I> void start(Pipeline<I> pipeline) {
		this.started.add(pipeline);
		pipeline.start();
	}

	private CountDownLatch latch() {
		CountDownLatch latch = new CountDownLatch(1);
		this.latches.add(latch);
		return latch;
	}

	private static StepSnapshot stepSnapshot(String name, int configured, int alive, int busy, long longestBusy) {
		return new StepSnapshot(name, StepKind.ONE_TO_ONE, "java.lang.Integer", "java.lang.Integer", configured, alive,
				busy, 0, 64, new StepStats(name, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), 0.0, longestBusy, false, null, null);
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Map<String, Object>> steps(Health health) {
		return (Map<String, Map<String, Object>>) health.getDetails().get("steps");
	}

	private static Map<String, Object> step(Health health, String step) {
		Map<String, Object> details = steps(health).get(step);
		assertThat(details).as("details of step %s", step).isNotNull();
		return details;
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> workers(Health health, String step) {
		return (Map<String, Object>) step(health, step).get("workers");
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> queue(Health health, String step) {
		return (Map<String, Object>) step(health, step).get("queue");
	}

	@SuppressWarnings("unchecked")
	private static List<String> problems(Health health) {
		return (List<String>) health.getDetails().get("problems");
	}

	/** An unexpected error that kills the worker that throws it. */
	static final class WorkerKiller extends Error {

		WorkerKiller() {
			super("killed on purpose");
		}

	}

}
