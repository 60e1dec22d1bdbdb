package io.paipa.core;

/**
 * The counts of one step. Every item that entered the step left it once: processed,
 * dropped, dead-lettered or abandoned; so when nothing is in flight,
 * {@code in == processed + dropped + deadLettered + abandoned}.
 *
 * @param step the step's name
 * @param in items that entered the step's input queue
 * @param processed items the handler processed (their outputs, if any, went on)
 * @param dropped items the handler dropped by returning {@code null}
 * @param retried attempts that failed and were tried again
 * @param failed items whose processing failed after every attempt (then dead-lettered or,
 * under the fail policy, abandoned)
 * @param deadLettered items handed to the dead-letter handler at this step
 * @param abandoned items given up at this step after a failure, or held by a worker stuck
 * past the shutdown timeout
 * @param emitted outputs the step passed on
 * @param restarts workers replaced after they died of an unexpected error
 * @param handlerNanos time spent in the handler, summed over the workers
 */
public record StepStats(String step, long in, long processed, long dropped, long retried, long failed,
		long deadLettered, long abandoned, long emitted, int restarts, long handlerNanos) {

	/**
	 * Returns the items the handler got through per second of handler time (processed and
	 * dropped), 0 when no time was spent.
	 * @return items per second of handler time
	 */
	public double itemsPerSecond() {
		return (this.handlerNanos > 0) ? (this.processed + this.dropped) * 1e9 / this.handlerNanos : 0.0;
	}

}
