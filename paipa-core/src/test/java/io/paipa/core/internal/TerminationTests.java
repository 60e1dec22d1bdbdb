package io.paipa.core.internal;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.paipa.core.PipelineFailedException;
import io.paipa.core.PipelineResult;
import io.paipa.core.PipelineState;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * How a run starts and ends: waiting for the workers to open, the first failure (later
 * ones suppressed) aborting everything, a stop that drains and then cuts off, waits for
 * the end with and without deadline, and one result built once for everybody. No worker
 * runs; the test plays their part. A test that blocks a thread waits until it is parked
 * before it goes on.
 */
@Timeout(30)
class TerminationTests {

	private static final long HOUR = TimeUnit.HOURS.toNanos(1);

	private final Runs runs = Runs.of(2, 4);

	private final Termination termination = this.runs.execution.termination;

	@AfterEach
	void clearInterrupt() {
		Thread.interrupted();
	}

	private static PipelineFailedException failure(String message) {
		return new PipelineFailedException("test", "step0", null, message, new IllegalStateException(message));
	}

	private void allStepsFinished() {
		this.termination.stepFinished();
		this.termination.stepFinished();
	}

	@Test
	void aNewRunIsNeitherFailedNorStopping() throws Exception {
		assertThat(this.termination.state()).isEqualTo(PipelineState.NEW);
		assertThat(this.termination.isFailed()).isFalse();
		assertThat(this.termination.isCutOff()).isFalse();
		assertThat(this.termination.isAborted()).isFalse();
		assertThat(this.termination.isStopping()).isFalse();
		// asking let go of the lock: another thread can stop the run
		Parked<Boolean> stopping = Parked.start("stop", this.termination::beginStop);
		assertThat(stopping.result()).isTrue();
		assertThat(this.termination.isStopping()).isTrue();
	}

	@Test
	void aStopAfterAFailureLeavesTheRunFailed() {
		this.termination.fail(failure("failed"));
		assertThat(this.termination.beginStop()).isTrue();
		assertThat(this.termination.isStopping()).isTrue();
		assertThat(this.termination.state()).isEqualTo(PipelineState.FAILED);
	}

	@Test
	void aDeadLetterHandlerCalledWhileTheResultIsBuiltGetsTheCountsSoFar() throws Exception {
		java.util.List<PipelineResult> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
		PipelineResult provisional = new PipelineResult("provisional", PipelineState.RUNNING, Duration.ZERO, 0, 0, 0, 0,
				0, java.util.List.of(), java.util.List.of(), null);
		Termination[] termination = new Termination[1];
		Runs runs = Runs.of(1, 4, false,
				(letter) -> seen.add(termination[0].awaitResultUnless(false, () -> provisional)));
		termination[0] = runs.execution.termination;
		runs.queue(0).put(new Object[] { "left" }, 0, 1, false, -1, null);
		PipelineResult result = termination[0].finish(PipelineState.COMPLETED);
		assertThat(seen).containsExactly(provisional);
		assertThat(result.deadLettered()).isEqualTo(1);
	}

	@Test
	void theRunRunsOnceItsWorkersHaveOpened() throws Exception {
		Parked<Boolean> starting = Parked.start("start", () -> this.termination.awaitOpened(2))
			.awaitParkedIn("awaitOpened");
		this.termination.workerOpened();
		starting.awaitParkedIn("awaitOpened");
		assertThat(starting.isDone()).as("one of two opened").isFalse();
		assertThat(this.termination.state()).isEqualTo(PipelineState.NEW);
		this.termination.workerOpened();
		assertThat(starting.result()).isTrue();
		assertThat(this.termination.state()).isEqualTo(PipelineState.RUNNING);
	}

	@Test
	void workersThatOpenedBeforeTheWaitCount() {
		this.termination.workerOpened();
		this.termination.workerOpened();
		assertThat(this.termination.awaitOpened(2)).isTrue();
		assertThat(this.termination.state()).isEqualTo(PipelineState.RUNNING);
	}

	@Test
	void aFailureWhileOpeningEndsTheWait() throws Exception {
		Parked<Boolean> starting = Parked.start("start", () -> this.termination.awaitOpened(1))
			.awaitParkedIn("awaitOpened");
		this.termination.fail(failure("open failed"));
		assertThat(starting.result()).isFalse();
		assertThat(this.termination.state()).isEqualTo(PipelineState.FAILED);
	}

	@Test
	void aStopBeforeTheStartLeavesTheRunDraining() {
		assertThat(this.termination.beginStop()).isTrue();
		assertThat(this.termination.state()).isEqualTo(PipelineState.DRAINING);
		this.termination.workerOpened();
		assertThat(this.termination.awaitOpened(1)).isFalse();
		assertThat(this.termination.state()).isEqualTo(PipelineState.DRAINING);
	}

	@Test
	void theFirstFailureAbortsTheRunAndLaterOnesAreSuppressed() {
		assertThat(this.termination.awaitOpened(0)).isTrue();
		PipelineFailedException first = failure("first");
		this.termination.fail(first);
		assertThat(this.termination.isFailed()).isTrue();
		assertThat(this.termination.isAborted()).isTrue();
		assertThat(this.termination.isCutOff()).isFalse();
		assertThat(this.termination.state()).isEqualTo(PipelineState.FAILED);
		assertThat(this.runs.queue(0).isAborted()).isTrue();
		assertThat(this.runs.queue(1).isAborted()).isTrue();
		assertThat(this.runs.execution.ledger.lastError()).isEqualTo(first.getMessage());
		for (int i = 0; i < 20; i++) {
			this.termination.fail(failure("later " + i));
		}
		assertThat(first.getSuppressed()).as("at most 16").hasSize(16);
		assertThat(first.getSuppressed()[0]).hasMessageContaining("later 0");
		// from now on leftovers are abandoned, not dead-lettered
		this.runs.execution.ledger.leftovers(0, new Object[] { "a" }, 0, 1);
		assertThat(this.runs.counters(0).abandoned.sum()).isEqualTo(1);
		assertThat(this.runs.deadLetters).isEmpty();
	}

	@Test
	void aPauseWaitsUnlessTheRunAborted() {
		assertThat(this.termination.pause(0)).isTrue();
		assertThat(this.termination.pause(-5)).isTrue();
		assertThat(this.termination.pause(TimeUnit.MILLISECONDS.toNanos(1))).isTrue();
		this.termination.fail(failure("failed"));
		assertThat(this.termination.pause(HOUR)).as("no wait after an abort").isFalse();
		assertThat(this.termination.pause(0)).isFalse();
	}

	@Test
	void anInterruptEndsAPauseAndIsKept() throws Exception {
		Parked<Boolean> pausing = Parked.start("pause", () -> this.termination.pause(HOUR)).awaitParkedIn("pause");
		pausing.interrupt();
		assertThat(pausing.result()).isFalse();
		assertThat(pausing.interruptedAfter()).isTrue();
	}

	@Test
	void anAbortEndsAPauseAndItsInterruptIsNotKept() throws Exception {
		Parked<Boolean> pausing = Parked.start("pause", () -> this.termination.pause(HOUR)).awaitParkedIn("pause");
		this.termination.fail(failure("failed"));
		// the abort interrupts the run's threads; this one plays a worker
		pausing.interrupt();
		assertThat(pausing.result()).isFalse();
		assertThat(pausing.interruptedAfter()).isFalse();
	}

	@Test
	void theRunEndsWhenEveryStepHasFinished() throws Exception {
		assertThat(this.termination.awaitEnd(System.nanoTime())).as("deadline passed").isFalse();
		assertThat(this.termination.awaitEndFor(0)).isFalse();
		assertThat(this.termination.awaitEndFor(TimeUnit.MILLISECONDS.toNanos(5))).isFalse();
		Parked<Boolean> waiting = Parked.start("end", () -> this.termination.awaitEnd(-1)).awaitParkedIn("awaitEnd");
		Parked<Boolean> timed = Parked.start("timed", () -> this.termination.awaitEnd(System.nanoTime() + HOUR))
			.awaitParkedIn("awaitEnd");
		Parked<Boolean> waitingFor = Parked.start("for", () -> this.termination.awaitEndFor(HOUR))
			.awaitParkedIn("awaitEndFor");
		this.termination.stepFinished();
		waiting.awaitParkedIn("awaitEnd");
		assertThat(waiting.isDone()).as("one of two steps").isFalse();
		this.termination.stepFinished();
		assertThat(waiting.result()).isTrue();
		assertThat(timed.result()).isTrue();
		assertThat(waitingFor.result()).isTrue();
		assertThat(this.termination.awaitEnd(-1)).isTrue();
		this.termination.awaitEndInterruptibly();
	}

	@Test
	void anInterruptDoesNotEndTheWaitForTheEndButIsKept() throws Exception {
		Parked<Boolean> waiting = Parked.start("end", () -> this.termination.awaitEnd(-1)).awaitParkedIn("awaitEnd");
		waiting.interrupt();
		waiting.awaitParkedIn("awaitEnd");
		allStepsFinished();
		assertThat(waiting.result()).isTrue();
		assertThat(waiting.interruptedAfter()).isTrue();
	}

	@Test
	void anInterruptEndsAnInterruptibleWaitForTheEnd() throws Exception {
		Parked<Boolean> waiting = Parked.start("end", () -> {
			this.termination.awaitEndInterruptibly();
			return true;
		}).awaitParkedIn("awaitEnd");
		waiting.interrupt();
		assertThatThrownBy(waiting::result).cause().isInstanceOf(InterruptedException.class);
	}

	@Test
	void anInterruptEndsAWaitForALimitedTimeAsIfTheRunEnded() throws Exception {
		Parked<Boolean> waiting = Parked.start("for", () -> this.termination.awaitEndFor(HOUR))
			.awaitParkedIn("awaitEndFor");
		waiting.interrupt();
		assertThat(waiting.result()).isTrue();
		assertThat(waiting.interruptedAfter()).isTrue();
	}

	@Test
	void afterAFailureTheWaitForTheEndEndsWithTheShutdownTimeout() throws Exception {
		this.termination.fail(failure("failed"));
		// the shutdown timeout (5 s) counts from the failure; a nearer deadline comes
		// first
		assertThat(this.termination.awaitEnd(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(10))).isFalse();
		Parked<Boolean> waiting = Parked.start("end", () -> this.termination.awaitEnd(-1)).awaitParkedIn("awaitEnd");
		Parked<Boolean> timed = Parked.start("timed", () -> this.termination.awaitEnd(System.nanoTime() + HOUR))
			.awaitParkedIn("awaitEnd");
		allStepsFinished();
		assertThat(waiting.result()).isTrue();
		assertThat(timed.result()).isTrue();
	}

	@Test
	void theResultIsBuiltOnceAndEndsTheWaits() throws Exception {
		assertThat(this.termination.awaitOpened(0)).isTrue();
		this.runs.counters(0).in.add(3);
		Parked<PipelineResult> waiting = Parked.start("result", this.termination::awaitResult)
			.awaitParkedIn("awaitResult");
		Parked<Boolean> ending = Parked.start("end", () -> this.termination.awaitEnd(-1)).awaitParkedIn("awaitEnd");
		PipelineResult result = this.termination.finish(PipelineState.COMPLETED);
		assertThat(result.state()).isEqualTo(PipelineState.COMPLETED);
		assertThat(result.in()).isEqualTo(3);
		assertThat(result.failure()).isNull();
		assertThat(result.stuckWorkers()).isEmpty();
		assertThat(this.termination.state()).isEqualTo(PipelineState.COMPLETED);
		assertThat(waiting.result()).isSameAs(result);
		assertThat(ending.result()).isTrue();
		assertThat(this.termination.finish(PipelineState.STOPPED)).isSameAs(result);
		assertThat(this.termination.awaitResultUnless(false, () -> null)).isSameAs(result);
		assertThat(this.termination.beginStop()).as("too late to stop").isFalse();
	}

	@Test
	void whatIsStillQueuedWhenTheResultIsBuiltIsLeftOver() {
		this.runs.queue(1).put(new Object[] { "a", "b" }, 0, 2, false, -1, null);
		PipelineResult result = this.termination.finish(PipelineState.COMPLETED);
		assertThat(result.deadLettered()).isEqualTo(2);
		assertThat(this.runs.deadLetters).extracting((letter) -> letter.item()).containsExactly("a", "b");
	}

	@Test
	void aFailedRunsResultIsFailed() {
		PipelineFailedException failure = failure("failed");
		this.termination.fail(failure);
		PipelineResult result = this.termination.finish(PipelineState.COMPLETED);
		assertThat(result.state()).isEqualTo(PipelineState.FAILED);
		assertThat(result.failure()).isSameAs(failure);
		assertThat(failure.getSuppressed()).as("nobody stuck").isEmpty();
	}

	@Test
	void aStoppedRunsResultIsStoppedUnlessItsSourceWentThroughAnyway() throws Exception {
		assertThat(this.termination.awaitOpened(0)).isTrue();
		assertThat(this.termination.beginStop()).isTrue();
		assertThat(this.termination.beginStop()).as("only the first").isFalse();
		assertThat(this.termination.isStopping()).isTrue();
		assertThat(this.termination.state()).isEqualTo(PipelineState.DRAINING);
		assertThat(this.termination.finish(PipelineState.COMPLETED).state()).isEqualTo(PipelineState.STOPPED);

		Runs other = Runs.of(1, 4);
		Termination termination = other.execution.termination;
		assertThat(termination.awaitOpened(0)).isTrue();
		other.execution.intake.startBatch(java.util.List.of("a").iterator());
		org.awaitility.Awaitility.await()
			.atMost(Duration.ofSeconds(10))
			.until(() -> other.execution.intake.isExhausted() && other.queue(0).isClosed());
		termination.beginStop();
		assertThat(termination.finish(PipelineState.COMPLETED).state()).as("completed anyway")
			.isEqualTo(PipelineState.COMPLETED);
	}

	@Test
	void aStopThatDrainsInTimeEndsTheRunStopped() throws Exception {
		assertThat(this.termination.awaitOpened(0)).isTrue();
		assertThat(this.termination.beginStop()).isTrue();
		Parked<PipelineResult> stopping = Parked
			.start("stop", () -> this.termination.completeStop(System.nanoTime() + HOUR, Duration.ofHours(1)))
			.awaitParkedIn("awaitEnd");
		assertThat(this.runs.queue(0).isClosed()).as("intake ended").isTrue();
		Parked<PipelineResult> other = Parked
			.start("other", () -> this.termination.awaitResultUnless(false, () -> null))
			.awaitParkedIn("awaitResult");
		assertThat(this.termination.awaitResultUnless(true, () -> null)).as("a run's own thread does not wait")
			.isNull();
		allStepsFinished();
		PipelineResult result = stopping.result();
		assertThat(result.state()).isEqualTo(PipelineState.STOPPED);
		assertThat(other.result()).isSameAs(result);
		assertThat(this.termination.isCutOff()).isFalse();
		assertThat(this.runs.queue(1).isAborted()).isFalse();
	}

	@Test
	void aStopThatDoesNotDrainInTimeCutsTheRunOff() throws Exception {
		assertThat(this.termination.awaitOpened(0)).isTrue();
		assertThat(this.termination.beginStop()).isTrue();
		this.runs.queue(1).put(new Object[] { "left" }, 0, 1, false, -1, null);
		PipelineResult result = this.termination.completeStop(System.nanoTime(), Duration.ZERO);
		assertThat(this.termination.isCutOff()).isTrue();
		assertThat(this.termination.isAborted()).isTrue();
		assertThat(this.termination.isFailed()).isFalse();
		assertThat(this.runs.queue(0).isAborted()).isTrue();
		assertThat(this.runs.queue(1).isAborted()).isTrue();
		assertThat(result.state()).isEqualTo(PipelineState.STOPPED);
		assertThat(this.runs.deadLetters).extracting((letter) -> letter.item()).containsExactly("left");
		assertThat(this.runs.execution.ledger.lastError()).startsWith("stop did not drain within PT0S");
		Parked<Boolean> other = Parked.start("other", this.termination::isStopping);
		assertThat(other.result()).as("the lock is free").isTrue();
	}

	@Test
	void theThreadCompletingAStopGetsTheCountsSoFarInsteadOfWaitingForItself() throws Exception {
		assertThat(this.termination.awaitOpened(0)).isTrue();
		Parked<PipelineResult> stopper = Parked.start("stopper", () -> {
			this.termination.beginStop();
			// a dead-letter handler or callback of the stop asks for the result
			PipelineResult provisional = this.termination.awaitResultUnless(false,
					() -> new PipelineResult("provisional", PipelineState.DRAINING, Duration.ZERO, 0, 0, 0, 0, 0,
							java.util.List.of(), java.util.List.of(), null));
			return provisional;
		});
		assertThat(stopper.result().pipeline()).isEqualTo("provisional");
	}

}
