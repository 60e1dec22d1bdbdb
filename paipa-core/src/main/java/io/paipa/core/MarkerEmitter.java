package io.paipa.core;

/**
 * What a step's {@code onMarker} hook may do at a marker: emit items, like any output of
 * the step, and pass the marker (or another one) on to the next step. Items emitted here
 * derive from no input item: they carry no completion tracking, and they reach the next
 * step before the marker.
 *
 * @param <O> the step's output type
 * @see Marker
 */
public interface MarkerEmitter<O> extends Emitter<O> {

	/**
	 * Passes a marker on to the next step: the one received, or another control object in
	 * its place. May be called more than once; the marker's callback then runs when every
	 * marker passed on for it has left the last step. Not calling it ends the marker at
	 * this step.
	 * @param marker the control object, not {@code null}
	 */
	void passOn(Object marker);

}
