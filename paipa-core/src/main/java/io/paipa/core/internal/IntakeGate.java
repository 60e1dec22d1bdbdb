package io.paipa.core.internal;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

import io.paipa.core.Weigher;

/**
 * Holds a pipeline's input shut while one of its steps is in an outage, and bounds it by
 * weight: the items in the input queue and in the first step's hands may weigh
 * {@code maxWeight} together (one heavier item is let in when nothing weighs).
 */
final class IntakeGate {

	/** Returned by {@link #enter} when the time ran out. */
	static final long TIMED_OUT = Long.MIN_VALUE;

	private final Execution execution;

	private final long maxWeight;

	private final Weigher<Object> weigher;

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition changed = this.lock.newCondition();

	private long weight;

	IntakeGate(Execution execution, long maxWeight, Weigher<Object> weigher) {
		this.execution = execution;
		this.maxWeight = (weigher != null) ? maxWeight : 0;
		this.weigher = (maxWeight > 0) ? weigher : null;
	}

	/** Whether items are weighed: the first step then tells when it is done with them. */
	boolean isWeighing() {
		return this.weigher != null;
	}

	long weigh(Object item) {
		return (this.weigher != null) ? Math.max(0, this.weigher.weigh(Tracked.unwrap(item))) : 0;
	}

	/**
	 * Waits until the input may take an item of this weight, and counts it in.
	 * @param weight the item's weight
	 * @param timeoutNanos the longest wait, negative for none
	 * @param open whether the input still takes items; false ends the wait
	 * @return the rest of the timeout (negative when there is none), or
	 * {@link #TIMED_OUT}
	 * @throws InterruptedException when interrupted while waiting
	 */
	long enter(long weight, long timeoutNanos, BooleanSupplier open) throws InterruptedException {
		if (!this.execution.inOutage() && this.weigher == null) {
			return timeoutNanos;
		}
		long deadline = System.nanoTime() + timeoutNanos;
		this.lock.lock();
		try {
			while (shut(weight) && open.getAsBoolean()) {
				if (timeoutNanos < 0) {
					this.changed.await();
				}
				else if (this.changed.awaitNanos(deadline - System.nanoTime()) <= 0 && shut(weight)) {
					return TIMED_OUT;
				}
			}
			this.weight += weight;
			return (timeoutNanos < 0) ? timeoutNanos : Math.max(0, deadline - System.nanoTime());
		}
		finally {
			this.lock.unlock();
		}
	}

	private boolean shut(long weight) {
		return this.execution.inOutage()
				|| (this.weigher != null && this.weight > 0 && this.weight + weight > this.maxWeight);
	}

	/**
	 * Waits while a step is in an outage, for a source thread. An interrupt does not end
	 * the wait; the thread's interrupt status is set again afterwards, so that a stop's
	 * interrupt still ends the source's next blocking call.
	 */
	void awaitNoOutage(BooleanSupplier open) {
		boolean interrupted = false;
		// no lock on a pulled item's way when no step is in an outage
		while (this.execution.inOutage() && open.getAsBoolean()) {
			this.lock.lock();
			try {
				// an outage's end and a stop both signal under this lock
				if (this.execution.inOutage() && open.getAsBoolean()) {
					this.changed.await();
				}
			}
			catch (InterruptedException ex) {
				interrupted = true;
			}
			finally {
				this.lock.unlock();
			}
		}
		if (interrupted) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Items of this weight left the input (refused, or the first step is done with them).
	 */
	void leave(long weight) {
		if (weight == 0) {
			return;
		}
		this.lock.lock();
		try {
			this.weight -= weight;
			this.changed.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	/** An outage began or ended, or intake stopped: waiters look again. */
	void changed() {
		this.lock.lock();
		try {
			this.changed.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

}
