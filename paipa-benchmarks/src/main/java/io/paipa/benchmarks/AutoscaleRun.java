package io.paipa.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import io.paipa.core.AutoscalePolicy;
import io.paipa.core.AutoscaleSnapshot;
import io.paipa.core.Pipeline;
import io.paipa.core.PipelineClosedException;
import io.paipa.core.PipelineSnapshot;
import io.paipa.core.StepSnapshot;

/**
 * Autoscaling against hand-tuning: a continuous pipeline of three steps, {@code cpu} (0.1
 * ms of computation per item), {@code io5} (a 5 ms sleep) and {@code io20} (a 20 ms
 * sleep), fed as fast as it takes items.
 *
 * <p>
 * First the hand-tuned configurations: the best split of a 64-thread budget on paper (1
 * worker for {@code cpu}, which can handle 10,000 items/s, then {@code io20} four times
 * {@code io5}: 13 and 50, for 2,500 items/s) and its two neighbours, each run for
 * {@code tuned-seconds}; the best measured is the reference. Then the same steps started
 * with 1 worker each, autoscaled within 1 to 64 workers each and 64 threads in all (one
 * second interval), for {@code seconds}. Prints the reference, the time until a one
 * second window first reached 90 % of it, the throughput of the last 10 seconds, the
 * final worker counts and the decisions, and the counts over time.
 *
 * <p>
 * Usage:
 * {@code java -cp benchmarks.jar io.paipa.benchmarks.AutoscaleRun [seconds] [tuned-seconds]}
 * (60 and 10 by default)
 */
public final class AutoscaleRun {

	private static final String[] STEPS = { "cpu", "io5", "io20" };

	private static final long SAMPLE_NANOS = 250_000_000L;

	private AutoscaleRun() {
	}

	public static void main(String[] args) throws Exception {
		int seconds = (args.length > 0) ? Integer.parseInt(args[0]) : 60;
		int tunedSeconds = (args.length > 1) ? Integer.parseInt(args[1]) : 10;
		System.out.printf(Locale.ROOT, "%d cores, Java %s%n", Runtime.getRuntime().availableProcessors(),
				Runtime.version());
		double best = 0;
		int[] bestSplit = null;
		for (int[] split : new int[][] { { 1, 13, 50 }, { 1, 12, 51 }, { 1, 14, 49 } }) {
			Pipeline<Integer> tuned = pipeline("tuned", split, null);
			Run run = measure(tuned, tunedSeconds, false);
			double rate = run.rateOver(Math.max(1, tunedSeconds - 2));
			System.out.printf(Locale.ROOT, "hand-tuned cpu=%d io5=%d io20=%d: %.0f items/s%n", split[0], split[1],
					split[2], rate);
			if (rate > best) {
				best = rate;
				bestSplit = split;
			}
		}
		Pipeline<Integer> autoscaled = pipeline("autoscaled", new int[] { 1, 1, 1 },
				AutoscalePolicy.maxThreads(64).withStep("cpu", 1, 64).withStep("io5", 1, 64).withStep("io20", 1, 64));
		Run run = measure(autoscaled, seconds, true);
		double reached = run.firstAtLeast(0.9 * best);
		PipelineSnapshot last = run.last;
		System.out.println();
		System.out
			.println("| configuration | workers (cpu, io5, io20) | items/s | time to 90 % of the best hand-tuned |");
		System.out.println("| --- | --- | --- | --- |");
		System.out.printf(Locale.ROOT, "| hand-tuned (best of 3) | %d, %d, %d | %.0f | |%n", bestSplit[0], bestSplit[1],
				bestSplit[2], best);
		System.out.printf(Locale.ROOT, "| autoscaled, from 1, 1, 1 | %s (final) | %.0f (last 10 s) | %s |%n",
				workers(last), run.rateOver(Math.min(10, seconds)),
				(reached >= 0) ? String.format(Locale.ROOT, "%.1f s", reached) : "not reached in " + seconds + " s");
		System.out.println();
		for (String step : STEPS) {
			AutoscaleSnapshot autoscale = last.step(step).autoscale();
			System.out.printf(Locale.ROOT, "%s: %d up, %d down; last: %s%n", step, autoscale.up(), autoscale.down(),
					autoscale.lastDecision());
		}
		System.out.println();
		System.out.println("workers over time (s: cpu, io5, io20, items/s over the last second):");
		for (String line : run.timeline) {
			System.out.println(line);
		}
		if (reached < 0 && seconds >= 30) {
			System.exit(1);
		}
	}

	private static Pipeline<Integer> pipeline(String name, int[] workers, AutoscalePolicy autoscale) {
		Pipeline.Builder<Integer, Integer> builder = Pipeline.<Integer>builder(name)
			.step("cpu", AutoscaleRun::crunch, (s) -> s.workers(workers[0]))
			.step("io5", (Integer x) -> sleep(x, 5), (s) -> s.workers(workers[1]))
			.step("io20", (Integer x) -> sleep(x, 20), (s) -> s.workers(workers[2]));
		if (autoscale != null) {
			builder.autoscale(autoscale);
		}
		return builder.build();
	}

	private static Integer crunch(Integer item) {
		long until = System.nanoTime() + 100_000;
		long x = item;
		while (System.nanoTime() < until) {
			x = x * 6364136223846793005L + 1442695040888963407L;
		}
		return (x == 42) ? item + 1 : item;
	}

	private static Integer sleep(Integer item, long millis) throws InterruptedException {
		Thread.sleep(millis);
		return item;
	}

	/** Feeds the pipeline for a while and samples its output every 250 ms. */
	private static Run measure(Pipeline<Integer> pipeline, int seconds, boolean timeline) throws Exception {
		pipeline.start();
		AtomicBoolean feeding = new AtomicBoolean(true);
		Thread feeder = new Thread(() -> {
			int i = 0;
			try {
				while (feeding.get()) {
					if (pipeline.input().offer(i, Duration.ofMillis(100))) {
						i++;
					}
				}
			}
			catch (InterruptedException | PipelineClosedException ex) {
				// done
			}
		}, "feeder");
		feeder.start();
		Run run = new Run();
		long start = System.nanoTime();
		long next = start;
		int samples = (int) (seconds * 1_000_000_000L / SAMPLE_NANOS);
		for (int i = 0; i <= samples; i++) {
			long wait;
			while ((wait = next - System.nanoTime()) > 0) {
				LockSupport.parkNanos(wait);
			}
			run.sample((System.nanoTime() - start) / 1e9, pipeline.snapshot(), timeline);
			next += SAMPLE_NANOS;
		}
		feeding.set(false);
		feeder.join();
		pipeline.stop(Duration.ofSeconds(30));
		return run;
	}

	private static String workers(PipelineSnapshot snapshot) {
		StringBuilder sb = new StringBuilder();
		for (StepSnapshot step : snapshot.steps()) {
			sb.append((sb.length() > 0) ? ", " : "").append(step.workersConfigured());
		}
		return sb.toString();
	}

	/** The samples of one run: completed items over time. */
	private static final class Run {

		private final List<double[]> samples = new ArrayList<>();

		private final List<String> timeline = new ArrayList<>();

		private PipelineSnapshot last;

		void sample(double seconds, PipelineSnapshot snapshot, boolean timeline) {
			this.samples.add(new double[] { seconds, snapshot.completed() });
			this.last = snapshot;
			int n = this.samples.size();
			if (timeline && n > 4 && (n - 1) % 4 == 0) {
				this.timeline.add(String.format(Locale.ROOT, "%5.1f: %s, %.0f", seconds, workers(snapshot),
						rateBetween(n - 5, n - 1)));
			}
		}

		private double rateBetween(int from, int to) {
			double[] a = this.samples.get(from);
			double[] b = this.samples.get(to);
			return (b[1] - a[1]) / (b[0] - a[0]);
		}

		/** Items per second over the last seconds of the run. */
		double rateOver(int seconds) {
			int to = this.samples.size() - 1;
			int from = Math.max(0, to - seconds * 4);
			return rateBetween(from, to);
		}

		/** When a one-second window first reached the rate, or -1. */
		double firstAtLeast(double rate) {
			for (int i = 4; i < this.samples.size(); i++) {
				if (rateBetween(i - 4, i) >= rate) {
					return this.samples.get(i)[0];
				}
			}
			return -1;
		}

	}

}
