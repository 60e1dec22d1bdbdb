package io.paipa.core;

import java.util.function.Supplier;

import io.paipa.core.internal.PerWorker;

/**
 * A step that turns one item into zero or more items, emitted one by one.
 *
 * <p>
 * Pick this kind to split a record into parts, to expand a file name into its lines, or
 * to filter. Each input is still processed on its own, with the same retry and error
 * handling as a {@link StepHandler}. When a handler that already emitted some outputs
 * throws and is retried, the outputs of the failed attempt have already gone on: make
 * such handlers emit only once they cannot fail, or make the next steps idempotent.
 *
 * @param <I> the input type
 * @param <O> the output type
 */
@FunctionalInterface
public interface FanOutHandler<I, O> extends StepLifecycle {

	/**
	 * Processes one item, emitting its outputs.
	 * @param item the item, never {@code null}
	 * @param out receives the outputs; may be called any number of times, only during
	 * this call
	 * @throws Exception when the item cannot be processed
	 */
	void process(I item, Emitter<O> out) throws Exception;

	/**
	 * Called when a {@link Marker} reaches this step, after every item that entered the
	 * step before it has left it (from every worker). Runs once per marker, in one of the
	 * step's workers. By default it passes the marker on. An exception thrown here is
	 * logged and the marker is passed on all the same.
	 * @param marker the control object
	 * @param out emits items before the marker, and passes the marker on
	 * @throws Exception when handling the marker fails
	 */
	default void onMarker(Object marker, MarkerEmitter<O> out) throws Exception {
		out.passOn(marker);
	}

	/**
	 * Returns a handler that gives every worker its own instance.
	 * @param <I> the input type
	 * @param <O> the output type
	 * @param factory creates one handler per worker
	 * @return a handler to pass to the pipeline builder
	 * @see StepHandler#perWorker(Supplier)
	 */
	static <I, O> FanOutHandler<I, O> perWorker(Supplier<? extends FanOutHandler<I, O>> factory) {
		return new PerWorker.FanOut<>(factory);
	}

}
