package io.paipa.core.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.paipa.core.OutagePolicy;
import io.paipa.core.PipelineFailedException;
import io.paipa.core.RetryPolicy;
import io.paipa.core.StepHandler;
import io.paipa.core.StepKind;
import io.paipa.core.Weigher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A stream handler's view of its worker's input: the batch first, then refills from the
 * queue (without waiting, and only after handing the outputs on before it waits); a call
 * ends at the end of the input, at a marker, when the worker is asked to leave or the run
 * aborts; the worker's busy time. The worker is not started: the test calls the input
 * itself, and a test that blocks waits until the thread is parked in the queue.
 */
@Timeout(30)
class StreamInputTests {

	private static final String TAKE_WAIT = "awaitConsumer";

	private static final BatchQueue.Marker MARKER = new BatchQueue.Marker() {
	};

	private final Runs runs = Runs.of(2, 4);

	private final BatchQueue queue = this.runs.queue(0);

	private final StreamWorker worker = new StreamWorker(this.runs.execution.steps[0], 0, null);

	private final StreamInput input = new StreamInput(this.worker);

	private void put(Object... items) {
		assertThat(this.queue.put(items, 0, items.length, false, -1, null)).isEqualTo(items.length);
	}

	private void fail() {
		this.runs.execution.termination
			.fail(new PipelineFailedException("test", "step0", null, "failed", new IllegalStateException()));
	}

	/** Waits until the clock went on by at least a millisecond from {@code since}. */
	private static void aMillisecondAfter(long since) {
		await().until(() -> System.nanoTime() - since > TimeUnit.MILLISECONDS.toNanos(1));
	}

	@Test
	void givesOutTheBatchFirstThenRefillsFromTheQueue() {
		put("a", "b");
		assertThat(this.input.hasNext()).isTrue();
		assertThat(this.worker.inLen).isEqualTo(2);
		assertThat(this.worker.toRelease).isEqualTo(2);
		put("c");
		assertThat(this.input.hasNext()).isTrue();
		assertThat(this.queue.size()).as("the batch first").isEqualTo(1);
		assertThat(this.input.next()).isEqualTo("a");
		assertThat(this.worker.in[0]).as("out of the batch").isNull();
		assertThat(this.input.next()).isEqualTo("b");
		assertThat(this.queue.size()).isEqualTo(1);
		assertThat(this.input.next()).as("refilled").isEqualTo("c");
		assertThat(this.queue.size()).isZero();
		assertThat(this.worker.toRelease).isEqualTo(1);
		assertThat(this.input.consumed).isEqualTo(3);
		assertThat(this.worker.held.size()).isEqualTo(3);
		assertThat(this.worker.held.current).isEqualTo("c");
		assertThat(this.input.isEnded()).isFalse();
	}

	@Test
	void aTrackedItemIsGivenOutBareAndHeldWithItsTracker() {
		Runs.Settling tracker = new Runs.Settling();
		put(tracker.wrap("a"), "b");
		assertThat(this.input.next()).isEqualTo("a");
		assertThat(this.input.next()).isEqualTo("b");
		this.input.done("a");
		assertThat(this.worker.counts.processed).isEqualTo(1);
		assertThat(tracker.settled).isEqualTo(1);
		assertThat(this.worker.held.size()).isEqualTo(1);
		this.input.doneAll();
		assertThat(this.worker.counts.processed).isEqualTo(2);
		assertThat(this.worker.held.size()).isZero();
	}

	@Test
	void theEndOfTheInputEndsTheCallForGood() {
		put("a");
		assertThat(this.input.next()).isEqualTo("a");
		this.queue.close();
		assertThat(this.input.hasNext()).isFalse();
		assertThat(this.input.isEnded()).isTrue();
		assertThat(this.input.exit).isEqualTo(BatchQueue.ENDED);
		assertThatThrownBy(this.input::next).isInstanceOf(NoSuchElementException.class)
			.hasMessage("The input of step 'step0' has ended");
		assertThat(this.input.poll(Duration.ofHours(1))).isNull();
		assertThat(this.input.consumed).isEqualTo(1);
		this.input.begin();
		assertThat(this.input.consumed).isZero();
		assertThat(this.input.isEnded()).as("a new call does not undo the end").isTrue();
		assertThat(this.input.hasNext()).isFalse();
	}

	@Test
	void aMarkerEndsTheCallAndTheNextCallGoesOnPastIt() {
		put("a");
		assertThat(this.queue.putMarker(MARKER, false, -1)).isTrue();
		put("b");
		assertThat(this.input.next()).isEqualTo("a");
		assertThat(this.input.hasNext()).isFalse();
		assertThat(this.input.exit).isEqualTo(BatchQueue.AT_MARKER);
		assertThat(this.input.isEnded()).isTrue();
		assertThat(this.input.poll(Duration.ZERO)).isNull();
		assertThat(this.worker.toRelease).as("released on the way").isZero();
		Object[] slot = new Object[1];
		assertThat(this.queue.awaitMarker(slot, null)).as("nothing taken before it is in hand").isEqualTo(1);
		assertThat(slot[0]).isSameAs(MARKER);
		this.queue.markerPassed();
		this.input.begin();
		assertThat(this.input.isEnded()).isFalse();
		assertThat(this.input.consumed).isZero();
		assertThat(this.input.hasNext()).isTrue();
		assertThat(this.input.next()).isEqualTo("b");
		assertThat(this.input.consumed).isEqualTo(1);
	}

	@Test
	void afterAnAbortNoItemIsGivenOutAndTheRestOfTheBatchIsLeftOver() {
		put("a", "b");
		assertThat(this.input.next()).isEqualTo("a");
		fail();
		assertThat(this.input.hasNext()).isFalse();
		assertThat(this.input.exit).isEqualTo(BatchQueue.ABORTED);
		assertThat(this.input.isEnded()).isTrue();
		assertThat(this.input.poll(Duration.ZERO)).isNull();
		assertThatThrownBy(this.input::next).isInstanceOf(NoSuchElementException.class);
		assertThat(this.worker.inLen - this.worker.inPos).as("left over").isEqualTo(1);
		assertThat(this.input.consumed).isEqualTo(1);
	}

	@Test
	void pollAfterAnAbortGivesNothingEvenFromTheBatch() {
		put("a", "b");
		assertThat(this.input.poll(Duration.ZERO)).isEqualTo("a");
		fail();
		assertThat(this.input.poll(Duration.ZERO)).isNull();
		assertThat(this.input.exit).isEqualTo(BatchQueue.ABORTED);
	}

	@Test
	void aWorkerGivenUpOnUnwindsAtItsNextRead() {
		put("a");
		this.worker.abandoned = true;
		assertThatThrownBy(this.input::hasNext).isSameAs(Abort.INSTANCE);
		assertThatThrownBy(this.input::next).isSameAs(Abort.INSTANCE);
		assertThatThrownBy(() -> this.input.poll(Duration.ZERO)).isSameAs(Abort.INSTANCE);
		assertThat(this.queue.size()).isEqualTo(1);
	}

	@Test
	void aWorkerAskedToLeaveFinishesItsBatchThenLeavesWithoutTaking() {
		put("a", "b");
		assertThat(this.input.next()).isEqualTo("a");
		put("c");
		this.worker.leaving = true;
		this.worker.out.add("out");
		assertThat(this.input.hasNext()).as("the batch first").isTrue();
		assertThat(this.input.next()).isEqualTo("b");
		assertThat(this.input.hasNext()).isFalse();
		assertThat(this.input.exit).isEqualTo(BatchQueue.LEAVE);
		assertThat(this.input.isEnded()).isTrue();
		assertThat(this.queue.size()).as("nothing taken").isEqualTo(1);
		assertThat(this.worker.toRelease).as("released when the worker ends").isEqualTo(2);
		assertThat(this.runs.queue(1).size()).as("the outputs handed on").isEqualTo(1);
	}

	@Test
	void pollGivesOutWhatIsThereAndDoesNotWaitPastItsTimeout() {
		put("a");
		assertThat(this.input.poll(Duration.ZERO)).isEqualTo("a");
		assertThat(this.input.poll(Duration.ZERO)).isNull();
		assertThat(this.input.poll(Duration.ofSeconds(-5))).as("a negative timeout waits not at all").isNull();
		assertThat(this.input.isEnded()).as("a time-out ends nothing").isFalse();
		assertThat(this.input.exit).isZero();
		assertThat(this.input.consumed).isEqualTo(1);
		assertThat(this.worker.held.size()).isEqualTo(1);
		assertThat(this.worker.toRelease).as("released while looking").isZero();
		put("b", "c");
		assertThat(this.input.poll(Duration.ZERO)).isEqualTo("b");
		assertThat(this.input.poll(Duration.ZERO)).as("from the batch").isEqualTo("c");
		assertThat(this.input.consumed).isEqualTo(3);
	}

	@Test
	void beforeWaitingTheOutputsAndCountsAreHandedOn() {
		this.worker.out.add("out");
		this.worker.counts.processed = 5;
		assertThat(this.input.poll(Duration.ZERO)).isNull();
		assertThat(this.runs.queue(1).size()).isEqualTo(1);
		assertThat(this.runs.counters(0).processed.sum()).isEqualTo(5);
		assertThat(this.worker.counts.processed).isZero();
	}

	@Test
	void pollWaitsUpToItsTimeoutForAnItem() throws Exception {
		this.worker.out.add("out");
		Parked<Object> polling = Parked.start("poll", () -> this.input.poll(Duration.ofHours(1)))
			.awaitParkedIn(TAKE_WAIT);
		assertThat(this.runs.queue(1).size()).isEqualTo(1);
		assertThat(this.worker.busySince()).as("not busy while it waits").isZero();
		put("a");
		assertThat(polling.result()).isEqualTo("a");
		assertThat(this.worker.busySince()).isNotZero();
	}

	@Test
	void hasNextWaitsForAnItemOrTheEnd() throws Exception {
		Parked<Boolean> waiting = Parked.start("hasNext", this.input::hasNext).awaitParkedIn(TAKE_WAIT);
		put("a");
		assertThat(waiting.result()).isTrue();
		assertThat(this.input.next()).isEqualTo("a");
		Parked<Boolean> ending = Parked.start("hasNext", this.input::hasNext).awaitParkedIn(TAKE_WAIT);
		this.queue.close();
		assertThat(ending.result()).isFalse();
		assertThat(this.input.exit).isEqualTo(BatchQueue.ENDED);
	}

	@Test
	void theBusyPeriodRunsFromTheFirstRefillUntilTheInputRunsDry() {
		assertThat(this.worker.busySince()).isZero();
		put("a");
		assertThat(this.input.next()).isEqualTo("a");
		long since = this.worker.busySince();
		assertThat(since).isNotZero();
		put("b");
		assertThat(this.input.next()).isEqualTo("b");
		assertThat(this.worker.busySince()).as("the same busy period").isEqualTo(since);
		aMillisecondAfter(since);
		long before = System.nanoTime();
		assertThat(this.input.poll(Duration.ZERO)).isNull();
		long after = System.nanoTime();
		assertThat(this.worker.busySince()).isZero();
		assertThat(this.worker.busyNanos).isBetween(before - since, after - since);
		put("c");
		assertThat(this.input.next()).isEqualTo("c");
		assertThat(this.worker.busySince()).as("a new busy period").isBetween(after, System.nanoTime());
	}

	@Test
	void stopBusyReturnsTheHandlerTimeLessTheTimeBlocked() {
		assertThat(this.input.stopBusy()).as("not busy").isZero();
		put("a");
		assertThat(this.input.next()).isEqualTo("a");
		long since = this.worker.busySince();
		aMillisecondAfter(since);
		this.worker.blockedNanos = 300_000;
		long before = System.nanoTime();
		long busy = this.input.stopBusy();
		long after = System.nanoTime();
		assertThat(busy).isBetween(before - since - 300_000, after - since - 300_000);
		assertThat(this.worker.blockedNanos).isZero();
		assertThat(this.worker.busySince()).isZero();
		this.worker.blockedNanos = 7;
		assertThat(this.input.stopBusy()).as("no longer busy").isZero();
		assertThat(this.worker.blockedNanos).as("left for the next busy period").isEqualTo(7);
		put("b");
		assertThat(this.input.next()).isEqualTo("b");
		this.worker.blockedNanos = TimeUnit.HOURS.toNanos(1);
		assertThat(this.input.stopBusy()).as("never below zero").isZero();
	}

	@Test
	void theFirstStepTellsTheIntakeGateWhenItTookAWeighedItem() throws Exception {
		Execution execution = weighing();
		StreamInput first = new StreamInput(new StreamWorker(execution.steps[0], 0, null));
		StreamInput second = new StreamInput(new StreamWorker(execution.steps[1], 0, null));
		IntakeGate gate = execution.intake.gate;
		assertThat(gate.enter(10, 0, () -> true)).isZero();
		assertThat(gate.enter(1, 0, () -> true)).as("full").isEqualTo(IntakeGate.TIMED_OUT);
		execution.queues[1].put(new Object[] { "abcdefghij" }, 0, 1, false, -1, null);
		assertThat(second.next()).isEqualTo("abcdefghij");
		assertThat(gate.enter(1, 0, () -> true)).as("the second step weighs nothing").isEqualTo(IntakeGate.TIMED_OUT);
		execution.queues[0].put(new Object[] { "abcdefgh" }, 0, 1, false, -1, null);
		assertThat(first.next()).isEqualTo("abcdefgh");
		assertThat(gate.enter(8, 0, () -> true)).as("8 left the gate").isZero();
		assertThat(gate.enter(1, 0, () -> true)).isEqualTo(IntakeGate.TIMED_OUT);
	}

	/** A continuous run of two steps whose input is bounded by a weight of 10. */
	private static Execution weighing() {
		List<StepDefinition> steps = new ArrayList<>();
		for (int i = 0; i < 2; i++) {
			StepHandler<Object, Object> handler = (item) -> item;
			steps.add(new StepDefinition("step" + i, StepKind.STREAM, handler, 1, 4, null, null, null, false, Map.of(),
					false, Object.class, Object.class));
		}
		Weigher<Object> length = (item) -> ((String) item).length();
		PipelineDefinition definition = new PipelineDefinition("test", List.copyOf(steps), 4, null, RetryPolicy.none(),
				OutagePolicy.off(), (letter) -> {
				}, List.of(), Duration.ofSeconds(5), null, 0, false, 10, length, null);
		return new Execution(definition, new int[] { 1, 1 }, Execution.Mode.CONTINUOUS);
	}

}
