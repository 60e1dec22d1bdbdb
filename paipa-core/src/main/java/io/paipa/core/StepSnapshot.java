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
 * @param autoscale the step's bounds and the controller's decisions when the step is
 * autoscaled (see {@link AutoscalePolicy}), or {@code null} when its workers are fixed
 */
public record StepSnapshot(String name, StepKind kind, String inputType, String outputType, int workersConfigured,
		int workersAlive, int workersBusy, int queueDepth, int queueCapacity, StepStats stats, double utilization,
		long longestBusyNanos, boolean inputEnded, Instant outageSince, String outageError,
		AutoscaleSnapshot autoscale) {

	/**
	 * Creates the snapshot of a step that is not autoscaled.
	 * @param name the step's name
	 * @param kind the step's kind
	 * @param inputType the item type the step takes
	 * @param outputType the item type the step emits
	 * @param workersConfigured the worker count the step should have
	 * @param workersAlive the worker threads running now
	 * @param workersBusy the workers inside the handler now
	 * @param queueDepth the items waiting in the step's input queue
	 * @param queueCapacity that queue's bound
	 * @param stats the step's counts so far
	 * @param utilization the share of worker time spent in the handler, 0 to 1
	 * @param longestBusyNanos how long the busiest worker has been on its current item
	 * @param inputEnded whether the step's input has ended in this run
	 * @param outageSince when the step's current outage began, or {@code null}
	 * @param outageError the last failure of the current outage, or {@code null}
	 */
	public StepSnapshot(String name, StepKind kind, String inputType, String outputType, int workersConfigured,
			int workersAlive, int workersBusy, int queueDepth, int queueCapacity, StepStats stats, double utilization,
			long longestBusyNanos, boolean inputEnded, Instant outageSince, String outageError) {
		this(name, kind, inputType, outputType, workersConfigured, workersAlive, workersBusy, queueDepth, queueCapacity,
				stats, utilization, longestBusyNanos, inputEnded, outageSince, outageError, null);
	}

	/**
	 * Tells whether the step is in an outage.
	 * @return {@code true} while it holds an item (or a dead letter) until what it
	 * depends on comes back
	 */
	public boolean inOutage() {
		return this.outageSince != null;
	}

	/**
	 * Tells whether the step is autoscaled.
	 * @return {@code true} when a controller sizes the step within its bounds
	 */
	public boolean isAutoscaled() {
		return this.autoscale != null;
	}

	StepSnapshot withAutoscale(AutoscaleSnapshot autoscale) {
		return new StepSnapshot(this.name, this.kind, this.inputType, this.outputType, this.workersConfigured,
				this.workersAlive, this.workersBusy, this.queueDepth, this.queueCapacity, this.stats, this.utilization,
				this.longestBusyNanos, this.inputEnded, this.outageSince, this.outageError, autoscale);
	}

}
