package io.paipa.boot.autoconfigure;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

import io.paipa.boot.autoconfigure.PipelinePlan.StepPlan;
import io.paipa.core.AutoscalePolicy;

/**
 * Turns a pipeline's {@code autoscale} and its steps' {@code min-workers} and
 * {@code max-workers} into an {@link AutoscalePolicy}, checking them first: each mistake
 * stops start-up with the key to change and what to do.
 */
final class AutoscaleSettings {

	private AutoscaleSettings() {
	}

	/**
	 * Plans a pipeline's autoscaling.
	 * @param name the pipeline's name
	 * @param prefix its properties' prefix
	 * @param pipeline its properties
	 * @param steps its planned steps
	 * @param maxWorkersPerStep {@code paipa.max-workers-per-step}
	 * @return the policy, or {@code null} when autoscaling is off
	 * @throws InvalidConfigurationPropertyValueException when a setting is wrong
	 */
	static @Nullable AutoscalePolicy policy(String name, String prefix, PaipaProperties.Pipeline pipeline,
			List<StepPlan> steps, int maxWorkersPerStep) {
		PaipaProperties.Autoscale autoscale = pipeline.getAutoscale();
		if (!autoscale.isEnabled()) {
			return null;
		}
		Duration interval = autoscale.getInterval();
		if (interval.isNegative() || interval.isZero()) {
			throw new InvalidConfigurationPropertyValueException(prefix + ".autoscale.interval", interval,
					"Must be positive: how often the autoscaler measures the steps and decides");
		}
		Integer maxThreads = autoscale.getMaxThreads();
		if (maxThreads != null) {
			PipelinePlanner.atLeast(prefix + ".autoscale.max-threads", maxThreads, 1);
		}
		Map<String, AutoscalePolicy.Bounds> bounds = new LinkedHashMap<>();
		int starting = 0;
		int most = 0;
		StringBuilder start = new StringBuilder();
		for (StepPlan step : steps) {
			PaipaProperties.Step properties = step.properties();
			int workers;
			if (properties.isAutoscaled()) {
				AutoscalePolicy.Bounds stepBounds = bounds(step, maxThreads, maxWorkersPerStep);
				bounds.put(step.name(), stepBounds);
				workers = (properties.getWorkers() != null) ? properties.getWorkers() : stepBounds.minWorkers();
				most += stepBounds.maxWorkers();
				start.append((start.length() > 0) ? ", " : "").append(step.name()).append(' ').append(workers);
				if (properties.getWorkers() == null) {
					start.append(" (its min-workers)");
				}
			}
			else {
				workers = (properties.getWorkers() != null) ? properties.getWorkers() : 1;
				most += workers;
				start.append((start.length() > 0) ? ", " : "").append(step.name()).append(' ').append(workers);
			}
			starting += workers;
		}
		int sink = KafkaSettings.sinkWorkers(pipeline);
		if (sink > 0) {
			starting += sink;
			most += sink;
			start.append(", kafka-sink-batch 1, kafka-sink ").append(sink - 1);
		}
		if (bounds.isEmpty()) {
			throw new InvalidConfigurationPropertyValueException(prefix + ".autoscale.enabled", true,
					"No step of pipeline '" + name + "' has min-workers or max-workers, so the autoscaler would "
							+ "size none: set them on the steps it may resize (" + prefix
							+ ".steps.<step>.max-workers), or turn autoscaling off");
		}
		int budget = (maxThreads != null) ? maxThreads : most;
		if (maxThreads != null && starting > maxThreads) {
			throw new InvalidConfigurationPropertyValueException(prefix + ".autoscale.max-threads", maxThreads,
					"Must be at least " + starting + ", the workers the steps start with (" + start
							+ "); raise it, or lower the steps' workers or min-workers");
		}
		return new AutoscalePolicy(budget, interval, bounds);
	}

	private static AutoscalePolicy.Bounds bounds(StepPlan step, @Nullable Integer maxThreads, int maxWorkersPerStep) {
		PaipaProperties.Step properties = step.properties();
		String key = step.propertyPrefix();
		int min = (properties.getMinWorkers() != null) ? properties.getMinWorkers() : 1;
		PipelinePlanner.atLeast(key + ".min-workers", min, 1);
		if (min > maxWorkersPerStep) {
			throw new InvalidConfigurationPropertyValueException(key + ".min-workers", min,
					"Must be at most " + maxWorkersPerStep + " (paipa.max-workers-per-step)");
		}
		int max;
		if (properties.getMaxWorkers() != null) {
			max = properties.getMaxWorkers();
			if (max < min) {
				throw new InvalidConfigurationPropertyValueException(key + ".max-workers", max,
						"Must be at least the step's min-workers (" + min + ")");
			}
			if (max > maxWorkersPerStep) {
				throw new InvalidConfigurationPropertyValueException(key + ".max-workers", max,
						"Must be at most " + maxWorkersPerStep + " (paipa.max-workers-per-step)");
			}
		}
		else {
			max = Math.max(min, Math.min(maxWorkersPerStep, (maxThreads != null) ? maxThreads : maxWorkersPerStep));
		}
		Integer workers = properties.getWorkers();
		if (workers != null && (workers < min || workers > max)) {
			throw new InvalidConfigurationPropertyValueException(key + ".workers", workers,
					"Must be within the step's min-workers and max-workers (" + min + " to " + max
							+ "): an autoscaled step starts with it and is kept within them; or leave it unset "
							+ "to start with min-workers");
		}
		return new AutoscalePolicy.Bounds(step.name(), min, max);
	}

}
