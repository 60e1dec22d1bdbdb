package io.paipa.core;

import java.util.function.Supplier;

import io.paipa.core.internal.PerWorker;

/**
 * A step whose worker sees its whole input as one blocking iterator and emits whatever it
 * likes: grouping, windows, de-duplication, any stateful N:M work (the original paipa's
 * iterator step).
 *
 * <p>
 * The handler is called once per worker and should loop until {@link StepInput#hasNext()}
 * returns {@code false}, which happens at the end of the input, at a {@link Marker}, when
 * the pipeline stops, or when this worker is removed by scaling down: in every case the
 * handler should emit what it still holds and return (after a marker it is called again
 * for the rest). Each worker has its own iterator; the items of the step are spread over
 * the workers.
 *
 * <p>
 * What the handler holds decides when its items' completion callbacks run: see
 * {@link StepInput}. A handler that keeps items back should call
 * {@link StepInput#done(Object)} once an item's outputs are out.
 *
 * <p>
 * Items are not retried one by one. When the handler throws, the step's
 * {@link ErrorPolicy} applies: under {@code FAIL} the pipeline fails; under {@code SKIP}
 * the items the handler held go to the {@link DeadLetterHandler} with the exception
 * (those it was not done with, or, for a handler that never calls {@code done}, those it
 * took since its last output), and the handler is called again on the rest of the input.
 *
 * @param <I> the input type
 * @param <O> the output type
 */
@FunctionalInterface
public interface StreamHandler<I, O> extends StepLifecycle {

	/**
	 * Consumes the worker's input and emits outputs.
	 * @param input the worker's input; blocks while no item is there
	 * @param out receives the outputs
	 * @throws Exception when processing fails
	 */
	void process(StepInput<I> input, Emitter<O> out) throws Exception;

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
	static <I, O> StreamHandler<I, O> perWorker(Supplier<? extends StreamHandler<I, O>> factory) {
		return new PerWorker.Stream<>(factory);
	}

}
