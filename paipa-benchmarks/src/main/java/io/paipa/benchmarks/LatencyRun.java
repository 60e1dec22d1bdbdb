package io.paipa.benchmarks;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.locks.LockSupport;

import io.paipa.core.Pipeline;

/**
 * End-to-end latency at a fixed rate: items offered at 10,000 per second (by default) for
 * 5 seconds into a three-step continuous pipeline of trivial steps, and into the
 * hand-written baseline chain, in the same process. Prints p50, p99, p99.9 and max in
 * microseconds, from the moment an item is put to the moment the last step has it.
 *
 * <p>
 * With more than one round, the contenders take turns (baseline, paipa, baseline, ...),
 * each round is printed, and a last row gives the median of each column over the rounds,
 * so that one unlucky stretch of the machine does not decide the comparison.
 *
 * <p>
 * Usage:
 * {@code java -cp benchmarks.jar io.paipa.benchmarks.LatencyRun [rate] [seconds] [rounds]}
 */
public final class LatencyRun {

	private LatencyRun() {
	}

	public static void main(String[] args) throws Exception {
		int rate = (args.length > 0) ? Integer.parseInt(args[0]) : 10_000;
		int seconds = (args.length > 1) ? Integer.parseInt(args[1]) : 5;
		int rounds = (args.length > 2) ? Integer.parseInt(args[2]) : 1;
		int items = rate * seconds;
		// a warm-up of both as long as a measured round: at this rate a worker loop
		// runs once per item, so the JIT compiles it late
		baseline(rate, items);
		paipa(rate, items);
		double[][] baseline = new double[rounds][];
		double[][] paipa = new double[rounds][];
		for (int round = 0; round < rounds; round++) {
			baseline[round] = percentiles(baseline(rate, items));
			paipa[round] = percentiles(paipa(rate, items));
		}
		System.out.printf(Locale.ROOT, "latency at %,d items/s for %d s, %d round(s) (µs)%n", rate, seconds, rounds);
		System.out.println("| contender | p50 | p99 | p99.9 | max |");
		System.out.println("| --- | --- | --- | --- | --- |");
		for (int round = 0; round < rounds; round++) {
			String suffix = (rounds > 1) ? " " + (round + 1) : "";
			print("baseline" + suffix, baseline[round]);
			print("paipa" + suffix, paipa[round]);
		}
		if (rounds > 1) {
			print("baseline median", median(baseline));
			print("paipa median", median(paipa));
		}
	}

	private static long[] paipa(int rate, int items) throws InterruptedException {
		long[] latencies = new long[items];
		int[] seen = new int[1];
		Pipeline<Long> pipeline = Pipeline.<Long>builder("latency")
			.step("a", (Long x) -> x)
			.step("b", (Long x) -> x)
			.step("c", (Long x) -> {
				latencies[seen[0]++] = System.nanoTime() - x;
				return x;
			})
			.build();
		pipeline.start();
		pace(rate, items, (now) -> pipeline.input().put(now));
		pipeline.stop(Duration.ofSeconds(30));
		return latencies;
	}

	private static long[] baseline(int rate, int items) throws InterruptedException {
		long[] latencies = new long[items];
		BlockingQueue<Long> a = new ArrayBlockingQueue<>(64);
		BlockingQueue<Long> b = new ArrayBlockingQueue<>(64);
		BlockingQueue<Long> c = new ArrayBlockingQueue<>(64);
		Thread[] threads = { relay(a, b), relay(b, c), new Thread(() -> {
			try {
				for (int i = 0; i < items; i++) {
					Long stamp = c.take();
					latencies[i] = System.nanoTime() - stamp;
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}) };
		for (Thread thread : threads) {
			thread.setDaemon(true);
			thread.start();
		}
		pace(rate, items, a::put);
		threads[2].join();
		return latencies;
	}

	private static Thread relay(BlockingQueue<Long> from, BlockingQueue<Long> to) {
		return new Thread(() -> {
			try {
				while (true) {
					to.put(from.take());
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
	}

	private interface Put {

		void put(Long now) throws InterruptedException;

	}

	private static void pace(int rate, int items, Put put) throws InterruptedException {
		long period = 1_000_000_000L / rate;
		long start = System.nanoTime();
		for (int i = 0; i < items; i++) {
			long due = start + i * period;
			long wait;
			while ((wait = due - System.nanoTime()) > 0) {
				LockSupport.parkNanos(wait);
			}
			put.put(System.nanoTime());
		}
	}

	/** p50, p99, p99.9 and max, in µs. */
	private static double[] percentiles(long[] latencies) {
		long[] sorted = latencies.clone();
		Arrays.sort(sorted);
		return new double[] { at(sorted, 0.50), at(sorted, 0.99), at(sorted, 0.999),
				sorted[sorted.length - 1] / 1000.0 };
	}

	/** The median of each column over the rounds. */
	private static double[] median(double[][] rounds) {
		double[] median = new double[rounds[0].length];
		for (int column = 0; column < median.length; column++) {
			double[] values = new double[rounds.length];
			for (int round = 0; round < rounds.length; round++) {
				values[round] = rounds[round][column];
			}
			Arrays.sort(values);
			int middle = values.length / 2;
			median[column] = (values.length % 2 == 1) ? values[middle] : (values[middle - 1] + values[middle]) / 2;
		}
		return median;
	}

	private static void print(String name, double[] percentiles) {
		System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %.1f |%n", name, percentiles[0], percentiles[1],
				percentiles[2], percentiles[3]);
	}

	private static double at(long[] sorted, double quantile) {
		return sorted[Math.min(sorted.length - 1, (int) (sorted.length * quantile))] / 1000.0;
	}

}
