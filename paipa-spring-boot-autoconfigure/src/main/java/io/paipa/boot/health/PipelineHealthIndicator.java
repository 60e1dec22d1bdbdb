package io.paipa.boot.health;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

import io.paipa.core.Pipeline;
import io.paipa.core.PipelineSnapshot;
import io.paipa.core.PipelineState;
import io.paipa.core.StepSnapshot;

/**
 * The health of one pipeline: UP while it runs with every step at its configured workers,
 * and for a batch pipeline that is idle or finished well; DOWN when it failed, when a
 * running step has no live worker (though its input has not ended), when a step is in an
 * outage (what it depends on keeps failing, or the dead-letter handler does), when a
 * worker has been busy on one item longer than the stall timeout, or when a
 * {@link PipelineProblems} bean reports a problem (a Kafka broker that cannot be
 * reached); OUT_OF_SERVICE once stopped. The details show the state, every step's figures
 * (an outage with since when and its last error) and the last error.
 */
public class PipelineHealthIndicator implements HealthIndicator {

	private final Pipeline<?> pipeline;

	private final Duration stallTimeout;

	private final String name;

	private final Collection<PipelineProblems> reporters;

	/**
	 * Creates the indicator.
	 * @param pipeline the pipeline
	 * @param stallTimeout how long a worker may be busy on one item before the pipeline
	 * is reported DOWN
	 */
	public PipelineHealthIndicator(Pipeline<?> pipeline, Duration stallTimeout) {
		this(pipeline, stallTimeout, List.of());
	}

	/**
	 * Creates the indicator.
	 * @param pipeline the pipeline
	 * @param stallTimeout how long a worker may be busy on one item before the pipeline
	 * is reported DOWN
	 * @param reporters what else may know of problems of the pipeline while it runs
	 */
	public PipelineHealthIndicator(Pipeline<?> pipeline, Duration stallTimeout,
			Collection<PipelineProblems> reporters) {
		this.pipeline = pipeline;
		this.stallTimeout = stallTimeout;
		this.name = pipeline.name();
		this.reporters = List.copyOf(reporters);
	}

	@Override
	public Health health() {
		PipelineSnapshot snapshot = this.pipeline.snapshot();
		List<String> problems = new ArrayList<>();
		boolean running = snapshot.state() == PipelineState.RUNNING || snapshot.state() == PipelineState.DRAINING;
		Map<String, Object> steps = new LinkedHashMap<>();
		for (StepSnapshot step : snapshot.steps()) {
			steps.put(step.name(), details(step));
			if (running && step.workersAlive() == 0 && !step.inputEnded()) {
				problems.add("step '" + step.name() + "' has no live worker");
			}
			if (running && step.inOutage()) {
				problems.add("step '" + step.name() + "' is in an outage since " + step.outageSince() + ": "
						+ step.outageError());
			}
			if (running && step.longestBusyNanos() > this.stallTimeout.toNanos()) {
				problems.add("a worker of step '" + step.name() + "' has been busy on one item for "
						+ Duration.ofMillis(step.longestBusyNanos() / 1_000_000) + ", longer than the stall timeout of "
						+ this.stallTimeout);
			}
		}
		if (running) {
			for (PipelineProblems reporter : this.reporters) {
				problems.addAll(reporter.problemsOf(this.name));
			}
		}
		Health.Builder builder = switch (snapshot.state()) {
			case FAILED -> Health.down();
			case STOPPED -> Health.outOfService();
			default -> problems.isEmpty() ? Health.up() : Health.down();
		};
		builder.withDetail("state", snapshot.state())
			.withDetail("in", snapshot.in())
			.withDetail("completed", snapshot.completed())
			.withDetail("dropped", snapshot.dropped())
			.withDetail("deadLettered", snapshot.deadLettered())
			.withDetail("abandoned", snapshot.abandoned())
			.withDetail("steps", steps);
		if (!problems.isEmpty()) {
			builder.withDetail("problems", problems);
		}
		if (snapshot.lastError() != null) {
			builder.withDetail("lastError", snapshot.lastError());
		}
		return builder.build();
	}

	private static Map<String, Object> details(StepSnapshot step) {
		Map<String, Object> details = new LinkedHashMap<>();
		details.put("workers", Map.of("configured", step.workersConfigured(), "alive", step.workersAlive(), "busy",
				step.workersBusy()));
		details.put("queue", Map.of("depth", step.queueDepth(), "capacity", step.queueCapacity()));
		details.put("processed", step.stats().processed());
		details.put("dropped", step.stats().dropped());
		details.put("failed", step.stats().failed());
		details.put("deadLettered", step.stats().deadLettered());
		details.put("restarts", step.stats().restarts());
		details.put("utilization", Math.round(step.utilization() * 1000) / 1000.0);
		if (step.inOutage()) {
			details.put("outage",
					Map.of("since", step.outageSince().toString(), "error", String.valueOf(step.outageError())));
		}
		return details;
	}

}
