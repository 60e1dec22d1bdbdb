package io.paipa.core;

import java.util.function.Supplier;

import io.paipa.core.internal.PerWorker;

/**
 * A step whose worker sees its whole input as one blocking iterator and emits whatever
 * it likes: grouping, windows, de-duplication, any stateful N:M work (the original
 * paipa's iterator step).
 *
 * <p>The handler is called once per worker and should loop until
 * {@link StepInput#hasNext()} returns {@code false}, which happens at the end of the
 * input, when the pipeline stops, or when this worker is removed by scaling down: in
 * every case the handler should emit what it still holds and return. Each worker has
 * its own iterator; the items of the step are spread over the workers.
 *
 * <p>Items are not retried one by one. When the handler throws, the step's
 * {@link ErrorPolicy} applies: under {@code FAIL} the pipeline fails; under
 * {@code SKIP} the last item the handler took goes to the {@link DeadLetterHandler} with
 * the exception, and the handler is called again on the rest of the input.
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
