package io.paipa.core.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.paipa.core.StepContext;
import io.paipa.core.StepLifecycle;

/**
 * One worker thread of a step: opens its handler, runs the step's loop, closes the
 * handler and reports how it ended to its {@link StepRuntime}.
 *
 * <p>
 * The items a worker took (its batch) and its unsent outputs live in fields, so that a
 * worker that dies of an unexpected error hands them to its replacement and nothing is
 * lost or processed twice.
 */
abstract class Worker implements Runnable, BatchQueue.Consumer, StepContext {

	private static final Logger logger = LoggerFactory.getLogger(Worker.class);

	private static final VarHandle BUSY_SINCE;

	static {
		try {
			BUSY_SINCE = MethodHandles.lookup().findVarHandle(Worker.class, "busySince", long.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	/** How a worker ended. */
	enum Exit {

		/** Its input ended. */
		ENDED,

		/** It was asked to leave (scaling down). */
		LEFT,

		/** The pipeline aborted (failure, or a stop's cut-off). */
		ABORTED,

		/** Its handler could not be opened. */
		OPEN_FAILED

	}

	/** Aim for batches that take about this long, so outputs keep flowing. */
	private static final long TARGET_BATCH_NANOS = 100_000;

	final StepRuntime step;

	final Execution execution;

	final Termination termination;

	final int index;

	final String name;

	final Thread thread;

	volatile boolean leaving;

	/**
	 * Whether the worker is one of those the run started with, whose opening it awaits.
	 */
	boolean initial;

	volatile boolean exited;

	/**
	 * Set when the run gave up on this worker as stuck: its counts and items were taken
	 * over then, so whatever it does after its handler returns must not count again.
	 */
	volatile boolean abandoned;

	@SuppressWarnings("unused") // accessed through BUSY_SINCE
	private long busySince;

	Object handler;

	Object[] in;

	int inPos;

	int inLen;

	/** Items taken from the input that are finished but not yet released to the queue. */
	int toRelease;

	OutputBuffer out;

	final LocalCounts counts = new LocalCounts();

	long busyNanos;

	/** Time spent inside a handler waiting to hand outputs on, not counted as busy. */
	long blockedNanos;

	private long avgItemNanos;

	private final Object[] markerSlot = new Object[1];

	Worker(StepRuntime step, int index, Worker predecessor) {
		this.step = step;
		this.execution = step.execution;
		this.termination = step.execution.termination;
		this.index = index;
		this.name = "paipa-" + this.execution.name() + "-" + step.name() + "-" + index;
		if (predecessor != null) {
			this.in = predecessor.in;
			this.inPos = predecessor.inPos;
			this.inLen = predecessor.inLen;
			this.toRelease = predecessor.toRelease;
			this.out = predecessor.out;
			predecessor.in = new Object[0];
			predecessor.inPos = 0;
			predecessor.inLen = 0;
			predecessor.toRelease = 0;
			predecessor.out = null;
		}
		else {
			this.in = new Object[step.maxTake];
			this.out = step.newOutputBuffer();
		}
		this.out.owner = this;
		this.thread = Threads.create(this.name, this, step.definition.virtualThreads());
	}

	@Override
	public final void run() {
		try {
			this.handler = PerWorker.instanceFor(this.step.definition.handler());
			((StepLifecycle) this.handler).open(this);
		}
		catch (Throwable ex) {
			this.step.openFailed(this, ex);
			abandonHeld();
			end(Exit.OPEN_FAILED);
			return;
		}
		this.step.opened(this);
		Exit exit;
		try {
			exit = work();
		}
		catch (Abort ex) {
			exit = Exit.ABORTED;
		}
		catch (Throwable ex) {
			if (!this.abandoned && !this.termination.isAborted()) {
				die(ex);
				return;
			}
			exit = Exit.ABORTED;
		}
		ended(exit);
	}

	private void ended(Exit exit) {
		setBusy(0);
		if (exit == Exit.ABORTED && !this.abandoned) {
			abandonHeld();
		}
		// the abort's interrupt was for the handler's blocking calls, not for close()
		Thread.interrupted();
		closeHandler();
		end(exit);
	}

	private void die(Throwable ex) {
		setBusy(0);
		publish();
		onDeath(ex);
		closeHandler();
		this.exited = true;
		this.step.died(this, ex);
	}

	/** Runs the step's loop until the worker should end. */
	abstract Exit work() throws Exception;

	/**
	 * Deals with the item in hand when an unexpected error killed the worker, leaving the
	 * rest of the batch to the replacement.
	 */
	abstract void onDeath(Throwable error);

	private void end(Exit exit) {
		publish();
		if (this.toRelease > 0) {
			this.step.input.release(this.toRelease);
			this.toRelease = 0;
		}
		this.exited = true;
		this.step.exited(this, exit);
	}

	/** Settles what the handler held when the pipeline aborted. */
	void onAbort() {
	}

	/**
	 * Gives up the items in hand after an abort: those not started are leftovers of this
	 * step, the unsent outputs leftovers of the next.
	 */
	final void abandonHeld() {
		onAbort();
		if (this.inPos < this.inLen) {
			// out of the batch first: a worker named stuck while it dead-letters them
			// counts none twice
			Object[] rest = Arrays.copyOfRange(this.in, this.inPos, this.inLen);
			Arrays.fill(this.in, this.inPos, this.inLen, null);
			this.inPos = this.inLen;
			this.execution.ledger.leftovers(this.step.index, rest, 0, rest.length);
		}
		if (this.out != null) {
			this.out.leave();
		}
		publish();
	}

	private void closeHandler() {
		if (this.handler == null) {
			return;
		}
		try {
			((StepLifecycle) this.handler).close(this);
		}
		catch (Throwable ex) {
			logger.warn("Pipeline '{}', step '{}': close() of worker {} failed; ignored", this.execution.name(),
					this.step.name(), this.name, ex);
		}
	}

	/**
	 * At a marker at the head of the input: waits until every worker of the step got
	 * there, and passes it on when this worker is the one to.
	 * @return 0 to go on taking, or the take result that ends the worker
	 */
	final int atMarker() {
		int got = this.step.input.awaitMarker(this.markerSlot, this);
		if (got != 1) {
			return got;
		}
		MarkerEntry entry = (MarkerEntry) this.markerSlot[0];
		this.markerSlot[0] = null;
		try {
			MarkerCall.handle(this, entry);
		}
		finally {
			this.step.input.markerPassed();
		}
		return 0;
	}

	/**
	 * Takes over the accounting of a worker stuck in its handler past the shutdown
	 * timeout: its finished items count as they are, the items it holds and its unsent
	 * outputs as abandoned. Called from the thread ending the run.
	 * @return the number of items it held
	 */
	final int abandonAsStuck() {
		this.abandoned = true;
		publishCounts();
		int held = Math.max(0, this.inLen - this.inPos) + inHandler();
		this.step.counters.abandoned.add(held);
		OutputBuffer out = this.out;
		if (out != null && out.size > 0 && this.step.next != null) {
			this.step.next.counters.in.add(out.size);
			this.step.next.counters.abandoned.add(out.size);
		}
		return held;
	}

	/**
	 * The number of items the handler holds beyond the batch (a stream's taken items).
	 */
	int inHandler() {
		return 0;
	}

	/** Moves the worker's local counts to the step's counters. */
	final void publish() {
		if (!this.abandoned) {
			publishCounts();
		}
	}

	private void publishCounts() {
		StepCounters counters = this.step.counters;
		this.counts.moveTo(counters);
		if (this.busyNanos != 0) {
			counters.busyNanos.add(this.busyNanos);
			this.busyNanos = 0;
		}
		if (this.out != null) {
			long emitted = this.out.drainAdded();
			if (emitted != 0) {
				counters.emitted.add(emitted);
				if (this.out.isTerminal()) {
					this.execution.ledger.completed.add(emitted);
				}
			}
		}
	}

	final void setBusy(long since) {
		BUSY_SINCE.setOpaque(this, since);
	}

	final long busySince() {
		return (long) BUSY_SINCE.getOpaque(this);
	}

	/**
	 * Records one item's handler time, less the time it waited to hand outputs on, which
	 * steers the batch size.
	 */
	final long recordItemNanos(long elapsed) {
		long nanos = Math.max(0, elapsed - this.blockedNanos);
		this.blockedNanos = 0;
		this.busyNanos += nanos;
		this.avgItemNanos = (this.avgItemNanos == 0) ? Math.max(1, nanos) : (this.avgItemNanos * 7 + nanos) >> 3;
		return nanos;
	}

	/**
	 * Records a whole batch's handler time, less the time it waited to hand outputs on,
	 * when no listener needs each item's time.
	 */
	final void recordBatchNanos(long elapsed, int items) {
		long nanos = Math.max(0, elapsed - this.blockedNanos);
		this.blockedNanos = 0;
		this.busyNanos += nanos;
		long perItem = Math.max(1, nanos / Math.max(1, items));
		this.avgItemNanos = (this.avgItemNanos == 0) ? perItem : (this.avgItemNanos * 7 + perItem) >> 3;
	}

	/** How many items to take: as many as fit in the batch time, at least one. */
	final int batchLimit() {
		long avg = this.avgItemNanos;
		if (avg == 0) {
			return 1;
		}
		long fit = TARGET_BATCH_NANOS / Math.max(1, avg);
		return (int) Math.max(1, Math.min(this.in.length, fit));
	}

	@Override
	public final boolean shouldLeave() {
		return this.leaving;
	}

	@Override
	public final String pipelineName() {
		return this.execution.name();
	}

	@Override
	public final String stepName() {
		return this.step.name();
	}

	@Override
	public final int workerIndex() {
		return this.index;
	}

	@Override
	public final int workerCount() {
		return this.step.configuredWorkers();
	}

	@Override
	public final Map<String, Object> options() {
		return this.step.definition.options();
	}

	@Override
	public final ConcurrentMap<String, Object> shared() {
		return this.step.shared;
	}

	static Exit exitFor(int takeResult) {
		return switch (takeResult) {
			case BatchQueue.ENDED -> Exit.ENDED;
			case BatchQueue.LEAVE -> Exit.LEFT;
			default -> Exit.ABORTED;
		};
	}

	@Override
	public String toString() {
		return this.name;
	}

}
