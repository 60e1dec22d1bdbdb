package io.paipa.core;

/**
 * What a step does with an item whose processing failed after all retries.
 */
public enum ErrorPolicy {

	/**
	 * Stop the pipeline: intake stops, every worker ends, and the failure is reported
	 * with the step and the item ({@link PipelineFailedException}). The default for
	 * {@link Pipeline#run(Iterable) batch runs}.
	 */
	FAIL,

	/**
	 * Hand the item to the {@link DeadLetterHandler} and go on with the next one. The
	 * default for {@link Pipeline#start() continuous pipelines}.
	 */
	SKIP

}
