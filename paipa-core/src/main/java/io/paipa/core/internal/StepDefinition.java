package io.paipa.core.internal;

import java.lang.reflect.Type;
import java.util.Map;

import io.paipa.core.ErrorPolicy;
import io.paipa.core.RetryPolicy;
import io.paipa.core.StepKind;

/**
 * One step as built: immutable. {@code errorPolicy} and {@code retry} are {@code null}
 * when the pipeline's apply.
 */
public record StepDefinition(String name, StepKind kind, Object handler, int workers, int queueCapacity,
		ErrorPolicy errorPolicy, RetryPolicy retry, Map<String, Object> options, boolean virtualThreads,
		Type inputType, Type outputType) {

	public StepDefinition withWorkers(int workers) {
		return new StepDefinition(this.name, this.kind, this.handler, workers, this.queueCapacity, this.errorPolicy,
				this.retry, this.options, this.virtualThreads, this.inputType, this.outputType);
	}

}
