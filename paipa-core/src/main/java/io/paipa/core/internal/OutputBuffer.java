package io.paipa.core.internal;

import java.util.Arrays;

/**
 * A worker's outputs on their way to the next step, handed on as one batch. For the last
 * step there is no next queue: outputs complete at once and settle their trackers.
 *
 * <p>
 * When the next queue refuses outputs, the run was aborted. After a failure the outputs
 * are abandoned and the worker unwinds ({@link Abort}); after a stop's cut-off they are
 * dead-lettered at the next step and the worker goes on finishing the item in its hands.
 */
final class OutputBuffer implements MarkerCall.Target {

	private final Execution execution;

	private final int target;

	private final BatchQueue queue;

	private final StepCounters targetCounters;

	private final Object[] buffer;

	int size;

	long added;

	/** The worker using this buffer; changes when a replacement inherits it. */
	Worker owner;

	OutputBuffer(Execution execution, int target, BatchQueue queue, int size) {
		this.execution = execution;
		this.target = target;
		this.queue = queue;
		this.targetCounters = (queue != null) ? execution.ledger.counters(target) : null;
		this.buffer = (queue != null) ? new Object[size] : new Object[0];
	}

	/** Adds one output; may hand the batch on. */
	void add(Object raw) {
		this.added++;
		if (this.queue == null) {
			Tracked.settle(raw);
			return;
		}
		this.buffer[this.size++] = raw;
		if (this.size == this.buffer.length) {
			flushTimed();
		}
	}

	@Override
	public void emit(Object item) {
		add(item);
	}

	/** Hands a marker on after the outputs before it; at the last step it has passed. */
	@Override
	public void passOn(MarkerEntry entry) {
		if (this.queue == null) {
			entry.release();
			return;
		}
		flush();
		if (!this.queue.putMarker(entry, false, -1) && this.execution.termination.isFailed()) {
			throw Abort.INSTANCE;
		}
	}

	private void flushTimed() {
		// Waiting for room downstream is back-pressure, not handler time.
		Worker owner = this.owner;
		long start = System.nanoTime();
		owner.setBusy(0);
		try {
			flush();
		}
		finally {
			long now = System.nanoTime();
			owner.blockedNanos += now - start;
			owner.setBusy(now);
		}
	}

	/** Hands the buffered outputs on, waiting for room. */
	void flush() {
		int n = this.size;
		if (n == 0) {
			return;
		}
		this.size = 0;
		int put = this.queue.put(this.buffer, 0, n, false, -1, this.targetCounters.in);
		if (put < n) {
			refused(put, n);
		}
		Arrays.fill(this.buffer, 0, n, null);
	}

	private void refused(int from, int to) {
		if (this.owner.abandoned) {
			throw Abort.INSTANCE;
		}
		this.execution.ledger.refused(this.target, this.buffer, from, to);
		if (this.execution.termination.isFailed()) {
			throw Abort.INSTANCE;
		}
	}

	/** Gives up the buffered outputs: they never reach the next step. */
	void leave() {
		int n = this.size;
		if (n > 0) {
			this.size = 0;
			this.execution.ledger.refused(this.target, this.buffer, 0, n);
		}
	}

	/** Moves the local count of outputs to the counters; returns it. */
	long drainAdded() {
		long n = this.added;
		this.added = 0;
		return n;
	}

	boolean isTerminal() {
		return this.queue == null;
	}

}
