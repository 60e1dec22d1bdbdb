package io.paipa.core;

import java.time.Duration;
import java.util.Iterator;

/**
 * The input of one {@link StreamHandler} worker: a blocking iterator over the items of
 * the step that this worker takes.
 *
 * <p>
 * {@link #hasNext()} blocks until an item is there or the input has ended; it returns
 * {@code false} only at the end of this call of the handler: the end of the pipeline's
 * input, a stop, this worker being scaled away, or a {@link Marker} (the handler is
 * called again after it). {@link #poll(Duration)} waits at most the given time, for
 * handlers that must act on time as well as on items.
 *
 * <p>
 * What the handler holds: every item it takes is held until it says it is
 * {@link #done(Object) done} with it, or until the call of the handler ends. An output
 * covers every item held when it is emitted, so a held item's completion callback runs
 * only once the handler is done with it and every output emitted while it was held has
 * settled. A handler that keeps items back (windows, groups, reordering) and runs in a
 * continuous pipeline with completion callbacks should call {@code done} as soon as an
 * item's outputs are out; otherwise callbacks wait until the handler returns. When the
 * handler throws under the skip policy, the items it held are dead-lettered: those not
 * yet done, or, for a handler that never calls {@code done}, those taken since its last
 * output.
 *
 * @param <I> the item type
 */
public interface StepInput<I> extends Iterator<I> {

	/**
	 * Waits at most {@code timeout} for the next item.
	 * @param timeout the longest time to wait; zero or negative does not wait
	 * @return the next item, or {@code null} when none came in time or the input has
	 * ended (tell them apart with {@link #isEnded()})
	 */
	I poll(Duration timeout);

	/**
	 * Tells, without blocking, whether the input has ended and every item was taken.
	 * @return {@code true} when no item will ever come again
	 */
	boolean isEnded();

	/**
	 * Tells the step that the handler has emitted everything it will for this item: the
	 * item settles once the outputs emitted while it was held have settled. Items are
	 * matched by identity; an item not held is ignored.
	 * @param item an item this handler took
	 */
	default void done(I item) {
	}

	/**
	 * Tells the step that the handler holds no item any more: everything it took so far
	 * is in the outputs it emitted, or was dropped.
	 */
	default void doneAll() {
	}

}
