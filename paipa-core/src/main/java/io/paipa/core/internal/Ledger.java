package io.paipa.core.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;
import java.util.concurrent.atomic.LongAdder;

import io.paipa.core.DeadLetter;
import io.paipa.core.Marker;
import io.paipa.core.PipelineClosedException;
import io.paipa.core.PipelineFailedException;
import io.paipa.core.PipelineResult;
import io.paipa.core.PipelineSnapshot;
import io.paipa.core.PipelineState;
import io.paipa.core.StepSnapshot;
import io.paipa.core.StepStats;

/**
 * The accounting of one run: every step's counts, the items that left the last step, and
 * where items go that cannot go on: to the dead-letter handler (a handler's failure under
 * the skip policy, or a stop that ran out of time), or into the abandoned count (a
 * failure under the fail policy, a worker stuck past the shutdown timeout, or a tracked
 * item a stop leaves to its source).
 */
final class Ledger {

	private final PipelineDefinition definition;

	private final StepCounters[] counters;

	final LongAdder completed = new LongAdder();

	private volatile String lastError;

	/** Set at a failure: items that cannot go on are abandoned, not dead-lettered. */
	private volatile boolean abandonLeftovers;

	/**
	 * Set once the result is built. Only a worker abandoned as stuck can still hand in
	 * items then; they were counted when it was abandoned.
	 */
	private volatile boolean closed;

	/** Each step's dead-letter outage, once wired. */
	private Outage[] deadLetterOutages;

	private LongPredicate pause;

	Ledger(PipelineDefinition definition) {
		this.definition = definition;
		this.counters = new StepCounters[definition.steps().size()];
		for (int i = 0; i < this.counters.length; i++) {
			this.counters[i] = new StepCounters();
		}
	}

	/** Wires in what retrying a failing dead-letter handler needs. */
	void wire(Outage[] deadLetterOutages, LongPredicate pause) {
		this.deadLetterOutages = deadLetterOutages;
		this.pause = pause;
	}

	StepCounters counters(int step) {
		return this.counters[step];
	}

	String stepName(int step) {
		return this.definition.steps().get(step).name();
	}

	/** From now on, items that cannot go on are abandoned (the run failed). */
	void abandonLeftovers() {
		this.abandonLeftovers = true;
	}

	void close() {
		this.closed = true;
	}

	void recordError(String error) {
		this.lastError = error;
	}

	String lastError() {
		return this.lastError;
	}

	/**
	 * Hands an item to the dead-letter handler, then settles it.
	 * @param step the step that could not process it
	 * @param item the item as that step received it
	 * @param cause why
	 * @param attempts how often the handler was called with it
	 * @param raw the item as it travelled, in its envelope when it is tracked
	 */
	void deadLetter(int step, Object item, Throwable cause, int attempts, Object raw) {
		if (this.closed) {
			return;
		}
		this.counters[step].deadLettered.increment();
		deliver(step, item, cause, attempts, raw);
	}

	private void deliver(int step, Object item, Throwable cause, int attempts, Object raw) {
		if (!(cause instanceof PipelineClosedException)) {
			recordError(
					"step '" + stepName(step) + "' dead-lettered an item after " + attempts + " attempt(s): " + cause);
		}
		DeadLetter letter = new DeadLetter(this.definition.name(), stepName(step), item, cause, attempts,
				Tracker.originsOf(raw));
		DeadLetters.deliver(this.definition.deadLetterHandler(), letter, this.deadLetterOutages[step], this.pause);
		Tracked.settle(raw);
	}

	/**
	 * An item that a stop did not let step {@code step} finish: dead-lettered with
	 * {@code cause}, or, when its source redelivers what a stop leaves unfinished, left
	 * to the source (abandoned, never settled).
	 */
	void stopped(int step, Object raw, Throwable cause, int attempts) {
		if (this.closed) {
			return;
		}
		if (redelivered(raw)) {
			this.counters[step].abandoned.increment();
			return;
		}
		deadLetter(step, Tracked.unwrap(raw), cause, attempts, raw);
	}

	private boolean redelivered(Object raw) {
		// an item tracked only for its context has no source to deliver it again
		return this.definition.redeliverTrackedAtStop() && !Tracker.originsOf(raw).isEmpty();
	}

	/** The cause of a stop's dead letter at a step. */
	PipelineClosedException stopCause(int step, Throwable failure) {
		return new PipelineClosedException("Pipeline '" + this.definition.name() + "' stopped before step '"
				+ stepName(step) + "' could process the item (shutdown timeout ran out)", failure);
	}

	/**
	 * Items that step {@code step} will never start because the run aborted: dead letters
	 * after a stop's timeout, abandoned after a failure. Markers among them are dropped.
	 * All are counted before the first goes to the dead-letter handler, so that a slow
	 * handler cannot leave any uncounted.
	 */
	void leftovers(int step, Object[] items, int from, int to) {
		Object[] letters = new Object[to - from];
		int n = 0;
		for (int i = from; i < to; i++) {
			Object raw = items[i];
			items[i] = null;
			if (isMarker(raw) || this.closed) {
				continue;
			}
			if (this.abandonLeftovers || redelivered(raw)) {
				this.counters[step].abandoned.increment();
			}
			else {
				this.counters[step].deadLettered.increment();
				letters[n++] = raw;
			}
		}
		for (int i = 0; i < n; i++) {
			deliver(step, Tracked.unwrap(letters[i]), stopCause(step, null), 0, letters[i]);
		}
	}

	private static boolean isMarker(Object raw) {
		return raw instanceof BatchQueue.Marker || raw instanceof Marker;
	}

	/**
	 * Outputs that never reached step {@code step}: they count in there, then as
	 * leftovers.
	 */
	void refused(int step, Object[] items, int from, int to) {
		int markers = 0;
		for (int i = from; i < to; i++) {
			if (isMarker(items[i])) {
				markers++;
			}
		}
		if (!this.closed) {
			this.counters[step].in.add(to - from - markers);
		}
		leftovers(step, items, from, to);
	}

	PipelineResult result(PipelineState state, long startNanos, List<String> stuck, PipelineFailedException failure) {
		List<StepStats> stats = new ArrayList<>(this.counters.length);
		long[] totals = new long[3];
		for (int i = 0; i < this.counters.length; i++) {
			StepStats s = this.counters[i].toStats(stepName(i));
			stats.add(s);
			add(totals, s);
		}
		return new PipelineResult(this.definition.name(), state, Duration.ofNanos(System.nanoTime() - startNanos),
				this.counters[0].in.sum(), this.completed.sum(), totals[0], totals[1], totals[2], List.copyOf(stats),
				List.copyOf(stuck), failure);
	}

	PipelineSnapshot snapshot(PipelineState state, List<StepSnapshot> steps) {
		long[] totals = new long[3];
		for (StepSnapshot step : steps) {
			add(totals, step.stats());
		}
		return new PipelineSnapshot(this.definition.name(), state, this.counters[0].in.sum(), this.completed.sum(),
				totals[0], totals[1], totals[2], List.copyOf(steps), this.lastError);
	}

	private static void add(long[] totals, StepStats stats) {
		totals[0] += stats.dropped();
		totals[1] += stats.deadLettered();
		totals[2] += stats.abandoned();
	}

}
