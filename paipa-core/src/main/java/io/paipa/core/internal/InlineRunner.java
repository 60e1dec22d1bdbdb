package io.paipa.core.internal;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import io.paipa.core.ErrorPolicy;
import io.paipa.core.Marker;
import io.paipa.core.PipelineFailedException;
import io.paipa.core.PipelineResult;
import io.paipa.core.PipelineState;
import io.paipa.core.RetryPolicy;
import io.paipa.core.StepKind;
import io.paipa.core.StepStats;

/**
 * Runs a pipeline's steps in the caller's thread, without queues: each item is pushed
 * through the steps as far as it goes before the next is pulled. A stream step pulls its
 * input instead, so the steps before it are driven from its iterator; one such step is
 * supported (built-in chunks work in push mode anywhere).
 *
 * <p>
 * Items go through the same {@link ItemProcessor} and {@link HeldItems} as on worker
 * threads, so a run inline gives the same counts, dead letters and listener events as a
 * threaded run of the same pipeline with one worker per step.
 *
 * <p>
 * Handler time is measured exclusively: the time a step spends handing an output to the
 * next step is that step's, not its own.
 */
public final class InlineRunner implements Outage.Observer {

	final PipelineDefinition definition;

	final Listeners listeners;

	private final InlineStage[] stages;

	private final long[] nanos;

	private long completed;

	private long in;

	private int current = -1;

	private long mark;

	/** The index of the stream step that pulls its input, or -1. */
	final int streamAt;

	/**
	 * Items and markers that the steps before the stream step produced, waiting for it.
	 */
	final ArrayDeque<Object> ready = new ArrayDeque<>();

	private InlineRunner(PipelineDefinition definition) {
		this.definition = definition;
		this.listeners = new Listeners(definition.name(), definition.listeners());
		int n = definition.steps().size();
		this.stages = new InlineStage[n];
		this.nanos = new long[n];
		int streamAt = -1;
		int streams = 0;
		for (int i = 0; i < n; i++) {
			StepDefinition step = definition.steps().get(i);
			ErrorPolicy policy = (step.errorPolicy() != null) ? step.errorPolicy()
					: (definition.errorPolicy() != null) ? definition.errorPolicy() : ErrorPolicy.FAIL;
			RetryPolicy retry = (step.retry() != null) ? step.retry()
					: (definition.retry() != null) ? definition.retry() : RetryPolicy.none();
			this.stages[i] = new InlineStage(this, i, step, policy, retry, i == n - 1);
			if (step.kind() == StepKind.STREAM && !(step.handler() instanceof ChunkHandler)) {
				streams++;
				streamAt = i;
			}
		}
		if (streams > 1) {
			throw new UnsupportedOperationException("Pipeline '" + definition.name()
					+ "': runInline supports one stream step besides chunks, but there are " + streams);
		}
		this.streamAt = streamAt;
	}

	/**
	 * Runs the steps over the source in the caller's thread.
	 * @param definition the pipeline
	 * @param source the items, and {@link Marker}s
	 * @return the result
	 * @throws PipelineFailedException when a step failed under the fail policy
	 */
	public static PipelineResult run(PipelineDefinition definition, Iterator<?> source) {
		return new InlineRunner(definition).execute(source);
	}

	private PipelineResult execute(Iterator<?> source) {
		long start = System.nanoTime();
		List<InlineStage> opened = new ArrayList<>();
		try {
			for (InlineStage stage : this.stages) {
				stage.open();
				opened.add(stage);
			}
			this.listeners.stateChanged(PipelineState.NEW, PipelineState.RUNNING);
			this.mark = System.nanoTime();
			drive(source);
		}
		catch (PipelineFailedException ex) {
			this.listeners.stateChanged(opened.size() == this.stages.length ? PipelineState.RUNNING : PipelineState.NEW,
					PipelineState.FAILED);
			throw ex;
		}
		finally {
			opened.forEach(InlineStage::close);
		}
		this.listeners.stateChanged(PipelineState.RUNNING, PipelineState.COMPLETED);
		return result(start);
	}

	private void drive(Iterator<?> source) {
		if (this.streamAt < 0) {
			while (pull(source)) {
				// each pulled item went as far as it goes
			}
			endFrom(0);
		}
		else {
			this.stages[this.streamAt].runStream(source);
		}
	}

	/**
	 * Pulls one entry from the source and pushes it into the first step.
	 * @return false at the end of the source
	 */
	boolean pull(Iterator<?> source) {
		Object next;
		try {
			if (!source.hasNext()) {
				return false;
			}
			next = source.next();
			if (next == null) {
				throw new NullPointerException("the source produced a null item");
			}
		}
		catch (RuntimeException ex) {
			throw new PipelineFailedException(this.definition.name(), "(source)", null, "the source failed", ex);
		}
		if (next instanceof Marker marker) {
			push(0, new MarkerEntry(marker.value(),
					(marker.onPassed() != null) ? new Tracker.Input(marker.onPassed(), this.definition.name()) : null));
		}
		else {
			this.in++;
			push(0, next);
		}
		return true;
	}

	/** Hands an item or a marker to stage {@code index}, or past the last stage. */
	void push(int index, Object entry) {
		if (index >= this.stages.length) {
			if (entry instanceof MarkerEntry marker) {
				marker.release();
			}
			else {
				this.completed++;
			}
			return;
		}
		if (index == this.streamAt) {
			if (!(entry instanceof MarkerEntry)) {
				this.stages[index].in++;
			}
			this.ready.add(entry);
			return;
		}
		int previous = enter(index);
		try {
			this.stages[index].accept(entry);
		}
		finally {
			enter(previous);
		}
	}

	/** Ends stages from {@code index} on: chunks emit their partial lists. */
	void endFrom(int index) {
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

	@Override
	public void outageStarted(String step, Throwable cause) {
		this.listeners.outageStarted(step, cause);
	}

	@Override
	public void outageEnded(String step, Duration lasted) {
		this.listeners.outageEnded(step, lasted);
	}

	/** Switches the clock to stage {@code index}; returns the stage it switched from. */
	int enter(int index) {
		long now = System.nanoTime();
		if (this.current >= 0) {
			this.nanos[this.current] += now - this.mark;
		}
		this.mark = now;
		int previous = this.current;
		this.current = index;
		return previous;
	}

	/** The time stage {@code index} has spent so far, the slice under way included. */
	long nanosOf(int index) {
		return this.nanos[index] + ((this.current == index) ? System.nanoTime() - this.mark : 0);
	}

	private PipelineResult result(long start) {
		List<StepStats> stats = new ArrayList<>();
		long dropped = 0;
		long deadLettered = 0;
		for (InlineStage stage : this.stages) {
			StepStats s = stage.stats(this.nanos[stage.index]);
			stats.add(s);
			dropped += s.dropped();
			deadLettered += s.deadLettered();
		}
		return new PipelineResult(this.definition.name(), PipelineState.COMPLETED,
				Duration.ofNanos(System.nanoTime() - start), this.in, this.completed, dropped, deadLettered, 0,
				List.copyOf(stats), List.of(), null);
	}

}
