package io.paipa.core.internal;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.paipa.core.Weigher;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gate in front of a pipeline's input: shut while a step is in an outage, and
 * bounding the weight of what is in the input queue and the first step's hands (one
 * heavier item passes when nothing weighs). A test that blocks a thread waits until it is
 * parked in the gate before it goes on.
 */
@Timeout(30)
class IntakeGateTests {

	private static final Weigher<Object> LENGTH = (item) -> ((String) item).length();

	private static final long HOUR = TimeUnit.HOURS.toNanos(1);

	private final Runs runs = Runs.of(1, 4);

	private final AtomicBoolean open = new AtomicBoolean(true);

	private IntakeGate gate(long maxWeight, Weigher<Object> weigher) {
		return new IntakeGate(this.runs.execution, maxWeight, weigher);
	}

	private long enter(IntakeGate gate, long weight, long timeoutNanos) throws InterruptedException {
		return gate.enter(weight, timeoutNanos, this.open::get);
	}

	@Test
	void withoutWeigherOrBoundNothingIsWeighedAndTheGateIsOpen() throws Exception {
		for (IntakeGate gate : new IntakeGate[] { gate(10, null), gate(0, LENGTH) }) {
			assertThat(gate.isWeighing()).isFalse();
			assertThat(gate.weigh("abc")).isZero();
			assertThat(enter(gate, 1000, 123)).as("the timeout, untouched").isEqualTo(123);
			assertThat(enter(gate, 1000, -1)).isEqualTo(-1);
			assertThat(enter(gate, 1000, 0)).isZero();
		}
	}

	@Test
	void weighsItemsOutOfTheirEnvelopesAndNeverBelowZero() {
		IntakeGate gate = gate(10, LENGTH);
		assertThat(gate.isWeighing()).isTrue();
		assertThat(gate.weigh("abc")).isEqualTo(3);
		assertThat(gate.weigh(new Runs.Settling().wrap("abcd"))).isEqualTo(4);
		IntakeGate negative = gate(10, (item) -> -5);
		assertThat(negative.weigh("x")).isZero();
	}

	@Test
	void letsItemsInUpToTheMaxWeight() throws Exception {
		IntakeGate gate = gate(10, LENGTH);
		assertThat(enter(gate, 6, -1)).isEqualTo(-1);
		assertThat(enter(gate, 4, 0)).as("exactly the max").isZero();
		assertThat(enter(gate, 1, 0)).isEqualTo(IntakeGate.TIMED_OUT);
		assertThat(enter(gate, 0, 0)).as("weightless").isZero();
		gate.leave(4);
		assertThat(enter(gate, 5, 0)).isEqualTo(IntakeGate.TIMED_OUT);
		long left = enter(gate, 4, HOUR);
		assertThat(left).as("what is left of the timeout").isBetween(0L, HOUR);
	}

	@Test
	void oneHeavierItemPassesWhenNothingWeighs() throws Exception {
		IntakeGate gate = gate(10, LENGTH);
		assertThat(enter(gate, 50, 0)).isZero();
		assertThat(enter(gate, 1, 0)).isEqualTo(IntakeGate.TIMED_OUT);
		gate.leave(50);
		assertThat(enter(gate, 1, 0)).isZero();
		gate.leave(0);
		assertThat(enter(gate, 9, 0)).isZero();
		assertThat(enter(gate, 1, 0)).isEqualTo(IntakeGate.TIMED_OUT);
	}

	@Test
	void aTimedWaitRunsOut() throws Exception {
		IntakeGate gate = gate(10, LENGTH);
		enter(gate, 10, -1);
		assertThat(enter(gate, 1, TimeUnit.MILLISECONDS.toNanos(20))).isEqualTo(IntakeGate.TIMED_OUT);
	}

	@Test
	void aWaitingCallerGetsInWhenWeightLeaves() throws Exception {
		IntakeGate gate = gate(10, LENGTH);
		enter(gate, 10, -1);
		Parked<Long> untimed = Parked.start("untimed", () -> enter(gate, 5, -1)).awaitParkedIn("enter");
		gate.leave(5);
		assertThat(untimed.result()).isEqualTo(-1);
		Parked<Long> timed = Parked.start("timed", () -> enter(gate, 5, HOUR)).awaitParkedIn("enter");
		gate.leave(5);
		assertThat(timed.result()).isBetween(0L, HOUR);
		assertThat(enter(gate, 1, 0)).as("both counted in").isEqualTo(IntakeGate.TIMED_OUT);
	}

	@Test
	void aWaitingCallerIsLetGoWhenTheInputNoLongerTakesItems() throws Exception {
		IntakeGate gate = gate(10, LENGTH);
		enter(gate, 10, -1);
		Parked<Long> waiting = Parked.start("waiting", () -> enter(gate, 1, -1)).awaitParkedIn("enter");
		this.open.set(false);
		gate.changed();
		assertThat(waiting.result()).isEqualTo(-1);
		// it was counted in: the caller gives it back when it finds the input closed
		gate.leave(10);
		this.open.set(true);
		assertThat(enter(gate, 10, 0)).isEqualTo(IntakeGate.TIMED_OUT);
		assertThat(enter(gate, 9, 0)).isZero();
	}

	@Test
	void anOutageShutsTheGateUntilItEnds() throws Exception {
		IntakeGate gate = this.runs.execution.intake.gate;
		this.runs.execution.outageStarted("step0", new IllegalStateException("down"));
		assertThat(enter(gate, 0, 0)).isEqualTo(IntakeGate.TIMED_OUT);
		Parked<Long> waiting = Parked.start("waiting", () -> enter(gate, 0, HOUR)).awaitParkedIn("enter");
		this.runs.execution.outageEnded("step0", Duration.ofMillis(1));
		assertThat(waiting.result()).isBetween(0L, HOUR);
		assertThat(enter(gate, 0, 5)).as("open again, not weighing").isEqualTo(5);
	}

	@Test
	void aSourceWaitsOutAnOutage() throws Exception {
		IntakeGate gate = this.runs.execution.intake.gate;
		gate.awaitNoOutage(this.open::get);
		this.runs.execution.outageStarted("step0", new IllegalStateException("down"));
		Parked<Boolean> source = Parked.start("source", () -> {
			gate.awaitNoOutage(this.open::get);
			return Thread.currentThread().isInterrupted();
		}).awaitParkedIn("awaitNoOutage");
		source.interrupt();
		source.awaitParkedIn("awaitNoOutage");
		this.runs.execution.outageEnded("step0", Duration.ofMillis(1));
		assertThat(source.result()).as("the interrupt is kept").isTrue();
		assertFree(gate);
	}

	/** The gate is free for other threads: the one that waited let go of it. */
	private void assertFree(IntakeGate gate) throws Exception {
		Parked<Long> other = Parked.start("other", () -> {
			gate.changed();
			return enter(gate, 0, 0);
		});
		assertThat(other.result()).isZero();
	}

	@Test
	void aSourceWaitingOutAnOutageIsLetGoWhenIntakeStops() throws Exception {
		IntakeGate gate = this.runs.execution.intake.gate;
		this.runs.execution.outageStarted("step0", new IllegalStateException("down"));
		Parked<Boolean> source = Parked.start("source", () -> {
			gate.awaitNoOutage(this.open::get);
			return true;
		}).awaitParkedIn("awaitNoOutage");
		this.open.set(false);
		gate.changed();
		assertThat(source.result()).isTrue();
		gate.awaitNoOutage(this.open::get);
		this.runs.execution.outageEnded("step0", Duration.ofMillis(1));
		assertFree(gate);
	}

}
