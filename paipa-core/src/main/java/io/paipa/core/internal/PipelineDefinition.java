package io.paipa.core.internal;

import java.time.Duration;
import java.util.List;

import io.paipa.core.ContextPropagation;
import io.paipa.core.DeadLetterHandler;
import io.paipa.core.ErrorPolicy;
import io.paipa.core.OutagePolicy;
import io.paipa.core.PipelineListener;
import io.paipa.core.RetryPolicy;
import io.paipa.core.Weigher;

/**
 * A pipeline as built: immutable. {@code errorPolicy} is {@code null} when it follows the
 * mode (fail in batch runs, skip in continuous ones). {@code redeliverTrackedAtStop}:
 * items with a completion callback that a stop could not finish are abandoned, not
 * dead-lettered. {@code outage} is never {@code null}. {@code inputMaxWeight} is 0 when
 * the input is bounded by count only. {@code contextPropagation} is {@code null} when no
 * context is carried.
 */
public record PipelineDefinition(String name, List<StepDefinition> steps, int inputCapacity, ErrorPolicy errorPolicy,
		RetryPolicy retry, OutagePolicy outage, DeadLetterHandler deadLetterHandler, List<PipelineListener> listeners,
		Duration shutdownTimeout, Duration progressInterval, int maxRestarts, boolean redeliverTrackedAtStop,
		long inputMaxWeight, Weigher<Object> weigher, ContextPropagation contextPropagation) {

	public int indexOf(String step) {
		for (int i = 0; i < this.steps.size(); i++) {
			if (this.steps.get(i).name().equals(step)) {
				return i;
			}
		}
		return -1;
	}

}
