package io.paipa.core.internal;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

import io.paipa.core.DeadLetter;
import io.paipa.core.Emitter;
import io.paipa.core.ErrorPolicy;
import io.paipa.core.FanOutHandler;
import io.paipa.core.PipelineFailedException;
import io.paipa.core.PipelineResult;
import io.paipa.core.PipelineState;
import io.paipa.core.RetryPolicy;
import io.paipa.core.StepContext;
import io.paipa.core.StepHandler;
import io.paipa.core.StepInput;
import io.paipa.core.StepKind;
import io.paipa.core.StepLifecycle;
import io.paipa.core.StepStats;
import io.paipa.core.StreamHandler;

/**
 * Runs a pipeline's steps in the caller's thread, without queues: each item is pushed
 * through the steps as far as it goes before the next is pulled. A stream step pulls its
 * input instead, so the steps before it are driven from its iterator; one such step is
 * supported (built-in chunks work in push mode anywhere).
 *
 * <p>Handler time is measured exclusively: the time a step spends handing an output to
 * the next step is that step's, not its own.
 */
public final class InlineRunner {

	private final PipelineDefinition definition;

	private final Stage[] stages;

	private final long[] nanos;

	private long completed;

	private long in;

	private int current = -1;

	/** The index of the stream step that pulls its input, or -1. */
	private int streamAt = -1;

	/** Items that the steps before the stream step produced, waiting for it. */
	private final ArrayDeque<Object> ready = new ArrayDeque<>();

	private long mark;

	private InlineRunner(PipelineDefinition definition) {
		this.definition = definition;
		int n = definition.steps().size();
		this.stages = new Stage[n];
		this.nanos = new long[n];
		int streams = 0;
		for (int i = n - 1; i >= 0; i--) {
			StepDefinition step = definition.steps().get(i);
			Stage next = (i + 1 < n) ? this.stages[i + 1] : null;
			ErrorPolicy policy = (step.errorPolicy() != null) ? step.errorPolicy()
					: (definition.errorPolicy() != null) ? definition.errorPolicy() : ErrorPolicy.FAIL;
			RetryPolicy retry = (step.retry() != null) ? step.retry()
					: (definition.retry() != null) ? definition.retry() : RetryPolicy.none();
			Object handler = PerWorker.instanceFor(step.handler());
			if (step.kind() == StepKind.STREAM && !(handler instanceof ChunkHandler)) {
				streams++;
			}
			this.stages[i] = new Stage(i, step, handler, policy, retry, next);
		}
		if (streams > 1) {
			throw new UnsupportedOperationException("Pipeline '" + definition.name()
					+ "': runInline supports one stream step besides chunks, but there are " + streams);
		}
	}

	/**
	 * Runs the steps over the source in the caller's thread.
	 * @param definition the pipeline
	 * @param source the items
	 * @return the result
	 */
	public static PipelineResult run(PipelineDefinition definition, Iterator<?> source) {
		return new InlineRunner(definition).execute(source);
	}

	private PipelineResult execute(Iterator<?> source) {
		long start = System.nanoTime();
		List<Stage> opened = new ArrayList<>();
		try {
			for (Stage stage : this.stages) {
				try {
					((StepLifecycle) stage.handler).open(stage);
				}
				catch (Exception ex) {
					throw new PipelineFailedException(this.definition.name(), stage.step.name(), null,
							"handler could not be opened", ex);
				}
				opened.add(stage);
			}
			this.mark = System.nanoTime();
			for (Stage stage : this.stages) {
				if (stage.step.kind() == StepKind.STREAM && !(stage.handler instanceof ChunkHandler)) {
					this.streamAt = stage.index;
				}
			}
			if (this.streamAt < 0) {
				while (source.hasNext()) {
					this.in++;
					push(0, Objects.requireNonNull(source.next(), "the source produced a null item"));
				}
				endFrom(0);
			}
			else {
				this.stages[this.streamAt].runStream(source);
			}
		}
		finally {
			for (Stage stage : opened) {
				try {
					((StepLifecycle) stage.handler).close(stage);
				}
				catch (Exception ex) {
					// closing is best effort, as in the threaded engine
				}
			}
		}
		List<StepStats> stats = new ArrayList<>();
		long dropped = 0;
		long deadLettered = 0;
		for (Stage stage : this.stages) {
			StepStats s = new StepStats(stage.step.name(), stage.in, stage.processed, stage.dropped, stage.retried,
					stage.failed, stage.deadLettered, 0, stage.emitted, 0, this.nanos[stage.index]);
			stats.add(s);
			dropped += s.dropped();
			deadLettered += s.deadLettered();
		}
		return new PipelineResult(this.definition.name(), PipelineState.COMPLETED,
				Duration.ofNanos(System.nanoTime() - start), this.in, this.completed, dropped, deadLettered, 0,
				List.copyOf(stats), List.of(), null);
	}

	/** Hands an item to stage {@code index}, or completes it after the last stage. */
	private void push(int index, Object item) {
		if (index >= this.stages.length) {
			this.completed++;
			return;
		}
		if (index == this.streamAt) {
			this.ready.add(item);
			return;
		}
		int previous = enter(index);
		try {
			this.stages[index].accept(item);
		}
		finally {
			enter(previous);
		}
	}

	/** Ends stages from {@code index} on: chunks emit their partial lists. */
	private void endFrom(int index) {
		for (int i = index; i < this.stages.length && i != this.streamAt; i++) {
			int previous = enter(i);
			try {
				this.stages[i].end();
			}
			finally {
				enter(previous);
			}
		}
	}

	/** Switches the clock to stage {@code index}; returns the stage it switched from. */
	private int enter(int index) {
		long now = System.nanoTime();
		if (this.current >= 0) {
			this.nanos[this.current] += now - this.mark;
		}
		this.mark = now;
		int previous = this.current;
		this.current = index;
		return previous;
	}

	private final class Stage implements StepContext {

		final int index;

		final StepDefinition step;

		final Object handler;

		final ErrorPolicy policy;

		final RetryPolicy retry;

		final Stage next;

		final ConcurrentHashMap<String, Object> shared = new ConcurrentHashMap<>();

		final Emitter<Object> emitter;

		List<Object> chunk;

		long in;

		long processed;

		long dropped;

		long retried;

		long failed;

		long deadLettered;

		long emitted;

		Stage(int index, StepDefinition step, Object handler, ErrorPolicy policy, RetryPolicy retry, Stage next) {
			this.index = index;
			this.step = step;
			this.handler = handler;
			this.policy = policy;
			this.retry = retry;
			this.next = next;
			this.emitter = (item) -> {
				Objects.requireNonNull(item, () -> "Step '" + step.name() + "' emitted null");
				this.emitted++;
				push(index + 1, item);
			};
		}

		@SuppressWarnings({ "unchecked", "rawtypes" })
		void accept(Object item) {
			this.in++;
			if (this.handler instanceof ChunkHandler<?> chunker) {
				if (this.chunk == null) {
					this.chunk = new ArrayList<>(chunker.size());
				}
				this.processed++;
				this.chunk.add(item);
				if (this.chunk.size() >= chunker.size()) {
					List<Object> full = this.chunk;
					this.chunk = null;
					this.emitter.emit(full);
				}
				return;
			}
			int attempt = 1;
			while (true) {
				try {
					if (this.step.kind() == StepKind.FAN_OUT) {
						((FanOutHandler) this.handler).process(item, this.emitter);
						this.processed++;
					}
					else {
						Object result = ((StepHandler) this.handler).process(item);
						if (result == null && this.next != null) {
							this.dropped++;
						}
						else {
							this.processed++;
							this.emitted++;
							// a last step's null result completes like any other
							push(this.index + 1, result);
						}
					}
					return;
				}
				catch (PipelineFailedException ex) {
					throw ex;
				}
				catch (Exception ex) {
					if (attempt < this.retry.maxAttempts()) {
						this.retried++;
						sleep(this.retry.backoffNanos(attempt));
						attempt++;
						continue;
					}
					this.failed++;
					if (this.policy == ErrorPolicy.SKIP) {
						deadLetter(item, ex, attempt);
						return;
					}
					throw new PipelineFailedException(InlineRunner.this.definition.name(), this.step.name(), item,
							"handler failed after " + attempt + " attempt(s)", ex);
				}
			}
		}

		void end() {
			if (this.chunk != null && !this.chunk.isEmpty()) {
				List<Object> rest = this.chunk;
				this.chunk = null;
				this.emitter.emit(rest);
			}
		}

		private void deadLetter(Object item, Exception ex, int attempts) {
			this.deadLettered++;
			InlineRunner.this.definition.deadLetterHandler()
				.handle(new DeadLetter(InlineRunner.this.definition.name(), this.step.name(), item, ex, attempts));
		}

		/** Runs this stream step, its input driven by pushing source items through the steps before it. */
		@SuppressWarnings({ "unchecked", "rawtypes" })
		void runStream(Iterator<?> source) {
			UpstreamInput input = new UpstreamInput(this, source);
			int previous = enter(this.index);
			try {
				while (true) {
					try {
						long before = input.taken;
						((StreamHandler) this.handler).process(input, this.emitter);
						if (input.current != null) {
							this.processed++;
							input.current = null;
						}
						if (!input.hasNext()) {
							break;
						}
						if (input.taken == before) {
							throw new PipelineFailedException(InlineRunner.this.definition.name(), this.step.name(),
									null, "the stream handler returned without reading its input to the end; "
											+ "a StreamHandler must loop until hasNext() is false",
									null);
						}
					}
					catch (PipelineFailedException ex) {
						throw ex;
					}
					catch (Exception ex) {
						Object item = input.current;
						input.current = null;
						this.failed++;
						if (this.policy == ErrorPolicy.SKIP && item != null) {
							deadLetter(item, ex, 1);
							continue;
						}
						throw new PipelineFailedException(InlineRunner.this.definition.name(), this.step.name(), item,
								"stream handler failed", ex);
					}
				}
			}
			finally {
				enter(previous);
			}
			endFrom(this.index + 1);
		}

		@Override
		public String pipelineName() {
			return InlineRunner.this.definition.name();
		}

		@Override
		public String stepName() {
			return this.step.name();
		}

		@Override
		public int workerIndex() {
			return 0;
		}

		@Override
		public int workerCount() {
			return 1;
		}

		@Override
		public Map<String, Object> options() {
			return this.step.options();
		}

		@Override
		public ConcurrentMap<String, Object> shared() {
			return this.shared;
		}

	}

	/** The input of the stream step: pulls source items through the steps before it. */
	private final class UpstreamInput implements StepInput<Object> {

		private final Stage stage;

		private final Iterator<?> source;

		private boolean ended;

		Object current;

		long taken;

		UpstreamInput(Stage stage, Iterator<?> source) {
			this.stage = stage;
			this.source = source;
		}

		@Override
		public boolean hasNext() {
			ArrayDeque<Object> ready = InlineRunner.this.ready;
			while (ready.isEmpty() && !this.ended) {
				if (this.source.hasNext()) {
					InlineRunner.this.in++;
					push(0, Objects.requireNonNull(this.source.next(), "the source produced a null item"));
				}
				else {
					this.ended = true;
					endFrom(0);
				}
			}
			return !ready.isEmpty();
		}

		@Override
		public Object next() {
			if (!hasNext()) {
				throw new NoSuchElementException("The input of step '" + this.stage.step.name() + "' has ended");
			}
			if (this.current != null) {
				this.stage.processed++;
			}
			this.stage.in++;
			this.taken++;
			this.current = InlineRunner.this.ready.poll();
			return this.current;
		}

		@Override
		public Object poll(Duration timeout) {
			return hasNext() ? next() : null;
		}

		@Override
		public boolean isEnded() {
			return this.ended && InlineRunner.this.ready.isEmpty();
		}

	}

	private static void sleep(long nanos) {
		if (nanos <= 0) {
			return;
		}
		try {
			TimeUnit.NANOSECONDS.sleep(nanos);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted during a retry backoff", ex);
		}
	}

}
