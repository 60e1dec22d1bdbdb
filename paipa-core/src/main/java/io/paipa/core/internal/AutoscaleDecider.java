package io.paipa.core.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.IntPredicate;

import io.paipa.core.AutoscalePolicy;
import io.paipa.core.PipelineSnapshot;
import io.paipa.core.StepSnapshot;
import io.paipa.core.internal.AutoscaleMeter.Measure;
import io.paipa.core.internal.AutoscaleTrial.Outcome;
import io.paipa.core.internal.AutoscaleTrial.Verdict;

/**
 * What the autoscaling controller decides, from two snapshots of a run and the time
 * between them: no threads, no clock, no locks, so that tests can script it. Called once
 * per interval, from one thread.
 *
 * <p>
 * Each call (a tick) has the {@link AutoscaleMeter} measure every step over the interval:
 * items handled per second, the share of its worker time spent in the handler
 * (utilization), how full its input queue is and whether it is rising, and whether its
 * output (the next step's queue) is full. Then, in this order, and never more than one
 * kind of move per tick:
 * <ol>
 * <li><b>Judge the last move.</b> A step that was given workers is measured again after
 * an interval (or more, until it has handled enough items). The move is kept when the
 * step's throughput rose by at least {@value #MIN_GAIN} of what as many more workers
 * would add if they scaled linearly, or when the step stopped being the bottleneck (its
 * queue ran empty, or the next step's queue filled), as long as the pipeline's output did
 * not fall. Otherwise, measured over {@value #UNDO_TICKS} intervals so that one noisy
 * interval (a busy machine) does not decide, the move is undone (a CPU-bound step past
 * the core count, or a step that waits on a saturated database) and the step is not grown
 * past its old count again for {@value #CEILING_TICKS} intervals, twice as long after
 * each further failure in a row, up to {@value #MAX_BACKOFF_DOUBLINGS} doublings: a short
 * first back-off, so that a move undone by noise is tried again soon, and a long one once
 * it keeps failing, so that a saturated step is left alone.</li>
 * <li><b>Bring steps back within their bounds</b> (after a pin was released).</li>
 * <li><b>Grow the bottleneck:</b> among the steps that are busy (utilization at least
 * {@value #BUSY}) while items wait in front of them (the queue at least half full, or
 * rising) and whose output is not full, the one that handles the fewest items per second
 * of full utilization, since it limits the pipeline. It gets as many workers again as it
 * has (doubling finds the right size in few steps; the trial undoes an overshoot), within
 * its max and the free thread budget; when the budget is spent, steps with workers to
 * spare (not busy) give theirs, the one with most to spare first.</li>
 * <li><b>Shrink idle steps:</b> a step whose utilization stayed below {@value #IDLE} with
 * an empty queue for {@value #IDLE_TICKS} intervals in a row, and that has not grown for
 * {@value #SHRINK_COOLDOWN_TICKS} intervals, keeps the workers that its load needed at
 * the busiest of the last {@value AutoscaleMeter#LOAD_WINDOW_TICKS} intervals, at a
 * utilization of {@value #TARGET}, and at least its min.</li>
 * </ol>
 * The gap between {@value #IDLE} and {@value #BUSY}, the intervals an idle step waits,
 * the load it remembers and the back-off after a failed trial are what keep the counts
 * from oscillating: at a steady load, once sized, nothing changes except a failed trial
 * repeated at growing intervals. A move must add at least a tenth of a step's workers, so
 * that the budget is not shuffled one worker at a time.
 */
final class AutoscaleDecider {

	/** Utilization from which a step with items waiting may grow. */
	static final double BUSY = 0.85;

	/** Utilization below which a step with an empty queue is idle. */
	static final double IDLE = 0.35;

	/** Utilization aimed at when a step shrinks or gives workers away. */
	static final double TARGET = 0.75;

	/** Share of the queue from which items are taken to be waiting. */
	static final double BACKLOG = 0.5;

	/** Share of the queue below which it is empty. */
	static final double EMPTY = 0.1;

	/** Share of the linear gain a move must bring to be kept. */
	static final double MIN_GAIN = 0.3;

	/**
	 * Share of the pipeline's output a move must keep: a move after which the output fell
	 * below it is undone even when the step itself handled more (it took the CPU from its
	 * neighbours). Low, so that noise does not undo good moves.
	 */
	static final double OUTPUT_KEPT = 0.5;

	/** Share of its workers a step must gain for a move to be worth trying. */
	static final double MIN_MOVE = 0.1;

	/** Intervals in a row a step must idle before it shrinks. */
	static final int IDLE_TICKS = 3;

	/** Intervals after a step grew before it may shrink. */
	static final int SHRINK_COOLDOWN_TICKS = 10;

	/** Intervals a step is not grown past a count that did not help, the first time. */
	static final int CEILING_TICKS = 10;

	/** Doublings of that back-off after failures in a row. */
	static final int MAX_BACKOFF_DOUBLINGS = 5;

	/** Intervals a move is measured over before it is undone. */
	static final int UNDO_TICKS = 3;

	/** Items a step must handle after a move before it is judged. */
	static final int TRIAL_MIN_ITEMS = 20;

	/** Intervals after which a move is judged however few items the step handled. */
	static final int TRIAL_MAX_TICKS = 5;

	private final String[] names;

	/** Each step's bounds, {@code null} for a step with fixed workers. */
	private final AutoscalePolicy.Bounds[] bounds;

	private final int maxThreads;

	private final AutoscaleMeter meter;

	private long tick;

	private final long[] lastMove;

	private final long[] lastUp;

	/** Per step, a count it is not grown past until {@link #ceilingUntil}. */
	private final int[] ceiling;

	private final long[] ceilingUntil;

	/** Per step, its failed moves in a row. */
	private final int[] failures;

	private AutoscaleTrial trial;

	AutoscaleDecider(List<String> names, AutoscalePolicy.Bounds[] bounds, int maxThreads) {
		int n = names.size();
		this.names = names.toArray(new String[0]);
		this.bounds = bounds.clone();
		this.maxThreads = maxThreads;
		this.meter = new AutoscaleMeter(n);
		this.lastMove = new long[n];
		this.lastUp = new long[n];
		this.ceiling = new int[n];
		this.ceilingUntil = new long[n];
		this.failures = new int[n];
		Arrays.fill(this.lastMove, Long.MIN_VALUE / 2);
		Arrays.fill(this.lastUp, Long.MIN_VALUE / 2);
	}

	/**
	 * Starts measuring from this snapshot, forgetting the last one and any move on trial:
	 * at the start of a run, whose counts start from zero.
	 */
	void reset(PipelineSnapshot baseline, long nanos) {
		this.trial = null;
		this.meter.reset(baseline, nanos);
	}

	/**
	 * Measures the interval since the last call and decides.
	 * @param now the run's snapshot now
	 * @param nanos the time now
	 * @param pinned which steps a manual scale holds
	 * @return the changes to make, in order; empty for none
	 */
	List<AutoscaleDecision> decide(PipelineSnapshot now, long nanos, IntPredicate pinned) {
		Measure[] measures = this.meter.measure(now, nanos);
		if (measures == null) {
			return List.of();
		}
		this.tick++;
		if (now.steps().stream().anyMatch(StepSnapshot::inOutage)) {
			// what a step depends on is down: its figures say nothing about its size
			this.trial = null;
			this.meter.forgetIdling();
			return List.of();
		}
		List<AutoscaleDecision> decisions = new ArrayList<>();
		if (this.trial != null) {
			if (!this.trial.judgeable(measures, this.tick) || !judge(measures, nanos, pinned, decisions)) {
				return List.of();
			}
			this.trial = null;
			if (!decisions.isEmpty()) {
				return decisions;
			}
		}
		bringWithinBounds(measures, pinned, decisions);
		if (decisions.isEmpty()) {
			grow(measures, nanos, pinned, decisions);
		}
		if (decisions.isEmpty()) {
			shrink(measures, pinned, decisions);
		}
		return decisions;
	}

	private boolean autoscaled(int step, IntPredicate pinned, Measure measure) {
		return this.bounds[step] != null && !pinned.test(step) && !measure.inputEnded();
	}

	/**
	 * Judges the move on trial: keeps it, or adds its undoing to the decisions.
	 * @return false to measure one more interval first
	 */
	private boolean judge(Measure[] measures, long nanos, IntPredicate pinned, List<AutoscaleDecision> decisions) {
		AutoscaleTrial trial = this.trial;
		int s = trial.step();
		Measure m = measures[s];
		if (pinned.test(s) || m.workers() != trial.to() || m.inputEnded()) {
			// changed by hand, or done: nothing to judge
			return true;
		}
		Verdict verdict = trial.judge(measures, nanos, this.tick);
		switch (verdict.outcome()) {
			case GAINED -> this.failures[s] = 0;
			case KEPT -> {
			}
			case UNDECIDED -> {
				return false;
			}
			case FAILED -> {
				long backoff = (long) CEILING_TICKS << Math.min(this.failures[s], MAX_BACKOFF_DOUBLINGS);
				this.failures[s]++;
				this.ceiling[s] = trial.from();
				this.ceilingUntil[s] = this.tick + backoff;
				this.lastMove[s] = this.tick;
				decisions
					.add(new AutoscaleDecision(s, this.names[s], m.workers(), trial.from(), "undoes the last move: "
							+ verdict.why() + "; not above " + trial.from() + " for " + backoff + " intervals"));
			}
		}
		return true;
	}

	private void bringWithinBounds(Measure[] measures, IntPredicate pinned, List<AutoscaleDecision> decisions) {
		for (int i = 0; i < measures.length; i++) {
			if (!autoscaled(i, pinned, measures[i])) {
				continue;
			}
			AutoscalePolicy.Bounds bounds = this.bounds[i];
			int workers = measures[i].workers();
			int to = bounds.clamp(workers);
			if (to != workers) {
				this.lastMove[i] = this.tick;
				decisions.add(new AutoscaleDecision(i, this.names[i], workers, to,
						"back within its bounds, " + bounds.minWorkers() + " to " + bounds.maxWorkers() + " workers"));
			}
		}
	}

	private void grow(Measure[] measures, long nanos, IntPredicate pinned, List<AutoscaleDecision> decisions) {
		int best = -1;
		double lowest = Double.MAX_VALUE;
		for (int i = 0; i < measures.length; i++) {
			Measure m = measures[i];
			if (!autoscaled(i, pinned, m) || m.workers() >= this.bounds[i].maxWorkers() || m.utilization() < BUSY
					|| !(m.fill() >= BACKLOG || m.rising()) || m.outputFull() || underCeiling(i, m.workers())) {
				continue;
			}
			// items per second at full utilization: the lowest limits the pipeline
			double capacity = m.rate() / m.utilization();
			if (capacity < lowest) {
				lowest = capacity;
				best = i;
			}
		}
		if (best < 0) {
			return;
		}
		Measure m = measures[best];
		int want = Math.min(this.bounds[best].maxWorkers() - m.workers(), Math.max(1, m.workers()));
		int total = 0;
		for (Measure each : measures) {
			total += each.workers();
		}
		int granted = Math.max(0, Math.min(want, this.maxThreads - total));
		List<AutoscaleDecision> given = new ArrayList<>();
		int least = Math.min(want, Math.max(1, (int) Math.ceil(MIN_MOVE * m.workers())));
		if (granted < want) {
			// the budget is spent: take workers from others, but only for a real gain
			granted += donate(measures, best, want - granted, least - granted, pinned, given);
		}
		if (granted < least) {
			return;
		}
		decisions.addAll(given);
		int to = m.workers() + granted;
		int donated = given.stream().mapToInt((decision) -> decision.from() - decision.to()).sum();
		decisions.add(new AutoscaleDecision(best, this.names[best], m.workers(), to, String.format(Locale.ROOT,
				"the bottleneck, busy %.2f with %d of %d waiting, handling %s/s; %d of %d threads in use after this",
				m.utilization(), m.depth(), m.capacity(), AutoscaleTrial.rate(m.rate()), total + granted - donated,
				this.maxThreads)));
		double[] before = this.meter.settledRates(best);
		int last = measures.length - 1;
		this.trial = new AutoscaleTrial(best, m.workers(), to, before[0], before[1], m.handled(),
				measures[last].handled(), nanos, this.tick);
		this.lastMove[best] = this.tick;
		this.lastUp[best] = this.tick;
		this.meter.restartIdling(best);
	}

	private boolean underCeiling(int step, int workers) {
		return this.tick < this.ceilingUntil[step] && workers >= this.ceiling[step];
	}

	/**
	 * Takes up to {@code needed} workers from steps that can spare them, and none unless
	 * they spare at least {@code least} together.
	 */
	private int donate(Measure[] measures, int receiver, int needed, int least, IntPredicate pinned,
			List<AutoscaleDecision> given) {
		int spare = 0;
		for (int i = 0; i < measures.length; i++) {
			if (donor(i, receiver, measures[i], pinned)) {
				spare += Math.max(0, measures[i].workers() - need(i));
			}
		}
		if (spare < least) {
			return 0;
		}
		int taken = 0;
		boolean[] used = new boolean[measures.length];
		while (taken < needed) {
			int donor = -1;
			int most = 0;
			for (int i = 0; i < measures.length; i++) {
				if (!used[i] && donor(i, receiver, measures[i], pinned) && measures[i].workers() - need(i) > most) {
					most = measures[i].workers() - need(i);
					donor = i;
				}
			}
			if (donor < 0) {
				return taken;
			}
			used[donor] = true;
			int take = Math.min(most, needed - taken);
			Measure m = measures[donor];
			this.lastMove[donor] = this.tick;
			this.meter.restartIdling(donor);
			given.add(new AutoscaleDecision(donor, this.names[donor], m.workers(), m.workers() - take,
					String.format(Locale.ROOT,
							"gives %s to '%s', the bottleneck, as the budget of %d threads "
									+ "is spent; busy %.2f, it needs about %d",
							workers(take), this.names[receiver], this.maxThreads, m.utilization(), need(donor))));
			taken += take;
		}
		return taken;
	}

	private boolean donor(int step, int receiver, Measure m, IntPredicate pinned) {
		return step != receiver && autoscaled(step, pinned, m) && m.utilization() < BUSY
				&& this.lastMove[step] != this.tick;
	}

	/**
	 * The workers a step's load needs at the target utilization, within its bounds: its
	 * load at the busiest of the last intervals.
	 */
	private int need(int step) {
		int need = (int) Math.ceil(this.meter.busiestLoad(step) / TARGET - 1e-9);
		return this.bounds[step].clamp(Math.max(1, need));
	}

	private void shrink(Measure[] measures, IntPredicate pinned, List<AutoscaleDecision> decisions) {
		for (int i = 0; i < measures.length; i++) {
			Measure m = measures[i];
			if (!autoscaled(i, pinned, m) || m.workers() <= this.bounds[i].minWorkers()
					|| this.meter.idleTicks(i) < IDLE_TICKS || this.tick - this.lastUp[i] < SHRINK_COOLDOWN_TICKS) {
				continue;
			}
			int to = need(i);
			if (to >= m.workers()) {
				// the load was higher a moment ago
				continue;
			}
			this.lastMove[i] = this.tick;
			this.meter.restartIdling(i);
			decisions.add(new AutoscaleDecision(i, this.names[i], m.workers(), to,
					String.format(Locale.ROOT,
							"idle, busy %.2f with an empty queue for %d intervals; %s would have been enough for the "
									+ "busiest of the last %d",
							m.utilization(), IDLE_TICKS, workers(to), AutoscaleMeter.LOAD_WINDOW_TICKS)));
		}
	}

	private static String workers(int count) {
		return count + ((count == 1) ? " worker" : " workers");
	}

}
