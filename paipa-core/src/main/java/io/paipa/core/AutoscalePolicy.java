package io.paipa.core;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Which steps of a pipeline size themselves, within what bounds, and how many threads the
 * whole pipeline may use; given to {@link Pipeline.Builder#autoscale(AutoscalePolicy)}.
 *
 * <p>
 * Once per {@code interval}, a controller reads the pipeline's snapshot and moves workers
 * between the steps named here: it adds workers to the bottleneck (a step that is busy
 * while items wait in front of it), keeps a move only when the step's throughput rose
 * with it, and takes workers back from steps that idle. Steps not named here keep their
 * worker counts; their workers still count against {@code maxThreads}.
 * {@link Pipeline#scale(String, int)} pins an autoscaled step at the count given until
 * {@link Pipeline#resumeAutoscale(String)}.
 *
 * <pre>{@code
 * Pipeline.<Order>builder("orders")
 *     .step("parse", parser, s -> s.workers(2))
 *     .step("enrich", enricher)
 *     .autoscale(AutoscalePolicy.maxThreads(64).withStep("enrich", 2, 32))
 *     .build();
 * }</pre>
 *
 * @param maxThreads the most worker threads of all steps together, fixed ones included
 * @param interval how often the controller measures and decides
 * @param steps the bounds of each autoscaled step, by step name, in insertion order
 */
public record AutoscalePolicy(int maxThreads, Duration interval, Map<String, Bounds> steps) {

	/** The interval unless set: one second. */
	public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);

	/**
	 * Validates the arguments and keeps an unmodifiable copy of the steps.
	 * @param maxThreads at least 1
	 * @param interval positive
	 * @param steps bounds by step name
	 */
	public AutoscalePolicy {
		Objects.requireNonNull(interval, "interval must not be null");
		Objects.requireNonNull(steps, "steps must not be null");
		if (maxThreads < 1) {
			throw new IllegalArgumentException("Autoscale max threads must be at least 1 but was " + maxThreads);
		}
		if (interval.isNegative() || interval.isZero()) {
			throw new IllegalArgumentException("Autoscale interval must be positive but was " + interval);
		}
		steps = Collections.unmodifiableMap(new LinkedHashMap<>(steps));
	}

	/**
	 * Returns a policy with a thread budget, no autoscaled step yet and the default
	 * interval.
	 * @param maxThreads the most worker threads of all steps together, at least 1
	 * @return the policy
	 */
	public static AutoscalePolicy maxThreads(int maxThreads) {
		return new AutoscalePolicy(maxThreads, DEFAULT_INTERVAL, Map.of());
	}

	/**
	 * Returns a copy in which a step is autoscaled between two worker counts. The step
	 * starts with its configured workers brought within these bounds.
	 * @param step the step's name
	 * @param minWorkers the fewest workers it keeps, at least 1
	 * @param maxWorkers the most workers it gets, at least {@code minWorkers}
	 * @return the policy
	 */
	public AutoscalePolicy withStep(String step, int minWorkers, int maxWorkers) {
		if (step == null || step.isBlank()) {
			throw new IllegalArgumentException("Autoscale step name must not be empty");
		}
		Map<String, Bounds> steps = new LinkedHashMap<>(this.steps);
		steps.put(step, new Bounds(step, minWorkers, maxWorkers));
		return new AutoscalePolicy(this.maxThreads, this.interval, steps);
	}

	/**
	 * Returns a copy with another interval. Each decision is measured over at least one
	 * interval, so it should span many items of the slowest autoscaled step (a second
	 * suits items of up to about 50 ms).
	 * @param interval positive
	 * @return the policy
	 */
	public AutoscalePolicy withInterval(Duration interval) {
		return new AutoscalePolicy(this.maxThreads, interval, this.steps);
	}

	/**
	 * The worker bounds of one autoscaled step.
	 *
	 * @param step the step's name
	 * @param minWorkers the fewest workers it keeps, at least 1
	 * @param maxWorkers the most workers it gets, at least {@code minWorkers}
	 */
	public record Bounds(String step, int minWorkers, int maxWorkers) {

		/**
		 * Validates the bounds.
		 * @param step the step's name
		 * @param minWorkers at least 1
		 * @param maxWorkers at least {@code minWorkers}
		 */
		public Bounds {
			Objects.requireNonNull(step, "step must not be null");
			if (minWorkers < 1) {
				throw new IllegalArgumentException(
						"Step '" + step + "': autoscale min workers must be at least 1 but was " + minWorkers);
			}
			if (maxWorkers < minWorkers) {
				throw new IllegalArgumentException("Step '" + step + "': autoscale max workers must be at least "
						+ "its min workers (" + minWorkers + ") but was " + maxWorkers);
			}
		}

		/**
		 * Brings a worker count within the bounds.
		 * @param workers a count
		 * @return the count, or the nearest bound
		 */
		public int clamp(int workers) {
			return Math.max(this.minWorkers, Math.min(this.maxWorkers, workers));
		}

	}

}
