package io.paipa.core;

import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.function.Consumer;
import java.util.stream.Stream;

import io.paipa.core.internal.Autoscaler;
import io.paipa.core.internal.Execution;
import io.paipa.core.internal.InlineRunner;
import io.paipa.core.internal.PipelineDefinition;
import io.paipa.core.internal.StepDefinition;
import io.paipa.core.internal.Threads;
import io.paipa.core.internal.Types;

/**
 * An ordered list of steps, each with its own worker threads, joined by bounded queues.
 * Built with {@link #builder(String)}; the output type of each step is the input type of
 * the next.
 *
 * <p>
 * Two ways to run it:
 * <ul>
 * <li>batch: {@link #run(Iterable)} pulls a finite source lazily, blocks until every item
 * has left the pipeline, ends every worker thread and returns a {@link PipelineResult};
 * <li>continuous: {@link #start()}, feed it through {@link #input()} (or let it drain a
 * {@link BlockingQueue} with {@link #start(BlockingQueue)}), and {@link #stop()} it.
 * </ul>
 * A pipeline runs once at a time; after a run has ended it can run again.
 *
 * <p>
 * Items in flight are bounded: a step holds at most
 * {@code capacity + max(capacity, workers)} items, waiting in its queue or in its
 * workers' hands, so with one-to-one steps the pipeline holds at most the sum of those
 * over its steps, whatever the size of the input. Stream steps hold what their handler
 * keeps on top of that (a chunk's partial list per worker).
 *
 * <p>
 * Steps can size themselves: see {@link Builder#autoscale(AutoscalePolicy)}.
 *
 * @param <I> the type of the pipeline's input items
 */
public final class Pipeline<I> {

	private final PipelineDefinition definition;

	private final int[] workers;

	private final Object lifecycle = new Object();

	private final Input input = new Input();

	private volatile Run run = new Run(null, null);

	/** The autoscaling, or {@code null} when every step's workers are fixed. */
	private final Autoscaler autoscaler;

	private Pipeline(PipelineDefinition definition, AutoscalePolicy autoscale) {
		this.definition = definition;
		this.workers = definition.steps().stream().mapToInt(StepDefinition::workers).toArray();
		this.autoscaler = (autoscale != null) ? new Autoscaler(definition.name(), autoscale, stepNames()) : null;
	}

	/**
	 * Starts building a pipeline.
	 * @param <I> the type of the pipeline's input items
	 * @param name the pipeline's name, used in thread names, logs and metrics
	 * @return a builder
	 */
	public static <I> Builder<I, I> builder(String name) {
		return new Builder<>(name);
	}

	/**
	 * Returns the pipeline's name.
	 * @return the name
	 */
	public String name() {
		return this.definition.name();
	}

	/**
	 * Returns the names of the steps in order.
	 * @return the step names
	 */
	public List<String> stepNames() {
		return this.definition.steps().stream().map(StepDefinition::name).toList();
	}

	/**
	 * Returns the state of the current or last run.
	 * @return the state, {@code NEW} before the first run
	 */
	public PipelineState state() {
		Execution execution = this.run.execution();
		return (execution != null) ? execution.state() : PipelineState.NEW;
	}

	/**
	 * Tells whether a run is going on (running or draining).
	 * @return {@code true} while running or draining
	 */
	public boolean isRunning() {
		PipelineState state = state();
		return state == PipelineState.RUNNING || state == PipelineState.DRAINING;
	}

	/**
	 * Runs the pipeline over a finite source, in batch mode; see {@link #run(Iterator)}.
	 * @param source the items
	 * @return the result
	 */
	public PipelineResult run(Iterable<? extends I> source) {
		Objects.requireNonNull(source, "source must not be null");
		return run(source.iterator());
	}

	/**
	 * Runs the pipeline over a stream, in batch mode, and closes the stream.
	 * @param source the items
	 * @return the result
	 */
	public PipelineResult run(Stream<? extends I> source) {
		Objects.requireNonNull(source, "source must not be null");
		try (source) {
			return run(source.iterator());
		}
	}

	/**
	 * Runs the pipeline over a finite source, in batch mode. A source thread pulls the
	 * iterator item by item, handing each item on as soon as it has it, and only as fast
	 * as the first queue has room, so a source larger than memory works. Blocks until
	 * every item has left the pipeline and every worker thread has ended. The error
	 * policy defaults to {@link ErrorPolicy#FAIL}. The source may yield {@link Marker}s
	 * among its items.
	 *
	 * <p>
	 * A run can be cancelled: {@link #stop(Duration)} from another thread, or an
	 * interrupt of the thread blocked here, stops pulling the source, drains what was
	 * pulled within the shutdown timeout and returns the result with the state
	 * {@link PipelineState#STOPPED} (after an interrupt, with the thread's interrupt
	 * status set again).
	 * @param source the items; never {@code null} items
	 * @return the result
	 * @throws PipelineFailedException when a step failed under the fail policy, a worker
	 * could not be opened, workers died too often, or the source threw
	 * @throws IllegalStateException when the pipeline is running already
	 */
	public PipelineResult run(Iterator<? extends I> source) {
		Objects.requireNonNull(source, "source must not be null");
		return begin(Execution.Mode.BATCH).runBatch(source);
	}

	/**
	 * Runs the pipeline over a finite source that yields {@link Marker}s among its items
	 * (say a marker after the lines of each file), in batch mode; otherwise as
	 * {@link #run(Iterator)}. Elements that are not markers are the pipeline's items.
	 * @param source items of the pipeline's input type, and markers
	 * @return the result
	 * @throws PipelineFailedException when a step failed under the fail policy
	 * @throws IllegalStateException when the pipeline is running already
	 */
	public PipelineResult runWithMarkers(Iterable<?> source) {
		Objects.requireNonNull(source, "source must not be null");
		return begin(Execution.Mode.BATCH).runBatch(source.iterator());
	}

	/**
	 * Runs the pipeline over a stream that yields {@link Marker}s among its items, and
	 * closes the stream; see {@link #runWithMarkers(Iterable)}.
	 * @param source items of the pipeline's input type, and markers
	 * @return the result
	 */
	public PipelineResult runWithMarkers(Stream<?> source) {
		Objects.requireNonNull(source, "source must not be null");
		try (source) {
			return begin(Execution.Mode.BATCH).runBatch(source.iterator());
		}
	}

	/**
	 * Runs the same steps in the caller's thread, without queues or worker threads: the
	 * original paipa's co-routine pipeline. Useful for tests, debugging and profiling:
	 * each step's count, handler time and items per second are in the result. Worker
	 * counts and capacities are ignored; retries, error policies, dead letters, markers
	 * and listener events are those of a threaded run with one worker per step, as the
	 * same code handles each item. At most one stream step other than the built-in
	 * {@code chunk} is supported, and chunks ignore their max-wait.
	 * @param source the items
	 * @return the result
	 * @throws PipelineFailedException when a step failed under the fail policy
	 */
	public PipelineResult runInline(Iterable<? extends I> source) {
		Objects.requireNonNull(source, "source must not be null");
		return InlineRunner.run(this.definition, source.iterator());
	}

	/**
	 * Starts the pipeline in continuous mode, fed through {@link #input()}. Returns once
	 * every worker has opened its handler. The error policy defaults to
	 * {@link ErrorPolicy#SKIP}. A {@link #stop()} that comes while the workers are still
	 * opening wins: this method then returns and the pipeline is stopped.
	 * @throws PipelineFailedException when a worker could not be opened
	 * @throws IllegalStateException when the pipeline is running already
	 */
	public void start() {
		start(null);
	}

	/**
	 * Starts the pipeline in continuous mode, draining the given queue (the caller keeps
	 * owning it: items still in it at {@link #stop()} stay there) as well as accepting
	 * items through {@link #input()}. Each item taken from the queue is accepted: it ends
	 * like any other, whenever the stop comes. {@link Marker}s in the queue are passed
	 * through the steps as markers.
	 * @param source the queue to drain, or {@code null} for none
	 * @throws PipelineFailedException when a worker could not be opened
	 * @throws IllegalStateException when the pipeline is running already
	 */
	public void start(BlockingQueue<? extends I> source) {
		begin(Execution.Mode.CONTINUOUS).startContinuous(source);
	}

	private Execution begin(Execution.Mode mode) {
		synchronized (this.lifecycle) {
			Execution execution = this.run.execution();
			if (execution != null && !execution.state().isTerminal()) {
				throw new IllegalStateException("Pipeline '" + name() + "' is already running ("
						+ execution.state().name().toLowerCase() + ", " + execution.mode().name().toLowerCase() + "); "
						+ ((execution.mode() == Execution.Mode.BATCH)
								? "wait for run(...) to return before running it again"
								: "stop() it before running it again"));
			}
			synchronized (this.workers) {
				// under the workers' lock: a concurrent scale() applies to this run or
				// the next
				PipelineSnapshot carried = (execution != null)
						? Snapshots.plus(this.run.carried(), execution.snapshot()) : null;
				execution = new Execution(this.definition, this.workers.clone(), mode);
				this.run = new Run(execution, carried);
			}
			if (this.autoscaler != null) {
				this.autoscaler.start(execution, this::applyAutoscaled);
			}
			return execution;
		}
	}

	/**
	 * Returns the input of the continuous pipeline. The same object serves every start;
	 * it refuses items while the pipeline is not running.
	 * @return the input
	 */
	public PipelineInput<I> input() {
		return this.input;
	}

	/**
	 * Stops the pipeline within the configured shutdown timeout.
	 * @return the result
	 * @see #stop(Duration)
	 */
	public PipelineResult stop() {
		return stop(this.definition.shutdownTimeout());
	}

	/**
	 * Stops the pipeline, continuous or batch: intake stops at once (a batch run pulls no
	 * more of its source), queued and in-flight items are finished for up to
	 * {@code timeout}; then the queues are cut off and workers interrupted: each worker
	 * finishes the item in its hands, and whatever could not be finished goes to the
	 * dead-letter handler. Returns within the timeout plus about a second even when a
	 * handler ignores interrupts; such workers are named in the log and the result, and
	 * the items they hold are counted as abandoned. Calling it again, or after the run
	 * ended, returns the same result; a batch run's {@code run} returns it too.
	 *
	 * <p>
	 * Called from one of the pipeline's own threads (a handler, a callback, a dead-letter
	 * handler), it does not wait for itself: it stops intake, leaves the rest of the stop
	 * to a thread of its own, and returns the counts so far with the state
	 * {@link PipelineState#DRAINING}.
	 * @param timeout the longest time to drain
	 * @return the result
	 * @throws IllegalStateException when the pipeline was never run
	 */
	public PipelineResult stop(Duration timeout) {
		Objects.requireNonNull(timeout, "timeout must not be null");
		Execution execution = this.run.execution();
		if (execution == null) {
			throw new IllegalStateException(
					"Pipeline '" + name() + "' was not started; stop() ends what start() " + "or run() began");
		}
		return execution.stop(timeout);
	}

	/**
	 * Changes the number of workers of a step. While running, new workers start at once,
	 * and removed ones leave after handing on their current batch: no item is lost or
	 * processed twice. The count also applies to later runs.
	 *
	 * <p>
	 * An autoscaled step is pinned at this count: the controller leaves it alone,
	 * whatever its bounds, until {@link #resumeAutoscale(String)}.
	 * @param step the step's name
	 * @param workers the new count, at least 1
	 * @throws IllegalArgumentException when there is no such step or the count is below 1
	 */
	public void scale(String step, int workers) {
		int index = indexOf(step);
		if (workers < 1) {
			throw new IllegalArgumentException("Step '" + step + "': workers must be at least 1 but was " + workers);
		}
		synchronized (this.workers) {
			if (this.autoscaler != null) {
				this.autoscaler.pin(index);
			}
			this.workers[index] = workers;
			Execution execution = this.run.execution();
			if (execution != null) {
				execution.scale(index, workers);
			}
		}
	}

	/**
	 * Hands an autoscaled step that a {@link #scale(String, int)} pinned back to the
	 * controller, which sizes it again from its current count within its bounds. Does
	 * nothing for a step that is not pinned.
	 * @param step the step's name
	 * @throws IllegalArgumentException when there is no such step or it is not autoscaled
	 */
	public void resumeAutoscale(String step) {
		int index = indexOf(step);
		if (this.autoscaler == null || !this.autoscaler.isAutoscaled(index)) {
			throw new IllegalArgumentException("Step '" + step + "' of pipeline '" + name()
					+ "' is not autoscaled; its workers change only with scale(...)"
					+ ((this.autoscaler != null) ? "; the autoscaled steps are " + autoscaledSteps() : ""));
		}
		this.autoscaler.release(index);
	}

	/**
	 * Returns the pipeline's autoscaling policy.
	 * @return the policy given to {@link Builder#autoscale(AutoscalePolicy)}, or empty
	 * when every step's workers are fixed
	 */
	public Optional<AutoscalePolicy> autoscalePolicy() {
		return Optional.ofNullable((this.autoscaler != null) ? this.autoscaler.policy() : null);
	}

	private List<String> autoscaledSteps() {
		List<String> names = stepNames();
		return names.stream().filter((name) -> this.autoscaler.isAutoscaled(names.indexOf(name))).toList();
	}

	private int indexOf(String step) {
		int index = this.definition.indexOf(step);
		if (index < 0) {
			throw new IllegalArgumentException(
					"Pipeline '" + name() + "' has no step '" + step + "'; its steps are " + stepNames());
		}
		return index;
	}

	/**
	 * Sets a worker count the controller decided for a run, unless the step was pinned
	 * meanwhile or the run is no longer the current one.
	 */
	private boolean applyAutoscaled(Execution run, int index, int workers) {
		synchronized (this.workers) {
			if (this.run.execution() != run || this.autoscaler.isPinned(index)) {
				return false;
			}
			this.workers[index] = workers;
			run.scale(index, workers);
			return true;
		}
	}

	/**
	 * Returns the pipeline as it is now: state, and per step the workers, queue,
	 * utilization, and the counts. Counts are totals over every run of this pipeline (so
	 * they never go down, as monitoring counters must not); a {@link PipelineResult} has
	 * the counts of one run. Reads without locks; cheap enough for gauges and health
	 * checks.
	 * @return the snapshot
	 */
	public PipelineSnapshot snapshot() {
		return Snapshots.withAutoscale(snapshotOfRuns(), this.autoscaler);
	}

	private PipelineSnapshot snapshotOfRuns() {
		Run run = this.run;
		if (run.execution() != null) {
			return Snapshots.plus(run.carried(), run.execution().snapshot());
		}
		List<StepSnapshot> steps = new ArrayList<>();
		for (int i = 0; i < this.definition.steps().size(); i++) {
			StepDefinition step = this.definition.steps().get(i);
			steps.add(new StepSnapshot(step.name(), step.kind(), Types.name(step.inputType()),
					Types.name(step.outputType()), this.workers[i], 0, 0, 0, step.queueCapacity(),
					new StepStats(step.name(), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), 0.0, 0, false, null, null));
		}
		return new PipelineSnapshot(name(), PipelineState.NEW, 0, 0, 0, 0, 0, List.copyOf(steps), null);
	}

	/**
	 * Returns one step as it is now, as {@code snapshot().step(step)} does, without
	 * taking the other steps' snapshots: what a meter of one step reads, so that reading
	 * every step's meters costs in proportion to the number of steps.
	 * @param step the step's name
	 * @return the step's snapshot, its counts totals over every run
	 * @throws IllegalArgumentException when there is no such step
	 */
	public StepSnapshot stepSnapshot(String step) {
		int index = this.definition.indexOf(step);
		if (index < 0) {
			throw new IllegalArgumentException(
					"Pipeline '" + name() + "' has no step '" + step + "'; its steps are " + stepNames());
		}
		Run run = this.run;
		if (run.execution() != null) {
			StepSnapshot now = run.execution().stepSnapshot(index);
			return Snapshots.withAutoscale(
					(run.carried() != null) ? Snapshots.plus(run.carried().steps().get(index), now) : now,
					this.autoscaler, index);
		}
		return snapshot().steps().get(index);
	}

	@Override
	public String toString() {
		return "Pipeline '" + name() + "' " + stepNames();
	}

	/**
	 * The current (or last) run, and the counts of the runs before it, swapped as one so
	 * that a snapshot never sees one without the other.
	 */
	private record Run(Execution execution, PipelineSnapshot carried) {

	}

	private final class Input implements PipelineInput<I> {

		@Override
		public void put(I item) throws InterruptedException {
			accept(item, null, -1);
		}

		@Override
		public void put(I item, CompletionCallback onComplete) throws InterruptedException {
			accept(item, Objects.requireNonNull(onComplete, "onComplete must not be null"), -1);
		}

		@Override
		public boolean offer(I item, Duration timeout) throws InterruptedException {
			return accept(item, null, Math.max(0, timeout.toNanos()));
		}

		@Override
		public boolean offer(I item, Duration timeout, CompletionCallback onComplete) throws InterruptedException {
			return accept(item, Objects.requireNonNull(onComplete, "onComplete must not be null"),
					Math.max(0, timeout.toNanos()));
		}

		@Override
		public void putMarker(Object marker) throws InterruptedException {
			acceptMarker(marker, null);
		}

		@Override
		public void putMarker(Object marker, CompletionCallback onPassed) throws InterruptedException {
			acceptMarker(marker, Objects.requireNonNull(onPassed, "onPassed must not be null"));
		}

		private void acceptMarker(Object marker, CompletionCallback onPassed) throws InterruptedException {
			Objects.requireNonNull(marker, "marker must not be null");
			continuous().acceptMarker(marker, onPassed, -1);
		}

		@Override
		public boolean isAccepting() {
			Execution execution = Pipeline.this.run.execution();
			return execution != null && execution.mode() == Execution.Mode.CONTINUOUS
					&& execution.state() == PipelineState.RUNNING;
		}

		private boolean accept(I item, CompletionCallback callback, long timeoutNanos) throws InterruptedException {
			Objects.requireNonNull(item, "item must not be null");
			return continuous().accept(item, callback, timeoutNanos);
		}

		private Execution continuous() {
			Execution execution = Pipeline.this.run.execution();
			if (execution == null || execution.mode() != Execution.Mode.CONTINUOUS) {
				throw new PipelineClosedException("Pipeline '" + name() + "' is not running; start() it first");
			}
			return execution;
		}

		@Override
		public String toString() {
			return "PipelineInput of '" + name() + "'";
		}

	}

	/**
	 * Builds a {@link Pipeline}. Steps are added in order; each step method returns a
	 * builder typed by the step's output, so the compiler checks that neighbouring steps
	 * fit.
	 *
	 * @param <I> the pipeline's input type
	 * @param <O> the output type of the last step added
	 */
	public static final class Builder<I, O> {

		private final String name;

		private final List<PendingStep> steps = new ArrayList<>();

		private int queueCapacity = 64;

		private Integer inputCapacity;

		private ErrorPolicy errorPolicy;

		private RetryPolicy retry;

		private DeadLetterHandler deadLetterHandler = DeadLetterHandler.logging();

		private final List<PipelineListener> listeners = new ArrayList<>();

		private Duration shutdownTimeout = Duration.ofSeconds(30);

		private Duration progressInterval = Duration.ZERO;

		private int maxRestarts = 10;

		private boolean redeliverTrackedAtStop;

		private ContextPropagation contextPropagation;

		private OutagePolicy outage = OutagePolicy.off();

		private long inputMaxWeight;

		private Weigher<Object> weigher;

		private AutoscalePolicy autoscale;

		private Builder(String name) {
			if (name == null || name.isBlank()) {
				throw new IllegalArgumentException("Pipeline name must not be empty");
			}
			this.name = name;
		}

		/**
		 * Adds a one-to-one step with one worker.
		 * @param <R> the step's output type
		 * @param name the step's name, unique in the pipeline
		 * @param handler the handler
		 * @return this builder, typed by the step's output
		 */
		public <R> Builder<I, R> step(String name, StepHandler<? super O, ? extends R> handler) {
			return step(name, handler, null);
		}

		/**
		 * Adds a one-to-one step.
		 * @param <R> the step's output type
		 * @param name the step's name, unique in the pipeline
		 * @param handler the handler
		 * @param spec sets the step's workers, capacity, error handling and options
		 * @return this builder, typed by the step's output
		 */
		public <R> Builder<I, R> step(String name, StepHandler<? super O, ? extends R> handler,
				Consumer<StepSpec> spec) {
			return add(name, StepKind.ONE_TO_ONE, handler, StepHandler.class, spec);
		}

		/**
		 * Adds a fan-out step with one worker.
		 * @param <R> the step's output type
		 * @param name the step's name, unique in the pipeline
		 * @param handler the handler
		 * @return this builder, typed by the step's output
		 */
		public <R> Builder<I, R> fanOut(String name, FanOutHandler<? super O, ? extends R> handler) {
			return fanOut(name, handler, null);
		}

		/**
		 * Adds a fan-out step.
		 * @param <R> the step's output type
		 * @param name the step's name, unique in the pipeline
		 * @param handler the handler
		 * @param spec sets the step's workers, capacity, error handling and options
		 * @return this builder, typed by the step's output
		 */
		public <R> Builder<I, R> fanOut(String name, FanOutHandler<? super O, ? extends R> handler,
				Consumer<StepSpec> spec) {
			return add(name, StepKind.FAN_OUT, handler, FanOutHandler.class, spec);
		}

		/**
		 * Adds a stream step with one worker.
		 * @param <R> the step's output type
		 * @param name the step's name, unique in the pipeline
		 * @param handler the handler
		 * @return this builder, typed by the step's output
		 */
		public <R> Builder<I, R> stream(String name, StreamHandler<? super O, ? extends R> handler) {
			return stream(name, handler, null);
		}

		/**
		 * Adds a stream step.
		 * @param <R> the step's output type
		 * @param name the step's name, unique in the pipeline
		 * @param handler the handler
		 * @param spec sets the step's workers, capacity, error handling and options
		 * @return this builder, typed by the step's output
		 */
		public <R> Builder<I, R> stream(String name, StreamHandler<? super O, ? extends R> handler,
				Consumer<StepSpec> spec) {
			return add(name, StepKind.STREAM, handler, StreamHandler.class, spec);
		}

		@SuppressWarnings("unchecked")
		private <R> Builder<I, R> add(String stepName, StepKind kind, Object handler, Class<?> type,
				Consumer<StepSpec> customizer) {
			if (stepName == null || stepName.isBlank()) {
				throw new IllegalArgumentException("Pipeline '" + this.name + "': step name must not be empty");
			}
			Objects.requireNonNull(handler, () -> "Step '" + stepName + "': handler must not be null");
			for (PendingStep step : this.steps) {
				if (step.name.equals(stepName)) {
					throw new IllegalArgumentException(
							"Pipeline '" + this.name + "': step name '" + stepName + "' is used twice");
				}
			}
			StepSpec spec = new StepSpec();
			if (customizer != null) {
				customizer.accept(spec);
			}
			if (spec.workers < 1) {
				throw new IllegalArgumentException(
						"Step '" + stepName + "': workers must be at least 1 but was " + spec.workers);
			}
			if (spec.queueCapacity != null && spec.queueCapacity < 1) {
				throw new IllegalArgumentException(
						"Step '" + stepName + "': queue capacity must be at least 1 but was " + spec.queueCapacity);
			}
			if (spec.virtualThreads && !Threads.virtualThreadsSupported()) {
				throw new IllegalArgumentException(
						"Step '" + stepName + "': virtual threads need Java 21 or later, but this is Java "
								+ Runtime.version().feature() + "; run on a newer Java or turn virtual threads off");
			}
			this.steps.add(new PendingStep(stepName, kind, handler, type, spec));
			return (Builder<I, R>) this;
		}

		/**
		 * Sets the default capacity of the queue in front of each step (default 64).
		 * @param capacity at least 1
		 * @return this builder
		 */
		public Builder<I, O> queueCapacity(int capacity) {
			if (capacity < 1) {
				throw new IllegalArgumentException(
						"Pipeline '" + this.name + "': queue capacity must be at least 1 but was " + capacity);
			}
			this.queueCapacity = capacity;
			return this;
		}

		/**
		 * Sets the capacity of a continuous pipeline's input queue (default: the first
		 * step's queue capacity).
		 * @param capacity at least 1
		 * @return this builder
		 */
		public Builder<I, O> inputCapacity(int capacity) {
			if (capacity < 1) {
				throw new IllegalArgumentException(
						"Pipeline '" + this.name + "': input capacity must be at least 1 but was " + capacity);
			}
			this.inputCapacity = capacity;
			return this;
		}

		/**
		 * Sets the error policy of every step without its own (default: fail in batch
		 * runs, skip in continuous ones).
		 * @param policy the policy
		 * @return this builder
		 */
		public Builder<I, O> onError(ErrorPolicy policy) {
			this.errorPolicy = Objects.requireNonNull(policy, "policy must not be null");
			return this;
		}

		/**
		 * Sets the retry policy of every step without its own (default: no retry).
		 * @param retry the retry policy
		 * @return this builder
		 */
		public Builder<I, O> retry(RetryPolicy retry) {
			this.retry = Objects.requireNonNull(retry, "retry must not be null");
			return this;
		}

		/**
		 * Sets when a step's failures are taken for an outage of what it depends on, for
		 * every step without its own (default: {@link OutagePolicy#off()}).
		 * @param outage the outage policy
		 * @return this builder
		 * @see OutagePolicy
		 */
		public Builder<I, O> outage(OutagePolicy outage) {
			this.outage = Objects.requireNonNull(outage, "outage must not be null");
			return this;
		}

		/**
		 * Bounds a continuous pipeline's input by weight as well as by count: {@code put}
		 * and {@code offer} wait while the items in the input queue and in the first
		 * step's hands weigh {@code maxWeight} or more together (a single item heavier
		 * than that is taken when the input is empty), so that a few huge items cannot
		 * exhaust the heap.
		 * @param maxWeight at least 1, in the weigher's unit (typically bytes)
		 * @param weigher weighs each item, in the caller's thread
		 * @return this builder
		 */
		@SuppressWarnings("unchecked")
		public Builder<I, O> inputMaxWeight(long maxWeight, Weigher<? super I> weigher) {
			if (maxWeight < 1) {
				throw new IllegalArgumentException(
						"Pipeline '" + this.name + "': input max weight must be at least 1 but was " + maxWeight);
			}
			this.inputMaxWeight = maxWeight;
			this.weigher = (Weigher<Object>) Objects.requireNonNull(weigher, "weigher must not be null");
			return this;
		}

		/**
		 * Sets where items that cannot be processed go (default: logged at WARN).
		 * @param handler the dead-letter handler
		 * @return this builder
		 */
		public Builder<I, O> deadLetterHandler(DeadLetterHandler handler) {
			this.deadLetterHandler = Objects.requireNonNull(handler, "handler must not be null");
			return this;
		}

		/**
		 * Adds a listener for the pipeline's events.
		 * @param listener the listener
		 * @return this builder
		 */
		public Builder<I, O> listener(PipelineListener listener) {
			this.listeners.add(Objects.requireNonNull(listener, "listener must not be null"));
			return this;
		}

		/**
		 * Sets how long {@link Pipeline#stop()} drains, and how long a failed run waits
		 * for its workers to end (default 30 s).
		 * @param timeout zero or more
		 * @return this builder
		 */
		public Builder<I, O> shutdownTimeout(Duration timeout) {
			Objects.requireNonNull(timeout, "timeout must not be null");
			if (timeout.isNegative()) {
				throw new IllegalArgumentException(
						"Pipeline '" + this.name + "': shutdown timeout must not be negative but was " + timeout);
			}
			this.shutdownTimeout = timeout;
			return this;
		}

		/**
		 * Sets how often a progress line is logged at INFO (default: zero, never).
		 * @param interval the interval; zero turns the log off
		 * @return this builder
		 */
		public Builder<I, O> progressInterval(Duration interval) {
			Objects.requireNonNull(interval, "interval must not be null");
			if (interval.isNegative()) {
				throw new IllegalArgumentException(
						"Pipeline '" + this.name + "': progress interval must not be negative but was " + interval);
			}
			this.progressInterval = interval;
			return this;
		}

		/**
		 * Sets how many times the workers of one step may die of an unexpected error and
		 * be replaced in one run before the pipeline fails (default 10).
		 * @param maxRestarts zero or more
		 * @return this builder
		 */
		public Builder<I, O> maxRestarts(int maxRestarts) {
			if (maxRestarts < 0) {
				throw new IllegalArgumentException(
						"Pipeline '" + this.name + "': max restarts must not be negative but was " + maxRestarts);
			}
			this.maxRestarts = maxRestarts;
			return this;
		}

		/**
		 * Carries the context of the threads that put items (a trace, the logging MDC) to
		 * the workers that handle them, and observes the handler calls; see
		 * {@link ContextPropagation}. None by default.
		 * @param propagation the propagation
		 * @return this builder
		 */
		public Builder<I, O> contextPropagation(ContextPropagation propagation) {
			this.contextPropagation = Objects.requireNonNull(propagation, "propagation must not be null");
			return this;
		}

		/**
		 * Leaves the items that were put with a {@link CompletionCallback} and that a
		 * stop could not finish within its timeout to their source, instead of
		 * dead-lettering them: they are counted as abandoned and their callbacks never
		 * fire, so a source that acknowledges on completion (a Kafka consumer) delivers
		 * them again. Other items are still dead-lettered. Off by default.
		 * @return this builder
		 */
		public Builder<I, O> redeliverTrackedAtStop() {
			this.redeliverTrackedAtStop = true;
			return this;
		}

		/**
		 * Lets the steps that the policy names size themselves while the pipeline runs,
		 * within their bounds and the pipeline's thread budget (see
		 * {@link AutoscalePolicy}). Each such step starts with its workers brought within
		 * its bounds; the other steps keep theirs. Every decision is logged at INFO on
		 * the logger {@code io.paipa.autoscale}, with its reason, and shows in
		 * {@link StepSnapshot#autoscale()}. Off by default.
		 * @param policy the policy
		 * @return this builder
		 */
		public Builder<I, O> autoscale(AutoscalePolicy policy) {
			this.autoscale = Objects.requireNonNull(policy, "policy must not be null");
			return this;
		}

		/**
		 * Builds the pipeline.
		 * @return the pipeline, typed by its input
		 * @throws IllegalArgumentException when no step was added, or the autoscaling
		 * policy names a step that is not there or gives fewer threads than the steps
		 * start with
		 */
		public Pipeline<I> build() {
			if (this.steps.isEmpty()) {
				throw new IllegalArgumentException(
						"Pipeline '" + this.name + "' has no steps; add at least one with step(...)");
			}
			List<StepDefinition> definitions = new ArrayList<>();
			for (PendingStep step : this.steps) {
				StepDefinition definition = step.toDefinition(this.queueCapacity);
				AutoscalePolicy.Bounds bounds = (this.autoscale != null) ? this.autoscale.steps().get(step.name) : null;
				definitions
					.add((bounds != null) ? definition.withWorkers(bounds.clamp(definition.workers())) : definition);
			}
			if (this.autoscale != null) {
				checkAutoscale(definitions);
			}
			int firstCapacity = definitions.get(0).queueCapacity();
			PipelineDefinition definition = new PipelineDefinition(this.name, List.copyOf(definitions),
					(this.inputCapacity != null) ? this.inputCapacity : firstCapacity, this.errorPolicy, this.retry,
					this.outage, this.deadLetterHandler, List.copyOf(this.listeners), this.shutdownTimeout,
					this.progressInterval, this.maxRestarts, this.redeliverTrackedAtStop, this.inputMaxWeight,
					this.weigher, this.contextPropagation);
			return new Pipeline<>(definition, this.autoscale);
		}

		private void checkAutoscale(List<StepDefinition> definitions) {
			List<String> names = definitions.stream().map(StepDefinition::name).toList();
			for (String step : this.autoscale.steps().keySet()) {
				if (!names.contains(step)) {
					throw new IllegalArgumentException("Pipeline '" + this.name + "': the autoscale policy names step '"
							+ step + "', which the pipeline does not have; its steps are " + names);
				}
			}
			int total = definitions.stream().mapToInt(StepDefinition::workers).sum();
			if (total > this.autoscale.maxThreads()) {
				StringBuilder start = new StringBuilder();
				for (StepDefinition step : definitions) {
					start.append((start.length() > 0) ? ", " : "")
						.append(step.name())
						.append(' ')
						.append(step.workers());
				}
				throw new IllegalArgumentException("Pipeline '" + this.name + "': the autoscale policy allows "
						+ this.autoscale.maxThreads() + " threads, but the steps start with " + total + " workers ("
						+ start + "); raise max threads to at least " + total
						+ ", or start the steps with fewer workers (an autoscaled step starts with its workers "
						+ "brought within its min and max workers)");
			}
		}

		private record PendingStep(String name, StepKind kind, Object handler, Class<?> type, StepSpec spec) {

			StepDefinition toDefinition(int defaultCapacity) {
				Type[] types = Types.resolve(this.handler, this.type);
				return new StepDefinition(this.name, this.kind, this.handler, this.spec.workers,
						(this.spec.queueCapacity != null) ? this.spec.queueCapacity : defaultCapacity,
						this.spec.onError, this.spec.retry, this.spec.outage, this.spec.isolateFailures,
						Collections.unmodifiableMap(new LinkedHashMap<>(this.spec.options)), this.spec.virtualThreads,
						(this.spec.inputType != null) ? this.spec.inputType : types[0],
						(this.spec.outputType != null) ? this.spec.outputType : types[1]);
			}

		}

	}

}
