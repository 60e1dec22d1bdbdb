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
 * Usage: {@code java -cp benchmarks.jar io.paipa.benchmarks.LatencyRun [rate] [seconds]}
 */
public final class LatencyRun {

	private LatencyRun() {
	}

	public static void main(String[] args) throws Exception {
		int rate = (args.length > 0) ? Integer.parseInt(args[0]) : 10_000;
		int seconds = (args.length > 1) ? Integer.parseInt(args[1]) : 5;
		int items = rate * seconds;
		// a warm-up of both as long as the measured runs: a worker loop runs once per
		// item
		// at this rate, so the JIT compiles it late; the measured runs then come warm
		baseline(rate, items);
		paipa(rate, items);
		long[] baseline = baseline(rate, items);
		long[] paipa = paipa(rate, items);
		System.out.printf(Locale.ROOT, "latency at %,d items/s for %d s (µs)%n", rate, seconds);
		System.out.println("| contender | p50 | p99 | p99.9 | max |");
		System.out.println("| --- | --- | --- | --- | --- |");
		print("baseline", baseline);
		print("paipa", paipa);
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

	private static void print(String name, long[] latencies) {
		long[] sorted = latencies.clone();
		Arrays.sort(sorted);
		System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %.1f |%n", name, at(sorted, 0.50), at(sorted, 0.99),
				at(sorted, 0.999), sorted[sorted.length - 1] / 1000.0);
	}

	private static double at(long[] sorted, double quantile) {
		return sorted[Math.min(sorted.length - 1, (int) (sorted.length * quantile))] / 1000.0;
	}

}
