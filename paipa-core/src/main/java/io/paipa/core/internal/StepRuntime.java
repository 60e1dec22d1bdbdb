package io.paipa.core.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.paipa.core.ErrorPolicy;
import io.paipa.core.OutagePolicy;
import io.paipa.core.PipelineFailedException;
import io.paipa.core.RetryPolicy;
import io.paipa.core.StepKind;
import io.paipa.core.StepSnapshot;

/**
 * The supervisor of one step in one run: starts its workers, replaces those that die,
 * rescales, and closes the next step's queue when its last worker has ended with the
 * input.
 *
 * <p>
 * Scaling down never interrupts: the supervisor asks workers to leave, and each leaves
 * between batches, after its outputs are handed on. Workers of a step that has too few
 * (one left while another was asked to stay) are topped up on exit. Every worker is
 * registered with the step's queue as a consumer from its start to its end, so that a
 * marker waits for all of them.
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

	final StepCounters counters;

	final ConcurrentHashMap<String, Object> shared = new ConcurrentHashMap<>();

	final ErrorPolicy policy;

	final RetryPolicy retry;

	final int maxTake;

	/** The outage of what the step's handler depends on, as its failures tell. */
	final Outage outage;

	/** The outage of the dead-letter handler, for this step's dead letters. */
	final Outage deadLetterOutage;

	private final ReentrantLock lock = new ReentrantLock();

	private final List<Worker> workers = new ArrayList<>();

	private final BitSet usedIndexes = new BitSet();

	private volatile Worker[] live = new Worker[0];

	private volatile int configured;

	private boolean started;

	private boolean inputEnded;

	private final AtomicInteger deaths = new AtomicInteger();

	private boolean finished;

	private final Utilization utilization = new Utilization();

	StepRuntime(Execution execution, StepDefinition definition, int index, BatchQueue input, StepRuntime next,
			ErrorPolicy policy, RetryPolicy retry, int workers) {
		this.execution = execution;
		this.definition = definition;
		this.index = index;
		this.input = input;
		this.next = next;
		this.output = (next != null) ? next.input : null;
		this.last = next == null;
		this.counters = execution.ledger.counters(index);
		this.policy = policy;
		this.retry = retry;
		this.configured = workers;
		this.maxTake = Math.max(1, input.capacity());
		OutagePolicy outage = (definition.outage() != null) ? definition.outage() : execution.definition().outage();
		this.outage = new Outage(execution.name(), definition.name(), "step", outage, execution);
		this.deadLetterOutage = new Outage(execution.name(), definition.name(), "dead-letter handler", outage,
				execution);
	}

	String name() {
		return this.definition.name();
	}

	int configuredWorkers() {
		return this.configured;
	}

	OutputBuffer newOutputBuffer() {
		return new OutputBuffer(this.execution, this.index + 1, this.output, Math.max(this.maxTake, 16));
	}

	/**
	 * Starts the initial workers, as many as configured now (a scale before this only
	 * changed the count).
	 * @return the number of workers started
	 */
	int start(long now) {
		this.utilization.start(now);
		this.lock.lock();
		try {
			this.started = true;
			this.input.setWorkers(this.configured);
			for (int i = 0; i < this.configured; i++) {
				startWorker(null, true);
			}
			return this.configured;
		}
		finally {
			this.lock.unlock();
		}
	}

	private void startWorker(Worker predecessor, boolean initial) {
		int index = (predecessor != null) ? predecessor.index : this.usedIndexes.nextClearBit(0);
		this.usedIndexes.set(index);
		Worker worker = (this.definition.kind() == StepKind.STREAM) ? new StreamWorker(this, index, predecessor)
				: new ItemWorker(this, index, predecessor);
		worker.initial = initial;
		this.workers.add(worker);
		this.input.register();
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
			if (!this.started || this.finished || this.inputEnded || this.execution.termination.isAborted()) {
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
			startWorker(null, false);
			staying++;
		}
	}

	void opened(Worker worker) {
		// told before it counts as opened: start() returns after every listener heard of
		// it
		this.execution.listeners.workerStarted(name(), worker.name);
		if (worker.initial) {
			this.execution.termination.workerOpened();
		}
	}

	void openFailed(Worker worker, Throwable error) {
		if (!this.execution.termination.isAborted()) {
			this.execution.termination.fail(new PipelineFailedException(this.execution.name(), name(), null,
					"worker " + worker.name + " could not be opened", error));
		}
		if (worker.initial) {
			this.execution.termination.workerOpened();
		}
	}

	/** A worker ended normally, left, or ended with the abort. */
	void exited(Worker worker, Worker.Exit exit) {
		// before the step can finish, so that every event is out when the run returns
		this.execution.listeners.workerStopped(name(), worker.name);
		boolean finishedNow;
		this.lock.lock();
		try {
			removeLocked(worker);
			if (exit == Worker.Exit.ENDED) {
				this.inputEnded = true;
			}
			finishedNow = finishIfLastLocked();
			if (!this.finished && !this.inputEnded && !this.execution.termination.isAborted()) {
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
		int limit = this.execution.definition().maxRestarts();
		String message = "worker " + worker.name + " died (restart " + deaths + " of at most " + limit + ")";
		this.execution.ledger.recordError(message + ": " + error);
		if (deaths > limit) {
			this.execution.termination.fail(new PipelineFailedException(this.execution.name(), name(), null,
					"workers died " + deaths + " times, more than the restart limit of " + limit, error));
		}
		else {
			logger.warn("Pipeline '{}', step '{}': {}; starting a replacement", this.execution.name(), name(), message,
					error);
		}
		if (deaths <= limit && replace(worker)) {
			this.execution.listeners.workerRestarted(name(), worker.name, error);
			return;
		}
		worker.abandonHeld();
		boolean finishedNow;
		this.lock.lock();
		try {
			removeLocked(worker);
			finishedNow = finishIfLastLocked();
		}
		finally {
			this.lock.unlock();
		}
		if (finishedNow) {
			finish();
		}
	}

	private boolean replace(Worker worker) {
		this.lock.lock();
		try {
			if (this.execution.termination.isAborted() || this.finished) {
				return false;
			}
			// the replacement counts as a consumer before the dead worker stops counting,
			// so
			// that a marker cannot be handed out between the two while its outputs wait
			this.workers.remove(worker);
			startWorker(worker, false);
			this.input.deregister();
			this.counters.restarts.incrementAndGet();
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	private boolean finishIfLastLocked() {
		if (!this.finished && this.workers.isEmpty() && (this.inputEnded || this.execution.termination.isAborted())) {
			this.finished = true;
			return true;
		}
		return false;
	}

	private void removeLocked(Worker worker) {
		if (this.workers.remove(worker)) {
			this.usedIndexes.clear(worker.index);
			this.input.deregister();
			publishLive();
		}
	}

	private void finish() {
		if (this.output != null) {
			this.output.close();
		}
		this.execution.termination.stepFinished();
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
				this.input.capacity(), this.counters.toStats(name()),
				this.utilization.at(now, busyTotal, this.configured), longest,
				this.input.isClosed() && this.input.size() == 0, outageBegan(), outageError());
	}

	private Instant outageBegan() {
		Instant began = this.outage.began();
		return (began != null) ? began : this.deadLetterOutage.began();
	}

	private String outageError() {
		String error = this.outage.error();
		if (error != null) {
			return error;
		}
		error = this.deadLetterOutage.error();
		return (error != null) ? "the dead-letter handler failed: " + error : null;
	}

}
