package io.paipa.core.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;

import io.paipa.core.CompletionCallback;
import io.paipa.core.Emitter;
import io.paipa.core.ErrorPolicy;
import io.paipa.core.ItemOutcome;
import io.paipa.core.PipelineFailedException;
import io.paipa.core.StepInput;
import io.paipa.core.StreamHandler;

/**
 * The worker of a {@link StreamHandler} step. Its input refills from the queue in
 * batches; outputs are handed on when the buffer is full and always before the worker
 * blocks for more input, so nothing waits behind an idle worker.
 *
 * <p>Completion tracking: an output is taken to derive from every tracked item consumed
 * since the previous output (and, for several outputs in a row, from the same items).
 * Consumed items settle when the outputs that hold them settle, or when the handler
 * returns or fails without emitting for them.
 */
final class StreamWorker extends Worker {

	private final Input input = new Input();

	private final StreamEmitter emitter = new StreamEmitter();

	/**
	 * Whether each output stands alone for the items consumed before it, as a chunk's
	 * does: the items then settle with that output, not when the next item comes (which,
	 * in a continuous pipeline, may be never).
	 */
	private final boolean settleWithOutput;

	StreamWorker(StepRuntime step, int index, Worker predecessor) {
		super(step, index, predecessor);
		this.settleWithOutput = step.definition.handler() instanceof ChunkHandler;
	}

	@Override
	@SuppressWarnings({ "unchecked", "rawtypes" })
	Exit work() throws Exception {
		StreamHandler handler = (StreamHandler) this.handler;
		while (true) {
			long consumedBefore = this.input.consumed;
			Exception failure = null;
			try {
				handler.process(this.input, this.emitter);
			}
			catch (Abort ex) {
				throw ex;
			}
			catch (Exception ex) {
				failure = ex;
			}
			this.busyNanos += this.input.stopBusy();
			if (failure == null && this.input.exit == BatchQueue.ABORTED) {
				throw Abort.INSTANCE;
			}
			if (failure == null) {
				this.input.endInvocation();
				publish();
				this.out.flush();
				if (this.input.exit != 0) {
					return exitFor(this.input.exit);
				}
				if (this.input.consumed == consumedBefore) {
					this.execution.fail(new PipelineFailedException(this.execution.name(), this.step.name(), null,
							"the stream handler returned without reading its input to the end; "
									+ "a StreamHandler must loop until hasNext() is false",
							null));
					throw Abort.INSTANCE;
				}
				continue;
			}
			if (this.execution.isAborted()) {
				throw Abort.INSTANCE;
			}
			boolean hadItem = this.input.hasCurrent;
			Object current = this.input.current;
			if (hadItem) {
				this.failed++;
				if (this.execution.listeners.perItem) {
					this.execution.listeners.itemProcessed(this.step.name(), ItemOutcome.FAILED, -1);
				}
			}
			if (this.step.policy == ErrorPolicy.SKIP && hadItem) {
				publish();
				// dead-letter first: a source acknowledging on completion must not run ahead
				this.execution.deadLetter(this.step.index, current, failure, 1, this.input.currentOrigins());
				this.input.settleHeld();
				this.out.flush();
				if (this.input.exit != 0 && this.input.isEnded()) {
					return exitFor(this.input.exit);
				}
				continue;
			}
			if (hadItem) {
				this.step.counters.abandoned.increment();
			}
			// under the fail policy what the handler held is abandoned: nothing settles
			this.input.forgetHeld();
			this.execution.fail(new PipelineFailedException(this.execution.name(), this.step.name(), current,
					hadItem ? "stream handler failed" : "stream handler failed before taking an item", failure));
			throw Abort.INSTANCE;
		}
	}

	@Override
	void onAbort() {
		// The handler worked on its current item. Items it took but emitted nothing for
		// stay unsettled (abandoned); outputs it did emit settle their items on their own.
		this.input.countCurrentProcessed();
		this.input.releaseGroup();
	}

	@Override
	int inHandler() {
		return this.input.hasCurrent ? 1 : 0;
	}

	@Override
	void onDeath(Throwable error) {
		boolean hadItem = this.input.hasCurrent;
		Object current = this.input.current;
		this.busyNanos += this.input.stopBusy();
		if (hadItem) {
			this.failed++;
			publish();
			if (this.execution.listeners.perItem) {
				this.execution.listeners.itemProcessed(this.step.name(), ItemOutcome.FAILED, -1);
			}
			this.execution.deadLetter(this.step.index, current, error, 1, this.input.currentOrigins());
		}
		this.input.settleHeld();
	}

	/** The handler's view of the queue. */
	private final class Input implements StepInput<Object> {

		/** 0 while the input goes on, else the take result that ended it. */
		int exit;

		Object current;

		boolean hasCurrent;

		long consumed;

		private ArrayList<Tracker> pending;

		/** The tracker of the outputs emitted since the last consumed item. */
		Tracker group;

		/** The tracker of the current item, {@code null} when it is untracked. */
		private Tracker currentTracker;

		private long busyStart;

		@Override
		public boolean hasNext() {
			if (StreamWorker.this.execution.isAborted() || StreamWorker.this.abandoned) {
				// no new item after an abort: the rest of the batch is left over
				this.exit = BatchQueue.ABORTED;
				return false;
			}
			return StreamWorker.this.inPos < StreamWorker.this.inLen || fill(-1);
		}

		@Override
		public Object next() {
			if (!hasNext()) {
				throw new NoSuchElementException("The input of step '" + StreamWorker.this.step.name() + "' has ended");
			}
			return consume();
		}

		@Override
		public Object poll(Duration timeout) {
			if (StreamWorker.this.execution.isAborted() || StreamWorker.this.abandoned) {
				this.exit = BatchQueue.ABORTED;
				return null;
			}
			if (StreamWorker.this.inPos < StreamWorker.this.inLen) {
				return consume();
			}
			long nanos = Math.max(0, timeout.toNanos());
			return fill(nanos) ? consume() : null;
		}

		@Override
		public boolean isEnded() {
			return this.exit != 0 && StreamWorker.this.inPos >= StreamWorker.this.inLen;
		}

		private Object consume() {
			StreamWorker worker = StreamWorker.this;
			Object raw = worker.in[worker.inPos];
			worker.in[worker.inPos++] = null;
			countCurrentProcessed();
			if (this.group != null) {
				this.group.release();
				this.group = null;
			}
			if (raw instanceof Tracked tracked) {
				if (this.pending == null) {
					this.pending = new ArrayList<>();
				}
				this.pending.add(tracked.tracker);
				this.currentTracker = tracked.tracker;
				raw = tracked.item;
			}
			else {
				this.currentTracker = null;
			}
			this.current = raw;
			this.hasCurrent = true;
			this.consumed++;
			return raw;
		}

		/**
		 * Refills the local batch: first without waiting; if nothing is there, hands the
		 * outputs on, then waits.
		 * @param timeoutNanos the longest wait, negative for no limit
		 * @return whether items came
		 */
		private boolean fill(long timeoutNanos) {
			if (this.exit != 0) {
				return false;
			}
			StreamWorker worker = StreamWorker.this;
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
			if (n < 0) {
				this.exit = n;
				return false;
			}
			if (n == 0) {
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

		/** The callbacks of the inputs the current item stands for, for its dead letter. */
		List<CompletionCallback> currentOrigins() {
			if (this.currentTracker == null) {
				return List.of();
			}
			List<CompletionCallback> origins = new ArrayList<>(1);
			this.currentTracker.collectOrigins(origins);
			return origins;
		}

		long stopBusy() {
			if (this.busyStart == 0) {
				return 0;
			}
			long nanos = Math.max(0, System.nanoTime() - this.busyStart - StreamWorker.this.blockedNanos);
			StreamWorker.this.blockedNanos = 0;
			this.busyStart = 0;
			StreamWorker.this.setBusy(0);
			return nanos;
		}

		/** The handler returned: the last item is processed, unattributed items settle. */
		void endInvocation() {
			countCurrentProcessed();
			settleHeld();
		}

		void countCurrentProcessed() {
			if (this.hasCurrent) {
				this.hasCurrent = false;
				StreamWorker worker = StreamWorker.this;
				worker.processed++;
				if (worker.execution.listeners.perItem) {
					worker.execution.listeners.itemProcessed(worker.step.name(), ItemOutcome.PROCESSED, -1);
				}
			}
		}

		void releaseGroup() {
			if (this.group != null) {
				this.group.release();
				this.group = null;
			}
		}

		/** Forgets what the handler held without settling it: it is abandoned. */
		void forgetHeld() {
			this.hasCurrent = false;
			this.current = null;
			this.group = null;
			if (this.pending != null) {
				this.pending.clear();
			}
		}

		/** Settles every item the handler took and emitted nothing for since. */
		void settleHeld() {
			this.hasCurrent = false;
			this.current = null;
			if (this.group != null) {
				this.group.release();
				this.group = null;
			}
			if (this.pending != null) {
				for (Tracker tracker : this.pending) {
					tracker.release();
				}
				this.pending.clear();
			}
		}

		Tracker takeGroup() {
			if (this.pending != null && !this.pending.isEmpty()) {
				if (this.group != null) {
					this.group.release();
				}
				this.group = (this.pending.size() == 1) ? this.pending.get(0)
						: new Tracker.Group(this.pending.toArray(new Tracker[0]));
				this.pending.clear();
			}
			return this.group;
		}

	}

	private final class StreamEmitter implements Emitter<Object> {

		@Override
		public void emit(Object item) {
			Objects.requireNonNull(item, () -> "Step '" + StreamWorker.this.step.name() + "' emitted null");
			if (StreamWorker.this.abandoned) {
				throw Abort.INSTANCE;
			}
			Tracker group = StreamWorker.this.input.takeGroup();
			if (group != null) {
				group.retain();
				StreamWorker.this.out.add(group.wrap(item));
				if (StreamWorker.this.settleWithOutput) {
					StreamWorker.this.input.releaseGroup();
				}
			}
			else {
				StreamWorker.this.out.add(item);
			}
		}

	}

}
