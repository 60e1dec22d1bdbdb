package io.paipa.core;

/**
 * Thrown when an item is offered to a pipeline that does not accept input: not started
 * yet, stopping, stopped or failed. The item was not taken. Also the cause of the dead
 * letters of items that a stop could not let the pipeline finish within its timeout.
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

	/**
	 * Creates the exception with a cause.
	 * @param message what was refused and why
	 * @param cause what happened to the item before, or {@code null}
	 */
	public PipelineClosedException(String message, Throwable cause) {
		super(message, cause);
	}

}
