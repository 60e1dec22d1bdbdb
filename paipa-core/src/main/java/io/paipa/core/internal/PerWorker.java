package io.paipa.core.internal;

import java.util.Objects;
import java.util.function.Supplier;

import io.paipa.core.Emitter;
import io.paipa.core.FanOutHandler;
import io.paipa.core.StepHandler;
import io.paipa.core.StepInput;
import io.paipa.core.StreamHandler;

/**
 * Handlers that stand for a factory: each worker calls {@link #create()} and uses its own
 * instance. They are never called themselves.
 */
public interface PerWorker {

	/**
	 * Creates a worker's own handler.
	 * @return a new handler
	 */
	Object create();

	/**
	 * Returns the handler a worker uses: its own instance for a {@link PerWorker}, the
	 * shared one otherwise.
	 */
	static Object instanceFor(Object handler) {
		if (handler instanceof PerWorker factory) {
			return Objects.requireNonNull(factory.create(), "per-worker handler factory returned null");
		}
		return handler;
	}

	/** A per-worker {@link StepHandler}. */
	record Map<I, O>(Supplier<? extends StepHandler<I, O>> factory) implements StepHandler<I, O>, PerWorker {

		public Map {
			Objects.requireNonNull(factory, "factory must not be null");
		}

		@Override
		public O process(I item) {
			throw new UnsupportedOperationException("A per-worker handler is a factory, not a handler");
		}

		@Override
		public Object create() {
			return this.factory.get();
		}

	}

	/** A per-worker {@link FanOutHandler}. */
	record FanOut<I, O>(Supplier<? extends FanOutHandler<I, O>> factory) implements FanOutHandler<I, O>, PerWorker {

		public FanOut {
			Objects.requireNonNull(factory, "factory must not be null");
		}

		@Override
		public void process(I item, Emitter<O> out) {
			throw new UnsupportedOperationException("A per-worker handler is a factory, not a handler");
		}

		@Override
		public Object create() {
			return this.factory.get();
		}

	}

	/** A per-worker {@link StreamHandler}. */
	record Stream<I, O>(Supplier<? extends StreamHandler<I, O>> factory) implements StreamHandler<I, O>, PerWorker {

		public Stream {
			Objects.requireNonNull(factory, "factory must not be null");
		}

		@Override
		public void process(StepInput<I> input, Emitter<O> out) {
			throw new UnsupportedOperationException("A per-worker handler is a factory, not a handler");
		}

		@Override
		public Object create() {
			return this.factory.get();
		}

	}

}
