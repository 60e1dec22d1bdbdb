package io.paipa.core.internal;

import java.util.Objects;

import io.paipa.core.Emitter;
import io.paipa.core.ErrorPolicy;
import io.paipa.core.FanOutHandler;
import io.paipa.core.ItemOutcome;
import io.paipa.core.PipelineFailedException;
import io.paipa.core.StepHandler;
import io.paipa.core.StepKind;

/**
 * The worker of a {@link StepHandler} or {@link FanOutHandler} step: takes a batch (what
 * is there, never waiting to fill it), runs the handler item by item with retries in
 * place, and hands the outputs on as one batch before it takes the next.
 */
final class ItemWorker extends Worker {

	private final boolean fanOut;

	private final FanOutEmitter emitter;

	/** The attempt under way, for the dead letter of a worker that dies in it. */
	private int attempt;

	/**
	 * Whether each item is timed: only for listeners that want every item with its
	 * handler time. Otherwise a batch is timed as a whole, which saves two clock reads per
	 * item.
	 */
	private final boolean timeEachItem;

	/** Whether the first item of each batch is timed, for listeners that take samples. */
	private final boolean sampleFirst;

	/** When the batch under way started, 0 when none is (or items are timed one by one). */
	private long batchStart;

	ItemWorker(StepRuntime step, int index, Worker predecessor) {
		super(step, index, predecessor);
		this.fanOut = step.definition.kind() == StepKind.FAN_OUT;
		this.emitter = this.fanOut ? new FanOutEmitter() : null;
		this.timeEachItem = this.execution.listeners.perItem;
		this.sampleFirst = this.execution.listeners.sampled;
	}

	@Override
	Exit work() throws Exception {
		final BatchQueue input = this.step.input;
		while (true) {
			if (this.inPos >= this.inLen) {
				if (this.batchStart != 0) {
					long elapsed = System.nanoTime() - this.batchStart;
					this.batchStart = 0;
					setBusy(0);
					recordBatchNanos(elapsed, this.inLen);
				}
				publish();
				this.out.flush();
				if (this.leaving) {
					return Exit.LEFT;
				}
				int n = input.take(this.in, batchLimit(), this.toRelease, this, -1);
				this.toRelease = 0;
				if (n < 0) {
					return exitFor(n);
				}
				this.inPos = 0;
				this.inLen = n;
				this.toRelease = n;
				if (!this.timeEachItem) {
					this.batchStart = System.nanoTime();
					setBusy(this.batchStart);
				}
			}
			if (this.execution.isAborted()) {
				// no new item after an abort: the rest of the batch is left over
				throw Abort.INSTANCE;
			}
			processCurrent();
		}
	}

	@SuppressWarnings({ "unchecked", "rawtypes" })
	private void processCurrent() throws Exception {
		final Object raw = this.in[this.inPos];
		final Tracked envelope = (raw instanceof Tracked tracked) ? tracked : null;
		final Object item = (envelope != null) ? envelope.item : raw;
		final StepRuntime step = this.step;
		final Listeners listeners = this.execution.listeners;
		// a sample: the first item of a batch, timed from the batch's start
		final boolean sample = this.sampleFirst && this.inPos == 0;
		int attempt = 1;
		while (true) {
			this.attempt = attempt;
			final boolean timed = this.timeEachItem;
			long start = 0;
			if (timed) {
				start = System.nanoTime();
				setBusy(start);
			}
			Object result = null;
			Exception failure = null;
			try {
				if (this.fanOut) {
					this.emitter.envelope = envelope;
					((FanOutHandler) this.handler).process(item, this.emitter);
				}
				else {
					result = ((StepHandler) this.handler).process(item);
				}
			}
			catch (Abort ex) {
				throw ex;
			}
			catch (Exception ex) {
				failure = ex;
			}
			long nanos = -1;
			if (timed) {
				setBusy(0);
				nanos = recordItemNanos(System.nanoTime() - start);
			}
			else if (sample && attempt == 1 && this.batchStart != 0) {
				nanos = Math.max(0, System.nanoTime() - this.batchStart - this.blockedNanos);
			}
			if (this.abandoned) {
				throw Abort.INSTANCE;
			}
			if (failure == null) {
				this.in[this.inPos++] = null;
				if (sample && attempt == 1 && nanos >= 0) {
					listeners.handlerSampled(step.name(), nanos);
				}
				if (this.fanOut) {
					this.processed++;
					Tracked.settle(envelope);
					if (listeners.perItem) {
						listeners.itemProcessed(step.name(), ItemOutcome.PROCESSED, nanos);
					}
				}
				else if (result == null && !step.last) {
					this.dropped++;
					Tracked.settle(envelope);
					if (listeners.perItem) {
						listeners.itemProcessed(step.name(), ItemOutcome.DROPPED, nanos);
					}
				}
				else {
					this.processed++;
					if (envelope != null) {
						envelope.item = result;
						this.out.add(envelope);
					}
					else {
						this.out.add(result);
					}
					if (listeners.perItem) {
						listeners.itemProcessed(step.name(), ItemOutcome.PROCESSED, nanos);
					}
				}
				return;
			}
			if (this.execution.isAborted()) {
				throw Abort.INSTANCE;
			}
			if (attempt < step.retry.maxAttempts()) {
				this.retried++;
				if (listeners.perItem) {
					listeners.itemProcessed(step.name(), ItemOutcome.RETRIED, nanos);
				}
				if (!this.execution.pause(step.retry.backoffNanos(attempt))) {
					throw Abort.INSTANCE;
				}
				attempt++;
				continue;
			}
			this.failed++;
			if (listeners.perItem) {
				listeners.itemProcessed(step.name(), ItemOutcome.FAILED, nanos);
			}
			this.in[this.inPos++] = null;
			if (step.policy == ErrorPolicy.SKIP) {
				this.execution.deadLetter(step.index, item, failure, attempt, envelope);
				return;
			}
			step.counters.abandoned.increment();
			this.execution.fail(new PipelineFailedException(this.execution.name(), step.name(), item,
					"handler failed after " + attempt + " attempt(s)", failure));
			throw Abort.INSTANCE;
		}
	}

	@Override
	void onDeath(Throwable error) {
		if (this.inPos < this.inLen) {
			Object raw = this.in[this.inPos];
			this.in[this.inPos++] = null;
			this.failed++;
			publish();
			if (this.execution.listeners.perItem) {
				this.execution.listeners.itemProcessed(this.step.name(), ItemOutcome.FAILED, -1);
			}
			this.execution.deadLetter(this.step.index, Tracked.unwrap(raw), error, Math.max(1, this.attempt),
					(raw instanceof Tracked tracked) ? tracked : null);
		}
	}

	/** Wraps each output in the input's tracker, when the input is tracked. */
	private final class FanOutEmitter implements Emitter<Object> {

		Tracked envelope;

		@Override
		public void emit(Object item) {
			Objects.requireNonNull(item, () -> "Step '" + ItemWorker.this.step.name() + "' emitted null");
			if (ItemWorker.this.abandoned) {
				throw Abort.INSTANCE;
			}
			Tracked envelope = this.envelope;
			if (envelope != null) {
				envelope.tracker.retain();
				ItemWorker.this.out.add(envelope.tracker.wrap(item));
			}
			else {
				ItemWorker.this.out.add(item);
			}
		}

	}

}
