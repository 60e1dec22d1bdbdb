package io.paipa.core;

import java.time.Duration;
import java.util.List;

/**
 * What a run of a pipeline did. With one-to-one steps every input item is accounted for
 * once: {@code in == completed + dropped + deadLettered + abandoned}. With fan-out or
 * stream steps the same holds per input item through {@link CompletionCallback completion
 * tracking}, and per step through {@link StepStats}.
 *
 * @param pipeline the pipeline's name
 * @param state how it ended: {@code COMPLETED}, {@code STOPPED} or {@code FAILED}
 * @param duration from start to end
 * @param in items that entered the pipeline
 * @param completed items that left the last step
 * @param dropped items dropped, summed over the steps
 * @param deadLettered items dead-lettered, summed over the steps
 * @param abandoned items abandoned, summed over the steps
 * @param steps the counts of every step in order
 * @param stuckWorkers the names of worker threads that did not end within the shutdown
 * timeout and were abandoned
 * @param failure the failure, or {@code null}
 */
public record PipelineResult(String pipeline, PipelineState state, Duration duration, long in, long completed,
		long dropped, long deadLettered, long abandoned, List<StepStats> steps, List<String> stuckWorkers,
		PipelineFailedException failure) {

	/**
	 * Returns a step's counts by name.
	 * @param name the step's name
	 * @return the counts
	 * @throws IllegalArgumentException when there is no such step
	 */
	public StepStats step(String name) {
		for (StepStats step : this.steps) {
			if (step.step().equals(name)) {
				return step;
			}
		}
		throw new IllegalArgumentException("Pipeline '" + this.pipeline + "' has no step '" + name + "'");
	}

	/**
	 * Tells whether the run ended without failure.
	 * @return {@code true} unless the pipeline failed
	 */
	public boolean isSuccess() {
		return this.failure == null;
	}

	@Override
	public String toString() {
		StringBuilder sb = new StringBuilder("Pipeline '").append(this.pipeline)
			.append("' ")
			.append(this.state)
			.append(" in ")
			.append(this.duration.toMillis())
			.append(" ms: in=")
			.append(this.in)
			.append(", completed=")
			.append(this.completed)
			.append(", dropped=")
			.append(this.dropped)
			.append(", dead-lettered=")
			.append(this.deadLettered)
			.append(", abandoned=")
			.append(this.abandoned);
		if (!this.stuckWorkers.isEmpty()) {
			sb.append(", stuck workers=").append(this.stuckWorkers);
		}
		if (this.failure != null) {
			sb.append(", failure=").append(this.failure.getMessage());
		}
		return sb.toString();
	}

}
