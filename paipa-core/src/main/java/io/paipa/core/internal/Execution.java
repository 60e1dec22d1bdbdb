package io.paipa.core.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.paipa.core.CompletionCallback;
import io.paipa.core.DeadLetter;
import io.paipa.core.ErrorPolicy;
import io.paipa.core.PipelineClosedException;
import io.paipa.core.PipelineFailedException;
import io.paipa.core.PipelineResult;
import io.paipa.core.PipelineSnapshot;
import io.paipa.core.PipelineState;
import io.paipa.core.RetryPolicy;
import io.paipa.core.StepSnapshot;
import io.paipa.core.StepStats;

/**
 * One run of a pipeline, batch or continuous: its queues, its step supervisors, its
 * state, and the end of it: draining, failing, aborting and accounting.
 *
 * <p>State lives in one atomic field; every wait of the caller's thread is on one
 * condition signalled by the events that can end it (all steps finished, a failure, the
 * workers opened). Ending is bounded: after a failure, or a stop past its timeout, the
 * queues are aborted (waking every blocked worker), workers are interrupted, and
 * whoever still has not ended after a short grace is named as stuck and abandoned.
 */
public final class Execution {

	private static final Logger logger = LoggerFactory.getLogger(Execution.class);

	private static final long ABORT_GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);

	private static final int MAX_SUPPRESSED = 16;

	/** Whether the run processes a finite source or runs until stopped. */
	public enum Mode {

		/** A finite source; ends by itself. */
		BATCH,

		/** Fed while running; ends at {@code stop()}. */
		CONTINUOUS

	}

	private final PipelineDefinition definition;

	private final Mode mode;

	final Listeners listeners;

	private final BatchQueue[] queues;

	private final StepRuntime[] steps;

	final LongAdder completed = new LongAdder();

	private final AtomicReference<PipelineState> state = new AtomicReference<>(PipelineState.NEW);

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition changed = this.lock.newCondition();

	private int stepsLeft;

	private boolean allFinished;

	private int workersToOpen;

	private final Object failureLock = new Object();

	private volatile PipelineFailedException failure;

	private int suppressed;

	private long failedAt;

	private volatile String lastError;

	private volatile boolean aborted;

	private volatile boolean deadLetterLeftovers;

	private volatile boolean closed;

	private final long startNanos;

	private volatile Thread source;

	/** Every worker thread of the run, so that the run can end only after they have. */
	private final ConcurrentLinkedQueue<Thread> threads = new ConcurrentLinkedQueue<>();

	private volatile boolean sourceStop;

	private PipelineResult result;

	public Execution(PipelineDefinition definition, int[] workers, Mode mode) {
		this.definition = definition;
		this.mode = mode;
		this.listeners = new Listeners(definition.name(), definition.listeners());
		int n = definition.steps().size();
		this.queues = new BatchQueue[n];
		this.steps = new StepRuntime[n];
		for (int i = 0; i < n; i++) {
			StepDefinition step = definition.steps().get(i);
			int capacity = (i == 0 && mode == Mode.CONTINUOUS && definition.inputCapacity() > 0)
					? definition.inputCapacity() : step.queueCapacity();
			this.queues[i] = new BatchQueue(capacity, workers[i]);
		}
		ErrorPolicy modeDefault = (mode == Mode.BATCH) ? ErrorPolicy.FAIL : ErrorPolicy.SKIP;
		for (int i = n - 1; i >= 0; i--) {
			StepDefinition step = definition.steps().get(i);
			ErrorPolicy policy = firstNonNull(step.errorPolicy(), definition.errorPolicy(), modeDefault);
			RetryPolicy retry = firstNonNull(step.retry(), definition.retry(), RetryPolicy.none());
			this.steps[i] = new StepRuntime(this, step, i, this.queues[i], (i + 1 < n) ? this.steps[i + 1] : null,
					policy, retry, workers[i]);
		}
		this.stepsLeft = n;
		this.startNanos = System.nanoTime();
	}

	@SafeVarargs
	private static <T> T firstNonNull(T... values) {
		for (T value : values) {
			if (value != null) {
				return value;
			}
		}
		throw new IllegalStateException("no value");
	}

	public String name() {
		return this.definition.name();
	}

	PipelineDefinition definition() {
		return this.definition;
	}

	public Mode mode() {
		return this.mode;
	}

	public PipelineState state() {
		return this.state.get();
	}

	boolean isAborted() {
		return this.aborted;
	}

	// ---- starting

	/**
	 * Starts every worker and waits until all have opened their handlers.
	 * @throws PipelineFailedException when a worker could not be opened
	 */
	public void start() {
		int started = 0;
		for (StepRuntime step : this.steps) {
			started += step.start(this.startNanos);
		}
		this.lock.lock();
		try {
			// workers may have opened already: they counted down from zero
			this.workersToOpen += started;
			while (this.workersToOpen > 0 && this.failure == null) {
				this.changed.awaitUninterruptibly();
			}
		}
		finally {
			this.lock.unlock();
		}
		if (this.failure != null) {
			awaitEnd(-1);
			throw finish(PipelineState.FAILED).failure();
		}
		setState(PipelineState.RUNNING);
		long interval = this.definition.progressInterval().toNanos();
		if (interval > 0) {
			Threads.create("paipa-" + name() + "-progress", new ProgressLog(this, interval), false).start();
		}
	}

	void workerOpened() {
		this.lock.lock();
		try {
			this.workersToOpen--;
			this.changed.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	// ---- batch

	/**
	 * Runs over a finite source: starts, pulls the source lazily as the first queue has
	 * room, and returns when everything has left the pipeline.
	 * @param source the items
	 * @return the result
	 * @throws PipelineFailedException when the run failed
	 */
	public PipelineResult runBatch(Iterator<?> source) {
		start();
		Thread pump = Threads.create("paipa-" + name() + "-source", () -> pump(source), false);
		this.source = pump;
		pump.start();
		awaitEnd(-1);
		PipelineResult result = finish(PipelineState.COMPLETED);
		if (result.failure() != null) {
			throw result.failure();
		}
		return result;
	}

	private void pump(Iterator<?> source) {
		BatchQueue queue = this.queues[0];
		StepCounters counters = this.steps[0].counters;
		Object[] buffer = new Object[this.steps[0].maxTake];
		try {
			boolean more = true;
			while (more && !this.sourceStop) {
				int room = queue.awaitRoom(buffer.length);
				int n = 0;
				while (n < room) {
					if (!source.hasNext()) {
						more = false;
						break;
					}
					Object item = source.next();
					if (item == null) {
						throw new NullPointerException("the source produced a null item");
					}
					buffer[n++] = item;
				}
				if (room == 0) {
					break;
				}
				if (n > 0 && !offerAll(queue, counters, buffer, n)) {
					break;
				}
			}
		}
		catch (Throwable ex) {
			if (!this.aborted) {
				fail(new PipelineFailedException(name(), "(source)", null, "the source failed", ex));
			}
		}
		finally {
			queue.close();
		}
	}

	private boolean offerAll(BatchQueue queue, StepCounters counters, Object[] buffer, int n) {
		int put = queue.put(buffer, 0, n, false, -1, counters.in);
		if (put < n) {
			counters.in.add(n - put);
			leftover(0, buffer, put, n);
			return false;
		}
		java.util.Arrays.fill(buffer, 0, n, null);
		return true;
	}

	// ---- continuous

	/**
	 * Starts a continuous run, fed through {@link #accept} and, if given, by a thread
	 * draining the caller's queue.
	 * @param sourceQueue the queue to drain, or {@code null}
	 */
	public void startContinuous(BlockingQueue<?> sourceQueue) {
		start();
		if (sourceQueue != null) {
			Thread drainer = Threads.create("paipa-" + name() + "-source", () -> drain(sourceQueue), false);
			this.source = drainer;
			drainer.start();
		}
	}

	private void drain(BlockingQueue<?> sourceQueue) {
		BatchQueue queue = this.queues[0];
		StepCounters counters = this.steps[0].counters;
		Object[] buffer = new Object[this.steps[0].maxTake];
		List<Object> more = new ArrayList<>(buffer.length);
		while (!this.sourceStop) {
			Object first;
			try {
				first = sourceQueue.take();
			}
			catch (InterruptedException ex) {
				continue;
			}
			buffer[0] = first;
			int n = 1;
			more.clear();
			sourceQueue.drainTo(more, buffer.length - 1);
			for (Object item : more) {
				buffer[n++] = item;
			}
			more.clear();
			if (!offerAll(queue, counters, buffer, n)) {
				return;
			}
		}
	}

	/**
	 * Adds one item from a user's thread.
	 * @param item the item
	 * @param callback the completion callback, or {@code null}
	 * @param timeoutNanos the longest wait for room, negative for no limit
	 * @return whether the item was taken
	 * @throws InterruptedException when interrupted while waiting
	 * @throws PipelineClosedException when the run does not accept input
	 */
	public boolean accept(Object item, CompletionCallback callback, long timeoutNanos) throws InterruptedException {
		if (this.state.get() != PipelineState.RUNNING || this.aborted) {
			throw notAccepting();
		}
		Object raw = (callback != null) ? new Tracked(item, new Tracker.Input(callback, this)) : item;
		Object[] one = { raw };
		BatchQueue queue = this.queues[0];
		if (queue.put(one, 0, 1, true, timeoutNanos, this.steps[0].counters.in) == 1) {
			return true;
		}
		if (Thread.interrupted()) {
			throw new InterruptedException("Interrupted while waiting for room in pipeline '" + name() + "'");
		}
		if (queue.isClosed() || queue.isAborted()) {
			throw notAccepting();
		}
		return false;
	}

	private PipelineClosedException notAccepting() {
		return new PipelineClosedException(
				"Pipeline '" + name() + "' does not accept items: it is " + this.state.get());
	}

	/**
	 * Stops intake, drains within the timeout, then aborts what is left: queued items and
	 * unsent outputs go to the dead-letter handler, stuck workers are named.
	 * @param timeout the longest time to drain
	 * @return the result
	 */
	public synchronized PipelineResult stop(Duration timeout) {
		if (this.result != null) {
			return this.result;
		}
		long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
		if (this.state.compareAndSet(PipelineState.RUNNING, PipelineState.DRAINING)) {
			this.listeners.stateChanged(PipelineState.RUNNING, PipelineState.DRAINING);
		}
		Thread drainer = this.source;
		if (drainer != null) {
			this.sourceStop = true;
			drainer.interrupt();
			joinUntil(drainer, deadline);
		}
		this.queues[0].close();
		if (!awaitEnd(deadline)) {
			recordError("stop did not drain within " + timeout + "; remaining items were dead-lettered");
			logger.warn("Pipeline '{}' did not drain within {}; aborting and dead-lettering what is left", name(),
					timeout);
			abort(true);
			awaitEnd(System.nanoTime() + ABORT_GRACE_NANOS);
		}
		return finish(PipelineState.STOPPED);
	}

	private static void joinUntil(Thread thread, long deadline) {
		long left = deadline - System.nanoTime();
		while (left > 0 && thread.isAlive()) {
			try {
				TimeUnit.NANOSECONDS.timedJoin(thread, left);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
			left = deadline - System.nanoTime();
		}
	}

	// ---- ending

	/**
	 * Waits until every step has finished, the deadline passes, or, after a failure, the
	 * shutdown timeout runs out.
	 * @param deadline a {@code System.nanoTime()} deadline, or negative for none
	 * @return whether every step finished
	 */
	boolean awaitEnd(long deadline) {
		long failureTimeout = this.definition.shutdownTimeout().toNanos();
		this.lock.lock();
		try {
			while (!this.allFinished) {
				long limit = deadline;
				if (this.failure != null) {
					long afterFailure = this.failedAt + failureTimeout;
					limit = (limit < 0) ? afterFailure : Math.min(limit, afterFailure);
				}
				if (limit < 0) {
					this.changed.awaitUninterruptibly();
					continue;
				}
				long left = limit - System.nanoTime();
				if (left <= 0) {
					return false;
				}
				try {
					this.changed.awaitNanos(left);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return this.allFinished;
				}
			}
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Waits up to {@code nanos} for the run to end; true when it ended. */
	boolean awaitEndFor(long nanos) {
		long deadline = System.nanoTime() + nanos;
		this.lock.lock();
		try {
			while (!this.allFinished && !this.closed) {
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

	void stepFinished() {
		this.lock.lock();
		try {
			if (--this.stepsLeft == 0) {
				this.allFinished = true;
			}
			this.changed.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Records the first failure (later ones as suppressed) and aborts the run. */
	void fail(PipelineFailedException ex) {
		boolean first = false;
		synchronized (this.failureLock) {
			if (this.failure == null) {
				this.failure = ex;
				this.failedAt = System.nanoTime();
				first = true;
			}
			else if (this.suppressed++ < MAX_SUPPRESSED) {
				this.failure.addSuppressed(ex);
			}
		}
		if (!first) {
			return;
		}
		recordError(ex.getMessage());
		if (this.mode == Mode.CONTINUOUS) {
			logger.error(ex.getMessage(), ex);
		}
		setState(PipelineState.FAILED);
		abort(false);
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
	 * @param deadLetter whether items left over are dead-lettered (a stop) rather than
	 * abandoned (a failure)
	 */
	private void abort(boolean deadLetter) {
		synchronized (this.failureLock) {
			if (this.aborted) {
				return;
			}
			this.deadLetterLeftovers = deadLetter;
			this.aborted = true;
		}
		this.sourceStop = true;
		for (BatchQueue queue : this.queues) {
			queue.abort();
		}
		for (StepRuntime step : this.steps) {
			for (Worker worker : step.liveWorkers()) {
				worker.thread.interrupt();
			}
		}
		Thread source = this.source;
		if (source != null) {
			source.interrupt();
		}
	}

	/** Builds the result once the run ended or was given up on. */
	private synchronized PipelineResult finish(PipelineState endState) {
		if (this.result != null) {
			return this.result;
		}
		List<String> stuck = new ArrayList<>();
		List<Worker> stuckWorkers = new ArrayList<>();
		for (StepRuntime step : this.steps) {
			for (Worker worker : step.liveWorkers()) {
				if (!worker.exited) {
					stuck.add(worker.name);
					stuckWorkers.add(worker);
				}
			}
		}
		Thread source = this.source;
		if (source != null && this.mode == Mode.BATCH && this.aborted) {
			// it ends on its own once it sees the abort, unless the caller's iterator blocks
			joinUntil(source, System.nanoTime() + ABORT_GRACE_NANOS);
			if (source.isAlive()) {
				stuck.add(source.getName());
			}
		}
		this.closed = true;
		for (Worker worker : stuckWorkers) {
			int held = worker.abandonAsStuck();
			logger.warn("Pipeline '{}': worker {} did not end after the shutdown timeout and an interrupt; "
					+ "abandoned with {} item(s). It is at:{}", name(), worker.name, held, stackOf(worker.thread));
		}
		if (this.failure != null && !stuck.isEmpty()) {
			this.failure.addSuppressed(new IllegalStateException("Worker threads " + stuck
					+ " did not end within the shutdown timeout of " + this.definition.shutdownTimeout()
					+ " after the failure and were abandoned with the items they held"));
		}
		joinEnded(stuckWorkers);
		for (int i = 0; i < this.queues.length; i++) {
			Object[] rest = this.queues[i].drain();
			leftoverNow(i, rest, 0, rest.length);
		}
		PipelineState finalState = (this.failure != null) ? PipelineState.FAILED : endState;
		setState(finalState);
		List<StepStats> stats = new ArrayList<>(this.steps.length);
		long dropped = 0;
		long deadLettered = 0;
		long abandoned = 0;
		for (StepRuntime step : this.steps) {
			StepStats s = step.counters.toStats(step.name());
			stats.add(s);
			dropped += s.dropped();
			deadLettered += s.deadLettered();
			abandoned += s.abandoned();
		}
		this.result = new PipelineResult(name(), finalState, Duration.ofNanos(System.nanoTime() - this.startNanos),
				this.steps[0].counters.in.sum(), this.completed.sum(), dropped, deadLettered, abandoned,
				List.copyOf(stats), List.copyOf(stuck), this.failure);
		this.lock.lock();
		try {
			this.changed.signalAll();
		}
		finally {
			this.lock.unlock();
		}
		logger.debug("{}", this.result);
		return this.result;
	}

	/** Registers a worker thread of this run; forgets those that have ended. */
	void register(Thread thread) {
		this.threads.removeIf((t) -> !t.isAlive() && t.getState() == Thread.State.TERMINATED);
		this.threads.add(thread);
	}

	/** Waits briefly for the threads that have finished their work to end. */
	private void joinEnded(List<Worker> stuck) {
		long deadline = System.nanoTime() + ABORT_GRACE_NANOS;
		for (Thread thread : this.threads) {
			if (thread == Thread.currentThread() || stuck.stream().anyMatch((w) -> w.thread == thread)) {
				continue;
			}
			joinUntil(thread, deadline);
		}
		Thread source = this.source;
		if (source != null && !this.aborted) {
			joinUntil(source, deadline);
		}
	}

	private static String stackOf(Thread thread) {
		StringBuilder sb = new StringBuilder();
		StackTraceElement[] frames = thread.getStackTrace();
		for (int i = 0; i < Math.min(8, frames.length); i++) {
			sb.append("\n\tat ").append(frames[i]);
		}
		return sb.toString();
	}

	// ---- items that cannot go on

	/** Hands an item to the dead-letter handler and settles its tracker. */
	void deadLetter(int step, Object item, Throwable cause, int attempts, Tracked envelope) {
		deadLetter(step, item, cause, attempts, Tracker.originsOf(envelope));
		Tracked.settle(envelope);
	}

	/** Hands an item to the dead-letter handler without settling anything. */
	void deadLetter(int step, Object item, Throwable cause, int attempts, List<CompletionCallback> origins) {
		StepRuntime runtime = this.steps[step];
		runtime.counters.deadLettered.increment();
		if (!(cause instanceof PipelineClosedException)) {
			recordError("step '" + runtime.name() + "' dead-lettered an item after " + attempts
					+ " attempt(s): " + cause);
		}
		try {
			this.definition.deadLetterHandler()
				.handle(new DeadLetter(name(), runtime.name(), item, cause, attempts, origins));
		}
		catch (Throwable ex) {
			logger.error("Pipeline '{}', step '{}': the dead-letter handler failed; the item still counts as "
					+ "dead-lettered: {}", name(), runtime.name(), PipelineFailedException.summarize(item), ex);
		}
	}

	/**
	 * Items that step {@code step} will never process because the run aborted: dead
	 * letters after a stop's timeout, abandoned after a failure.
	 */
	void leftover(int step, Object[] items, int from, int to) {
		if (this.closed) {
			// Only a worker abandoned as stuck gets here; its items were counted then.
			java.util.Arrays.fill(items, from, to, null);
			return;
		}
		leftoverNow(step, items, from, to);
	}

	private void leftoverNow(int step, Object[] items, int from, int to) {
		if (to <= from) {
			return;
		}
		if (!this.deadLetterLeftovers) {
			this.steps[step].counters.abandoned.add(to - from);
			java.util.Arrays.fill(items, from, to, null);
			return;
		}
		PipelineClosedException cause = new PipelineClosedException("Pipeline '" + name() + "' stopped before step '"
				+ this.steps[step].name() + "' could process the item (shutdown timeout ran out)");
		boolean redeliver = this.definition.redeliverTrackedAtStop();
		for (int i = from; i < to; i++) {
			Object raw = items[i];
			items[i] = null;
			if (redeliver && raw instanceof Tracked) {
				// its source delivers it again: never settled, counted as abandoned
				this.steps[step].counters.abandoned.increment();
				continue;
			}
			deadLetter(step, Tracked.unwrap(raw), cause, 0, (raw instanceof Tracked tracked) ? tracked : null);
		}
	}

	/** Sleeps for a retry's backoff; false when the run aborted meanwhile. */
	boolean pause(long nanos) {
		if (nanos > 0 && !this.aborted) {
			try {
				TimeUnit.NANOSECONDS.sleep(nanos);
			}
			catch (InterruptedException ex) {
				// only an abort interrupts workers
			}
		}
		return !this.aborted;
	}

	void recordError(String error) {
		this.lastError = error;
	}

	void callbackFailed(Throwable ex) {
		logger.warn("Pipeline '{}': a completion callback threw; ignored", name(), ex);
	}

	private void setState(PipelineState to) {
		PipelineState from = this.state.getAndSet(to);
		if (from != to) {
			this.listeners.stateChanged(from, to);
		}
	}

	// ---- control and insight

	/** Changes a step's worker count while running. */
	public void scale(int step, int workers) {
		if (!this.state.get().isTerminal()) {
			this.steps[step].scale(workers);
		}
	}

	public PipelineSnapshot snapshot() {
		long now = System.nanoTime();
		List<StepSnapshot> list = new ArrayList<>(this.steps.length);
		long dropped = 0;
		long deadLettered = 0;
		long abandoned = 0;
		for (StepRuntime step : this.steps) {
			StepSnapshot s = step.snapshot(now);
			list.add(s);
			dropped += s.stats().dropped();
			deadLettered += s.stats().deadLettered();
			abandoned += s.stats().abandoned();
		}
		return new PipelineSnapshot(name(), this.state.get(), this.steps[0].counters.in.sum(), this.completed.sum(),
				dropped, deadLettered, abandoned, List.copyOf(list), this.lastError);
	}

}
