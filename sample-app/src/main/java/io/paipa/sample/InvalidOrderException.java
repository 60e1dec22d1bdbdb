package io.paipa.sample;

/** A line that is not a valid order; the message says why. */
public class InvalidOrderException extends Exception {

	private static final long serialVersionUID = 1L;

	public InvalidOrderException(String reason) {
		super(reason);
	}

	public InvalidOrderException(String reason, Throwable cause) {
		super(reason, cause);
	}

}
