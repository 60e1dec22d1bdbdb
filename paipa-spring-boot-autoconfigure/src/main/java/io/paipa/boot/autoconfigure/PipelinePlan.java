package io.paipa.boot.autoconfigure;

import java.util.List;

import org.jspecify.annotations.Nullable;
import org.springframework.core.ResolvableType;

import io.paipa.core.AutoscalePolicy;

/**
 * A pipeline as planned from its properties and the handler beans, checked and ready to
 * build; {@code autoscale} is {@code null} when its steps' workers are fixed.
 */
record PipelinePlan(String name, PaipaProperties.Pipeline properties, List<StepPlan> steps, ResolvableType inputType,
		@Nullable AutoscalePolicy autoscale) {

	boolean isContinuous() {
		return this.properties.getMode() == PaipaProperties.Mode.CONTINUOUS;
	}

	/**
	 * One step: a handler bean or a built-in.
	 */
	record StepPlan(String name, String propertyPrefix, PaipaProperties.Step properties, Kind kind,
			@Nullable String beanName, boolean prototype, ResolvableType inputType, ResolvableType outputType) {

	}

	/**
	 * What a step is made of.
	 */
	enum Kind {

		ONE_TO_ONE, FAN_OUT, STREAM, CHUNK, FLATTEN

	}

}
