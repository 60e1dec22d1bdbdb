package io.paipa.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import io.paipa.core.Pipeline;

/**
 * I/O-bound work: a step that sleeps 1 ms per item with 64 workers, then a trivial step,
 * over 20,000 items. The ideal is 64,000 items per second. The baseline is a plain fixed
 * pool of 64 threads doing the same sleeps. Every score is items per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class IoBoundBenchmark {

	static final int ITEMS = 20_000;

	static final int WORKERS = 64;

	private Pipeline<Long> pipeline;

	private ExecutorService pool;

	@Setup(Level.Trial)
	public void setUp() {
		this.pipeline = Pipeline.<Long>builder("io")
			.step("fetch", IoBoundBenchmark::fetch, (s) -> s.workers(WORKERS))
			.step("trivial", Workloads::step)
			.build();
		this.pool = Executors.newFixedThreadPool(WORKERS);
	}

	@TearDown(Level.Trial)
	public void tearDown() {
		this.pool.shutdownNow();
	}

	static Long fetch(Long item) throws InterruptedException {
		Thread.sleep(1);
		return item;
	}

	/** A fixed pool of 64 threads, each task sleeping and then doing the trivial step. */
	@Benchmark
	@OperationsPerInvocation(ITEMS)
	public long baseline() throws Exception {
		List<Future<Long>> futures = new ArrayList<>(ITEMS);
		var source = Workloads.source(ITEMS);
		while (source.hasNext()) {
			Long item = source.next();
			futures.add(this.pool.submit(() -> Workloads.step(fetch(item))));
		}
		long count = 0;
		for (Future<Long> future : futures) {
			future.get();
			count++;
		}
		return count;
	}

	/**
	 * The same as a paipa pipeline: 64 workers for the sleeping step, one for the rest.
	 */
	@Benchmark
	@OperationsPerInvocation(ITEMS)
	public long paipa() {
		return this.pipeline.run(Workloads.source(ITEMS)).completed();
	}

}
