package io.paipa.core.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;

import io.paipa.core.CompletionCallback;
import io.paipa.core.ContextPropagation;
import io.paipa.core.Marker;
import io.paipa.core.PipelineClosedException;
import io.paipa.core.PipelineFailedException;
import io.paipa.core.PipelineState;

/**
 * How items enter a run: put or offered by callers, pulled from a batch source, or taken
 * from a caller's queue, each handed to the first queue as soon as it is there.
 *
 * <p>
 * An item is accepted once it is taken from its source; from then on it ends like any
 * other, even when a stop comes before it reached the first queue. Intake ends before the
 * first queue closes: a stop first stops the source thread (it pulls nothing more and
 * hands on what it took), then closes the queue, so that the workers drain it.
 */
final class Intake {

	/**
	 * The most items a batch run's source stages before they go into the queue at once.
	 */
	private static final int STAGED = 256;

	private final Execution execution;

	private final BatchQueue queue;

	private final StepCounters counters;

	private volatile Thread source;

	final IntakeGate gate;

	private volatile boolean stopping;

	/** Whether a batch source was pulled to its end. */
	private volatile boolean exhausted;

	Intake(Execution execution, BatchQueue queue, StepCounters counters) {
		this.execution = execution;
		this.queue = queue;
		this.counters = counters;
		PipelineDefinition definition = execution.definition();
		this.gate = new IntakeGate(execution,
				(execution.mode() == Execution.Mode.CONTINUOUS) ? definition.inputMaxWeight() : 0,
				definition.weigher());
	}

	Thread sourceThread() {
		return this.source;
	}

	boolean isExhausted() {
		return this.exhausted;
	}

	/** An outage began or ended: callers waiting at the gate look again. */
	void gateChanged() {
		this.gate.changed();
	}

	// ---- callers

	/**
	 * Adds one item from a caller's thread.
	 * @param item the item
	 * @param callback the completion callback, or {@code null}
	 * @param timeoutNanos the longest wait for room, negative for no limit
	 * @return whether the item was taken
	 * @throws InterruptedException when interrupted while waiting
	 * @throws PipelineClosedException when the run does not accept input
	 */
	boolean accept(Object item, CompletionCallback callback, long timeoutNanos) throws InterruptedException {
		checkAccepting();
		long weight = this.gate.weigh(item);
		long left = this.gate.enter(weight, timeoutNanos, this::isAccepting);
		if (left == IntakeGate.TIMED_OUT) {
			return false;
		}
		checkAccepting(weight);
		Object[] one = { envelope(item, callback) };
		if (this.queue.put(one, 0, 1, true, left, this.counters.in) == 1) {
			return true;
		}
		this.gate.leave(weight);
		return refused();
	}

	/** The item as it travels: in an envelope when it has a callback or a context. */
	private Object envelope(Object item, CompletionCallback callback) {
		ContextPropagation propagation = this.execution.definition().contextPropagation();
		Object context = (propagation != null) ? propagation.capture() : null;
		return (callback != null || context != null)
				? new Tracked(item, new Tracker.Input(callback, this.execution.name(), context)) : item;
	}

	/** As {@link #accept}, for a marker. */
	boolean acceptMarker(Object marker, CompletionCallback callback, long timeoutNanos) throws InterruptedException {
		checkAccepting();
		long left = this.gate.enter(0, timeoutNanos, this::isAccepting);
		if (left == IntakeGate.TIMED_OUT) {
			return false;
		}
		checkAccepting(0);
		if (this.queue.putMarker(entry(marker, callback), true, left)) {
			return true;
		}
		return refused();
	}

	private boolean isAccepting() {
		return this.execution.termination.state() == PipelineState.RUNNING && !this.execution.termination.isAborted();
	}

	private void checkAccepting(long weight) {
		if (!isAccepting()) {
			this.gate.leave(weight);
			throw notAccepting();
		}
	}

	private void checkAccepting() {
		if (!isAccepting()) {
			throw notAccepting();
		}
	}

	private boolean refused() throws InterruptedException {
		if (Thread.interrupted()) {
			throw new InterruptedException(
					"Interrupted while waiting for room in pipeline '" + this.execution.name() + "'");
		}
		if (this.queue.isClosed() || this.queue.isAborted()) {
			throw notAccepting();
		}
		return false;
	}

	private PipelineClosedException notAccepting() {
		return new PipelineClosedException("Pipeline '" + this.execution.name() + "' does not accept items: it is "
				+ this.execution.termination.state());
	}

	private MarkerEntry entry(Object marker, CompletionCallback callback) {
		return new MarkerEntry(marker, (callback != null) ? new Tracker.Input(callback, this.execution.name()) : null);
	}

	// ---- sources

	/**
	 * Starts the thread that pulls a batch run's source, item by item. It is the only
	 * producer of the first queue, so it stages its items there without the lock.
	 */
	void startBatch(Iterator<?> iterator) {
		this.queue.stageFor(Math.min(this.queue.capacity(), STAGED), this.counters.in);
		start(() -> pump(iterator));
	}

	/** Starts the thread that takes what comes into a caller's queue. */
	void startDrain(BlockingQueue<?> callers) {
		start(() -> drain(callers));
	}

	/**
	 * Starts the source thread: a virtual thread when the first step's workers are, so
	 * that the source and the workers it wakes share the virtual-thread scheduler's
	 * carriers instead of competing with them for the cores.
	 */
	private void start(Runnable task) {
		boolean virtual = this.execution.definition().steps().get(0).virtualThreads();
		Thread thread = Threads.create("paipa-" + this.execution.name() + "-source", task, virtual);
		this.source = thread;
		thread.start();
	}

	private void pump(Iterator<?> iterator) {
		try {
			// room is waited for before the next pull, so the source holds nothing beyond
			// the bound
			int room = 0;
			while (!this.stopping) {
				if (room == 0) {
					room = this.queue.awaitRoom();
				}
				this.gate.awaitNoOutage(() -> !this.stopping);
				if (room == 0 || this.stopping) {
					break;
				}
				if (!iterator.hasNext()) {
					this.exhausted = true;
					break;
				}
				if (!handOn(iterator.next())) {
					break;
				}
				room--;
			}
		}
		catch (Throwable ex) {
			if (!this.stopping && !this.execution.termination.isAborted()) {
				this.execution.termination.fail(
						new PipelineFailedException(this.execution.name(), "(source)", null, "the source failed", ex));
			}
		}
		finally {
			// what was pulled goes on (or is left over), then the batch run's input ends
			handOnStaged();
			this.queue.close();
		}
	}

	/**
	 * Hands one pulled entry on; it takes one unit of the room there was.
	 * @param entry the entry
	 * @return false when the queue refused it
	 */
	private boolean handOn(Object entry) {
		if (entry == null) {
			throw new NullPointerException("the source produced a null item");
		}
		if (entry instanceof Marker marker) {
			// the items pulled before the marker go before it
			return handOnStaged() && this.queue.putMarker(entry(marker), false, -1);
		}
		if (this.queue.stage(entry)) {
			return true;
		}
		handOnStaged();
		this.execution.ledger.refused(0, new Object[] { entry }, 0, 1);
		return false;
	}

	/** Hands the staged items on; when the queue refuses them, they are left over. */
	private boolean handOnStaged() {
		if (this.queue.flushStaged()) {
			return true;
		}
		Object[] refused = this.queue.unstage();
		this.execution.ledger.refused(0, refused, 0, refused.length);
		return false;
	}

	private void drain(BlockingQueue<?> callers) {
		try {
			drainUntilStopped(callers);
		}
		catch (Throwable ex) {
			if (!this.stopping && !this.execution.termination.isAborted()) {
				this.execution.termination.fail(new PipelineFailedException(this.execution.name(), "(source)", null,
						"the queue the pipeline takes its items from failed", ex));
			}
		}
	}

	private void drainUntilStopped(BlockingQueue<?> callers) {
		int max = Math.max(1, this.queue.capacity());
		Object[] batch = new Object[max];
		List<Object> more = new ArrayList<>(max);
		while (!this.stopping) {
			this.gate.awaitNoOutage(() -> !this.stopping);
			if (this.stopping) {
				// what is still in the caller's queue stays there
				return;
			}
			try {
				batch[0] = callers.take();
			}
			catch (InterruptedException ex) {
				continue;
			}
			// what is already there goes with it; what was taken goes on even when the
			// caller's queue fails part way
			RuntimeException failure = null;
			try {
				callers.drainTo(more, max - 1);
			}
			catch (RuntimeException ex) {
				failure = ex;
			}
			int n = 1;
			for (Object item : more) {
				batch[n++] = item;
			}
			more.clear();
			if (!handOn(batch, n)) {
				return;
			}
			if (failure != null) {
				throw failure;
			}
		}
	}

	/**
	 * Hands items and markers on in order, waiting for room. Refused only when the run
	 * aborted: the items then count in at the first step and end as leftovers there.
	 * @return whether all went in
	 */
	private boolean handOn(Object[] entries, int n) {
		int from = 0;
		for (int i = 0; i < n; i++) {
			Object entry = entries[i];
			if (entry == null) {
				throw new NullPointerException("the source produced a null item");
			}
			if (entry instanceof Marker marker) {
				if (!putItems(entries, from, i, n)) {
					return false;
				}
				if (!this.queue.putMarker(entry(marker), false, -1)) {
					this.execution.ledger.refused(0, entries, i, n);
					return false;
				}
				entries[i] = null;
				from = i + 1;
			}
		}
		return putItems(entries, from, n, n);
	}

	private boolean putItems(Object[] entries, int from, int to, int n) {
		int put = (to != from) ? this.queue.put(entries, from, to, false, -1, this.counters.in) : 0;
		if (from + put < to) {
			this.execution.ledger.refused(0, entries, from + put, n);
			return false;
		}
		Arrays.fill(entries, from, to, null);
		return true;
	}

	private MarkerEntry entry(Marker marker) {
		return entry(marker.value(), marker.onPassed());
	}

	// ---- stopping

	/**
	 * Stops intake: the source pulls nothing more and hands on what it took. Waits for it
	 * up to the deadline, then closes the first queue if it ended; otherwise the cut-off
	 * that follows ends it.
	 * @param deadline a {@code System.nanoTime()} deadline
	 */
	void stop(long deadline) {
		this.stopping = true;
		this.gate.changed();
		Thread thread = this.source;
		if (thread != null) {
			thread.interrupt();
			if (!Threads.join(thread, deadline)) {
				return;
			}
		}
		this.queue.close();
	}

	/** Interrupts the source thread, if any, at an abort. */
	void interruptSource() {
		this.stopping = true;
		this.gate.changed();
		Thread thread = this.source;
		if (thread != null) {
			thread.interrupt();
		}
	}

}
