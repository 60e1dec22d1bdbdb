package io.paipa.core.internal;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.paipa.core.ErrorPolicy;
import io.paipa.core.PipelineFailedException;
import io.paipa.core.RetryPolicy;
import io.paipa.core.StepKind;
import io.paipa.core.StepSnapshot;

/**
 * The supervisor of one step in one run: starts its workers, replaces those that die,
 * rescales, and closes the next step's queue when its last worker has ended with the
 * input.
 *
 * <p>Scaling down never interrupts: the supervisor asks workers to leave, and each
 * leaves between batches, after its outputs are handed on. Workers of a step that has
 * too few (one left while another was asked to stay) are topped up on exit.
 */
final class StepRuntime {

	private static final Logger logger = LoggerFactory.getLogger(StepRuntime.class);

	final Execution execution;

	final StepDefinition definition;

	final int index;

	final BatchQueue input;

	final BatchQueue output;

	final StepRuntime next;

	final boolean last;

	final StepCounters counters = new StepCounters();

	final ConcurrentHashMap<String, Object> shared = new ConcurrentHashMap<>();

	final ErrorPolicy policy;

	final RetryPolicy retry;

	final int maxTake;

	private final ReentrantLock lock = new ReentrantLock();

	private final List<Worker> workers = new ArrayList<>();

	private final BitSet usedIndexes = new BitSet();

	private volatile Worker[] live = new Worker[0];

	private volatile int configured;

	private boolean started;

	private boolean inputEnded;

	private final AtomicInteger deaths = new AtomicInteger();

	private boolean finished;

	private final AtomicReference<UtilizationWindow> utilization = new AtomicReference<>();

	StepRuntime(Execution execution, StepDefinition definition, int index, BatchQueue input, StepRuntime next,
			ErrorPolicy policy, RetryPolicy retry, int workers) {
		this.execution = execution;
		this.definition = definition;
		this.index = index;
		this.input = input;
		this.next = next;
		this.output = (next != null) ? next.input : null;
		this.last = next == null;
		this.policy = policy;
		this.retry = retry;
		this.configured = workers;
		this.maxTake = Math.max(1, input.capacity());
	}

	String name() {
		return this.definition.name();
	}

	int configuredWorkers() {
		return this.configured;
	}

	OutputBuffer newOutputBuffer() {
		return new OutputBuffer(this.execution, this.index + 1, this.output,
				(this.next != null) ? this.next.counters : null, Math.max(this.maxTake, 16));
	}

	/**
	 * Starts the initial workers, as many as configured now (a scale before this only
	 * changed the count).
	 * @return the number of workers started
	 */
	int start(long now) {
		this.utilization.set(new UtilizationWindow(now, 0, now, 0));
		this.lock.lock();
		try {
			this.started = true;
			this.input.setWorkers(this.configured);
			for (int i = 0; i < this.configured; i++) {
				startWorker(null);
			}
			return this.configured;
		}
		finally {
			this.lock.unlock();
		}
	}

	private void startWorker(Worker predecessor) {
		int index = (predecessor != null) ? predecessor.index : this.usedIndexes.nextClearBit(0);
		this.usedIndexes.set(index);
		Worker worker = (this.definition.kind() == StepKind.STREAM) ? new StreamWorker(this, index, predecessor)
				: new ItemWorker(this, index, predecessor);
		this.workers.add(worker);
		publishLive();
		this.execution.register(worker.thread);
		worker.thread.start();
	}

	private void publishLive() {
		this.live = this.workers.toArray(new Worker[0]);
	}

	/** Changes the number of workers while running. */
	void scale(int workers) {
		this.lock.lock();
		try {
			this.configured = workers;
			this.input.setWorkers(workers);
			if (!this.started || this.finished || this.inputEnded || this.execution.isAborted()) {
				return;
			}
			adjustLocked();
		}
		finally {
			this.lock.unlock();
		}
		this.input.wakeConsumers();
	}

	private void adjustLocked() {
		int staying = 0;
		for (Worker worker : this.workers) {
			if (!worker.leaving) {
				staying++;
			}
		}
		// Keep the lowest indexes, ask the highest to leave.
		for (int i = this.workers.size() - 1; i >= 0 && staying > this.configured; i--) {
			Worker worker = this.workers.get(i);
			if (!worker.leaving) {
				worker.leaving = true;
				staying--;
			}
		}
		for (int i = 0; i < this.workers.size() && staying < this.configured; i++) {
			Worker worker = this.workers.get(i);
			if (worker.leaving && !worker.exited) {
				worker.leaving = false;
				staying++;
			}
		}
		while (staying < this.configured) {
			startWorker(null);
			staying++;
		}
	}

	void opened(Worker worker) {
		this.execution.workerOpened();
		this.execution.listeners.workerStarted(name(), worker.name);
	}

	void openFailed(Worker worker, Throwable error) {
		this.execution.fail(new PipelineFailedException(this.execution.name(), name(), null,
				"worker " + worker.name + " could not be opened", error));
		this.execution.workerOpened();
	}

	/** A worker ended normally, left, or ended with the abort. */
	void exited(Worker worker, Worker.Exit exit) {
		// before the step can finish, so that every event is out when the run returns
		this.execution.listeners.workerStopped(name(), worker.name);
		boolean finishedNow = false;
		this.lock.lock();
		try {
			removeLocked(worker);
			if (exit == Worker.Exit.ENDED) {
				this.inputEnded = true;
			}
			if (!this.finished && this.workers.isEmpty() && (this.inputEnded || this.execution.isAborted())) {
				this.finished = true;
				finishedNow = true;
			}
			else if (!this.finished && !this.inputEnded && !this.execution.isAborted()) {
				adjustLocked();
			}
		}
		finally {
			this.lock.unlock();
		}
		if (finishedNow) {
			finish();
		}
	}

	/** A worker died of an unexpected error: replace it, unless it died too often. */
	void died(Worker worker, Throwable error) {
		this.execution.listeners.workerStopped(name(), worker.name);
		int deaths = this.deaths.incrementAndGet();
		String message = "worker " + worker.name + " died (restart " + deaths + " of at most "
				+ this.execution.definition().maxRestarts() + ")";
		this.execution.recordError(message + ": " + error);
		boolean limit = deaths > this.execution.definition().maxRestarts();
		if (limit) {
			this.execution.fail(new PipelineFailedException(this.execution.name(), name(), null,
					"workers died " + deaths + " times, more than the restart limit of "
							+ this.execution.definition().maxRestarts(),
					error));
		}
		else {
			logger.warn("Pipeline '{}', step '{}': {}; starting a replacement", this.execution.name(), name(),
					message, error);
		}
		boolean replaced = false;
		this.lock.lock();
		try {
			if (!limit && !this.execution.isAborted() && !this.finished) {
				this.workers.remove(worker);
				startWorker(worker);
				this.counters.restarts.incrementAndGet();
				replaced = true;
			}
		}
		finally {
			this.lock.unlock();
		}
		if (replaced) {
			this.execution.listeners.workerRestarted(name(), worker.name, error);
			return;
		}
		worker.abandonHeld();
		removeAndMaybeFinish(worker);
	}

	private void removeAndMaybeFinish(Worker worker) {
		boolean finishedNow = false;
		this.lock.lock();
		try {
			removeLocked(worker);
			if (!this.finished && this.workers.isEmpty() && (this.inputEnded || this.execution.isAborted())) {
				this.finished = true;
				finishedNow = true;
			}
		}
		finally {
			this.lock.unlock();
		}
		if (finishedNow) {
			finish();
		}
	}

	private void removeLocked(Worker worker) {
		if (this.workers.remove(worker)) {
			this.usedIndexes.clear(worker.index);
			publishLive();
		}
	}

	private void finish() {
		if (this.output != null) {
			this.output.close();
		}
		this.execution.stepFinished();
	}

	Worker[] liveWorkers() {
		return this.live;
	}

	StepSnapshot snapshot(long now) {
		Worker[] workers = this.live;
		int busy = 0;
		long longest = 0;
		long inProgress = 0;
		for (Worker worker : workers) {
			long since = worker.busySince();
			if (since != 0) {
				busy++;
				long nanos = Math.max(0, now - since);
				inProgress += nanos;
				longest = Math.max(longest, nanos);
			}
		}
		long busyTotal = this.counters.busyNanos.sum() + inProgress;
		return new StepSnapshot(name(), this.definition.kind(), Types.name(this.definition.inputType()),
				Types.name(this.definition.outputType()), this.configured, workers.length, busy, this.input.size(),
				this.input.capacity(), this.counters.toStats(name()), utilization(now, busyTotal), longest,
				this.input.isClosed() && this.input.size() == 0);
	}

	private double utilization(long now, long busyTotal) {
		UtilizationWindow window = this.utilization.get();
		if (window == null) {
			return 0.0;
		}
		if (now - window.newerTime >= UtilizationWindow.STEP_NANOS) {
			UtilizationWindow moved = new UtilizationWindow(window.newerTime, window.newerBusy, now, busyTotal);
			this.utilization.compareAndSet(window, moved);
		}
		long elapsed = now - window.olderTime;
		int workers = Math.max(1, this.configured);
		if (elapsed <= 0) {
			return 0.0;
		}
		double value = (double) (busyTotal - window.olderBusy) / ((double) elapsed * workers);
		return Math.max(0.0, Math.min(1.0, value));
	}

	/** Two samples of busy time: utilization is measured from the older one, 1 to 2 s back. */
	private record UtilizationWindow(long olderTime, long olderBusy, long newerTime, long newerBusy) {

		static final long STEP_NANOS = 1_000_000_000L;

	}

}
