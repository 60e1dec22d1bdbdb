package io.paipa.core;

/**
 * Receives the outputs of a {@link FanOutHandler} or a {@link StreamHandler}.
 *
 * <p>
 * Outputs are buffered by the worker and handed to the next step in batches; an emit can
 * block when the next step's queue is full (that is the back-pressure). When the pipeline
 * fails while a handler emits, {@code emit} throws an unchecked exception that the
 * handler should let pass. After a stop's timeout ran out, emits go on: the outputs that
 * cannot reach the next step are dead-lettered there, so that a handler finishing its
 * item loses nothing.
 *
 * @param <O> the output type
 */
@FunctionalInterface
public interface Emitter<O> {

	/**
	 * Passes one output to the next step.
	 * @param item the output, not {@code null}
	 */
	void emit(O item);

}
