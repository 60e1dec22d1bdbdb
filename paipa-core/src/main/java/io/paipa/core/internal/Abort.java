package io.paipa.core.internal;

/**
 * Unwinds a worker when the pipeline aborts (failure, or a stop past its timeout) while
 * the worker is inside a handler or an emit. Carries no stack trace: it is control flow.
 */
final class Abort extends RuntimeException {

	private static final long serialVersionUID = 1L;

	static final Abort INSTANCE = new Abort();

	private Abort() {
		super("pipeline aborted", null, false, false);
	}

}
