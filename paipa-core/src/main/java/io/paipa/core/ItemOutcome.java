package io.paipa.core;

/**
 * What happened to one item in one step, as reported to a {@link PipelineListener}.
 */
public enum ItemOutcome {

	/** The handler returned normally; its outputs went on. */
	PROCESSED,

	/** The handler returned {@code null}: the item goes no further. */
	DROPPED,

	/** The handler threw and the item will be tried again. */
	RETRIED,

	/** The handler threw and no attempt is left. */
	FAILED

}
