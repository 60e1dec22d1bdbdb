package io.paipa.core;

/**
 * Receives the events of a pipeline, for metrics and logs. Every method has an empty
 * default, so a listener implements only what it needs.
 *
 * <p>Methods are called from worker threads, concurrently and on the hot path:
 * implementations must be thread-safe, fast, and must not block or throw (an exception
 * is logged and otherwise ignored). Counts and gauges that can be read when needed are
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
	 * @param pipeline the pipeline's name
	 * @param step the step's name
	 * @param outcome what happened
	 * @param handlerNanos the time the handler spent on the item, or -1 for stream steps
	 */
	default void itemProcessed(String pipeline, String step, ItemOutcome outcome, long handlerNanos) {
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

}
