package io.paipa.core.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import io.paipa.core.CompletionCallback;
import io.paipa.core.ErrorPolicy;
import io.paipa.core.PipelineClosedException;
import io.paipa.core.PipelineResult;
import io.paipa.core.PipelineSnapshot;
import io.paipa.core.PipelineState;
import io.paipa.core.RetryPolicy;
import io.paipa.core.StepSnapshot;

/**
 * One run of a pipeline, batch or continuous: its queues and step supervisors, wired to
 * its {@link Intake} (how items enter), its {@link Termination} (how it starts and ends)
 * and its {@link Ledger} (what happened to every item).
 */
public final class Execution implements Outage.Observer {

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

	final BatchQueue[] queues;

	final StepRuntime[] steps;

	final Ledger ledger;

	final Termination termination;

	final Intake intake;

	final long startNanos;

	/** The steps in an outage now: while any is, the input takes nothing. */
	private final AtomicInteger outages = new AtomicInteger();

	/** Every worker thread of the run, so that the run can end only after they have. */
	private final ConcurrentLinkedQueue<Thread> threads = new ConcurrentLinkedQueue<>();

	public Execution(PipelineDefinition definition, int[] workers, Mode mode) {
		this(definition, workers, mode, Termination.GRACE_NANOS);
	}

	/**
	 * A run whose threads that should end on their own are waited for {@code graceNanos}
	 * after it ended, failed or was cut off.
	 */
	Execution(PipelineDefinition definition, int[] workers, Mode mode, long graceNanos) {
		this.definition = definition;
		this.mode = mode;
		this.listeners = new Listeners(definition.name(), definition.listeners());
		this.ledger = new Ledger(definition);
		int n = definition.steps().size();
		this.queues = new BatchQueue[n];
		for (int i = 0; i < n; i++) {
			int capacity = (i == 0 && mode == Mode.CONTINUOUS) ? definition.inputCapacity()
					: definition.steps().get(i).queueCapacity();
			this.queues[i] = new BatchQueue(capacity, workers[i]);
		}
		this.steps = new StepRuntime[n];
		ErrorPolicy modeDefault = (mode == Mode.BATCH) ? ErrorPolicy.FAIL : ErrorPolicy.SKIP;
		for (int i = n - 1; i >= 0; i--) {
			StepDefinition step = definition.steps().get(i);
			ErrorPolicy policy = firstNonNull(step.errorPolicy(), definition.errorPolicy(), modeDefault);
			RetryPolicy retry = firstNonNull(step.retry(), definition.retry(), RetryPolicy.none());
			this.steps[i] = new StepRuntime(this, step, i, this.queues[i], (i + 1 < n) ? this.steps[i + 1] : null,
					policy, retry, workers[i]);
		}
		this.termination = new Termination(this, n, graceNanos);
		this.intake = new Intake(this, this.queues[0], this.ledger.counters(0));
		Outage[] deadLetterOutages = new Outage[n];
		for (int i = 0; i < n; i++) {
			deadLetterOutages[i] = this.steps[i].deadLetterOutage;
		}
		this.ledger.wire(deadLetterOutages, this.termination::pause);
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
		return this.termination.state();
	}

	// ---- running

	/**
	 * Starts every worker and waits until all have opened their handlers.
	 * @return whether the run is running (a stop may have come first)
	 * @throws io.paipa.core.PipelineFailedException when a worker could not be opened
	 */
	private boolean start() {
		int started = 0;
		for (StepRuntime step : this.steps) {
			started += step.start(this.startNanos);
		}
		boolean running = this.termination.awaitOpened(started);
		if (this.termination.isFailed()) {
			this.termination.awaitEnd(-1);
			throw this.termination.finish(PipelineState.FAILED).failure();
		}
		long interval = this.definition.progressInterval().toNanos();
		if (running && interval > 0) {
			Threads.create("paipa-" + name() + "-progress", new ProgressLog(this, interval), false).start();
		}
		return running;
	}

	/**
	 * Runs over a finite source: starts, pulls the source item by item, and returns when
	 * everything has left the pipeline, or when a stop (or an interrupt of the calling
	 * thread) has ended the run.
	 * @param source the items
	 * @return the result
	 * @throws io.paipa.core.PipelineFailedException when the run failed
	 */
	public PipelineResult runBatch(Iterator<?> source) {
		if (start()) {
			this.intake.startBatch(source);
		}
		else {
			this.intake.stop(System.nanoTime());
		}
		try {
			this.termination.awaitEndInterruptibly();
		}
		catch (InterruptedException ex) {
			PipelineResult result = stop(this.definition.shutdownTimeout());
			Thread.currentThread().interrupt();
			return result;
		}
		PipelineResult result = this.termination.isStopping() ? this.termination.awaitResult()
				: this.termination.finish(PipelineState.COMPLETED);
		if (result.failure() != null) {
			throw result.failure();
		}
		return result;
	}

	/**
	 * Starts a continuous run, fed through {@link #accept} and, if given, by a thread
	 * taking what comes into the caller's queue.
	 * @param sourceQueue the queue to drain, or {@code null}
	 */
	public void startContinuous(BlockingQueue<?> sourceQueue) {
		if (start() && sourceQueue != null) {
			this.intake.startDrain(sourceQueue);
		}
	}

	/**
	 * Adds one item from a caller's thread.
	 * @param item the item
	 * @param callback the completion callback, or {@code null}
	 * @param timeoutNanos the longest wait for room, negative for no limit
	 * @return whether the item was taken
	 * @throws InterruptedException when interrupted while waiting
	 * @throws PipelineClosedException when the run does not accept input
	 */
	public boolean accept(Object item, CompletionCallback callback, long timeoutNanos) throws InterruptedException {
		return this.intake.accept(item, callback, timeoutNanos);
	}

	/**
	 * Adds a marker from a caller's thread.
	 * @param marker the control object
	 * @param callback called when it has left the last step, or {@code null}
	 * @param timeoutNanos the longest wait for room, negative for no limit
	 * @return whether the marker was taken
	 * @throws InterruptedException when interrupted while waiting
	 * @throws PipelineClosedException when the run does not accept input
	 */
	public boolean acceptMarker(Object marker, CompletionCallback callback, long timeoutNanos)
			throws InterruptedException {
		return this.intake.acceptMarker(marker, callback, timeoutNanos);
	}

	/**
	 * Stops intake, drains within the timeout, then cuts off what is left: queued items
	 * and unsent outputs go to the dead-letter handler, stuck workers are named. Called
	 * from one of the run's own threads (a handler), it does not wait for itself: it
	 * stops intake, leaves the rest to a thread of its own, and returns the counts so
	 * far.
	 * @param timeout the longest time to drain
	 * @return the result
	 */
	public PipelineResult stop(Duration timeout) {
		long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
		if (!this.termination.beginStop()) {
			return this.termination.awaitResultUnless(isOwnThread(), this::provisionalResult);
		}
		// callers waiting at an outage see that intake stopped
		this.intake.gateChanged();
		if (isOwnThread()) {
			Threads.create("paipa-" + name() + "-stop", () -> this.termination.completeStop(deadline, timeout), false)
				.start();
			return provisionalResult();
		}
		return this.termination.completeStop(deadline, timeout);
	}

	private boolean isOwnThread() {
		Thread current = Thread.currentThread();
		return this.threads.contains(current) || current == this.intake.sourceThread();
	}

	private PipelineResult provisionalResult() {
		return this.ledger.result(state(), this.startNanos, List.of(), null);
	}

	// ---- outages

	@Override
	public void outageStarted(String step, Throwable cause) {
		this.outages.incrementAndGet();
		this.listeners.outageStarted(step, cause);
		this.intake.gateChanged();
	}

	@Override
	public void outageEnded(String step, Duration lasted) {
		this.outages.decrementAndGet();
		this.listeners.outageEnded(step, lasted);
		this.intake.gateChanged();
	}

	/** Whether a step is in an outage now. */
	boolean inOutage() {
		return this.outages.get() > 0;
	}

	// ---- workers

	/** Registers a worker thread of this run; forgets those that have ended. */
	void register(Thread thread) {
		this.threads.removeIf((t) -> t.getState() == Thread.State.TERMINATED);
		this.threads.add(thread);
	}

	Iterable<Thread> threads() {
		return this.threads;
	}

	// ---- control and insight

	/** Changes a step's worker count while running. */
	public void scale(int step, int workers) {
		if (!state().isTerminal()) {
			this.steps[step].scale(workers);
		}
	}

	/** One step as it is now, without the others. */
	public StepSnapshot stepSnapshot(int step) {
		return this.steps[step].snapshot(System.nanoTime());
	}

	public PipelineSnapshot snapshot() {
		long now = System.nanoTime();
		List<StepSnapshot> list = new ArrayList<>(this.steps.length);
		for (StepRuntime step : this.steps) {
			list.add(step.snapshot(now));
		}
		return this.ledger.snapshot(state(), list);
	}

}
