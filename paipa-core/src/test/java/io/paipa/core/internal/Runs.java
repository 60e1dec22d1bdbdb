package io.paipa.core.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.paipa.core.DeadLetter;
import io.paipa.core.OutagePolicy;
import io.paipa.core.RetryPolicy;
import io.paipa.core.StepHandler;
import io.paipa.core.StepKind;

/**
 * Runs of a pipeline built by hand for unit tests of the engine's parts: nothing is
 * started, the test drives the parts itself. Every step is a one-to-one step with one
 * worker; the dead letters are collected.
 */
final class Runs {

	final Execution execution;

	final List<DeadLetter> deadLetters;

	private Runs(Execution execution, List<DeadLetter> deadLetters) {
		this.execution = execution;
		this.deadLetters = deadLetters;
	}

	/** A batch run of {@code steps} steps, each with a queue of {@code capacity}. */
	static Runs of(int steps, int capacity) {
		return of(steps, capacity, false);
	}

	/**
	 * A batch run of {@code steps} steps.
	 * @param redeliverTrackedAtStop whether tracked items a stop cannot finish are left
	 * to their source
	 */
	static Runs of(int steps, int capacity, boolean redeliverTrackedAtStop) {
		return of(steps, capacity, redeliverTrackedAtStop, (letter) -> {
		});
	}

	/**
	 * A batch run of {@code steps} steps whose dead-letter handler also calls
	 * {@code onLetter} with each letter, before it is collected.
	 */
	static Runs of(int steps, int capacity, boolean redeliverTrackedAtStop,
			java.util.function.Consumer<DeadLetter> onLetter) {
		List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();
		List<StepDefinition> definitions = new ArrayList<>();
		int[] workers = new int[steps];
		for (int i = 0; i < steps; i++) {
			StepHandler<Object, Object> handler = (item) -> item;
			definitions.add(new StepDefinition("step" + i, StepKind.ONE_TO_ONE, handler, 1, capacity, null, null, null,
					false, Map.of(), false, Object.class, Object.class));
			workers[i] = 1;
		}
		PipelineDefinition definition = new PipelineDefinition("test", List.copyOf(definitions), capacity, null,
				RetryPolicy.none(), OutagePolicy.off(), (letter) -> {
					onLetter.accept(letter);
					deadLetters.add(letter);
				}, List.of(), Duration.ofSeconds(5), null, 0, redeliverTrackedAtStop, 0, null, null);
		return new Runs(new Execution(definition, workers, Execution.Mode.BATCH), deadLetters);
	}

	/**
	 * A run of one step with its own handler, mode, bound by weight, listeners and
	 * shutdown timeout; the first queue holds {@code capacity} entries.
	 */
	static Runs of(Execution.Mode mode, int capacity, StepHandler<Object, Object> handler, long inputMaxWeight,
			io.paipa.core.Weigher<Object> weigher, List<io.paipa.core.PipelineListener> listeners,
			Duration shutdownTimeout) {
		return of(mode, capacity, handler, inputMaxWeight, weigher, listeners, shutdownTimeout,
				Termination.GRACE_NANOS);
	}

	/**
	 * As
	 * {@link #of(Execution.Mode, int, StepHandler, long, io.paipa.core.Weigher, List, Duration)},
	 * with the grace for threads that should end on their own.
	 */
	static Runs of(Execution.Mode mode, int capacity, StepHandler<Object, Object> handler, long inputMaxWeight,
			io.paipa.core.Weigher<Object> weigher, List<io.paipa.core.PipelineListener> listeners,
			Duration shutdownTimeout, long graceNanos) {
		List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();
		StepDefinition step = new StepDefinition("step0", StepKind.ONE_TO_ONE, handler, 1, capacity, null, null, null,
				false, Map.of(), false, Object.class, Object.class);
		PipelineDefinition definition = new PipelineDefinition("test", List.of(step), capacity, null,
				RetryPolicy.none(), OutagePolicy.off(), deadLetters::add, List.copyOf(listeners), shutdownTimeout, null,
				0, false, inputMaxWeight, weigher, null);
		return new Runs(new Execution(definition, new int[] { 1 }, mode, graceNanos), deadLetters);
	}

	/**
	 * A continuous run of one step whose items carry the context the propagation
	 * captures.
	 */
	static Runs withPropagation(io.paipa.core.ContextPropagation propagation) {
		List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();
		StepDefinition step = new StepDefinition("step0", StepKind.ONE_TO_ONE,
				(StepHandler<Object, Object>) (item) -> item, 1, 4, null, null, null, false, Map.of(), false,
				Object.class, Object.class);
		PipelineDefinition definition = new PipelineDefinition("test", List.of(step), 4, null, RetryPolicy.none(),
				OutagePolicy.off(), deadLetters::add, List.of(), Duration.ofSeconds(5), null, 0, false, 0, null,
				propagation);
		return new Runs(new Execution(definition, new int[] { 1 }, Execution.Mode.CONTINUOUS), deadLetters);
	}

	/** A worker of step {@code step}, not started, with the step's output buffer. */
	Worker worker(int step) {
		return new ItemWorker(this.execution.steps[step], 0, null);
	}

	BatchQueue queue(int step) {
		return this.execution.queues[step];
	}

	StepCounters counters(int step) {
		return this.execution.ledger.counters(step);
	}

	/** A tracker that counts how often its item settled. */
	static final class Settling extends Tracker {

		int settled;

		@Override
		protected void settled() {
			this.settled++;
		}

		@Override
		void collectOrigins(List<io.paipa.core.CompletionCallback> into) {
		}

	}

	static Duration seconds(long n) {
		return Duration.ofSeconds(n);
	}

}
