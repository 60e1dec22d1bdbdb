package io.paipa.core;

import java.util.List;

/**
 * A pipeline as it is now: its state, its totals and every step in order.
 *
 * @param name the pipeline's name
 * @param state the pipeline's state
 * @param in items that entered the pipeline
 * @param completed items that left the last step
 * @param dropped items dropped, summed over the steps
 * @param deadLettered items dead-lettered, summed over the steps
 * @param abandoned items abandoned, summed over the steps
 * @param steps the steps in order
 * @param lastError the last failure or worker death, as text, or {@code null}
 */
public record PipelineSnapshot(String name, PipelineState state, long in, long completed, long dropped,
		long deadLettered, long abandoned, List<StepSnapshot> steps, String lastError) {

	/**
	 * Returns a step by name.
	 * @param name the step's name
	 * @return the step
	 * @throws IllegalArgumentException when there is no such step
	 */
	public StepSnapshot step(String name) {
		for (StepSnapshot step : this.steps) {
			if (step.name().equals(name)) {
				return step;
			}
		}
		throw new IllegalArgumentException("Pipeline '" + this.name + "' has no step '" + name + "'");
	}

}
