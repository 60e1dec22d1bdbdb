package io.paipa.core;

import java.util.Objects;

/**
 * A control object that travels through every step beside the data: "flush now", "end of
 * file 7", a checkpoint. The original paipa's meta entry, with a guarantee it does not
 * give: a marker leaves a step only after every item that entered the step before it has
 * left that step, whichever worker had it. So when a marker has left the last step,
 * everything put before it has completed, been dropped or been dead-lettered.
 *
 * <p>
 * A continuous pipeline takes markers through {@link PipelineInput#putMarker(Object)}; a
 * batch source, or a caller's queue drained with
 * {@link Pipeline#start(java.util.concurrent.BlockingQueue)}, yields them wrapped in this
 * type among its items. Steps see the control object itself in {@code onMarker} (see
 * {@link StepHandler#onMarker(Object, MarkerEmitter)}); by default they pass it on. A
 * chunk emits its partial chunk before passing a marker on, and a stream step's handler
 * sees the end of its input at a marker (it emits what it holds and returns; it is called
 * again for what comes after).
 *
 * <p>
 * Markers are not items: they are not counted, never dead-lettered, and one that a stop
 * or a failure keeps from reaching the end is dropped without its callback.
 */
public final class Marker {

	private final Object value;

	private final CompletionCallback onPassed;

	private Marker(Object value, CompletionCallback onPassed) {
		this.value = Objects.requireNonNull(value, "marker must not be null");
		this.onPassed = onPassed;
	}

	/**
	 * Wraps a control object, for a source that yields markers among its items.
	 * @param value the control object, not {@code null}
	 * @return the marker
	 */
	public static Marker of(Object value) {
		return new Marker(value, null);
	}

	/**
	 * Wraps a control object with a callback that runs once the marker has left the last
	 * step (or a step's {@code onMarker} did not pass it on).
	 * @param value the control object, not {@code null}
	 * @param onPassed called once, from a worker thread
	 * @return the marker
	 */
	public static Marker of(Object value, CompletionCallback onPassed) {
		return new Marker(value, Objects.requireNonNull(onPassed, "onPassed must not be null"));
	}

	/**
	 * Returns the control object.
	 * @return the control object
	 */
	public Object value() {
		return this.value;
	}

	/**
	 * Returns the callback that runs when the marker has passed every step.
	 * @return the callback, or {@code null} for none
	 */
	public CompletionCallback onPassed() {
		return this.onPassed;
	}

	@Override
	public String toString() {
		return "Marker[" + this.value + "]";
	}

}
