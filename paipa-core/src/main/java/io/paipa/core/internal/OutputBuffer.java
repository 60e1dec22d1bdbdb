package io.paipa.core.internal;

import java.util.Arrays;

/**
 * A worker's outputs on their way to the next step, handed on as one batch. For the last
 * step there is no next queue: outputs complete at once and settle their trackers.
 */
final class OutputBuffer {

	private final Execution execution;

	private final int target;

	private final BatchQueue queue;

	private final StepCounters targetCounters;

	private final Object[] buffer;

	int size;

	long added;

	/** The worker using this buffer; changes when a replacement inherits it. */
	Worker owner;

	OutputBuffer(Execution execution, int target, BatchQueue queue, StepCounters targetCounters, int size) {
		this.execution = execution;
		this.target = target;
		this.queue = queue;
		this.targetCounters = targetCounters;
		this.buffer = (queue != null) ? new Object[size] : new Object[0];
	}

	/** Adds one output; may hand the batch on, and throws {@link Abort} if refused. */
	void add(Object raw) {
		this.added++;
		if (this.queue == null) {
			Tracked.settle(raw);
			return;
		}
		this.buffer[this.size++] = raw;
		if (this.size == this.buffer.length) {
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
	}

	/** Hands the buffered outputs on; throws {@link Abort} when the next queue refuses them. */
	void flush() {
		int n = this.size;
		if (n == 0) {
			return;
		}
		this.size = 0;
		int put = this.queue.put(this.buffer, 0, n, false, -1, this.targetCounters.in);
		if (put < n) {
			this.targetCounters.in.add(n - put);
			this.execution.leftover(this.target, this.buffer, put, n);
			Arrays.fill(this.buffer, 0, n, null);
			throw Abort.INSTANCE;
		}
		Arrays.fill(this.buffer, 0, n, null);
	}

	/** Gives up the buffered outputs: they never reached the next step. */
	void abandon() {
		int n = this.size;
		if (n > 0) {
			this.size = 0;
			this.targetCounters.in.add(n);
			this.execution.leftover(this.target, this.buffer, 0, n);
			Arrays.fill(this.buffer, 0, n, null);
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
