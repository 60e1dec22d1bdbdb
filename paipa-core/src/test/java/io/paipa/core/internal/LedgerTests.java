package io.paipa.core.internal;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.paipa.core.CompletionCallback;
import io.paipa.core.PipelineClosedException;
import io.paipa.core.PipelineFailedException;
import io.paipa.core.PipelineResult;
import io.paipa.core.PipelineSnapshot;
import io.paipa.core.PipelineState;
import io.paipa.core.StepSnapshot;
import io.paipa.core.StepStats;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The accounting of a run: dead letters counted and handed over with their origins, then
 * settled; items a stop leaves to a redelivering source abandoned; leftovers counted
 * before any is handed over; refused outputs counted in first; nothing counted once the
 * result is built; totals over the steps.
 */
@Timeout(30)
class LedgerTests {

	private final AtomicInteger settled = new AtomicInteger();

	private final CompletionCallback callback = this.settled::incrementAndGet;

	private Tracked tracked(Object item) {
		return new Tracker.Input(this.callback, "test").wrap(item);
	}

	@Test
	void aDeadLetterIsCountedHandedOverWithItsOriginsAndSettled() {
		Runs runs = Runs.of(2, 4);
		Ledger ledger = runs.execution.ledger;
		IllegalStateException cause = new IllegalStateException("bad");
		ledger.deadLetter(1, "item", cause, 3, tracked("raw"));
		assertThat(runs.counters(1).deadLettered.sum()).isEqualTo(1);
		assertThat(runs.deadLetters).singleElement().satisfies((letter) -> {
			assertThat(letter.pipeline()).isEqualTo("test");
			assertThat(letter.step()).isEqualTo("step1");
			assertThat(letter.item()).isEqualTo("item");
			assertThat(letter.cause()).isSameAs(cause);
			assertThat(letter.attempts()).isEqualTo(3);
			assertThat(letter.origins()).containsExactly(this.callback);
		});
		assertThat(this.settled).hasValue(1);
		assertThat(ledger.lastError())
			.isEqualTo("step 'step1' dead-lettered an item after 3 attempt(s): java.lang.IllegalStateException: bad");
	}

	@Test
	void aStopsDeadLetterIsNoError() {
		Runs runs = Runs.of(1, 4);
		Ledger ledger = runs.execution.ledger;
		ledger.recordError("earlier");
		ledger.deadLetter(0, "item", ledger.stopCause(0, null), 0, "item");
		assertThat(runs.deadLetters).hasSize(1);
		assertThat(ledger.lastError()).isEqualTo("earlier");
		assertThat(runs.deadLetters.get(0).origins()).isEmpty();
	}

	@Test
	void theCauseOfAStopsDeadLetterNamesTheStepAndKeepsTheFailure() {
		Runs runs = Runs.of(2, 4);
		IllegalStateException failure = new IllegalStateException("x");
		PipelineClosedException cause = runs.execution.ledger.stopCause(1, failure);
		assertThat(cause.getMessage())
			.isEqualTo("Pipeline 'test' stopped before step 'step1' could process the item (shutdown timeout ran out)");
		assertThat(cause.getCause()).isSameAs(failure);
	}

	@Test
	void anItemAStopCouldNotFinishIsDeadLettered() {
		Runs runs = Runs.of(1, 4);
		Ledger ledger = runs.execution.ledger;
		ledger.stopped(0, tracked("a"), ledger.stopCause(0, null), 2);
		assertThat(runs.deadLetters).singleElement().satisfies((letter) -> {
			assertThat(letter.item()).as("unwrapped").isEqualTo("a");
			assertThat(letter.attempts()).isEqualTo(2);
			assertThat(letter.origins()).containsExactly(this.callback);
		});
		assertThat(this.settled).hasValue(1);
		assertThat(runs.counters(0).deadLettered.sum()).isEqualTo(1);
		assertThat(runs.counters(0).abandoned.sum()).isZero();
	}

	@Test
	void aTrackedItemAStopCouldNotFinishIsLeftToARedeliveringSource() {
		Runs runs = Runs.of(1, 4, true);
		Ledger ledger = runs.execution.ledger;
		ledger.stopped(0, tracked("a"), ledger.stopCause(0, null), 1);
		assertThat(runs.deadLetters).isEmpty();
		assertThat(this.settled).as("never settled: the source delivers it again").hasValue(0);
		assertThat(runs.counters(0).abandoned.sum()).isEqualTo(1);
		// an untracked item cannot be redelivered
		ledger.stopped(0, "b", ledger.stopCause(0, null), 1);
		assertThat(runs.deadLetters).extracting((letter) -> letter.item()).containsExactly("b");
		assertThat(runs.counters(0).deadLettered.sum()).isEqualTo(1);
		// nor one carried for its context alone: no source waits for it
		ledger.stopped(0, new Tracked("c", new Tracker.Input(null, "test", "trace-1")), ledger.stopCause(0, null), 1);
		assertThat(runs.deadLetters).extracting((letter) -> letter.item()).containsExactly("b", "c");
	}

	@Test
	void leftoversAreAllCountedBeforeTheFirstIsHandedOverAndMarkersDropped() {
		List<Long> countedAtDelivery = new CopyOnWriteArrayList<>();
		Runs[] holder = new Runs[1];
		Runs runs = Runs.of(1, 4, false, (letter) -> countedAtDelivery.add(holder[0].counters(0).deadLettered.sum()));
		holder[0] = runs;
		Object[] items = { "a", new MarkerEntry("m", null), tracked("b"), io.paipa.core.Marker.of("n"), "c",
				"out of range" };
		runs.execution.ledger.leftovers(0, items, 0, 5);
		assertThat(runs.deadLetters).extracting((letter) -> letter.item()).containsExactly("a", "b", "c");
		assertThat(runs.deadLetters).allSatisfy((letter) -> {
			assertThat(letter.cause()).isInstanceOf(PipelineClosedException.class);
			assertThat(letter.attempts()).isZero();
		});
		assertThat(countedAtDelivery).containsExactly(3L, 3L, 3L);
		assertThat(items).containsExactly(null, null, null, null, null, "out of range");
		assertThat(this.settled).hasValue(1);
	}

	@Test
	void leftoversFromTheMiddleOfAnArray() {
		Runs runs = Runs.of(1, 4);
		Object[] items = { "skip", "a", "b", "skip too" };
		runs.execution.ledger.leftovers(0, items, 1, 3);
		assertThat(runs.deadLetters).extracting((letter) -> letter.item()).containsExactly("a", "b");
		assertThat(items).containsExactly("skip", null, null, "skip too");
	}

	@Test
	void afterAFailureLeftoversAreAbandoned() {
		Runs runs = Runs.of(1, 4);
		runs.execution.ledger.abandonLeftovers();
		runs.execution.ledger.leftovers(0, new Object[] { "a", tracked("b"), new MarkerEntry("m", null) }, 0, 3);
		assertThat(runs.deadLetters).isEmpty();
		assertThat(runs.counters(0).abandoned.sum()).isEqualTo(2);
		assertThat(runs.counters(0).deadLettered.sum()).isZero();
		assertThat(this.settled).hasValue(0);
	}

	@Test
	void trackedLeftoversAreLeftToARedeliveringSource() {
		Runs runs = Runs.of(1, 4, true);
		runs.execution.ledger.leftovers(0, new Object[] { "a", tracked("b") }, 0, 2);
		assertThat(runs.deadLetters).extracting((letter) -> letter.item()).containsExactly("a");
		assertThat(runs.counters(0).abandoned.sum()).isEqualTo(1);
		assertThat(runs.counters(0).deadLettered.sum()).isEqualTo(1);
	}

	@Test
	void refusedOutputsCountInAtTheirStepThenAsLeftovers() {
		Runs runs = Runs.of(2, 4);
		Object[] outputs = { "x", "a", "c", new MarkerEntry("m", null), io.paipa.core.Marker.of("n"), "b" };
		runs.execution.ledger.refused(1, outputs, 1, 6);
		assertThat(runs.counters(1).in.sum()).as("markers are no items").isEqualTo(3);
		assertThat(runs.counters(1).deadLettered.sum()).isEqualTo(3);
		assertThat(runs.deadLetters).extracting((letter) -> letter.item()).containsExactly("a", "c", "b");
		assertThat(outputs[0]).isEqualTo("x");
	}

	@Test
	void onceClosedNothingIsCountedOrHandedOver() {
		Runs runs = Runs.of(1, 4);
		Ledger ledger = runs.execution.ledger;
		ledger.close();
		ledger.deadLetter(0, "a", new IllegalStateException(), 1, tracked("a"));
		ledger.stopped(0, "b", ledger.stopCause(0, null), 1);
		Object[] items = { "c", "d" };
		ledger.leftovers(0, items, 0, 2);
		ledger.refused(0, new Object[] { "e" }, 0, 1);
		assertThat(runs.deadLetters).isEmpty();
		assertThat(this.settled).hasValue(0);
		assertThat(items).containsOnlyNulls();
		StepStats stats = runs.counters(0).toStats("step0");
		assertThat(stats.in()).isZero();
		assertThat(stats.deadLettered()).isZero();
		assertThat(stats.abandoned()).isZero();
	}

	@Test
	void onceClosedNothingIsLeftToARedeliveringSourceEither() {
		Runs runs = Runs.of(1, 4, true);
		Ledger ledger = runs.execution.ledger;
		ledger.close();
		ledger.stopped(0, tracked("a"), ledger.stopCause(0, null), 1);
		ledger.leftovers(0, new Object[] { tracked("b") }, 0, 1);
		assertThat(runs.counters(0).abandoned.sum()).isZero();
		assertThat(runs.deadLetters).isEmpty();
	}

	@Test
	void theResultAddsUpTheSteps() {
		Runs runs = Runs.of(2, 4);
		Ledger ledger = runs.execution.ledger;
		runs.counters(0).in.add(10);
		runs.counters(1).in.add(7);
		runs.counters(0).dropped.add(1);
		runs.counters(1).dropped.add(2);
		runs.counters(0).deadLettered.add(3);
		runs.counters(1).deadLettered.add(4);
		runs.counters(0).abandoned.add(5);
		runs.counters(1).abandoned.add(6);
		ledger.completed.add(9);
		PipelineFailedException failure = new PipelineFailedException("test", "step0", null, "failed", null);
		long start = System.nanoTime();
		PipelineResult result = ledger.result(PipelineState.FAILED, start, List.of("w"), failure);
		assertThat(result.pipeline()).isEqualTo("test");
		assertThat(result.state()).isEqualTo(PipelineState.FAILED);
		assertThat(result.in()).isEqualTo(10);
		assertThat(result.completed()).isEqualTo(9);
		assertThat(result.dropped()).isEqualTo(3);
		assertThat(result.deadLettered()).isEqualTo(7);
		assertThat(result.abandoned()).isEqualTo(11);
		assertThat(result.steps()).extracting(StepStats::step).containsExactly("step0", "step1");
		assertThat(result.steps().get(1).in()).isEqualTo(7);
		assertThat(result.stuckWorkers()).containsExactly("w");
		assertThat(result.failure()).isSameAs(failure);
		assertThat(result.duration().toNanos()).isBetween(0L, System.nanoTime() - start);

		StepStats zero = new StepStats("s", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
		StepStats first = new StepStats("a", 0, 0, 1, 0, 0, 2, 3, 0, 0, 0);
		StepStats second = new StepStats("b", 0, 0, 10, 0, 0, 20, 30, 0, 0, 0);
		ledger.recordError("last");
		PipelineSnapshot snapshot = ledger.snapshot(PipelineState.RUNNING,
				List.of(step(first), step(second), step(zero)));
		assertThat(snapshot.name()).isEqualTo("test");
		assertThat(snapshot.state()).isEqualTo(PipelineState.RUNNING);
		assertThat(snapshot.in()).isEqualTo(10);
		assertThat(snapshot.completed()).isEqualTo(9);
		assertThat(snapshot.dropped()).isEqualTo(11);
		assertThat(snapshot.deadLettered()).isEqualTo(22);
		assertThat(snapshot.abandoned()).isEqualTo(33);
		assertThat(snapshot.steps()).hasSize(3);
		assertThat(snapshot.lastError()).isEqualTo("last");
	}

	private static StepSnapshot step(StepStats stats) {
		return new StepSnapshot(stats.step(), io.paipa.core.StepKind.ONE_TO_ONE, "Object", "Object", 1, 1, 0, 0, 4,
				stats, 0.0, 0, false, null, null);
	}

	@Test
	void tellsItsStepsAndCounters() {
		Runs runs = Runs.of(2, 4);
		Ledger ledger = runs.execution.ledger;
		assertThat(ledger.stepName(0)).isEqualTo("step0");
		assertThat(ledger.stepName(1)).isEqualTo("step1");
		assertThat(ledger.counters(1)).isSameAs(runs.counters(1)).isNotSameAs(ledger.counters(0));
		assertThat(ledger.lastError()).isNull();
	}

}
