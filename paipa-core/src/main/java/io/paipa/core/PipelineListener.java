package io.paipa.core;

/**
 * Receives the events of a pipeline, for metrics and logs. Every method has an empty
 * default, so a listener implements only what it needs.
 *
 * <p>
 * Methods are called from worker threads, concurrently and on the hot path:
 * implementations must be thread-safe, fast, and must not block or throw (an exception is
 * logged and otherwise ignored). Counts and gauges that can be read when needed are
 * cheaper through {@link Pipeline#snapshot()}.
 */
public interface PipelineListener {

	/**
	 * Called when the pipeline changes state.
	 * @param pipeline the pipeline's name
	 * @param from the previous state
	 * @param to the new state
	 */
	default void stateChanged(String pipeline, PipelineState from, PipelineState to) {
	}

	/**
	 * Called once per item and attempt in a {@link StepHandler} or {@link FanOutHandler}
	 * step, and once per item a {@link StreamHandler} took.
	 *
	 * <p>
	 * This is the one per-item event, and it costs: only when a listener of the pipeline
	 * overrides this method (checked once, when the run starts) do workers call it, and
	 * then they time every item (two clock reads each) to pass its handler time. A
	 * listener that only needs handler times should implement
	 * {@link #handlerSampled(String, String, long)} instead; one that overrides this
	 * method keeps getting every item, as before.
	 * @param pipeline the pipeline's name
	 * @param step the step's name
	 * @param outcome what happened
	 * @param handlerNanos the time the handler spent on the item, or -1 for stream steps
	 */
	default void itemProcessed(String pipeline, String step, ItemOutcome outcome, long handlerNanos) {
	}

	/**
	 * Called with a sample of a {@link StepHandler}'s or {@link FanOutHandler}'s time on
	 * one item: the first item of each batch a worker takes, when the handler got through
	 * it on its first attempt (processed or dropped; retried and failed attempts are not
	 * sampled). So a step is sampled at most once per batch: a slow step, whose workers
	 * take one item at a time, for every item, and a trivial step, whose workers take
	 * many, for a few, at the cost of one clock read per batch. Stream steps have no
	 * samples.
	 * @param pipeline the pipeline's name
	 * @param step the step's name
	 * @param handlerNanos the time the handler spent on the item
	 */
	default void handlerSampled(String pipeline, String step, long handlerNanos) {
	}

	/**
	 * Called when a worker thread has started and opened its handler.
	 * @param pipeline the pipeline's name
	 * @param step the step's name
	 * @param worker the worker's thread name
	 */
	default void workerStarted(String pipeline, String step, String worker) {
	}

	/**
	 * Called when a worker thread ends, whatever the reason.
	 * @param pipeline the pipeline's name
	 * @param step the step's name
	 * @param worker the worker's thread name
	 */
	default void workerStopped(String pipeline, String step, String worker) {
	}

	/**
	 * Called when a worker died of an unexpected error and a new one replaces it.
	 * @param pipeline the pipeline's name
	 * @param step the step's name
	 * @param worker the dead worker's thread name
	 * @param cause what killed it
	 */
	default void workerRestarted(String pipeline, String step, String worker, Throwable cause) {
	}

	/**
	 * Called when a step goes into an outage: several items in a row failed (see
	 * {@link OutagePolicy}), or the dead-letter handler failed to take one of its dead
	 * letters. While any step is in an outage the pipeline's input takes nothing.
	 * @param pipeline the pipeline's name
	 * @param step the step's name
	 * @param cause the last failure
	 */
	default void outageStarted(String pipeline, String step, Throwable cause) {
	}

	/**
	 * Called when a step's outage has ended: the held item (or dead letter) went through.
	 * @param pipeline the pipeline's name
	 * @param step the step's name
	 * @param lasted how long the outage lasted
	 */
	default void outageEnded(String pipeline, String step, java.time.Duration lasted) {
	}

}
