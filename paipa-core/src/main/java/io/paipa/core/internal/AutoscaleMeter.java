package io.paipa.core.internal;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;

import io.paipa.core.PipelineSnapshot;
import io.paipa.core.StepSnapshot;

/**
 * What the autoscaler knows of a run, from its snapshots: each step over the last
 * interval (a {@link Measure}), and what it remembers of the intervals before: their
 * counts, for throughputs over more than one interval; each step's busy workers over the
 * last {@value #LOAD_WINDOW_TICKS}; and how many intervals in a row it idled.
 */
final class AutoscaleMeter {

	/** Share of the queue from which a queue that grew is taken to be rising. */
	static final double RISING = 0.25;

	/** Share of the next step's queue from which a step's output is full. */
	static final double OUTPUT_FULL = 0.9;

	/** Intervals a throughput is measured over, while the worker counts stay. */
	static final int WINDOW_TICKS = 3;

	/**
	 * Intervals over which a step's load is remembered: a step shrinks or gives workers
	 * away only down to what the busiest of them needed, so that a short dip in the load
	 * does not take workers that the load needs again a moment later.
	 */
	static final int LOAD_WINDOW_TICKS = 10;

	private final int last;

	private PipelineSnapshot previous;

	private long previousNanos;

	private long intervals;

	/** The last intervals' counts, newest last. */
	private final ArrayDeque<Sample> samples = new ArrayDeque<>();

	private final int[] idleTicks;

	/** Per step, its busy workers (utilization times workers) in the last intervals. */
	private final double[][] busyWorkers;

	AutoscaleMeter(int steps) {
		this.last = steps - 1;
		this.idleTicks = new int[steps];
		this.busyWorkers = new double[steps][LOAD_WINDOW_TICKS];
	}

	/** Forgets everything and measures from this snapshot on. */
	void reset(PipelineSnapshot baseline, long nanos) {
		this.previous = null;
		this.samples.clear();
		forgetIdling();
		for (double[] busy : this.busyWorkers) {
			Arrays.fill(busy, 0);
		}
		remember(baseline, nanos);
	}

	/** Forgets how long the steps idled (after an outage, which says nothing of it). */
	void forgetIdling() {
		Arrays.fill(this.idleTicks, 0);
	}

	/**
	 * Measures every step over the interval since the last snapshot.
	 * @return the measures, or {@code null} when there is no interval yet
	 */
	Measure[] measure(PipelineSnapshot now, long nanos) {
		PipelineSnapshot before = this.previous;
		long elapsed = nanos - this.previousNanos;
		if (before == null || elapsed <= 0) {
			remember(now, nanos);
			return null;
		}
		this.intervals++;
		double seconds = elapsed / 1e9;
		Measure[] measures = new Measure[now.steps().size()];
		for (int i = 0; i < measures.length; i++) {
			StepSnapshot step = now.steps().get(i);
			StepSnapshot old = before.steps().get(i);
			int workers = step.workersConfigured();
			long handled = handled(step);
			double rate = Math.max(0, handled - handled(old)) / seconds;
			double busy = Math.max(0, step.stats().handlerNanos() - old.stats().handlerNanos())
					/ ((double) elapsed * Math.max(1, workers));
			// the snapshot's own figure counts the items in hand too (long items), but
			// over a window that may reach back before the last move
			double utilization = Math.min(1.0, Math.max(busy, step.utilization()));
			double fill = (step.queueCapacity() > 0) ? (double) step.queueDepth() / step.queueCapacity() : 0;
			boolean rising = step.queueDepth() > old.queueDepth() && fill >= RISING;
			StepSnapshot next = (i < this.last) ? now.steps().get(i + 1) : null;
			boolean outputFull = next != null && next.queueCapacity() > 0
					&& next.queueDepth() >= OUTPUT_FULL * next.queueCapacity();
			Measure measure = new Measure(workers, handled, rate, utilization, fill, step.queueDepth(),
					step.queueCapacity(), rising, outputFull, step.inputEnded());
			measures[i] = measure;
			this.idleTicks[i] = measure.idle() ? this.idleTicks[i] + 1 : 0;
			this.busyWorkers[i][(int) (this.intervals % LOAD_WINDOW_TICKS)] = utilization * workers;
		}
		remember(now, nanos);
		return measures;
	}

	private void remember(PipelineSnapshot snapshot, long nanos) {
		this.previous = snapshot;
		this.previousNanos = nanos;
		int n = snapshot.steps().size();
		long[] handled = new long[n];
		int[] workers = new int[n];
		for (int i = 0; i < n; i++) {
			handled[i] = handled(snapshot.steps().get(i));
			workers[i] = snapshot.steps().get(i).workersConfigured();
		}
		this.samples.addLast(new Sample(nanos, handled, workers));
		while (this.samples.size() > WINDOW_TICKS + 1) {
			this.samples.removeFirst();
		}
	}

	private static long handled(StepSnapshot step) {
		return step.stats().processed() + step.stats().dropped() + step.stats().failed();
	}

	/** The intervals in a row a step has idled. */
	int idleTicks(int step) {
		return this.idleTicks[step];
	}

	/** Starts counting a step's idle intervals again (it moved). */
	void restartIdling(int step) {
		this.idleTicks[step] = 0;
	}

	/** The most workers a step kept busy in one of the last intervals. */
	double busiestLoad(int step) {
		double busiest = 0;
		for (double busy : this.busyWorkers[step]) {
			busiest = Math.max(busiest, busy);
		}
		return busiest;
	}

	/**
	 * A step's throughput and the pipeline's output over the last intervals in which the
	 * step's worker count stayed what it is now (at most {@value #WINDOW_TICKS}), so that
	 * a move is compared with more than one noisy interval when there is more.
	 * @return items per second of the step, and of the last step
	 */
	double[] settledRates(int step) {
		Sample now = this.samples.getLast();
		Sample from = null;
		Iterator<Sample> older = this.samples.descendingIterator();
		Sample later = older.next();
		while (older.hasNext()) {
			Sample sample = older.next();
			if (later.workers[step] != now.workers[step]) {
				break;
			}
			from = sample;
			later = sample;
		}
		if (from == null) {
			return new double[] { 0, 0 };
		}
		double seconds = (now.nanos - from.nanos) / 1e9;
		return new double[] { (now.handled[step] - from.handled[step]) / seconds,
				(now.handled[this.last] - from.handled[this.last]) / seconds };
	}

	/**
	 * A step over the last interval.
	 *
	 * @param workers its configured workers during the interval
	 * @param handled items it handled so far in the run
	 * @param rate items it handled per second in the interval
	 * @param utilization the share of its workers' time in the handler, 0 to 1
	 * @param fill its queue's depth over its capacity
	 * @param depth its queue's depth
	 * @param capacity its queue's capacity
	 * @param rising whether its queue grew and is at least a quarter full
	 * @param outputFull whether the next step's queue is nearly full
	 * @param inputEnded whether its input has ended
	 */
	record Measure(int workers, long handled, double rate, double utilization, double fill, int depth, int capacity,
			boolean rising, boolean outputFull, boolean inputEnded) {

		boolean idle() {
			return this.utilization < AutoscaleDecider.IDLE && this.fill < AutoscaleDecider.EMPTY;
		}

	}

	/** The counts at the end of one interval, and the worker counts during it. */
	private record Sample(long nanos, long[] handled, int[] workers) {

	}

}
