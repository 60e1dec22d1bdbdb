package io.paipa.core.internal;

/**
 * Counts kept by one thread in plain fields: a worker adds them to its step's counters
 * once per batch; the inline runner keeps them per step.
 */
final class LocalCounts {

	long processed;

	long dropped;

	long retried;

	long failed;

	/** Moves the counts to a step's counters and starts again from zero. */
	void moveTo(StepCounters counters) {
		if (this.processed != 0) {
			counters.processed.add(this.processed);
			this.processed = 0;
		}
		if (this.dropped != 0) {
			counters.dropped.add(this.dropped);
			this.dropped = 0;
		}
		if (this.retried != 0) {
			counters.retried.add(this.retried);
			this.retried = 0;
		}
		if (this.failed != 0) {
			counters.failed.add(this.failed);
			this.failed = 0;
		}
	}

}
