package io.paipa.core;

/**
 * Told when an input item has been fully dealt with: the item and everything derived
 * from it (fan-out outputs, the chunks holding it) have left the last step, been
 * dropped or been dead-lettered. A source that acknowledges its input (a message
 * broker's offsets) acknowledges here.
 *
 * <p>Called exactly once, from a worker thread, for an item that settles; never for an
 * item abandoned by a failure under {@link ErrorPolicy#FAIL}, by a worker stuck past
 * the shutdown timeout, or by a stop that ran out of time in a pipeline built with
 * {@link Pipeline.Builder#redeliverTrackedAtStop()}, so such items are redelivered by an
 * at-least-once source. A
 * {@link StreamHandler} step settles the items it took only when it emits its next
 * output or ends, because its outputs may be derived from any of them; the built-in
 * {@link Steps#chunk chunk} settles them with the chunk holding them.
 */
@FunctionalInterface
public interface CompletionCallback {

	/**
	 * Called when the item has settled.
	 */
	void completed();

}
