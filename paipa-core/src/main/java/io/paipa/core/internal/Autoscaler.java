package io.paipa.core.internal;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.paipa.core.AutoscalePolicy;
import io.paipa.core.AutoscaleSnapshot;
import io.paipa.core.PipelineSnapshot;
import io.paipa.core.PipelineState;

/**
 * A pipeline's autoscaling: its policy, which steps are pinned, the decisions counted
 * over every run, and, for each run, a controller thread
 * ({@code paipa-<pipeline>-autoscale}) that wakes once per interval, asks the
 * {@link AutoscaleDecider} and applies what it decides. The thread waits on the run's end
 * between intervals, so it never spins and ends with the run. Pins and counts are
 * atomics, read by snapshots and written by a manual scale, so that neither takes the
 * decider's lock.
 */
public final class Autoscaler {

	private static final Logger logger = LoggerFactory.getLogger("io.paipa.autoscale");

	private final String pipeline;

	private final AutoscalePolicy policy;

	private final AutoscalePolicy.Bounds[] bounds;

	private final AutoscaleDecider decider;

	private final AtomicIntegerArray pinned;

	private final AtomicLongArray up;

	private final AtomicLongArray down;

	private final AtomicReferenceArray<Last> last;

	/**
	 * Creates the autoscaling of a pipeline.
	 * @param pipeline the pipeline's name
	 * @param policy the policy, naming only steps of the pipeline
	 * @param steps the pipeline's step names in order
	 */
	public Autoscaler(String pipeline, AutoscalePolicy policy, List<String> steps) {
		this.pipeline = pipeline;
		this.policy = policy;
		int n = steps.size();
		this.bounds = new AutoscalePolicy.Bounds[n];
		for (int i = 0; i < n; i++) {
			this.bounds[i] = policy.steps().get(steps.get(i));
		}
		this.decider = new AutoscaleDecider(steps, this.bounds, policy.maxThreads());
		this.pinned = new AtomicIntegerArray(n);
		this.up = new AtomicLongArray(n);
		this.down = new AtomicLongArray(n);
		this.last = new AtomicReferenceArray<>(n);
	}

	/**
	 * Applies a decided worker count to a run, unless the step is pinned or the run over.
	 */
	@FunctionalInterface
	public interface Applier {

		/**
		 * Sets a step's worker count in a run.
		 * @param run the run the decision was made for
		 * @param step the step's index
		 * @param workers the new count
		 * @return whether it was applied
		 */
		boolean apply(Execution run, int step, int workers);

	}

	public AutoscalePolicy policy() {
		return this.policy;
	}

	/** Whether a step is autoscaled (pinned or not). */
	public boolean isAutoscaled(int step) {
		return this.bounds[step] != null;
	}

	/** Whether a manual scale holds a step. */
	public boolean isPinned(int step) {
		return this.pinned.get(step) != 0;
	}

	/** Holds an autoscaled step at the count set by hand; nothing for a fixed step. */
	public void pin(int step) {
		if (isAutoscaled(step) && this.pinned.getAndSet(step, 1) == 0) {
			logger.info("Pipeline '{}', step '{}': pinned by a manual scale; the controller leaves it alone until "
					+ "it is released", this.pipeline, this.bounds[step].step());
		}
	}

	/** Hands a pinned step back to the controller. */
	public void release(int step) {
		if (isAutoscaled(step) && this.pinned.getAndSet(step, 0) != 0) {
			logger.info("Pipeline '{}', step '{}': released; the controller sizes it again within {} to {} workers",
					this.pipeline, this.bounds[step].step(), this.bounds[step].minWorkers(),
					this.bounds[step].maxWorkers());
		}
	}

	/**
	 * The autoscaling side of a step's snapshot.
	 * @return it, or {@code null} for a step with fixed workers
	 */
	public AutoscaleSnapshot snapshot(int step) {
		AutoscalePolicy.Bounds bounds = this.bounds[step];
		if (bounds == null) {
			return null;
		}
		Last last = this.last.get(step);
		return new AutoscaleSnapshot(bounds.minWorkers(), bounds.maxWorkers(), isPinned(step), this.up.get(step),
				this.down.get(step), (last != null) ? last.decision() : null, (last != null) ? last.at() : null);
	}

	/**
	 * Starts the controller of a run; it ends when the run has ended.
	 * @param run the run, just created (its counts are zero)
	 * @param applier sets the worker counts decided
	 */
	public void start(Execution run, Applier applier) {
		Threads.create("paipa-" + this.pipeline + "-autoscale", () -> control(run, applier), false).start();
	}

	private void control(Execution run, Applier applier) {
		synchronized (this.decider) {
			this.decider.reset(run.snapshot(), System.nanoTime());
		}
		long interval = this.policy.interval().toNanos();
		while (!run.termination.awaitEndFor(interval)) {
			if (run.state() != PipelineState.RUNNING) {
				// opening, or draining at a stop: nothing to size
				continue;
			}
			try {
				tick(run, applier);
			}
			catch (RuntimeException ex) {
				logger.warn("Pipeline '{}': the autoscaling controller failed; it tries again next interval",
						this.pipeline, ex);
			}
		}
	}

	private void tick(Execution run, Applier applier) {
		PipelineSnapshot snapshot = run.snapshot();
		List<AutoscaleDecision> decisions;
		synchronized (this.decider) {
			decisions = this.decider.decide(snapshot, System.nanoTime(), this::isPinned);
		}
		for (AutoscaleDecision decision : decisions) {
			if (applier.apply(run, decision.step(), decision.to())) {
				record(decision);
			}
		}
	}

	private void record(AutoscaleDecision decision) {
		int step = decision.step();
		// the decision first, so that whoever sees the count sees the decision too
		this.last.set(step, new Last(decision.describe(), Instant.now()));
		(decision.up() ? this.up : this.down).incrementAndGet(step);
		logger.info("Pipeline '{}', step '{}': {}", this.pipeline, decision.name(), decision.describe());
	}

	/** A step's last decision and when it was made. */
	private record Last(String decision, Instant at) {

	}

}
