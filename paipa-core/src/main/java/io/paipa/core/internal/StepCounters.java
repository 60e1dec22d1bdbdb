package io.paipa.core.internal;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import io.paipa.core.StepStats;

/** The counts of one step in one run. Workers add per batch, not per item. */
final class StepCounters {

	final LongAdder in = new LongAdder();

	final LongAdder processed = new LongAdder();

	final LongAdder dropped = new LongAdder();

	final LongAdder retried = new LongAdder();

	final LongAdder failed = new LongAdder();

	final LongAdder deadLettered = new LongAdder();

	final LongAdder abandoned = new LongAdder();

	final LongAdder emitted = new LongAdder();

	final LongAdder busyNanos = new LongAdder();

	final AtomicInteger restarts = new AtomicInteger();

	StepStats toStats(String name) {
		return new StepStats(name, this.in.sum(), this.processed.sum(), this.dropped.sum(), this.retried.sum(),
				this.failed.sum(), this.deadLettered.sum(), this.abandoned.sum(), this.emitted.sum(),
				this.restarts.get(), this.busyNanos.sum());
	}

}
