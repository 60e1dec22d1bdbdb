package io.paipa.core;

/**
 * Thrown when an item is offered to a pipeline that does not accept input: not started
 * yet, stopping, stopped or failed. The item was not taken.
 */
public class PipelineClosedException extends IllegalStateException {

	private static final long serialVersionUID = 1L;

	/**
	 * Creates the exception.
	 * @param message what was refused and why
	 */
	public PipelineClosedException(String message) {
		super(message);
	}

}
