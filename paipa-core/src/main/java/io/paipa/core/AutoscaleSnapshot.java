package io.paipa.core;

import java.time.Instant;

/**
 * An autoscaled step's side of its {@link StepSnapshot}: its bounds, whether it is
 * pinned, and what the controller decided. The controller's target is the step's
 * {@link StepSnapshot#workersConfigured() configured} worker count, which it sets.
 *
 * @param minWorkers the fewest workers the controller leaves the step
 * @param maxWorkers the most workers the controller gives it
 * @param pinned whether a manual {@link Pipeline#scale(String, int) scale} holds the step
 * at its count until {@link Pipeline#resumeAutoscale(String)}
 * @param up decisions that added workers, over every run
 * @param down decisions that removed workers, over every run
 * @param lastDecision the last decision with its reason, or {@code null} before the first
 * @param lastDecisionAt when it was made, or {@code null} before the first
 */
public record AutoscaleSnapshot(int minWorkers, int maxWorkers, boolean pinned, long up, long down, String lastDecision,
		Instant lastDecisionAt) {

}
