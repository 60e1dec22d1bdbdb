package io.paipa.core.internal;

import java.time.Duration;
import java.util.NoSuchElementException;

import io.paipa.core.StepInput;

/**
 * A stream handler's view of its worker's input: the worker's batch, refilled from the
 * queue. Its end for one call of the handler ({@link #exit}) is the end of the input, the
 * worker being asked to leave, a marker at the head of the queue, or an abort; after a
 * stop's cut-off no new item is given out.
 */
final class StreamInput implements StepInput<Object> {

	private final StreamWorker worker;

	/** 0 while the input goes on, else the take result that ended this call. */
	int exit;

	/** Items given out in this call. */
	long consumed;

	private long busyStart;

	StreamInput(StreamWorker worker) {
		this.worker = worker;
	}

	/** A new call of the handler. */
	void begin() {
		if (this.exit == BatchQueue.AT_MARKER) {
			this.exit = 0;
		}
		this.consumed = 0;
	}

	@Override
	public boolean hasNext() {
		if (!goesOn()) {
			return false;
		}
		return this.worker.inPos < this.worker.inLen || fill(-1);
	}

	@Override
	public Object next() {
		if (!hasNext()) {
			throw new NoSuchElementException("The input of step '" + this.worker.step.name() + "' has ended");
		}
		return consume();
	}

	@Override
	public Object poll(Duration timeout) {
		if (!goesOn()) {
			return null;
		}
		if (this.worker.inPos < this.worker.inLen) {
			return consume();
		}
		return fill(Math.max(0, timeout.toNanos())) ? consume() : null;
	}

	@Override
	public boolean isEnded() {
		return this.exit != 0;
	}

	@Override
	public void done(Object item) {
		this.worker.held.done(item);
	}

	@Override
	public void doneAll() {
		this.worker.held.doneAll();
	}

	/** Whether items may still be given out: not after an abort. */
	private boolean goesOn() {
		if (this.worker.abandoned) {
			throw Abort.INSTANCE;
		}
		if (this.worker.termination.isAborted()) {
			// no new item after an abort: the rest of the batch is left over
			this.exit = BatchQueue.ABORTED;
		}
		return this.exit == 0;
	}

	private Object consume() {
		StreamWorker worker = this.worker;
		Object raw = worker.in[worker.inPos];
		worker.in[worker.inPos++] = null;
		worker.held.took(raw);
		if (worker.step.index == 0 && worker.execution.intake.gate.isWeighing()) {
			worker.execution.intake.gate.leave(worker.execution.intake.gate.weigh(raw));
		}
		this.consumed++;
		return worker.held.current;
	}

	/**
	 * Refills the batch: first without waiting; if nothing is there, hands the outputs
	 * on, then waits.
	 * @param timeoutNanos the longest wait, negative for no limit
	 * @return whether items came
	 */
	private boolean fill(long timeoutNanos) {
		if (this.exit != 0) {
			return false;
		}
		StreamWorker worker = this.worker;
		BatchQueue queue = worker.step.input;
		worker.publish();
		int n = 0;
		if (!worker.leaving) {
			n = queue.take(worker.in, worker.in.length, worker.toRelease, worker, 0);
			worker.toRelease = 0;
		}
		if (n == 0) {
			worker.busyNanos += stopBusy();
			worker.out.flush();
			if (worker.leaving) {
				this.exit = BatchQueue.LEAVE;
				return false;
			}
			n = queue.take(worker.in, worker.in.length, worker.toRelease, worker, timeoutNanos);
		}
		if (n <= 0) {
			this.exit = (n < 0) ? n : 0;
			return false;
		}
		worker.inPos = 0;
		worker.inLen = n;
		worker.toRelease = n;
		if (this.busyStart == 0) {
			this.busyStart = System.nanoTime();
			worker.setBusy(this.busyStart);
		}
		return true;
	}

	/** Ends the busy period; returns its handler time. */
	long stopBusy() {
		if (this.busyStart == 0) {
			return 0;
		}
		long nanos = Math.max(0, System.nanoTime() - this.busyStart - this.worker.blockedNanos);
		this.worker.blockedNanos = 0;
		this.busyStart = 0;
		this.worker.setBusy(0);
		return nanos;
	}

}
