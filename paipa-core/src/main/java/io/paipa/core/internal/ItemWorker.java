package io.paipa.core.internal;

import io.paipa.core.FanOutHandler;
import io.paipa.core.PipelineFailedException;
import io.paipa.core.StepHandler;
import io.paipa.core.StepKind;

/**
 * The worker of a {@link StepHandler} or {@link FanOutHandler} step: takes a batch (what
 * is there, never waiting to fill it), hands each item to the {@link ItemProcessor}, and
 * hands the outputs on as one batch before it takes the next.
 *
 * <p>
 * After a stop's cut-off it starts no new item: the item in hand is finished (its outputs
 * dead-lettered if they cannot go on), the rest of the batch is dead-lettered.
 */
final class ItemWorker extends Worker implements ItemProcessor.Env {

	private final ItemProcessor processor;

	/** Whether the first item of each batch is timed, for listeners that take samples. */
	private final boolean sampleFirst;

	/**
	 * When the batch under way started, 0 when none is (or items are timed one by one).
	 */
	private long batchStart;

	/** Whether the pipeline's input is bounded by weight and this is its first step. */
	private final boolean weighing;

	ItemWorker(StepRuntime step, int index, Worker predecessor) {
		super(step, index, predecessor);
		this.processor = new ItemProcessor(this.execution.name(), step.name(),
				step.definition.kind() == StepKind.FAN_OUT, step.last, step.retry, step.policy,
				this.execution.listeners, this.counts, this, this.execution.listeners.perItem, step.outage,
				step.definition.isolateFailures());
		this.weighing = step.index == 0 && this.execution.intake.gate.isWeighing();
		this.sampleFirst = this.execution.listeners.sampled;
		this.processor.propagation(this.execution.definition().contextPropagation());
	}

	@Override
	Exit work() {
		this.processor.handler(this.handler);
		while (true) {
			if (this.inPos >= this.inLen) {
				int taken = nextBatch();
				if (taken < 0) {
					return exitFor(taken);
				}
				if (taken == 0) {
					continue;
				}
			}
			if (this.termination.isAborted()) {
				// no new item after an abort: the rest of the batch is left over
				return Exit.ABORTED;
			}
			processCurrent();
		}
	}

	/**
	 * Ends the batch, hands its outputs on, takes the next: its size, 0 after a marker,
	 * or why not.
	 */
	private int nextBatch() {
		endBatch();
		publish();
		this.out.flush();
		if (this.leaving) {
			return BatchQueue.LEAVE;
		}
		int n = this.step.input.take(this.in, batchLimit(), this.toRelease, this, -1);
		this.toRelease = 0;
		if (n == BatchQueue.AT_MARKER) {
			return atMarker();
		}
		if (n > 0) {
			this.inPos = 0;
			this.inLen = n;
			this.toRelease = n;
			if (!this.execution.listeners.perItem) {
				this.batchStart = System.nanoTime();
				setBusy(this.batchStart);
			}
		}
		return n;
	}

	private void endBatch() {
		if (this.batchStart != 0) {
			long elapsed = System.nanoTime() - this.batchStart;
			this.batchStart = 0;
			setBusy(0);
			recordBatchNanos(elapsed, this.inLen);
		}
	}

	private void processCurrent() {
		boolean sample = this.sampleFirst && this.inPos == 0;
		this.processor.sampled = this.inPos == 0;
		Object raw = this.in[this.inPos];
		boolean firstTry = this.processor.process(raw);
		this.in[this.inPos++] = null;
		if (this.weighing) {
			this.execution.intake.gate.leave(this.execution.intake.gate.weigh(raw));
		}
		if (sample && firstTry) {
			long nanos = (this.batchStart != 0) ? Math.max(0, System.nanoTime() - this.batchStart - this.blockedNanos)
					: this.processor.lastNanos;
			this.execution.listeners.handlerSampled(this.step.name(), nanos);
		}
	}

	@Override
	void onDeath(Throwable error) {
		if (this.inPos < this.inLen) {
			Object raw = this.in[this.inPos];
			this.in[this.inPos++] = null;
			this.processor.died(raw, error);
			publish();
		}
	}

	// ---- ItemProcessor.Env

	@Override
	public boolean failed() {
		return this.termination.isFailed();
	}

	@Override
	public boolean cutOff() {
		return this.termination.isCutOff();
	}

	@Override
	public void attempted() {
		if (this.abandoned) {
			throw Abort.INSTANCE;
		}
		if (this.termination.isCutOff()) {
			// the cut-off's interrupt was for the handler; what follows must not see it
			Thread.interrupted();
		}
	}

	@Override
	public boolean pause(long nanos) {
		return this.termination.pause(nanos);
	}

	@Override
	public void emit(Object raw) {
		if (this.abandoned) {
			throw Abort.INSTANCE;
		}
		this.out.add(raw);
	}

	@Override
	public void deadLetter(Object item, Throwable cause, int attempts, Object raw) {
		this.execution.ledger.deadLetter(this.step.index, item, cause, attempts, raw);
	}

	@Override
	public void stopped(Object raw, Throwable failure, int attempts) {
		Ledger ledger = this.execution.ledger;
		ledger.stopped(this.step.index, raw, ledger.stopCause(this.step.index, failure), attempts);
	}

	@Override
	public void entered(int n) {
		this.step.counters.in.add(n);
	}

	@Override
	public RuntimeException fail(PipelineFailedException failure) {
		this.termination.fail(failure);
		return Abort.INSTANCE;
	}

	@Override
	public long startAttempt() {
		long start = System.nanoTime();
		setBusy(start);
		return start;
	}

	@Override
	public long endAttempt(long start) {
		setBusy(0);
		return recordItemNanos(System.nanoTime() - start);
	}

}
