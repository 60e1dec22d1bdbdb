package io.paipa.core.internal;

import java.lang.reflect.Type;
import java.util.Map;

import io.paipa.core.ErrorPolicy;
import io.paipa.core.OutagePolicy;
import io.paipa.core.RetryPolicy;
import io.paipa.core.StepKind;

/**
 * One step as built: immutable. {@code errorPolicy}, {@code retry} and {@code outage} are
 * {@code null} when the pipeline's apply.
 */
public record StepDefinition(String name, StepKind kind, Object handler, int workers, int queueCapacity,
		ErrorPolicy errorPolicy, RetryPolicy retry, OutagePolicy outage, boolean isolateFailures,
		Map<String, Object> options, boolean virtualThreads, Type inputType, Type outputType) {

	public StepDefinition withWorkers(int workers) {
		return new StepDefinition(this.name, this.kind, this.handler, workers, this.queueCapacity, this.errorPolicy,
				this.retry, this.outage, this.isolateFailures, this.options, this.virtualThreads, this.inputType,
				this.outputType);
	}

}
