package io.paipa.core.internal;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bounded queue in front of a step: a ring buffer under one lock, moved in batches.
 *
 * <p>
 * Bound: producers may add while fewer than {@code capacity} entries wait, and while the
 * waiting entries plus the items that the step's workers took but have not finished
 * (their outputs not yet handed on) stay under {@code capacity + max(capacity, workers)}.
 * A worker finishes its items by releasing them on its next take. So the ring never holds
 * more than {@code capacity} entries, and the items of one step, queued or in the hands
 * of its workers, never exceed {@code capacity + max(capacity, workers)}.
 *
 * <p>
 * A take is bounded by the caller's limit and by a fair share of what waits (what waits
 * divided by the number of workers, rounded up), so that one worker cannot leave its
 * siblings idle. Waiters are signalled only when someone waits, and a woken consumer
 * wakes the next one while items remain. A producer that finds no room waits in line;
 * whoever makes room (a take, a release, more workers) moves the waiting producers' items
 * and markers into it, oldest first, so a woken producer has nothing left to do under the
 * lock. The staging producer ({@link #stage(Object)}) is woken only once the ring is at
 * most half full. {@link #close()} ends the input (consumers drain what is left, then see
 * the end); {@link #abort()} wakes everybody at once and refuses every further put and
 * take.
 *
 * <p>
 * Markers are a barrier: a take never returns items from behind a marker. A consumer that
 * finds a marker at the head gets {@link #AT_MARKER} and calls
 * {@link #awaitMarker(Object[], Consumer)}; the marker is handed to the last of the
 * step's registered consumers to arrive there, once no item taken before it is still in a
 * consumer's hands, and nobody takes past it until that consumer calls
 * {@link #markerPassed()}.
 */
public final class BatchQueue {

	/** Returned by take: the queue is closed and empty. */
	public static final int ENDED = -1;

	/** Returned by take: the queue was aborted. */
	public static final int ABORTED = -2;

	/** Returned by take: the consumer was asked to leave. */
	public static final int LEAVE = -3;

	/** Returned by take: a marker is at the head; call {@link #awaitMarker}. */
	public static final int AT_MARKER = -4;

	/** The nanos of a wait without limit. */
	private static final long FOREVER = Long.MAX_VALUE;

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

	/**
	 * Room for items in consumers' hands beyond the capacity:
	 * {@code max(capacity, workers)}.
	 */
	private int extra;

	/**
	 * Consumers waiting for an entry. Volatile: a producer that staged an item reads it
	 * to know whether a consumer waits for it.
	 */
	private volatile int waitingConsumers;

	/**
	 * Whether a consumer was signalled and has not woken yet; the staging producer need
	 * not hand its items over meanwhile.
	 */
	private volatile boolean wakePending;

	private int waitingProducers;

	/**
	 * Producers of items waiting for room, oldest first. Room goes to them as soon as it
	 * appears: whoever makes it moves their items into the ring under the lock, so that a
	 * woken producer finds its items added and never waits for the lock again.
	 */
	private final ArrayDeque<WaitingPut> waitingPuts = new ArrayDeque<>();

	private volatile boolean closed;

	private volatile boolean aborted;

	/** Markers in the ring. */
	private int markers;

	/** Consumers that must reach a marker before it is handed out. */
	private int consumers;

	/** Consumers waiting at the marker at the head. */
	private int arrived;

	/**
	 * Whether a consumer holds the marker taken from the head and has not passed it on.
	 */
	private boolean markerInHand;

	/**
	 * The number of markers passed on, so that a consumer waiting at one sees it went.
	 */
	private long passed;

	/**
	 * Items the queue's single staging producer added without the lock, not yet in the
	 * ring; {@code null} when it has none.
	 */
	private volatile Staged staged;

	/**
	 * Creates a queue.
	 * @param capacity the most entries that may wait
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

	/** A marker as it travels through the queues; never counted as an item. */
	public interface Marker {

	}

	/** The most entries that may wait. */
	public int capacity() {
		return this.capacity;
	}

	/** Entries waiting, read without the lock. */
	public int size() {
		Staged staged = this.staged;
		return this.count + ((staged != null) ? Math.max(0, staged.size.get()) : 0);
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
	 * {@link #ABORTED}, {@link #LEAVE} or {@link #AT_MARKER}
	 */
	public int take(Object[] dst, int max, int release, Consumer consumer, long timeoutNanos) {
		this.lock.lock();
		try {
			if (release > 0) {
				releaseLocked(release);
			}
			int state = awaitEntry(consumer, timeoutNanos);
			if (state != 1) {
				return state;
			}
			int available = (this.markers != 0) ? itemsBeforeMarker() : this.count;
			if (available == 0) {
				// every consumer must see the marker, those waiting for items too
				this.notEmpty.signalAll();
				return AT_MARKER;
			}
			return takeLocked(dst, Math.min(max, available), available);
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Waits until an entry may be taken: 1, or why not. */
	private int awaitEntry(Consumer consumer, long timeoutNanos) {
		long nanos = limit(timeoutNanos);
		while (true) {
			if (this.aborted) {
				return ABORTED;
			}
			if (!this.markerInHand && (moveStagedLocked() != 0 || this.count != 0)) {
				// what is staged goes with what waits in the ring
				return 1;
			}
			if (!this.markerInHand && this.closed) {
				return ENDED;
			}
			if (consumer != null && consumer.shouldLeave()) {
				return LEAVE;
			}
			if (nanos <= 0) {
				return 0;
			}
			nanos = awaitConsumer(nanos);
		}
	}

	/**
	 * Wakes a waiting consumer. Until one has woken, the staging producer keeps staging:
	 * the woken consumer takes what was staged meanwhile with what is in the ring.
	 */
	private void signalConsumer() {
		this.wakePending = true;
		this.notEmpty.signal();
	}

	/** Waits for an entry; returns the nanos left. */
	private long awaitConsumer(long nanos) {
		this.waitingConsumers++;
		try {
			// after counting itself as waiting: a producer staging now sees it and hands
			// its item on, or this consumer sees the item here
			return (moveStagedLocked() != 0) ? nanos : await(this.notEmpty, nanos);
		}
		finally {
			this.waitingConsumers--;
			this.wakePending = false;
		}
	}

	/** The nanos of a wait: {@link #FOREVER} for a negative timeout. */
	private static long limit(long timeoutNanos) {
		return (timeoutNanos < 0) ? FOREVER : timeoutNanos;
	}

	/**
	 * Waits on a condition, without limit when {@code nanos} is {@link #FOREVER}; an
	 * interrupt does not end the wait (the flag is set again afterwards).
	 * @return the nanos left ({@link #FOREVER} after a wait without limit)
	 */
	private static long await(Condition condition, long nanos) {
		if (nanos == FOREVER) {
			condition.awaitUninterruptibly();
			return FOREVER;
		}
		return awaitNanosUninterruptibly(condition, nanos);
	}

	private int takeLocked(Object[] dst, int max, int available) {
		int share = (available + this.workers - 1) / this.workers;
		int n = Math.min(max, Math.max(1, share));
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
		this.count -= n;
		this.held += n;
		if (this.count != 0 && this.waitingConsumers != 0) {
			signalConsumer();
		}
		signalProducers();
		return n;
	}

	/** The items before the first marker; there is one in the ring. */
	private int itemsBeforeMarker() {
		int i = 0;
		for (int index = this.head; !(this.ring[index] instanceof Marker); index = next(index)) {
			i++;
		}
		return i;
	}

	private int next(int index) {
		return (index + 1 == this.ring.length) ? 0 : index + 1;
	}

	/**
	 * Waits at the marker at the head until it is handed to this consumer, or passed on
	 * by another.
	 * @param dst where the marker goes, at index 0
	 * @param consumer the caller, asked whether it should leave while it waits
	 * @return 1 when this consumer got the marker (it must call {@link #markerPassed()}),
	 * 0 when another passed it on (take again), {@link #ABORTED} or {@link #LEAVE}
	 */
	public int awaitMarker(Object[] dst, Consumer consumer) {
		this.lock.lock();
		try {
			long generation = this.passed;
			this.arrived++;
			try {
				return awaitMarkerLocked(dst, consumer, generation);
			}
			finally {
				if (this.passed == generation) {
					this.arrived--;
				}
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	private int awaitMarkerLocked(Object[] dst, Consumer consumer, long generation) {
		while (true) {
			if (this.aborted) {
				return ABORTED;
			}
			if (this.passed != generation) {
				return 0;
			}
			if (!this.markerInHand && this.arrived >= this.consumers && this.held == 0 && this.count > 0
					&& this.ring[this.head] instanceof Marker) {
				this.markerInHand = true;
				dst[0] = this.ring[this.head];
				this.ring[this.head] = null;
				this.head = next(this.head);
				this.count--;
				this.markers--;
				signalProducers();
				return 1;
			}
			if (consumer != null && consumer.shouldLeave()) {
				return LEAVE;
			}
			awaitConsumer(FOREVER);
		}
	}

	/** The consumer that got a marker has passed it on: takes may go past it. */
	public void markerPassed() {
		this.lock.lock();
		try {
			this.markerInHand = false;
			this.passed++;
			this.arrived = 0;
			this.notEmpty.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Counts a consumer that must reach each marker before it is handed out. */
	public void register() {
		this.lock.lock();
		try {
			this.consumers++;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Forgets a consumer that has ended; a marker waiting for it may now be handed out.
	 */
	public void deregister() {
		this.lock.lock();
		try {
			this.consumers--;
			this.notEmpty.signalAll();
		}
		finally {
			this.lock.unlock();
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
		if (this.held == 0 && this.markers != 0 && this.waitingConsumers != 0) {
			// consumers waiting at a marker wait for the last item before it to be
			// finished
			this.notEmpty.signalAll();
		}
	}

	private void signalProducers() {
		if (!this.waitingPuts.isEmpty()) {
			fillFromWaitingPuts();
		}
		if (this.waitingProducers != 0 && roomForStaging()) {
			this.notFull.signal();
		}
	}

	/**
	 * Whether the staging producer may go on: there is room, and the ring is at most half
	 * full. So it is woken once the consumers took half a ring, not for every item they
	 * take, while they still have half a ring to work on.
	 */
	private boolean roomForStaging() {
		return roomLocked() > 0 && this.count <= this.capacity - this.capacity / 2;
	}

	/**
	 * Moves the items of waiting producers into the room there is, oldest first; none
	 * into a closed or aborted queue, which refuses them.
	 */
	private void fillFromWaitingPuts() {
		int room = (this.closed || this.aborted) ? 0 : roomLocked();
		WaitingPut put;
		while (room > 0 && (put = this.waitingPuts.peek()) != null) {
			int n = Math.min(room, put.to - put.next);
			if (put.marker) {
				appendMarker(put.src[0]);
			}
			else {
				append(put.src, put.next, n, put.counter);
			}
			put.next += n;
			room -= n;
			if (put.next == put.to) {
				this.waitingPuts.poll();
				put.done = true;
				LockSupport.unpark(put.thread);
			}
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
		WaitingPut waiting;
		long nanos = limit(timeoutNanos);
		this.lock.lock();
		try {
			int done = from;
			int room = (this.aborted || this.closed) ? 0 : roomLocked();
			if (room > 0) {
				done += Math.min(room, to - from);
				append(src, from, done - from, counter);
			}
			if (done == to || this.aborted || this.closed || nanos <= 0) {
				return done - from;
			}
			waiting = new WaitingPut(src, done, to, counter, false);
			this.waitingPuts.add(waiting);
		}
		finally {
			this.lock.unlock();
		}
		return awaitAdded(waiting, interruptible, nanos) - from;
	}

	/**
	 * Waits, without the lock, until the waiting producer's entries were added or it
	 * gives up (time-out, interrupt when interruptible, close or abort).
	 * @return the index after the last entry added
	 */
	private int awaitAdded(WaitingPut waiting, boolean interruptible, long nanos) {
		waiting.awaitProducer(interruptible, nanos, this);
		if (waiting.done) {
			return waiting.to;
		}
		this.lock.lock();
		try {
			if (!waiting.done) {
				this.waitingPuts.remove(waiting);
			}
			return waiting.next;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * A producer waiting for room for its items; whoever makes room adds them for it.
	 */
	private static final class WaitingPut {

		final Object[] src;

		final int to;

		final LongAdder counter;

		/** Whether the one entry is a marker. */
		final boolean marker;

		final Thread thread = Thread.currentThread();

		/** The next item to add; under the queue's lock. */
		int next;

		/** Set, after the last item was added, by the thread that added it. */
		volatile boolean done;

		WaitingPut(Object[] src, int from, int to, LongAdder counter, boolean marker) {
			this.src = src;
			this.next = from;
			this.to = to;
			this.counter = counter;
			this.marker = marker;
		}

		/**
		 * Parks until all items were added, the queue was closed or aborted, the time ran
		 * out, or (when interruptible) an interrupt came; without the queue's lock. An
		 * interrupt leaves the flag set.
		 */
		void awaitProducer(boolean interruptible, long nanos, BatchQueue queue) {
			// unused (and overflowing) for a wait without limit
			long deadline = System.nanoTime() + nanos;
			boolean interrupted = false;
			try {
				while (!this.done && !queue.aborted && !queue.closed) {
					if (Thread.interrupted()) {
						interrupted = true;
						if (interruptible) {
							return;
						}
					}
					if (nanos == FOREVER) {
						LockSupport.park(queue);
					}
					else {
						long left = deadline - System.nanoTime();
						if (left <= 0) {
							return;
						}
						LockSupport.parkNanos(queue, left);
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

	/**
	 * Waits until there is room for one entry, without adding any: a single producer that
	 * waits here before it pulls its next item holds nothing beyond the bound.
	 * @return the room, or 0 when the queue was closed or aborted
	 */
	public int awaitRoom() {
		this.lock.lock();
		try {
			moveStagedLocked();
			while (!this.aborted && !this.closed && !roomForStaging()) {
				awaitProducer();
			}
			return (this.aborted || this.closed) ? 0 : roomLocked();
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Adds a marker, blocking while the queue is full.
	 * @param marker the marker
	 * @param interruptible whether an interrupt ends the wait (the flag is set again)
	 * @param timeoutNanos the longest wait; negative waits without limit
	 * @return whether the marker was added
	 */
	public boolean putMarker(Marker marker, boolean interruptible, long timeoutNanos) {
		WaitingPut waiting = null;
		boolean added;
		long nanos = limit(timeoutNanos);
		this.lock.lock();
		try {
			boolean open = !this.aborted && !this.closed;
			added = open && roomLocked() > 0 && this.waitingPuts.isEmpty();
			if (added) {
				// a consumer that finds it at the head wakes the others
				appendMarker(marker);
			}
			else if (open && nanos > 0) {
				// in line behind the producers already waiting
				waiting = new WaitingPut(new Object[] { marker }, 0, 1, null, true);
				this.waitingPuts.add(waiting);
			}
		}
		finally {
			this.lock.unlock();
		}
		return added || (waiting != null && awaitAdded(waiting, interruptible, nanos) == 1);
	}

	/**
	 * Lets one producer, the only one of this queue (a batch run's source thread), add
	 * items through {@link #stage(Object)}.
	 * @param size the most items staged before they go into the ring in one lock
	 * @param counter counts the staged items in as they go into the ring, under the lock
	 */
	public void stageFor(int size, LongAdder counter) {
		this.lock.lock();
		try {
			this.staged = new Staged(Math.max(1, size), counter);
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Adds one item from the staging producer, which must have waited for room for it
	 * ({@link #awaitRoom()}, one item per unit of room). The item waits beside the ring,
	 * without the lock, while the consumers are busy; it goes into the ring with the
	 * items staged after it (one lock for many), as soon as a consumer waits (the
	 * consumer takes it itself, or the producer hands it over), or at the producer's next
	 * {@link #awaitRoom()} or {@link #flushStaged()}. So no item waits for the producer's
	 * next item.
	 * @param item the item
	 * @return false when the queue was closed or aborted: the item is not staged, and
	 * what was staged before is still there for {@link #flushStaged()} or
	 * {@link #unstage()}
	 */
	public boolean stage(Object item) {
		if (this.aborted || this.closed) {
			return false;
		}
		Staged staged = this.staged;
		while (true) {
			int n = staged.size.get();
			if (n < 0) {
				// a consumer moves the staged items into the ring: at most a batch
				Thread.onSpinWait();
				continue;
			}
			staged.items[n] = item;
			if (staged.size.compareAndSet(n, n + 1)) {
				// after publishing the item: a consumer counted as waiting is woken.
				// The compare-and-set is a full fence, so this read cannot pass it.
				// A consumer counts itself as waiting, then looks for staged items:
				// the two never miss each other, as they could with a plain store.
				return (n + 1 < staged.items.length && (this.waitingConsumers == 0 || this.wakePending))
						|| flushStaged();
			}
		}
	}

	/**
	 * Moves the staged items into the ring.
	 * @return false when the queue was closed or aborted (the items stay staged)
	 */
	public boolean flushStaged() {
		this.lock.lock();
		try {
			if (this.aborted || this.closed) {
				return false;
			}
			moveStagedLocked();
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Takes back the staged items that the queue refused, for the producer to account
	 * for.
	 * @return the items, in order
	 */
	public Object[] unstage() {
		this.lock.lock();
		try {
			Staged staged = this.staged;
			int n = (staged != null) ? staged.claim() : 0;
			if (n == 0) {
				return new Object[0];
			}
			Object[] items = Arrays.copyOf(staged.items, n);
			staged.release(n);
			return items;
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Moves what is staged into the ring, counted in; returns how many. */
	private int moveStagedLocked() {
		Staged staged = this.staged;
		int n = (staged != null) ? staged.claim() : 0;
		if (n > 0) {
			append(staged.items, 0, n, staged.counter);
			staged.release(n);
		}
		return n;
	}

	/**
	 * Items of the staging producer: it writes a slot, then publishes it by raising
	 * {@code size}; a lock holder claims them all by setting {@code size} to
	 * {@link #CLAIMED}, copies them, and gives the slots back by setting it to 0.
	 */
	private static final class Staged {

		static final int CLAIMED = -1;

		final Object[] items;

		final AtomicInteger size = new AtomicInteger();

		final LongAdder counter;

		Staged(int size, LongAdder counter) {
			this.items = new Object[size];
			this.counter = counter;
		}

		/** Claims every published item; 0 when there is none. Under the queue's lock. */
		int claim() {
			while (true) {
				int n = this.size.get();
				if (n == 0 || this.size.compareAndSet(n, CLAIMED)) {
					return n;
				}
			}
		}

		/** Gives the claimed slots back to the producer. */
		void release(int n) {
			Arrays.fill(this.items, 0, n, null);
			this.size.set(0);
		}

	}

	/** Appends entries, counted in by the counter when there is one. */
	private void append(Object[] src, int from, int n, LongAdder counter) {
		Object[] ring = this.ring;
		int tail = this.head + this.count;
		if (tail >= ring.length) {
			tail -= ring.length;
		}
		for (int i = 0; i < n; i++) {
			ring[tail] = src[from + i];
			if (++tail == ring.length) {
				tail = 0;
			}
		}
		this.count += n;
		if (counter != null) {
			counter.add(n);
		}
		if (this.waitingConsumers != 0) {
			signalConsumer();
		}
	}

	private void appendMarker(Object marker) {
		int tail = this.head + this.count;
		this.ring[(tail >= this.ring.length) ? tail - this.ring.length : tail] = marker;
		this.count++;
		this.markers++;
		if (this.waitingConsumers != 0) {
			signalConsumer();
		}
	}

	/** The staging producer waits for room. */
	private void awaitProducer() {
		this.waitingProducers++;
		try {
			this.notFull.awaitUninterruptibly();
		}
		finally {
			this.waitingProducers--;
		}
	}

	/**
	 * Changes the number of consumers, which changes their fair share of a take and,
	 * above the capacity, the room for items in their hands.
	 * @param workers the new number
	 */
	public void setWorkers(int workers) {
		this.lock.lock();
		try {
			this.workers = Math.max(1, workers);
			this.extra = Math.max(this.capacity, this.workers);
			signalProducers();
			this.notEmpty.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Wakes every waiting consumer, so that those asked to leave can see it. */
	public void wakeConsumers() {
		signalAll(false);
	}

	/**
	 * Ends the input: puts are refused, consumers take what is left, then see the end.
	 */
	public void close() {
		signalAll(true);
	}

	/** Refuses every further put and take and wakes everybody. */
	public void abort() {
		this.aborted = true;
		signalAll(false);
	}

	private void signalAll(boolean close) {
		this.lock.lock();
		try {
			if (close) {
				this.closed = true;
			}
			this.notEmpty.signalAll();
			this.notFull.signalAll();
			for (WaitingPut put : this.waitingPuts) {
				LockSupport.unpark(put.thread);
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Removes and returns every waiting entry, markers too; meant for after an abort.
	 * @return the entries in order
	 */
	public Object[] drain() {
		this.lock.lock();
		try {
			moveStagedLocked();
			int n = this.count;
			Object[] out = new Object[n];
			for (int i = 0; i < n; i++) {
				int index = (this.head + i) % this.ring.length;
				out[i] = this.ring[index];
				this.ring[index] = null;
			}
			this.head = 0;
			this.count = 0;
			this.markers = 0;
			return out;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * A timed wait that an interrupt does not end; the flag is set again afterwards.
	 * @return the nanos left
	 */
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
					// waits out the rest; a rest of 0 or less returns at once
					interrupted = true;
					left = deadline - System.nanoTime();
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
