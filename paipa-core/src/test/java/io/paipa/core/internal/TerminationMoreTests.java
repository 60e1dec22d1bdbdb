package io.paipa.core.internal;

import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.paipa.core.PipelineFailedException;
import io.paipa.core.PipelineListener;
import io.paipa.core.PipelineResult;
import io.paipa.core.PipelineState;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * How a run ends after a failure: the wait for the end given up after the shutdown
 * timeout, workers interrupted, a source that does not end named as stuck; and the state
 * changes the listeners are told of.
 */
@Timeout(30)
class TerminationMoreTests {

	private static final long HOUR = TimeUnit.HOURS.toNanos(1);

	private final List<String> changes = new CopyOnWriteArrayList<>();

	private final CountDownLatch release = new CountDownLatch(1);

	@AfterEach
	void releaseBlockedThreads() {
		this.release.countDown();
		Thread.interrupted();
	}

	private Runs runs(io.paipa.core.StepHandler<Object, Object> handler, Duration shutdownTimeout) {
		PipelineListener listener = new PipelineListener() {
			@Override
			public void stateChanged(String pipeline, PipelineState from, PipelineState to) {
				TerminationMoreTests.this.changes.add(from + ">" + to);
			}
		};
		return Runs.of(Execution.Mode.BATCH, 4, handler, 0, null, List.of(listener), shutdownTimeout);
	}

	private static PipelineFailedException failure(String message) {
		return new PipelineFailedException("test", "step0", null, message, new IllegalStateException(message));
	}

	@Test
	void theListenersAreToldOfEveryChangeOfStateOnce() {
		Termination termination = runs((item) -> item, Duration.ofSeconds(5)).execution.termination;
		assertThat(termination.awaitOpened(0)).isTrue();
		assertThat(termination.beginStop()).isTrue();
		assertThat(termination.finish(PipelineState.COMPLETED).state()).isEqualTo(PipelineState.STOPPED);
		assertThat(this.changes).containsExactly("NEW>RUNNING", "RUNNING>DRAINING", "DRAINING>STOPPED");
	}

	@Test
	void theListenersAreToldOfAFailureAndOfNothingAfter() {
		Termination termination = runs((item) -> item, Duration.ofSeconds(5)).execution.termination;
		assertThat(termination.awaitOpened(0)).isTrue();
		termination.fail(failure("failed"));
		termination.fail(failure("later"));
		assertThat(termination.finish(PipelineState.COMPLETED).state()).isEqualTo(PipelineState.FAILED);
		assertThat(this.changes).containsExactly("NEW>RUNNING", "RUNNING>FAILED");
	}

	@Test
	void afterAFailureTheWaitForTheEndEndsWhenTheShutdownTimeoutRunsOut() {
		Termination termination = runs((item) -> item, Duration.ofMillis(50)).execution.termination;
		long start = System.nanoTime();
		termination.fail(failure("failed"));
		// no step finishes: only the shutdown timeout ends these waits
		assertThat(termination.awaitEnd(-1)).isFalse();
		assertThat(termination.awaitEnd(System.nanoTime() + HOUR)).isFalse();
		assertThat(System.nanoTime() - start).as("it counts from the failure")
			.isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50));
	}

	@Test
	void aFailureInterruptsTheWorkers() throws Exception {
		CountDownLatch handling = new CountDownLatch(1);
		AtomicBoolean interrupted = new AtomicBoolean();
		Runs runs = runs((item) -> {
			handling.countDown();
			try {
				this.release.await();
			}
			catch (InterruptedException ex) {
				interrupted.set(true);
			}
			return item;
		}, Duration.ofSeconds(5));
		Termination termination = runs.execution.termination;
		int started = runs.execution.steps[0].start(System.nanoTime());
		assertThat(termination.awaitOpened(started)).isTrue();
		runs.queue(0).put(new Object[] { "a" }, 0, 1, false, -1, null);
		assertThat(handling.await(10, TimeUnit.SECONDS)).isTrue();
		termination.fail(failure("failed"));
		await().atMost(Duration.ofSeconds(10)).untilTrue(interrupted);
		assertThat(termination.awaitEnd(System.nanoTime() + TimeUnit.SECONDS.toNanos(10))).isTrue();
		assertThat(termination.finish(PipelineState.COMPLETED).stuckWorkers()).isEmpty();
	}

	@Test
	void aSourceThatDoesNotEndAfterAFailureIsNamedAsStuck() throws Exception {
		Runs runs = runs((item) -> item, Duration.ofSeconds(5));
		Termination termination = runs.execution.termination;
		assertThat(termination.awaitOpened(0)).isTrue();
		Iterator<Object> blocking = new Iterator<>() {
			@Override
			public boolean hasNext() {
				return true;
			}

			@Override
			public Object next() {
				// ignores interrupts until the test is done
				while (true) {
					try {
						TerminationMoreTests.this.release.await();
						return "a";
					}
					catch (InterruptedException ex) {
						// goes on waiting
					}
				}
			}
		};
		runs.execution.intake.startBatch(blocking);
		Parked.awaitParkedIn(runs.execution.intake.sourceThread(), "next");
		PipelineFailedException failure = failure("failed");
		termination.fail(failure);
		PipelineResult result = termination.finish(PipelineState.COMPLETED);
		assertThat(result.state()).isEqualTo(PipelineState.FAILED);
		assertThat(result.stuckWorkers()).containsExactly("paipa-test-source");
		assertThat(failure.getSuppressed()).hasSize(1);
		assertThat(failure.getSuppressed()[0]).isInstanceOf(IllegalStateException.class)
			.hasMessage("Worker threads [paipa-test-source] did not end within the shutdown timeout of PT5S "
					+ "after the failure and were abandoned with the items they held");
	}

	/** A run whose threads are given an hour of grace, with a source that is pulling. */
	private Runs pullingRun() {
		Runs runs = Runs.of(Execution.Mode.BATCH, 4, (item) -> item, 0, null, List.of(), Duration.ofSeconds(5), HOUR);
		assertThat(runs.execution.termination.awaitOpened(0)).isTrue();
		runs.execution.intake.startBatch(Sources.oneItemAfter(this.release, true));
		Parked.awaitParkedIn(runs.execution.intake.sourceThread(), "next");
		return runs;
	}

	/** Lets the source end while {@code ending} waits for it, and returns the result. */
	private PipelineResult releaseTheSourceWhileWaitedFor(Parked<PipelineResult> ending) throws Exception {
		ending.awaitParkedIn("join");
		this.release.countDown();
		return ending.result();
	}

	@Test
	void theResultWaitsTheGraceForTheSourceToEnd() throws Exception {
		Termination termination = pullingRun().execution.termination;
		Parked<PipelineResult> finishing = Parked.start("finish", () -> termination.finish(PipelineState.COMPLETED));
		assertThat(releaseTheSourceWhileWaitedFor(finishing).stuckWorkers()).isEmpty();
	}

	@Test
	void aStopThatDrainedWaitsTheGraceForTheSourceToEnd() throws Exception {
		Termination termination = pullingRun().execution.termination;
		termination.stepFinished();
		// the stop's own deadline has passed: only the grace is left to wait
		Parked<PipelineResult> stopping = Parked.start("stop",
				() -> termination.completeStop(System.nanoTime(), Duration.ZERO));
		PipelineResult result = releaseTheSourceWhileWaitedFor(stopping);
		assertThat(result.state()).isEqualTo(PipelineState.STOPPED);
		assertThat(result.stuckWorkers()).isEmpty();
	}

	@Test
	void aCutOffWaitsTheGraceForTheStepsAndTheSourceToEnd() throws Exception {
		Termination termination = pullingRun().execution.termination;
		assertThat(termination.beginStop()).isTrue();
		Parked<PipelineResult> stopping = Parked.start("stop",
				() -> termination.completeStop(System.nanoTime(), Duration.ZERO));
		stopping.awaitParkedIn("awaitEnd");
		assertThat(termination.isCutOff()).isTrue();
		termination.stepFinished();
		PipelineResult result = releaseTheSourceWhileWaitedFor(stopping);
		assertThat(result.state()).isEqualTo(PipelineState.STOPPED);
		assertThat(result.stuckWorkers()).isEmpty();
	}

	@Test
	void aCutOffEndsTheWaitForTheWorkersToOpen() throws Exception {
		CountDownLatch handling = new CountDownLatch(1);
		Runs runs = Runs.of(2, 4, false, (letter) -> {
			handling.countDown();
			try {
				this.release.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
		Termination termination = runs.execution.termination;
		assertThat(termination.beginStop()).isTrue();
		Parked<Boolean> opening = Parked.start("open", () -> termination.awaitOpened(1)).awaitParkedIn("awaitOpened");
		runs.queue(1).put(new Object[] { "left" }, 0, 1, false, -1, null);
		Parked<PipelineResult> stopping = Parked.start("stop",
				() -> termination.completeStop(System.nanoTime(), Duration.ZERO));
		// the result is not built yet: its dead-letter handler waits for the test
		assertThat(opening.result()).isFalse();
		assertThat(termination.isCutOff()).isTrue();
		assertThat(handling.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(stopping.isDone()).isFalse();
		this.release.countDown();
		assertThat(stopping.result().state()).isEqualTo(PipelineState.STOPPED);
		assertThat(runs.deadLetters).extracting((letter) -> letter.item()).containsExactly("left");
	}

}
