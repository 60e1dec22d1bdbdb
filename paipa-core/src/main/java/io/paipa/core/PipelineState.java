package io.paipa.core;

/**
 * The life of a pipeline. A pipeline that has ended ({@link #COMPLETED}, {@link #STOPPED}
 * or {@link #FAILED}) can be run or started again.
 */
public enum PipelineState {

	/** Built, never run. */
	NEW,

	/** Workers are running and the pipeline accepts input. */
	RUNNING,

	/** Intake has stopped; queued and in-flight items are being finished. */
	DRAINING,

	/** A batch run processed its whole input. */
	COMPLETED,

	/**
	 * The pipeline was stopped: a continuous one, or a batch run cancelled by
	 * {@code stop()} or an interrupt.
	 */
	STOPPED,

	/**
	 * A failure under {@link ErrorPolicy#FAIL}, or too many worker restarts, ended it.
	 */
	FAILED;

	/**
	 * Tells whether this state is an end state.
	 * @return {@code true} for {@code COMPLETED}, {@code STOPPED} and {@code FAILED}
	 */
	public boolean isTerminal() {
		return this == COMPLETED || this == STOPPED || this == FAILED;
	}

}
