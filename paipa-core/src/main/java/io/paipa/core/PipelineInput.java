package io.paipa.core;

import java.time.Duration;

/**
 * Feeds a running continuous pipeline. Safe to use from many threads. The same object
 * serves every start of the pipeline; while the pipeline does not run it refuses items.
 *
 * @param <I> the pipeline's input type
 */
public interface PipelineInput<I> {

	/**
	 * Adds an item, waiting while the pipeline's input queue is full.
	 * @param item the item, not {@code null}
	 * @throws PipelineClosedException when the pipeline does not accept input (the item
	 * was not taken)
	 * @throws InterruptedException when interrupted while waiting (the item was not
	 * taken)
	 */
	void put(I item) throws InterruptedException;

	/**
	 * Adds an item and asks to be told when it and everything derived from it has
	 * settled.
	 * @param item the item, not {@code null}
	 * @param onComplete called once when the item has settled
	 * @throws PipelineClosedException when the pipeline does not accept input
	 * @throws InterruptedException when interrupted while waiting
	 * @see CompletionCallback
	 */
	void put(I item, CompletionCallback onComplete) throws InterruptedException;

	/**
	 * Adds an item if there is room within the timeout.
	 * @param item the item, not {@code null}
	 * @param timeout the longest time to wait for room
	 * @return {@code true} when the item was taken, {@code false} when the queue stayed
	 * full
	 * @throws PipelineClosedException when the pipeline does not accept input
	 * @throws InterruptedException when interrupted while waiting
	 */
	boolean offer(I item, Duration timeout) throws InterruptedException;

	/**
	 * Adds an item if there is room within the timeout, with completion tracking.
	 * @param item the item, not {@code null}
	 * @param timeout the longest time to wait for room
	 * @param onComplete called once when the item has settled, only if it was taken
	 * @return {@code true} when the item was taken
	 * @throws PipelineClosedException when the pipeline does not accept input
	 * @throws InterruptedException when interrupted while waiting
	 */
	boolean offer(I item, Duration timeout, CompletionCallback onComplete) throws InterruptedException;

	/**
	 * Sends a marker through every step, waiting while the input queue is full: a control
	 * object that leaves each step only after every item put before it has left that
	 * step.
	 * @param marker the control object, not {@code null}
	 * @throws PipelineClosedException when the pipeline does not accept input
	 * @throws InterruptedException when interrupted while waiting
	 * @see Marker
	 */
	void putMarker(Object marker) throws InterruptedException;

	/**
	 * Sends a marker through every step and asks to be told when it has left the last
	 * step: then every item put before it has completed, been dropped or been
	 * dead-lettered (a checkpoint).
	 * @param marker the control object, not {@code null}
	 * @param onPassed called once, from a worker thread, when the marker has left the
	 * last step (or a step's {@code onMarker} did not pass it on); never when a stop or a
	 * failure keeps it from getting there
	 * @throws PipelineClosedException when the pipeline does not accept input
	 * @throws InterruptedException when interrupted while waiting
	 */
	void putMarker(Object marker, CompletionCallback onPassed) throws InterruptedException;

	/**
	 * Tells whether the pipeline accepts input now.
	 * @return {@code true} while the pipeline is running
	 */
	boolean isAccepting();

}
