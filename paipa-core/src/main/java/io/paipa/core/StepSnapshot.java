package io.paipa.core;

import java.time.Instant;

/**
 * A step as it is now, read without stopping it.
 *
 * @param name the step's name
 * @param kind the step's kind
 * @param inputType the item type the step takes, as declared or resolved
 * @param outputType the item type the step emits
 * @param workersConfigured the worker count the step should have
 * @param workersAlive the worker threads running now
 * @param workersBusy the workers inside the handler now
 * @param queueDepth the items waiting in the step's input queue
 * @param queueCapacity that queue's bound
 * @param stats the step's counts so far
 * @param utilization the share of worker time spent in the handler over the last seconds,
 * 0 to 1
 * @param longestBusyNanos how long the busiest worker has been on its current item, 0
 * when none is busy
 * @param inputEnded whether the step's input has ended in this run: its workers end as
 * they run out of work, so none alive is then no fault
 * @param outageSince when the step's current outage began (see {@link OutagePolicy}), or
 * {@code null} when it is in none
 * @param outageError the last failure of the current outage, or {@code null}
 */
public record StepSnapshot(String name, StepKind kind, String inputType, String outputType, int workersConfigured,
		int workersAlive, int workersBusy, int queueDepth, int queueCapacity, StepStats stats, double utilization,
		long longestBusyNanos, boolean inputEnded, Instant outageSince, String outageError) {

	/**
	 * Tells whether the step is in an outage.
	 * @return {@code true} while it holds an item (or a dead letter) until what it
	 * depends on comes back
	 */
	public boolean inOutage() {
		return this.outageSince != null;
	}

}
