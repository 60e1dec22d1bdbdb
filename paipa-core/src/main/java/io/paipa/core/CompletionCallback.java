package io.paipa.core;

/**
 * Told when an input item has been fully dealt with: the item and everything derived from
 * it (fan-out outputs, the chunks holding it, a stream step's outputs emitted while its
 * handler held it) have left the last step, been dropped or been dead-lettered. A source
 * that acknowledges its input (a message broker's offsets) acknowledges here.
 *
 * <p>
 * Called exactly once, from a worker thread, for an item that settles; never for an item
 * abandoned by a failure under {@link ErrorPolicy#FAIL}, by a worker stuck past the
 * shutdown timeout, or by a stop that ran out of time in a pipeline built with
 * {@link Pipeline.Builder#redeliverTrackedAtStop()}, so such items are redelivered by an
 * at-least-once source. A {@link StreamHandler} step settles an item only once its
 * handler is done with it ({@link StepInput#done(Object)}, or the end of the handler's
 * call) and every output emitted while it held the item has settled; the built-in
 * {@link Steps#chunk chunk} settles its members with the chunk holding them.
 */
@FunctionalInterface
public interface CompletionCallback {

	/**
	 * Called when the item has settled.
	 */
	void completed();

}
