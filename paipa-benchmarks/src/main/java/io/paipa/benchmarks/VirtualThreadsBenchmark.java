package io.paipa.benchmarks;

import java.lang.reflect.Method;
import java.util.Iterator;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import io.paipa.core.Pipeline;

/**
 * I/O-bound work on virtual threads (Java 21 and later only; on Java 17 the setup fails
 * and JMH reports it): 1,000 virtual workers sleeping 1 ms per item over 200,000 items,
 * against 1,000 virtual threads with no queue, each taking its share of the items. The
 * ideal is 1,000,000 items per second. Two more hand-written contenders have the
 * pipeline's shape (the trivial step in one platform thread behind a queue): one with the
 * pipeline's bound on that queue, one without a bound. The {@code WideQueue} variants
 * give the pipeline, and the hand-written queue, 1,000 places instead of 64.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class VirtualThreadsBenchmark {

	static final int ITEMS = 200_000;

	static final int WORKERS = 1_000;

	/** The pipeline's default queue capacity. */
	static final int CAPACITY = 64;

	private Pipeline<Long> pipeline;

	private Pipeline<Long> wide;

	@Setup(Level.Trial)
	public void setUp() {
		if (Runtime.version().feature() < 21) {
			throw new IllegalStateException("VirtualThreadsBenchmark needs Java 21 or later");
		}
		this.pipeline = Pipeline.<Long>builder("virtual")
			.step("fetch", IoBoundBenchmark::fetch, (s) -> s.workers(WORKERS).virtualThreads(true))
			.step("trivial", Workloads::step)
			.build();
		this.wide = Pipeline.<Long>builder("virtual-wide")
			.queueCapacity(WORKERS)
			.step("fetch", IoBoundBenchmark::fetch, (s) -> s.workers(WORKERS).virtualThreads(true))
			.step("trivial", Workloads::step)
			.build();
	}

	/** 1,000 virtual threads, each sleeping through its share of the items. */
	@Benchmark
	@OperationsPerInvocation(ITEMS)
	public long baseline() throws Exception {
		ExecutorService executor = virtualThreadPerTask();
		try {
			int share = ITEMS / WORKERS;
			for (int w = 0; w < WORKERS; w++) {
				long first = (long) w * share;
				executor.submit(() -> {
					for (long i = first; i < first + share; i++) {
						Workloads.step(IoBoundBenchmark.fetch(i));
					}
					return null;
				});
			}
		}
		finally {
			executor.shutdown();
			executor.awaitTermination(1, TimeUnit.MINUTES);
		}
		return ITEMS;
	}

	/**
	 * The pipeline's shape written by hand: 1,000 virtual threads pull the source under a
	 * lock, sleep, and hand each item to one platform thread through an
	 * {@code ArrayBlockingQueue} of 64 (the pipeline's default capacity); that thread
	 * does the trivial step.
	 */
	@Benchmark
	@OperationsPerInvocation(ITEMS)
	public long sameShape() throws Exception {
		return handWritten(new ArrayBlockingQueue<>(CAPACITY));
	}

	/**
	 * As {@link #sameShape()}, with an unbounded {@code LinkedBlockingQueue}: what the
	 * bound costs.
	 */
	@Benchmark
	@OperationsPerInvocation(ITEMS)
	public long sameShapeUnbounded() throws Exception {
		return handWritten(new LinkedBlockingQueue<>());
	}

	private static long handWritten(BlockingQueue<Long> queue) throws Exception {
		long[] count = new long[1];
		Thread consumer = new Thread(() -> {
			try {
				for (Long item = queue.take(); item != Workloads.END; item = queue.take()) {
					Workloads.step(item);
					count[0]++;
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}, "same-shape-consumer");
		consumer.start();
		Iterator<Long> source = Workloads.source(ITEMS);
		ReentrantLock lock = new ReentrantLock();
		ExecutorService executor = virtualThreadPerTask();
		try {
			for (int w = 0; w < WORKERS; w++) {
				executor.submit(() -> {
					while (true) {
						Long item;
						lock.lock();
						try {
							if (!source.hasNext()) {
								return null;
							}
							item = source.next();
						}
						finally {
							lock.unlock();
						}
						queue.put(IoBoundBenchmark.fetch(item));
					}
				});
			}
		}
		finally {
			executor.shutdown();
			executor.awaitTermination(1, TimeUnit.MINUTES);
		}
		queue.put(Workloads.END);
		consumer.join();
		return count[0];
	}

	private static ExecutorService virtualThreadPerTask() throws Exception {
		Method factory = java.util.concurrent.Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
		return (ExecutorService) factory.invoke(null);
	}

	/**
	 * As {@link #paipa()}, with every queue as large as the number of virtual workers
	 * ({@code queue-capacity: 1000}).
	 */
	@Benchmark
	@OperationsPerInvocation(ITEMS)
	public long paipaWideQueue() {
		return this.wide.run(Workloads.source(ITEMS)).completed();
	}

	/**
	 * As {@link #sameShape()}, with a queue as large as the number of virtual threads in
	 * front of it.
	 */
	@Benchmark
	@OperationsPerInvocation(ITEMS)
	public long sameShapeWideQueue() throws Exception {
		return handWritten(new ArrayBlockingQueue<>(WORKERS));
	}

	/** The same as a paipa pipeline with 1,000 virtual workers. */
	@Benchmark
	@OperationsPerInvocation(ITEMS)
	public long paipa() {
		return this.pipeline.run(Workloads.source(ITEMS)).completed();
	}

}
