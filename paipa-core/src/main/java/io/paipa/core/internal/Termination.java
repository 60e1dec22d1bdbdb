package io.paipa.core.internal;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.paipa.core.PipelineFailedException;
import io.paipa.core.PipelineResult;
import io.paipa.core.PipelineState;

/**
 * How a run starts and ends, under one lock: its state, the workers still opening, the
 * steps still running, the first failure, a stop (drain, then cut off), the workers that
 * did not end, and the result.
 *
 * <p>
 * A run is aborted in one of two ways. A failure under the fail policy abandons what is
 * in flight: queues refuse everything, workers are interrupted and unwind. A stop whose
 * timeout ran out cuts the run off: queues refuse everything and workers are interrupted
 * too, but each worker finishes the item in its hands; what cannot go on is
 * dead-lettered. Either way, whoever has not ended after a short grace is named as stuck
 * and what it holds is counted as abandoned.
 */
final class Termination {

	private static final Logger logger = LoggerFactory.getLogger(Termination.class);

	/** How long a thread that should end on its own is waited for, by default. */
	static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);

	private static final int MAX_SUPPRESSED = 16;

	private final Execution execution;

	private final long graceNanos;

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition changed = this.lock.newCondition();

	private volatile PipelineState state = PipelineState.NEW;

	private int workersToOpen;

	private int stepsLeft;

	private PipelineFailedException failure;

	private int suppressed;

	private long failedAt;

	private volatile boolean failed;

	private volatile boolean cutOff;

	private boolean stopping;

	private boolean finishing;

	/**
	 * The threads completing a stop and building the result: a dead-letter handler, a
	 * callback or a listener they call must not wait for the result they are building.
	 */
	private volatile Thread stopper;

	private volatile Thread finisher;

	private volatile PipelineResult result;

	/**
	 * Creates the termination of a run.
	 * @param execution the run
	 * @param steps the number of its steps
	 * @param graceNanos how long a thread that should end on its own is waited for after
	 * the run ended, failed or was cut off
	 */
	Termination(Execution execution, int steps, long graceNanos) {
		this.execution = execution;
		this.stepsLeft = steps;
		this.graceNanos = graceNanos;
	}

	PipelineState state() {
		return this.state;
	}

	/** Whether the run failed: everything in flight is abandoned. */
	boolean isFailed() {
		return this.failed;
	}

	/**
	 * Whether a stop's timeout ran out: nothing new starts, what cannot go on is
	 * dead-lettered.
	 */
	boolean isCutOff() {
		return this.cutOff;
	}

	/** Whether the queues were aborted, by a failure or a cut-off. */
	boolean isAborted() {
		return this.failed || this.cutOff;
	}

	boolean isStopping() {
		this.lock.lock();
		try {
			return this.stopping;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Waits before a retry, unless the run aborted.
	 * @param nanos the pause
	 * @return false when the run aborted (before or during the pause), or the thread was
	 * interrupted for another reason (its interrupt status is then set again)
	 */
	boolean pause(long nanos) {
		if (nanos > 0 && !isAborted()) {
			try {
				TimeUnit.NANOSECONDS.sleep(nanos);
			}
			catch (InterruptedException ex) {
				if (!isAborted()) {
					Thread.currentThread().interrupt();
					return false;
				}
			}
		}
		return !isAborted();
	}

	// ---- starting

	/**
	 * Waits until the workers started so far have opened, a failure, or a cut-off; then
	 * the run is running, unless a stop or a failure came first.
	 * @param started the number of workers started
	 * @return whether the run is running
	 */
	boolean awaitOpened(int started) {
		this.lock.lock();
		try {
			// workers may have opened already: they counted down from zero
			this.workersToOpen += started;
			while (this.workersToOpen > 0 && this.failure == null && !this.cutOff) {
				this.changed.awaitUninterruptibly();
			}
			if (this.failure == null && !this.stopping && this.state == PipelineState.NEW) {
				setState(PipelineState.RUNNING);
			}
			return this.state == PipelineState.RUNNING;
		}
		finally {
			this.lock.unlock();
		}
	}

	void workerOpened() {
		signal(() -> this.workersToOpen--);
	}

	void stepFinished() {
		signal(() -> this.stepsLeft--);
	}

	private void signal(Runnable change) {
		this.lock.lock();
		try {
			change.run();
			this.changed.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	// ---- waiting for the end

	/**
	 * Waits until every step has finished, the result is built, the deadline passes, or,
	 * after a failure, the shutdown timeout runs out. An interrupt does not end the wait;
	 * the thread's interrupt status is set again afterwards.
	 * @param deadline a {@code System.nanoTime()} deadline, or negative for none
	 * @return whether the run ended
	 */
	boolean awaitEnd(long deadline) {
		boolean interrupted = false;
		try {
			while (true) {
				try {
					return awaitEnd(deadline, true);
				}
				catch (InterruptedException ex) {
					interrupted = true;
				}
			}
		}
		finally {
			if (interrupted) {
				Thread.currentThread().interrupt();
			}
		}
	}

	/** As {@link #awaitEnd(long)} with no deadline, but an interrupt ends the wait. */
	void awaitEndInterruptibly() throws InterruptedException {
		awaitEnd(-1, true);
	}

	private boolean awaitEnd(long deadline, boolean interruptible) throws InterruptedException {
		long failureTimeout = this.execution.definition().shutdownTimeout().toNanos();
		this.lock.lock();
		try {
			while (!ended()) {
				long limit = (this.failure == null) ? deadline : (deadline < 0) ? this.failedAt + failureTimeout
						: Math.min(deadline, this.failedAt + failureTimeout);
				if (limit < 0) {
					this.changed.await();
					continue;
				}
				long left = limit - System.nanoTime();
				if (left <= 0) {
					return false;
				}
				this.changed.awaitNanos(left);
			}
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	private boolean ended() {
		return this.stepsLeft <= 0 || this.result != null;
	}

	/** Waits up to {@code nanos} for the run to end; true when it ended. */
	boolean awaitEndFor(long nanos) {
		long deadline = System.nanoTime() + nanos;
		this.lock.lock();
		try {
			while (!ended()) {
				long left = deadline - System.nanoTime();
				if (left <= 0) {
					return false;
				}
				this.changed.awaitNanos(left);
			}
			return true;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	// ---- failing

	/** Records the first failure (later ones as suppressed) and aborts the run. */
	void fail(PipelineFailedException ex) {
		this.lock.lock();
		try {
			if (this.failure != null) {
				if (this.suppressed++ < MAX_SUPPRESSED) {
					this.failure.addSuppressed(ex);
				}
				return;
			}
			this.failure = ex;
			this.failedAt = System.nanoTime();
			this.failed = true;
			this.execution.ledger.abandonLeftovers();
			this.execution.ledger.recordError(ex.getMessage());
			setState(PipelineState.FAILED);
			this.changed.signalAll();
		}
		finally {
			this.lock.unlock();
		}
		if (this.execution.mode() == Execution.Mode.CONTINUOUS) {
			logger.error(ex.getMessage(), ex);
		}
		abortAll();
	}

	// ---- stopping

	/**
	 * Stops intake: the run drains. Only the first call does anything.
	 * @return whether this call began the stop
	 */
	boolean beginStop() {
		this.lock.lock();
		try {
			if (this.stopping || this.result != null) {
				return false;
			}
			this.stopping = true;
			this.stopper = Thread.currentThread();
			if (this.state == PipelineState.NEW || this.state == PipelineState.RUNNING) {
				setState(PipelineState.DRAINING);
			}
			// no wait ends on a stop alone: the drain ends it
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Drains until the deadline, then cuts the run off, and builds the result.
	 * @param deadline a {@code System.nanoTime()} deadline
	 * @param timeout the stop's timeout, for the log
	 * @return the result
	 */
	PipelineResult completeStop(long deadline, Duration timeout) {
		this.stopper = Thread.currentThread();
		this.execution.intake.stop(deadline);
		if (awaitEnd(deadline)) {
			return finish(PipelineState.STOPPED, System.nanoTime() + this.graceNanos);
		}
		this.execution.ledger
			.recordError("stop did not drain within " + timeout + "; remaining items were dead-lettered");
		logger.warn("Pipeline '{}' did not drain within {}; cutting it off and dead-lettering what is left",
				this.execution.name(), timeout);
		cutOff();
		// one grace for everything that should end on its own now
		long grace = System.nanoTime() + this.graceNanos;
		awaitEnd(grace);
		return finish(PipelineState.STOPPED, grace);
	}

	/**
	 * The result of a stop that another call began: waited for, unless the caller is one
	 * of the run's own threads, which gets the counts so far.
	 */
	PipelineResult awaitResultUnless(boolean ownThread, Supplier<PipelineResult> provisional) {
		PipelineResult done = this.result;
		if (done != null) {
			return done;
		}
		Thread current = Thread.currentThread();
		boolean building = current == this.stopper || current == this.finisher;
		return (ownThread || building) ? provisional.get() : awaitResult();
	}

	/** Waits for the result of a stop that another thread is completing. */
	PipelineResult awaitResult() {
		this.lock.lock();
		try {
			while (this.result == null) {
				this.changed.awaitUninterruptibly();
			}
			return this.result;
		}
		finally {
			this.lock.unlock();
		}
	}

	/** A batch run whose whole source went through before a stop cut anything short. */
	private boolean completedAnyway() {
		return this.execution.mode() == Execution.Mode.BATCH && this.execution.intake.isExhausted() && !this.cutOff;
	}

	private void cutOff() {
		this.cutOff = true;
		abortAll();
		this.lock.lock();
		try {
			this.changed.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Wakes and ends everything: queues refuse puts and takes, workers are interrupted.
	 */
	private void abortAll() {
		for (BatchQueue queue : this.execution.queues) {
			queue.abort();
		}
		for (StepRuntime step : this.execution.steps) {
			for (Worker worker : step.liveWorkers()) {
				worker.thread.interrupt();
			}
		}
		this.execution.intake.interruptSource();
	}

	// ---- the end

	/**
	 * Builds the result once the run ended or was given up on: counts what is left in the
	 * queues, names and abandons the workers that did not end, and waits briefly for the
	 * others. One thread builds it; others wait for it.
	 * @param endState the state of a run that neither failed nor was stopped
	 * @return the result, the same for every call
	 */
	PipelineResult finish(PipelineState endState) {
		return finish(endState, System.nanoTime() + this.graceNanos);
	}

	private PipelineResult finish(PipelineState endState, long graceDeadline) {
		this.lock.lock();
		try {
			if (this.finishing) {
				return awaitResult();
			}
			this.finishing = true;
			this.finisher = Thread.currentThread();
		}
		finally {
			this.lock.unlock();
		}
		List<String> stuck = Reckoning.reckon(this.execution, graceDeadline);
		this.lock.lock();
		try {
			PipelineState finalState = (this.failure != null) ? PipelineState.FAILED
					: (this.stopping && !completedAnyway()) ? PipelineState.STOPPED : endState;
			if (this.failure != null && !stuck.isEmpty()) {
				this.failure.addSuppressed(new IllegalStateException("Worker threads " + stuck
						+ " did not end within the shutdown timeout of " + this.execution.definition().shutdownTimeout()
						+ " after the failure and were abandoned with the items they held"));
			}
			setState(finalState);
			this.result = this.execution.ledger.result(finalState, this.execution.startNanos, stuck, this.failure);
			this.changed.signalAll();
		}
		finally {
			this.lock.unlock();
		}
		logger.debug("{}", this.result);
		return this.result;
	}

	private void setState(PipelineState to) {
		PipelineState from = this.state;
		this.state = to;
		if (from != to) {
			this.execution.listeners.stateChanged(from, to);
		}
	}

}
