package io.paipa.core;

import java.util.Map;
import java.util.concurrent.ConcurrentMap;

/**
 * What a step handler may know about where it runs, passed to
 * {@link StepLifecycle#open(StepContext)} and {@link StepLifecycle#close(StepContext)}.
 */
public interface StepContext {

	/**
	 * Returns the pipeline's name.
	 * @return the pipeline's name
	 */
	String pipelineName();

	/**
	 * Returns the step's name.
	 * @return the step's name
	 */
	String stepName();

	/**
	 * Returns this worker's index, from 0, unique among the live workers of the step.
	 * @return the worker index
	 */
	int workerIndex();

	/**
	 * Returns the step's configured number of workers at the time of the call.
	 * @return the worker count
	 */
	int workerCount();

	/**
	 * Returns the step's options as configured, read-only.
	 * @return the options, possibly empty
	 */
	Map<String, Object> options();

	/**
	 * Returns a map shared by all workers of the step during one run of the pipeline.
	 * @return the shared map
	 */
	ConcurrentMap<String, Object> shared();

}
