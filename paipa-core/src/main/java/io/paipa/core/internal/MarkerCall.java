package io.paipa.core.internal;

import java.util.Objects;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.paipa.core.FanOutHandler;
import io.paipa.core.MarkerEmitter;
import io.paipa.core.StepHandler;
import io.paipa.core.StreamHandler;

/**
 * One call of a handler's {@code onMarker} hook, on a worker thread or in the inline
 * runner: what it emits goes where the step's outputs go, what it passes on follows them.
 * A hook that throws is logged and the marker is passed on all the same, so that a marker
 * is never lost to a handler's mistake.
 */
final class MarkerCall implements MarkerEmitter<Object> {

	private static final Logger logger = LoggerFactory.getLogger(MarkerCall.class);

	/** Where a step's outputs and markers go. */
	interface Target {

		/** Hands an item emitted at the marker on. */
		void emit(Object item);

		/** Hands a marker on, after everything emitted before it. */
		void passOn(MarkerEntry entry);

	}

	private final MarkerEntry entry;

	private final Target target;

	private final String step;

	private boolean passed;

	private MarkerCall(MarkerEntry entry, Target target, String step) {
		this.entry = entry;
		this.target = target;
		this.step = step;
	}

	/** Lets a worker's handler handle a marker; its outputs go to the worker's buffer. */
	static void handle(Worker worker, MarkerEntry entry) {
		run(worker.handler, entry, worker.out, worker.execution.name(), worker.step.name(),
				worker.execution.ledger::recordError);
	}

	/**
	 * Calls the hook and gives back the entry's reference.
	 * @param errors told about a failure of the hook, before the marker is passed on
	 */
	static void run(Object handler, MarkerEntry entry, Target target, String pipeline, String step,
			Consumer<String> errors) {
		MarkerCall call = new MarkerCall(entry, target, step);
		try {
			invoke(handler, entry.value, call);
		}
		catch (Abort ex) {
			throw ex;
		}
		catch (Throwable ex) {
			errors.accept("step '" + step + "': onMarker failed for " + entry.value + ": " + ex);
			logger.warn("Pipeline '{}', step '{}': onMarker failed for marker {}; the marker is passed on", pipeline,
					step, entry.value, ex);
			if (!call.passed) {
				call.passOn(entry.value);
			}
		}
		entry.release();
	}

	@SuppressWarnings({ "unchecked", "rawtypes" })
	private static void invoke(Object handler, Object marker, MarkerEmitter<Object> out) throws Exception {
		if (handler instanceof StreamHandler stream) {
			stream.onMarker(marker, out);
		}
		else if (handler instanceof FanOutHandler fanOut) {
			fanOut.onMarker(marker, out);
		}
		else if (handler instanceof StepHandler step) {
			step.onMarker(marker, out);
		}
		else {
			out.passOn(marker);
		}
	}

	@Override
	public void emit(Object item) {
		Objects.requireNonNull(item, () -> "Step '" + this.step + "' emitted null at a marker");
		this.target.emit(item);
	}

	@Override
	public void passOn(Object marker) {
		Objects.requireNonNull(marker, () -> "Step '" + this.step + "' passed on a null marker");
		this.passed = true;
		this.target.passOn(this.entry.passOn(marker));
	}

}
