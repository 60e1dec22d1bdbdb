package io.paipa.core.internal;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.paipa.core.DeadLetter;
import io.paipa.core.Emitter;
import io.paipa.core.ErrorPolicy;
import io.paipa.core.ItemOutcome;
import io.paipa.core.OutagePolicy;
import io.paipa.core.PipelineFailedException;
import io.paipa.core.RetryPolicy;
import io.paipa.core.StepContext;
import io.paipa.core.StepKind;
import io.paipa.core.StepLifecycle;
import io.paipa.core.StepStats;
import io.paipa.core.StreamHandler;

/**
 * One step of an {@link InlineRunner}: its handler, opened as a worker with index 0, and
 * its counts. Items go through the {@link ItemProcessor} as on a worker thread; the
 * built-in chunk works in push mode; the one other stream step pulls its input.
 */
final class InlineStage implements StepContext, ItemProcessor.Env, MarkerCall.Target {

	private static final Logger logger = LoggerFactory.getLogger(InlineStage.class);

	private final InlineRunner runner;

	final int index;

	final StepDefinition step;

	private final ErrorPolicy policy;

	private final String worker;

	private final LocalCounts counts = new LocalCounts();

	private final ItemProcessor processor;

	private final HeldItems held;

	private final Outage outage;

	private final Outage deadLetterOutage;

	private final ConcurrentHashMap<String, Object> shared = new ConcurrentHashMap<>();

	private Object handler;

	private ChunkHandler<?> chunker;

	private List<Object> chunk;

	long in;

	private long deadLettered;

	private long emitted;

	private int restarts;

	InlineStage(InlineRunner runner, int index, StepDefinition step, ErrorPolicy policy, RetryPolicy retry,
			boolean last) {
		this.runner = runner;
		this.index = index;
		this.step = step;
		this.policy = policy;
		this.worker = "paipa-" + runner.definition.name() + "-" + step.name() + "-0";
		Listeners listeners = runner.listeners;
		OutagePolicy outage = (step.outage() != null) ? step.outage() : runner.definition.outage();
		this.outage = new Outage(runner.definition.name(), step.name(), "step", outage, runner);
		this.deadLetterOutage = new Outage(runner.definition.name(), step.name(), "dead-letter handler", outage,
				runner);
		this.processor = new ItemProcessor(runner.definition.name(), step.name(), step.kind() == StepKind.FAN_OUT, last,
				retry, policy, listeners, this.counts, this, listeners.perItem || listeners.sampled, this.outage,
				step.isolateFailures());
		this.held = new HeldItems(step.name(), this.counts, listeners);
	}

	void open() {
		try {
			this.handler = PerWorker.instanceFor(this.step.handler());
			((StepLifecycle) this.handler).open(this);
		}
		catch (Exception ex) {
			throw new PipelineFailedException(this.runner.definition.name(), this.step.name(), null,
					"worker " + this.worker + " could not be opened", ex);
		}
		this.processor.handler(this.handler);
		this.chunker = (this.handler instanceof ChunkHandler<?> c) ? c : null;
		this.runner.listeners.workerStarted(this.step.name(), this.worker);
	}

	void close() {
		try {
			((StepLifecycle) this.handler).close(this);
		}
		catch (Exception ex) {
			logger.warn("Pipeline '{}', step '{}': close() failed; ignored", this.runner.definition.name(),
					this.step.name(), ex);
		}
		this.runner.listeners.workerStopped(this.step.name(), this.worker);
	}

	/** Takes an item or a marker pushed from the step before. */
	void accept(Object entry) {
		if (entry instanceof MarkerEntry marker) {
			flushChunk();
			MarkerCall.run(this.handler, marker, this, this.runner.definition.name(), this.step.name(), (error) -> {
			});
			return;
		}
		this.in++;
		if (this.chunker != null) {
			addToChunk(entry);
			return;
		}
		try {
			if (this.processor.process(entry) && this.runner.listeners.sampled) {
				this.runner.listeners.handlerSampled(this.step.name(), this.processor.lastNanos);
			}
		}
		catch (Error ex) {
			died(entry, ex);
		}
	}

	/**
	 * As a worker killed by an unexpected error: the item is dead-lettered, the worker
	 * "replaced".
	 */
	private void died(Object item, Error error) {
		this.processor.died(item, error);
		Listeners listeners = this.runner.listeners;
		listeners.workerStopped(this.step.name(), this.worker);
		int limit = this.runner.definition.maxRestarts();
		if (++this.restarts > limit) {
			throw new PipelineFailedException(this.runner.definition.name(), this.step.name(), null,
					"workers died " + this.restarts + " times, more than the restart limit of " + limit, error);
		}
		listeners.workerStarted(this.step.name(), this.worker);
		listeners.workerRestarted(this.step.name(), this.worker, error);
	}

	private void addToChunk(Object item) {
		if (this.chunk == null) {
			this.chunk = new ArrayList<>(this.chunker.size());
		}
		this.chunk.add(item);
		if (this.chunk.size() >= this.chunker.size()) {
			flushChunk();
		}
	}

	private void flushChunk() {
		if (this.chunk != null && !this.chunk.isEmpty()) {
			List<Object> full = this.chunk;
			this.chunk = null;
			this.counts.processed += full.size();
			if (this.runner.listeners.perItem) {
				full.forEach(
						(item) -> this.runner.listeners.itemProcessed(this.step.name(), ItemOutcome.PROCESSED, -1));
			}
			emit(full);
		}
	}

	/** The end of the input: a chunk emits its partial list. */
	void end() {
		flushChunk();
	}

	/**
	 * Runs this stream step, its input driven by pushing source items through the steps
	 * before it.
	 */
	@SuppressWarnings({ "unchecked", "rawtypes" })
	void runStream(Iterator<?> source) {
		UpstreamInput input = new UpstreamInput(this.runner, this, this.held, source);
		Emitter<Object> emitter = (item) -> {
			Objects.requireNonNull(item, () -> "Step '" + this.step.name() + "' emitted null");
			this.held.cover(item);
			emit(item);
		};
		int previous = this.runner.enter(this.index);
		try {
			while (true) {
				input.begin();
				Exception failure = null;
				try {
					((StreamHandler) this.handler).process(input, emitter);
				}
				catch (PipelineFailedException ex) {
					throw ex;
				}
				catch (Exception ex) {
					failure = ex;
				}
				if (!afterCall(input, failure)) {
					break;
				}
			}
		}
		finally {
			this.runner.enter(previous);
		}
		this.runner.endFrom(this.index + 1);
	}

	/** After a call of the stream handler: whether to call it again. */
	private boolean afterCall(UpstreamInput input, Exception failure) {
		if (failure != null) {
			streamFailed(failure);
		}
		else {
			this.held.end();
		}
		if (input.exit == BatchQueue.AT_MARKER) {
			MarkerEntry marker = (MarkerEntry) this.runner.ready.poll();
			MarkerCall.run(this.handler, marker, this, this.runner.definition.name(), this.step.name(), (error) -> {
			});
			return true;
		}
		if (input.exit != 0) {
			return false;
		}
		if (failure == null && input.consumed == 0) {
			throw new PipelineFailedException(this.runner.definition.name(), this.step.name(), null,
					"the stream handler returned without reading its input to the end; "
							+ "a StreamHandler must loop until hasNext() is false",
					null);
		}
		return true;
	}

	private void streamFailed(Exception failure) {
		Object current = this.held.current;
		Object[] lost = this.held.failed();
		if (this.policy != ErrorPolicy.SKIP) {
			throw new PipelineFailedException(this.runner.definition.name(), this.step.name(), current,
					(current != null) ? "stream handler failed" : "stream handler failed before taking an item",
					failure);
		}
		for (Object item : lost) {
			this.counts.failed++;
			if (this.runner.listeners.perItem) {
				this.runner.listeners.itemProcessed(this.step.name(), ItemOutcome.FAILED, -1);
			}
			deadLetter(item, failure, 1, item);
		}
	}

	StepStats stats(long handlerNanos) {
		return new StepStats(this.step.name(), this.in, this.counts.processed, this.counts.dropped, this.counts.retried,
				this.counts.failed, this.deadLettered, 0, this.emitted, this.restarts, handlerNanos);
	}

	// ---- ItemProcessor.Env and MarkerCall.Target

	@Override
	public boolean failed() {
		return false;
	}

	@Override
	public boolean cutOff() {
		return false;
	}

	@Override
	public void attempted() {
	}

	@Override
	public boolean pause(long nanos) {
		if (nanos > 0) {
			try {
				TimeUnit.NANOSECONDS.sleep(nanos);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new PipelineFailedException(this.runner.definition.name(), this.step.name(), null,
						"interrupted during a retry backoff", ex);
			}
		}
		return true;
	}

	@Override
	public void emit(Object raw) {
		this.emitted++;
		this.runner.push(this.index + 1, raw);
	}

	@Override
	public void passOn(MarkerEntry entry) {
		this.runner.push(this.index + 1, entry);
	}

	@Override
	public void deadLetter(Object item, Throwable cause, int attempts, Object raw) {
		this.deadLettered++;
		DeadLetter letter = new DeadLetter(this.runner.definition.name(), this.step.name(), item, cause, attempts,
				Tracker.originsOf(raw));
		DeadLetters.deliver(this.runner.definition.deadLetterHandler(), letter, this.deadLetterOutage,
				InlineStage::sleep);
	}

	@Override
	public void entered(int n) {
		this.in += n;
	}

	private static boolean sleep(long nanos) {
		try {
			TimeUnit.NANOSECONDS.sleep(nanos);
			return true;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	@Override
	public void stopped(Object raw, Throwable failure, int attempts) {
		deadLetter(Tracked.unwrap(raw), failure, attempts, raw);
	}

	@Override
	public RuntimeException fail(PipelineFailedException failure) {
		return failure;
	}

	@Override
	public long startAttempt() {
		return this.runner.nanosOf(this.index);
	}

	@Override
	public long endAttempt(long start) {
		return this.runner.nanosOf(this.index) - start;
	}

	// ---- StepContext

	@Override
	public String pipelineName() {
		return this.runner.definition.name();
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
