package io.paipa.core.internal;

import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bounded queue in front of a step: a ring buffer under one lock, moved in batches.
 *
 * <p>Bound: producers may add while fewer than {@code capacity} items wait, and while
 * the waiting items plus the items that the step's workers took but have not finished
 * (their outputs not yet handed on) stay under {@code capacity + max(capacity, workers)}.
 * A worker finishes its items by releasing them on its next take. So the ring never holds
 * more than {@code capacity} items (a queue's depth behind a blocked step rises to exactly
 * its capacity), and the items of one step, queued or in the hands of its workers, never
 * exceed {@code capacity + max(capacity, workers)}: twice the capacity when there are no
 * more workers than that. The second {@code capacity} is what lets a producer refill the
 * ring while a consumer works through a full batch (double buffering), instead of waiting
 * for the consumer to come back for more.
 *
 * <p>A take is bounded by the caller's limit and by a fair share of what waits (what waits
 * divided by the number of workers, rounded up), so that one worker cannot leave its
 * siblings idle.
 *
 * <p>Waiters are signalled only when someone waits, and a woken consumer wakes the next
 * one while items remain. {@link #close()} ends the input (consumers drain what is left,
 * then see the end); {@link #abort()} wakes everybody at once and refuses every further
 * put and take.
 */
public final class BatchQueue {

	/** Returned by take: the queue is closed and empty. */
	public static final int ENDED = -1;

	/** Returned by take: the queue was aborted. */
	public static final int ABORTED = -2;

	/** Returned by take: the consumer was asked to leave. */
	public static final int LEAVE = -3;

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition notEmpty = this.lock.newCondition();

	private final Condition notFull = this.lock.newCondition();

	private final Object[] ring;

	private final int capacity;

	private int head;

	private volatile int count;

	private int held;

	/** The number of consumers, among whom a take shares what is waiting. */
	private int workers;

	/** Room for items in consumers' hands beyond the capacity: {@code max(capacity, workers)}. */
	private int extra;

	private int waitingConsumers;

	private int waitingProducers;

	private volatile boolean closed;

	private volatile boolean aborted;

	/**
	 * Creates a queue.
	 * @param capacity the most items that may wait
	 * @param workers the number of consumers, among whom a take shares what waits
	 */
	public BatchQueue(int capacity, int workers) {
		this.capacity = capacity;
		this.ring = new Object[capacity];
		this.workers = Math.max(1, workers);
		this.extra = Math.max(capacity, this.workers);
	}

	/** A consumer that may be asked to leave while it waits. */
	public interface Consumer {

		/**
		 * Tells whether the consumer should stop waiting and leave.
		 * @return {@code true} to leave
		 */
		boolean shouldLeave();

	}

	/** The most items that may wait. */
	public int capacity() {
		return this.capacity;
	}

	/** Items waiting, read without the lock. */
	public int size() {
		return this.count;
	}

	/** Whether the queue was aborted. */
	public boolean isAborted() {
		return this.aborted;
	}

	/** Whether the input was closed. */
	public boolean isClosed() {
		return this.closed;
	}

	/**
	 * Releases items a consumer took, then takes up to {@code max} items, blocking while
	 * the queue is empty.
	 * @param dst where the items go, from index 0
	 * @param max the most items to take, at least 1
	 * @param release the number of items taken earlier that this consumer has finished
	 * @param consumer the caller, asked whether it should leave while it waits
	 * @param timeoutNanos the longest wait; negative waits without limit
	 * @return the number of items taken, 0 on time-out, or {@link #ENDED},
	 * {@link #ABORTED} or {@link #LEAVE}
	 */
	public int take(Object[] dst, int max, int release, Consumer consumer, long timeoutNanos) {
		final ReentrantLock lock = this.lock;
		lock.lock();
		try {
			if (release > 0) {
				releaseLocked(release);
			}
			long nanos = timeoutNanos;
			while (this.count == 0) {
				if (this.aborted) {
					return ABORTED;
				}
				if (this.closed) {
					return ENDED;
				}
				if (consumer != null && consumer.shouldLeave()) {
					return LEAVE;
				}
				if (timeoutNanos >= 0 && nanos <= 0) {
					return 0;
				}
				this.waitingConsumers++;
				try {
					if (timeoutNanos < 0) {
						this.notEmpty.awaitUninterruptibly();
					}
					else {
						nanos = awaitNanosUninterruptibly(this.notEmpty, nanos);
					}
				}
				finally {
					this.waitingConsumers--;
				}
			}
			if (this.aborted) {
				return ABORTED;
			}
			int available = this.count;
			int share = (available + this.workers - 1) / this.workers;
			int n = Math.min(Math.min(max, available), Math.max(1, share));
			Object[] ring = this.ring;
			int head = this.head;
			for (int i = 0; i < n; i++) {
				dst[i] = ring[head];
				ring[head] = null;
				if (++head == ring.length) {
					head = 0;
				}
			}
			this.head = head;
			this.count = available - n;
			this.held += n;
			if (available - n > 0 && this.waitingConsumers > 0) {
				this.notEmpty.signal();
			}
			signalProducers();
			return n;
		}
		finally {
			lock.unlock();
		}
	}

	/**
	 * Releases items a consumer took and finished without taking new ones (a consumer
	 * that leaves).
	 * @param n the number of items
	 */
	public void release(int n) {
		if (n <= 0) {
			return;
		}
		this.lock.lock();
		try {
			releaseLocked(n);
		}
		finally {
			this.lock.unlock();
		}
	}

	private void releaseLocked(int n) {
		this.held = Math.max(0, this.held - n);
		signalProducers();
	}

	private void signalProducers() {
		if (this.waitingProducers > 0 && roomLocked() > 0) {
			this.notFull.signal();
		}
	}

	private int roomLocked() {
		return Math.min(this.capacity - this.count, this.capacity + this.extra - this.count - this.held);
	}

	/**
	 * Adds items, blocking while the queue is full, until all are in or the queue refuses
	 * them.
	 * @param src the items
	 * @param from the first index
	 * @param to the index after the last
	 * @param interruptible whether an interrupt ends the wait (the interrupt flag is then
	 * set again and the rest refused)
	 * @param timeoutNanos the longest wait; negative waits without limit
	 * @param counter counts the items added, under the lock, so that no consumer can
	 * finish an item before it was counted in; may be {@code null}
	 * @return the number of items added; fewer than asked when the queue was closed or
	 * aborted, or the time ran out
	 */
	public int put(Object[] src, int from, int to, boolean interruptible, long timeoutNanos, LongAdder counter) {
		final ReentrantLock lock = this.lock;
		lock.lock();
		try {
			int done = from;
			long nanos = timeoutNanos;
			while (done < to) {
				if (this.aborted || this.closed) {
					break;
				}
				int room = roomLocked();
				if (room <= 0) {
					if (timeoutNanos >= 0 && nanos <= 0) {
						break;
					}
					this.waitingProducers++;
					try {
						if (interruptible) {
							if (timeoutNanos < 0) {
								this.notFull.await();
							}
							else {
								nanos = this.notFull.awaitNanos(nanos);
							}
						}
						else if (timeoutNanos < 0) {
							this.notFull.awaitUninterruptibly();
						}
						else {
							nanos = awaitNanosUninterruptibly(this.notFull, nanos);
						}
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
						break;
					}
					finally {
						this.waitingProducers--;
					}
					continue;
				}
				int n = Math.min(room, to - done);
				Object[] ring = this.ring;
				int tail = this.head + this.count;
				if (tail >= ring.length) {
					tail -= ring.length;
				}
				for (int i = 0; i < n; i++) {
					ring[tail] = src[done + i];
					if (++tail == ring.length) {
						tail = 0;
					}
				}
				this.count += n;
				done += n;
				if (counter != null) {
					counter.add(n);
				}
				if (this.waitingConsumers > 0) {
					this.notEmpty.signal();
				}
			}
			signalProducers();
			return done - from;
		}
		finally {
			lock.unlock();
		}
	}

	/**
	 * Waits until there is room for at least one item, without adding any.
	 * @param max the most room of interest
	 * @return the room, at most {@code max}, or 0 when the queue was closed or aborted
	 */
	public int awaitRoom(int max) {
		final ReentrantLock lock = this.lock;
		lock.lock();
		try {
			while (true) {
				if (this.aborted || this.closed) {
					return 0;
				}
				int room = roomLocked();
				if (room > 0) {
					return Math.min(room, max);
				}
				this.waitingProducers++;
				try {
					this.notFull.awaitUninterruptibly();
				}
				finally {
					this.waitingProducers--;
				}
			}
		}
		finally {
			lock.unlock();
		}
	}

	/**
	 * Changes the number of consumers, which changes their fair share of a take and, above
	 * the capacity, the room for items in their hands.
	 * @param workers the new number
	 */
	public void setWorkers(int workers) {
		this.lock.lock();
		try {
			this.workers = Math.max(1, workers);
			this.extra = Math.max(this.capacity, this.workers);
			this.notFull.signalAll();
			this.notEmpty.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Wakes every waiting consumer, so that those asked to leave can see it. */
	public void wakeConsumers() {
		this.lock.lock();
		try {
			this.notEmpty.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Ends the input: puts are refused, consumers take what is left, then see the end. */
	public void close() {
		this.lock.lock();
		try {
			this.closed = true;
			this.notEmpty.signalAll();
			this.notFull.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Refuses every further put and take and wakes everybody. */
	public void abort() {
		this.lock.lock();
		try {
			this.aborted = true;
			this.notEmpty.signalAll();
			this.notFull.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Removes and returns every waiting item; meant for after an abort.
	 * @return the items in order
	 */
	public Object[] drain() {
		this.lock.lock();
		try {
			int n = this.count;
			Object[] out = new Object[n];
			for (int i = 0; i < n; i++) {
				int idx = (this.head + i) % this.ring.length;
				out[i] = this.ring[idx];
				this.ring[idx] = null;
			}
			this.head = 0;
			this.count = 0;
			return out;
		}
		finally {
			this.lock.unlock();
		}
	}

	private static long awaitNanosUninterruptibly(Condition condition, long nanos) {
		boolean interrupted = false;
		long deadline = System.nanoTime() + nanos;
		long left = nanos;
		try {
			while (true) {
				try {
					condition.awaitNanos(left);
					return deadline - System.nanoTime();
				}
				catch (InterruptedException ex) {
					interrupted = true;
					left = deadline - System.nanoTime();
					if (left <= 0) {
						return left;
					}
				}
			}
		}
		finally {
			if (interrupted) {
				Thread.currentThread().interrupt();
			}
		}
	}

}
