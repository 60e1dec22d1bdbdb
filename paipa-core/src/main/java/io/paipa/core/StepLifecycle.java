package io.paipa.core;

/**
 * Optional hooks shared by every kind of step handler.
 *
 * <p>
 * Both hooks run in the worker's own thread: {@link #open(StepContext)} before the worker
 * takes its first item, {@link #close(StepContext)} after it took its last one. A handler
 * shared by several workers sees one call of each per worker; use
 * {@link StepContext#workerIndex()} to tell them apart and {@link StepContext#shared()}
 * for state that all workers of the step share.
 */
public interface StepLifecycle {

	/**
	 * Called once per worker before it processes anything. An exception thrown here fails
	 * the pipeline's start (or its run) with a {@link PipelineFailedException} naming the
	 * step.
	 * @param context the worker's context
	 * @throws Exception when the worker cannot be set up
	 */
	default void open(StepContext context) throws Exception {
	}

	/**
	 * Called once per worker when it ends: at the end of the input, when the step is
	 * scaled down, when the pipeline stops or fails. An exception thrown here is logged
	 * and otherwise ignored.
	 * @param context the worker's context
	 * @throws Exception when cleaning up fails
	 */
	default void close(StepContext context) throws Exception {
	}

}
