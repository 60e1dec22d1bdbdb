package io.paipa.core.internal;

import java.util.List;
import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.paipa.core.PipelineSnapshot;
import io.paipa.core.StepSnapshot;
import io.paipa.core.StepStats;

/**
 * Logs one INFO line per interval while a run lasts: each step's items per second, queue
 * depth and busy workers, and the pipeline's totals.
 */
final class ProgressLog implements Runnable {

	private static final Logger logger = LoggerFactory.getLogger("io.paipa.progress");

	private final Execution execution;

	private final long intervalNanos;

	ProgressLog(Execution execution, long intervalNanos) {
		this.execution = execution;
		this.intervalNanos = intervalNanos;
	}

	@Override
	public void run() {
		PipelineSnapshot previous = this.execution.snapshot();
		long previousTime = System.nanoTime();
		while (!this.execution.termination.awaitEndFor(this.intervalNanos)) {
			PipelineSnapshot now = this.execution.snapshot();
			long time = System.nanoTime();
			if (logger.isInfoEnabled()) {
				logger.info(line(previous, now, (time - previousTime) / 1e9));
			}
			previous = now;
			previousTime = time;
		}
	}

	static String line(PipelineSnapshot previous, PipelineSnapshot now, double seconds) {
		StringBuilder sb = new StringBuilder("Pipeline '").append(now.name()).append("' ").append(now.state());
		List<StepSnapshot> steps = now.steps();
		for (int i = 0; i < steps.size(); i++) {
			StepSnapshot step = steps.get(i);
			double rate = (seconds > 0) ? (handled(step.stats()) - handled(previous.steps().get(i).stats())) / seconds
					: 0;
			sb.append((i == 0) ? ": " : " | ")
				.append(step.name())
				.append(' ')
				.append(String.format(Locale.ROOT, "%.0f/s", rate))
				.append(" q ")
				.append(step.queueDepth())
				.append('/')
				.append(step.queueCapacity())
				.append(" busy ")
				.append(step.workersBusy())
				.append('/')
				.append(step.workersAlive());
		}
		sb.append("; in ")
			.append(now.in())
			.append(", completed ")
			.append(now.completed())
			.append(", dropped ")
			.append(now.dropped())
			.append(", dead-lettered ")
			.append(now.deadLettered());
		return sb.toString();
	}

	private static long handled(StepStats stats) {
		return stats.processed() + stats.dropped() + stats.failed();
	}

}
