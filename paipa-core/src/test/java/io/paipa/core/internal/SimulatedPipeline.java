package io.paipa.core.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import io.paipa.core.AutoscalePolicy;
import io.paipa.core.PipelineSnapshot;
import io.paipa.core.PipelineState;
import io.paipa.core.StepKind;
import io.paipa.core.StepSnapshot;
import io.paipa.core.StepStats;

/**
 * A pipeline as a fluid model, for scripting the autoscaling decider over simulated
 * minutes without threads: each step has a time per item, I/O-bound (its workers scale
 * linearly) or CPU-bound (its workers share the machine's cores with the other CPU-bound
 * steps' workers). Per interval, the pipeline moves as many items as its slowest step (or
 * the load) allows, with seeded noise; the queues in front of the bottleneck and upstream
 * of it are full, the others nearly empty; a step's utilization is its throughput over
 * its capacity. Every step sees every item (one-to-one steps).
 */
final class SimulatedPipeline {

	static final long SECOND = 1_000_000_000L;

	private final List<Step> steps = new ArrayList<>();

	private final Random random = new Random(42);

	private int cores = 2;

	private double load = Double.POSITIVE_INFINITY;

	private double noise = 0.05;

	private double loadNoise;

	private long nanos = SECOND;

	private double throughput;

	record Step(String name, double seconds, boolean cpu, int capacity, int[] workers, long[] handled,
			long[] handlerNanos, int[] depth, double[] utilization) {

	}

	SimulatedPipeline io(String name, double seconds, int workers) {
		return add(name, seconds, false, workers);
	}

	SimulatedPipeline cpu(String name, double seconds, int workers) {
		return add(name, seconds, true, workers);
	}

	private SimulatedPipeline add(String name, double seconds, boolean cpu, int workers) {
		this.steps.add(new Step(name, seconds, cpu, 64, new int[] { workers }, new long[1], new long[1], new int[1],
				new double[1]));
		return this;
	}

	SimulatedPipeline cores(int cores) {
		this.cores = cores;
		return this;
	}

	/** Items offered per second; infinite: the source is always faster. */
	SimulatedPipeline load(double load) {
		this.load = load;
		return this;
	}

	/**
	 * Lets the load vary from interval to interval by this share (one standard
	 * deviation).
	 */
	SimulatedPipeline loadNoise(double loadNoise) {
		this.loadNoise = loadNoise;
		return this;
	}

	SimulatedPipeline seed(long seed) {
		this.random.setSeed(seed);
		return this;
	}

	SimulatedPipeline noise(double noise) {
		this.noise = noise;
		return this;
	}

	List<String> names() {
		return this.steps.stream().map(Step::name).toList();
	}

	long nanos() {
		return this.nanos;
	}

	int workers(int step) {
		return this.steps.get(step).workers()[0];
	}

	int totalWorkers() {
		return this.steps.stream().mapToInt((step) -> step.workers()[0]).sum();
	}

	/** Items per second through the pipeline in the last interval. */
	double throughput() {
		return this.throughput;
	}

	void apply(List<AutoscaleDecision> decisions) {
		for (AutoscaleDecision decision : decisions) {
			int[] workers = this.steps.get(decision.step()).workers();
			if (workers[0] != decision.from()) {
				throw new AssertionError("decided from " + decision.from() + " but has " + workers[0]);
			}
			workers[0] = decision.to();
		}
	}

	/** Items per second a step can handle with its workers. */
	double capacity(int i) {
		Step step = this.steps.get(i);
		int n = step.workers()[0];
		if (!step.cpu()) {
			return n / step.seconds();
		}
		int cpuThreads = this.steps.stream().filter(Step::cpu).mapToInt((s) -> s.workers()[0]).sum();
		double share = (cpuThreads > this.cores) ? (double) this.cores * n / cpuThreads : n;
		return share / step.seconds();
	}

	/**
	 * The best throughput any split of the budget gives (one worker per CPU core at
	 * most).
	 */
	double best(int maxThreads, int[] max) {
		int[] saved = this.steps.stream().mapToInt((step) -> step.workers()[0]).toArray();
		double best = search(0, maxThreads, max);
		for (int i = 0; i < saved.length; i++) {
			this.steps.get(i).workers()[0] = saved[i];
		}
		return best;
	}

	private double search(int i, int left, int[] max) {
		if (i == this.steps.size()) {
			double min = this.load;
			for (int j = 0; j < this.steps.size(); j++) {
				min = Math.min(min, capacity(j));
			}
			return min;
		}
		double best = 0;
		for (int n = 1; n <= Math.min(left - (this.steps.size() - i - 1), max[i]); n++) {
			this.steps.get(i).workers()[0] = n;
			best = Math.max(best, search(i + 1, left - n, max));
		}
		return best;
	}

	/** Advances the model by one interval and returns the snapshot at its end. */
	PipelineSnapshot advance(long interval) {
		int bottleneck = -1;
		double limit = Math.max(0, this.load * (1 + this.loadNoise * this.random.nextGaussian()));
		for (int i = 0; i < this.steps.size(); i++) {
			double capacity = capacity(i);
			if (capacity <= limit) {
				limit = capacity;
				bottleneck = i;
			}
		}
		double x = Math.max(0, limit * (1 + this.noise * this.random.nextGaussian()));
		if (bottleneck >= 0) {
			x = Math.min(x, capacity(bottleneck) * (1 + this.noise));
		}
		this.throughput = x;
		double seconds = interval / 1e9;
		List<StepSnapshot> snapshots = new ArrayList<>();
		for (int i = 0; i < this.steps.size(); i++) {
			Step step = this.steps.get(i);
			int n = step.workers()[0];
			// a step's workers are busy in proportion to the load it could take, not to
			// the
			// noise of what it handled
			double utilization = Math.min(1.0, limit / capacity(i));
			step.utilization()[0] = utilization;
			step.handled()[0] += Math.round(x * seconds);
			step.handlerNanos()[0] += Math.round(utilization * n * interval);
			step.depth()[0] = (i <= bottleneck) ? step.capacity() : this.random.nextInt(3);
			snapshots.add(new StepSnapshot(
					step.name(), StepKind.ONE_TO_ONE, "Object", "Object", n, n, (int) Math.round(utilization * n),
					step.depth()[0], step.capacity(), new StepStats(step.name(), step.handled()[0], step.handled()[0],
							0, 0, 0, 0, 0, step.handled()[0], 0, step.handlerNanos()[0]),
					utilization, 0, false, null, null));
		}
		this.nanos += interval;
		long last = this.steps.get(this.steps.size() - 1).handled()[0];
		return new PipelineSnapshot("sim", PipelineState.RUNNING, last, last, 0, 0, 0, List.copyOf(snapshots), null);
	}

	/** A decider for this pipeline with the given bounds ({@code null}: fixed). */
	AutoscaleDecider decider(int maxThreads, AutoscalePolicy.Bounds... bounds) {
		return new AutoscaleDecider(names(), bounds, maxThreads);
	}

}
