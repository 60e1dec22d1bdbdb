package io.paipa.core;

import java.util.function.Supplier;

import io.paipa.core.internal.PerWorker;

/**
 * A step that turns one item into one item: the most common kind.
 *
 * <p>
 * Returning {@code null} from a step that is not the last drops the item: it is counted
 * as {@code dropped} and goes no further. The last step's return value is ignored; every
 * item it returns from, {@code null} or not, counts as completed.
 *
 * <p>
 * A handler that throws is retried in place by its worker according to the step's
 * {@link RetryPolicy}; when the attempts are used up the step's {@link ErrorPolicy}
 * decides between failing the pipeline and handing the item to the
 * {@link DeadLetterHandler}.
 *
 * <p>
 * One instance may be shared by all workers of the step and must then be thread-safe; use
 * {@link #perWorker(Supplier)} to give each worker its own.
 *
 * @param <I> the input type
 * @param <O> the output type
 * @see FanOutHandler for zero or more outputs per item
 * @see StreamHandler for stateful work over the whole input (grouping, windows)
 */
@FunctionalInterface
public interface StepHandler<I, O> extends StepLifecycle {

	/**
	 * Processes one item.
	 * @param item the item, never {@code null}
	 * @return the output passed to the next step, or {@code null} to drop the item
	 * @throws Exception when the item cannot be processed
	 */
	O process(I item) throws Exception;

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
	 * Returns a handler that gives every worker its own instance, created by the factory
	 * in the worker's thread before {@link #open(StepContext)}.
	 * @param <I> the input type
	 * @param <O> the output type
	 * @param factory creates one handler per worker
	 * @return a handler to pass to the pipeline builder
	 */
	static <I, O> StepHandler<I, O> perWorker(Supplier<? extends StepHandler<I, O>> factory) {
		return new PerWorker.Map<>(factory);
	}

}
