package io.paipa.core.internal;

import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.paipa.core.Emitter;
import io.paipa.core.ErrorPolicy;
import io.paipa.core.ItemOutcome;
import io.paipa.core.PipelineFailedException;
import io.paipa.core.StreamHandler;

/**
 * The worker of a {@link StreamHandler} step. Its input ({@link StreamInput}) refills
 * from the queue in batches; outputs are handed on when the buffer is full and always
 * before the worker blocks for more input, so nothing waits behind an idle worker. What
 * the handler holds, and so when its items settle and which a failure dead-letters, is
 * kept by {@link HeldItems}.
 *
 * <p>
 * The handler is called again whenever its call ends before the input did: after it
 * returned early, after it threw under the skip policy, and after a marker.
 */
final class StreamWorker extends Worker {

	private static final Logger logger = LoggerFactory.getLogger(StreamWorker.class);

	final HeldItems held;

	private final StreamInput input;

	private final StreamEmitter emitter = new StreamEmitter();

	StreamWorker(StepRuntime step, int index, Worker predecessor) {
		super(step, index, predecessor);
		this.held = new HeldItems(step.name(), this.counts, this.execution.listeners);
		this.input = new StreamInput(this);
	}

	@Override
	Exit work() {
		while (true) {
			this.input.begin();
			Exception failure = call();
			this.busyNanos += this.input.stopBusy();
			if (this.abandoned || this.termination.isFailed()) {
				throw Abort.INSTANCE;
			}
			if (failure != null) {
				failed(failure);
			}
			else {
				this.held.end();
			}
			publish();
			this.out.flush();
			Exit exit = afterCall(failure == null);
			if (exit != null) {
				return exit;
			}
		}
	}

	@SuppressWarnings({ "unchecked", "rawtypes" })
	private Exception call() {
		try {
			((StreamHandler) this.handler).process(this.input, this.emitter);
			return null;
		}
		catch (Abort ex) {
			throw ex;
		}
		catch (Exception ex) {
			return ex;
		}
	}

	/**
	 * After a call of the handler: how the worker ends, or {@code null} to call it again.
	 */
	private Exit afterCall(boolean returned) {
		int exit = this.input.exit;
		if (exit == BatchQueue.AT_MARKER) {
			int next = atMarker();
			return (next == 0) ? null : exitFor(next);
		}
		if (exit != 0) {
			return exitFor(exit);
		}
		if (returned && this.input.consumed == 0) {
			this.termination.fail(new PipelineFailedException(this.execution.name(), this.step.name(), null,
					"the stream handler returned without reading its input to the end; "
							+ "a StreamHandler must loop until hasNext() is false",
					null));
			throw Abort.INSTANCE;
		}
		return null;
	}

	/** The handler threw: what it held is dead-lettered, or the run fails. */
	private void failed(Exception failure) {
		Object current = this.held.current;
		Object[] lost = this.held.failed();
		if (this.termination.isCutOff()) {
			Ledger ledger = this.execution.ledger;
			for (Object raw : lost) {
				countFailed();
				ledger.stopped(this.step.index, raw, ledger.stopCause(this.step.index, failure), 1);
			}
			return;
		}
		if (this.step.policy == ErrorPolicy.SKIP) {
			deadLetter(lost, failure, current);
			return;
		}
		this.counts.failed += lost.length;
		this.step.counters.abandoned.add(lost.length);
		publish();
		this.termination.fail(new PipelineFailedException(this.execution.name(), this.step.name(), current,
				(current != null) ? "stream handler failed" : "stream handler failed before taking an item", failure));
		throw Abort.INSTANCE;
	}

	private void deadLetter(Object[] lost, Throwable failure, Object current) {
		if (lost.length == 0) {
			this.execution.ledger.recordError("step '" + this.step.name() + "': stream handler failed: " + failure);
			logger.warn(
					"Pipeline '{}', step '{}': the stream handler failed after emitting outputs for every item "
							+ "it held (last item: {}); nothing to dead-letter",
					this.execution.name(), this.step.name(), PipelineFailedException.summarize(current), failure);
			return;
		}
		// dead-letter first: a source acknowledging on completion must not run ahead
		publish();
		for (Object raw : lost) {
			countFailed();
			this.execution.ledger.deadLetter(this.step.index, Tracked.unwrap(raw), failure, 1, raw);
		}
	}

	private void countFailed() {
		this.counts.failed++;
		if (this.execution.listeners.perItem) {
			this.execution.listeners.itemProcessed(this.step.name(), ItemOutcome.FAILED, -1);
		}
	}

	@Override
	void onAbort() {
		// after a failure what the handler held is abandoned: nothing settles
		this.step.counters.abandoned.add(this.held.failed().length);
	}

	@Override
	int inHandler() {
		return this.held.size();
	}

	@Override
	void onDeath(Throwable error) {
		this.busyNanos += this.input.stopBusy();
		Object[] lost = this.held.failed();
		publish();
		for (Object raw : lost) {
			countFailed();
			this.execution.ledger.deadLetter(this.step.index, Tracked.unwrap(raw), error, 1, raw);
		}
	}

	/** An output covers every item the handler holds. */
	private final class StreamEmitter implements Emitter<Object> {

		@Override
		public void emit(Object item) {
			StreamWorker worker = StreamWorker.this;
			Objects.requireNonNull(item, () -> "Step '" + worker.step.name() + "' emitted null");
			if (worker.abandoned || worker.termination.isFailed()) {
				throw Abort.INSTANCE;
			}
			Tracker tracker = worker.held.cover(item);
			worker.out.add((tracker != null) ? tracker.wrap(item) : item);
		}

	}

}
