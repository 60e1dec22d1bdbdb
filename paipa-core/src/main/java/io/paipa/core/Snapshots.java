package io.paipa.core;

import java.util.ArrayList;
import java.util.List;

import io.paipa.core.internal.Autoscaler;

/**
 * Adds the counts of ended runs to a run's snapshot, and the autoscaling side of each
 * autoscaled step.
 */
final class Snapshots {

	private Snapshots() {
	}

	/** One step's counts of the runs before, added to its snapshot now. */
	static StepSnapshot plus(StepSnapshot carried, StepSnapshot step) {
		StepStats a = carried.stats();
		StepStats b = step.stats();
		StepStats sum = new StepStats(b.step(), a.in() + b.in(), a.processed() + b.processed(),
				a.dropped() + b.dropped(), a.retried() + b.retried(), a.failed() + b.failed(),
				a.deadLettered() + b.deadLettered(), a.abandoned() + b.abandoned(), a.emitted() + b.emitted(),
				a.restarts() + b.restarts(), a.handlerNanos() + b.handlerNanos());
		return new StepSnapshot(step.name(), step.kind(), step.inputType(), step.outputType(), step.workersConfigured(),
				step.workersAlive(), step.workersBusy(), step.queueDepth(), step.queueCapacity(), sum,
				step.utilization(), step.longestBusyNanos(), step.inputEnded(), step.outageSince(), step.outageError());
	}

	static PipelineSnapshot plus(PipelineSnapshot carried, PipelineSnapshot now) {
		if (carried == null) {
			return now;
		}
		List<StepSnapshot> steps = new ArrayList<>(now.steps().size());
		for (int i = 0; i < now.steps().size(); i++) {
			steps.add(plus(carried.steps().get(i), now.steps().get(i)));
		}
		return new PipelineSnapshot(now.name(), now.state(), carried.in() + now.in(),
				carried.completed() + now.completed(), carried.dropped() + now.dropped(),
				carried.deadLettered() + now.deadLettered(), carried.abandoned() + now.abandoned(), List.copyOf(steps),
				(now.lastError() != null) ? now.lastError() : carried.lastError());
	}

	static PipelineSnapshot withAutoscale(PipelineSnapshot snapshot, Autoscaler autoscaler) {
		if (autoscaler == null) {
			return snapshot;
		}
		List<StepSnapshot> steps = new ArrayList<>(snapshot.steps().size());
		for (int i = 0; i < snapshot.steps().size(); i++) {
			steps.add(withAutoscale(snapshot.steps().get(i), autoscaler, i));
		}
		return new PipelineSnapshot(snapshot.name(), snapshot.state(), snapshot.in(), snapshot.completed(),
				snapshot.dropped(), snapshot.deadLettered(), snapshot.abandoned(), List.copyOf(steps),
				snapshot.lastError());
	}

	static StepSnapshot withAutoscale(StepSnapshot step, Autoscaler autoscaler, int index) {
		return (autoscaler != null && autoscaler.isAutoscaled(index)) ? step.withAutoscale(autoscaler.snapshot(index))
				: step;
	}

}
