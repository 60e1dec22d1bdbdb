package io.paipa.core;

import java.time.Duration;
import java.util.Iterator;

/**
 * The input of one {@link StreamHandler} worker: a blocking iterator over the items of
 * the step that this worker takes.
 *
 * <p>{@link #hasNext()} blocks until an item is there or the input has ended; it returns
 * {@code false} only at the end (end of the pipeline's input, stop, or this worker being
 * scaled away). {@link #poll(Duration)} waits at most the given time, for handlers that
 * must act on time as well as on items.
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

}
