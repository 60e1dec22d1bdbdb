package io.paipa.core.internal;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.paipa.core.PipelineClosedException;
import io.paipa.core.PipelineFailedException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A worker's outputs on their way to the next step: buffered and handed on as one batch,
 * completed at once at the last step, counted in at the next step when the queue takes
 * them, dead-lettered there when a cut-off refuses them, abandoned after a failure; the
 * time a full buffer waits for room is back-pressure, not handler time.
 */
@Timeout(30)
class OutputBufferTests {

	private final Runs runs = Runs.of(2, 4);

	private final Worker worker = this.runs.worker(0);

	/** A buffer of {@code size} outputs of step 0 for step 1, owned by the worker. */
	private OutputBuffer buffer(int size) {
		OutputBuffer buffer = new OutputBuffer(this.runs.execution, 1, this.runs.queue(1), size);
		buffer.owner = this.worker;
		return buffer;
	}

	private OutputBuffer terminal() {
		OutputBuffer buffer = new OutputBuffer(this.runs.execution, 2, null, 16);
		buffer.owner = this.worker;
		return buffer;
	}

	private static MarkerEntry marker(String value, AtomicInteger passed) {
		return new MarkerEntry(value, new Tracker.Input(passed::incrementAndGet, "test"));
	}

	@Test
	void outputsWaitInTheBufferUntilItIsFullThenGoOnAsOneBatch() {
		OutputBuffer out = buffer(3);
		out.add(1);
		out.emit(2);
		assertThat(this.runs.queue(1).size()).isZero();
		assertThat(out.size).isEqualTo(2);
		assertThat(this.runs.counters(1).in.sum()).isZero();
		out.add(3);
		assertThat(out.size).isZero();
		assertThat(this.runs.queue(1).drain()).containsExactly(1, 2, 3);
		assertThat(this.runs.counters(1).in.sum()).as("counted in at the next step").isEqualTo(3);
		assertThat(out.drainAdded()).isEqualTo(3);
		assertThat(out.drainAdded()).as("moved, so counted once").isZero();
		assertThat(out.isTerminal()).isFalse();
	}

	@Test
	void aFlushHandsOnWhatIsBufferedAndNothingWhenEmpty() {
		OutputBuffer out = buffer(8);
		out.flush();
		assertThat(this.runs.counters(1).in.sum()).isZero();
		out.add("a");
		out.add("b");
		out.flush();
		assertThat(out.size).isZero();
		assertThat(this.runs.counters(1).in.sum()).isEqualTo(2);
		out.flush();
		assertThat(this.runs.counters(1).in.sum()).as("nothing twice").isEqualTo(2);
		out.add("c");
		out.flush();
		assertThat(this.runs.queue(1).drain()).containsExactly("a", "b", "c");
	}

	@Test
	void atTheLastStepOutputsCompleteAtOnce() {
		OutputBuffer out = terminal();
		AtomicInteger settled = new AtomicInteger();
		Tracker.Input tracker = new Tracker.Input(settled::incrementAndGet, "test");
		out.add(tracker.wrap("tracked"));
		assertThat(settled).hasValue(1);
		out.add("bare");
		assertThat(out.size).isZero();
		assertThat(out.isTerminal()).isTrue();
		assertThat(out.drainAdded()).isEqualTo(2);
		out.flush();
		out.leave();
		assertThat(this.runs.deadLetters).isEmpty();
	}

	@Test
	void atTheLastStepAMarkerHasPassed() {
		OutputBuffer out = terminal();
		AtomicInteger passed = new AtomicInteger();
		out.passOn(marker("m", passed));
		assertThat(passed).hasValue(1);
	}

	@Test
	void aMarkerFollowsTheOutputsBeforeIt() {
		OutputBuffer out = buffer(8);
		AtomicInteger passed = new AtomicInteger();
		MarkerEntry entry = marker("m", passed);
		out.add(1);
		out.add(2);
		out.passOn(entry);
		assertThat(out.size).isZero();
		assertThat(this.runs.queue(1).drain()).containsExactly(1, 2, entry);
		assertThat(this.runs.counters(1).in.sum()).as("a marker is no item").isEqualTo(2);
		assertThat(passed).as("not yet through the next step").hasValue(0);
	}

	@Test
	void aMarkerRefusedAfterACutOffIsDroppedQuietly() {
		OutputBuffer out = buffer(8);
		this.runs.queue(1).abort();
		out.passOn(marker("m", new AtomicInteger()));
		assertThat(this.runs.queue(1).drain()).isEmpty();
	}

	@Test
	void aMarkerRefusedAfterAFailureUnwindsTheWorker() {
		OutputBuffer out = buffer(8);
		fail();
		assertThatThrownBy(() -> out.passOn(marker("m", new AtomicInteger()))).isSameAs(Abort.INSTANCE);
	}

	@Test
	void outputsRefusedAfterACutOffAreDeadLetteredAtTheNextStep() {
		OutputBuffer out = buffer(3);
		this.runs.queue(1).abort();
		AtomicInteger settled = new AtomicInteger();
		Tracker.Input tracker = new Tracker.Input(settled::incrementAndGet, "test");
		out.add(tracker.wrap("x"));
		out.add("y");
		out.add("z");
		assertThat(out.size).isZero();
		assertThat(this.runs.deadLetters).extracting((letter) -> letter.item()).containsExactly("x", "y", "z");
		assertThat(this.runs.deadLetters).allSatisfy((letter) -> {
			assertThat(letter.step()).isEqualTo("step1");
			assertThat(letter.cause()).isInstanceOf(PipelineClosedException.class);
		});
		assertThat(settled).as("a dead letter settles").hasValue(1);
		assertThat(this.runs.counters(1).in.sum()).isEqualTo(3);
		assertThat(this.runs.counters(1).deadLettered.sum()).isEqualTo(3);
		// the buffer goes on working
		out.add("after");
		out.flush();
		assertThat(this.runs.counters(1).deadLettered.sum()).isEqualTo(4);
	}

	@Test
	void onlyWhatTheQueueRefusedIsDeadLettered() throws Exception {
		OutputBuffer out = buffer(8);
		BatchQueue next = this.runs.queue(1);
		out.add(1);
		out.add(2);
		out.add(3);
		out.add(4);
		out.add(5);
		out.add(6);
		// the queue takes 4, then the producer waits for room; a cut-off refuses the rest
		Parked<Void> flush = Parked.<Void>start("flush", () -> {
			out.flush();
			return null;
		}).awaitParkedIn("awaitProducer");
		next.abort();
		flush.result();
		assertThat(next.drain()).containsExactly(1, 2, 3, 4);
		assertThat(this.runs.deadLetters).extracting((letter) -> letter.item()).containsExactly(5, 6);
		assertThat(this.runs.counters(1).in.sum()).isEqualTo(6);
	}

	@Test
	void outputsRefusedAfterAFailureAreAbandonedAndUnwindTheWorker() {
		OutputBuffer out = buffer(2);
		fail();
		out.add(1);
		assertThatThrownBy(() -> out.add(2)).isSameAs(Abort.INSTANCE);
		assertThat(this.runs.deadLetters).isEmpty();
		assertThat(this.runs.counters(1).in.sum()).isEqualTo(2);
		assertThat(this.runs.counters(1).abandoned.sum()).isEqualTo(2);
	}

	@Test
	void outputsOfAWorkerAbandonedAsStuckAreLeftToWhoeverAbandonedIt() {
		OutputBuffer out = buffer(2);
		this.worker.abandoned = true;
		this.runs.queue(1).abort();
		out.add(1);
		assertThatThrownBy(() -> out.add(2)).isSameAs(Abort.INSTANCE);
		assertThat(this.runs.deadLetters).isEmpty();
		assertThat(this.runs.counters(1).in.sum()).as("counted when it was abandoned").isZero();
		assertThat(this.runs.counters(1).abandoned.sum()).isZero();
	}

	@Test
	void outputsTheQueueTookAreNotRefusedEvenForAWorkerAbandonedMeanwhile() {
		OutputBuffer out = buffer(8);
		out.add(1);
		out.add(2);
		// only what the queue did not take is refused, whoever the owner is
		this.worker.abandoned = true;
		out.flush();
		assertThat(this.runs.queue(1).drain()).containsExactly(1, 2);
		assertThat(this.runs.counters(1).in.sum()).isEqualTo(2);
	}

	@Test
	void leavingGivesUpTheBufferedOutputs() {
		OutputBuffer out = buffer(8);
		out.leave();
		assertThat(this.runs.deadLetters).isEmpty();
		out.add("a");
		out.add("b");
		out.leave();
		assertThat(out.size).isZero();
		assertThat(this.runs.queue(1).size()).isZero();
		assertThat(this.runs.deadLetters).extracting((letter) -> letter.item()).containsExactly("a", "b");
		assertThat(this.runs.counters(1).in.sum()).isEqualTo(2);
		out.leave();
		assertThat(this.runs.deadLetters).as("nothing twice").hasSize(2);
	}

	@Test
	void theTimeAFullBufferWaitsForRoomIsBlockedNotBusy() throws Exception {
		OutputBuffer out = buffer(2);
		BatchQueue next = this.runs.queue(1);
		next.put(new Object[] { "a", "b", "c", "d" }, 0, 4, false, -1, null);
		this.worker.setBusy(42);
		this.worker.blockedNanos = 5;
		long before = System.nanoTime();
		out.add(1);
		Parked<Void> adding = Parked.<Void>start("adding", () -> {
			out.add(2);
			return null;
		}).awaitParkedIn("awaitProducer");
		// not busy while it waits (read from this thread: eventually visible)
		await().atMost(Duration.ofSeconds(10)).until(() -> this.worker.busySince() == 0);
		next.take(new Object[4], 4, 0, null, -1);
		next.release(4);
		adding.result();
		long after = System.nanoTime();
		assertThat(this.worker.blockedNanos).isGreaterThan(5).isLessThanOrEqualTo(5 + after - before);
		assertThat(this.worker.busySince()).as("busy again").isBetween(before, after);
		assertThat(next.drain()).containsExactly(1, 2);
	}

	@Test
	void aBufferHandedToAReplacementCountsTheWaitOfItsNewOwner() {
		OutputBuffer out = buffer(1);
		Worker replacement = this.runs.worker(0);
		out.owner = replacement;
		this.worker.setBusy(42);
		replacement.setBusy(42);
		long before = System.nanoTime();
		out.add(1);
		long after = System.nanoTime();
		assertThat(replacement.busySince()).isBetween(before, after);
		assertThat(this.worker.busySince()).isEqualTo(42);
		assertThat(this.worker.blockedNanos).isZero();
	}

	private void fail() {
		this.runs.execution.termination
			.fail(new PipelineFailedException("test", "step0", null, "failed", new IllegalStateException()));
	}

}
