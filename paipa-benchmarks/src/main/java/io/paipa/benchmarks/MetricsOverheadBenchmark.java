package io.paipa.benchmarks;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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

import io.paipa.boot.metrics.PaipaMetrics;
import io.paipa.core.Pipeline;

/**
 * The cost of metrics: the hand-off workload (capacity 1,024) with the Micrometer binder
 * registered on a {@link SimpleMeterRegistry} (every meter, and the handler timer fed
 * with a sample per batch), against the same pipeline without it. Every score is items
 * per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = { "-Xms1g", "-Xmx1g" })
public class MetricsOverheadBenchmark {

	static final int ITEMS = HandoffBenchmark.ITEMS;

	private Pipeline<Long> plain;

	private Pipeline<Long> measured;

	private PaipaMetrics metrics;

	@Setup(Level.Trial)
	public void setUp() {
		this.plain = build("plain", null);
		Pipeline<Long>[] holder = new Pipeline[1];
		this.metrics = new PaipaMetrics(() -> Map.of("measured", holder[0]));
		this.measured = build("measured", this.metrics);
		holder[0] = this.measured;
		this.metrics.bindTo(new SimpleMeterRegistry());
	}

	@TearDown(Level.Trial)
	public void tearDown() {
		this.metrics.destroy();
	}

	private static Pipeline<Long> build(String name, PaipaMetrics metrics) {
		Pipeline.Builder<Long, Long> builder = Pipeline.<Long>builder(name)
			.queueCapacity(1024)
			.step("a", Workloads::step)
			.step("b", Workloads::step)
			.step("c", Workloads::step);
		if (metrics != null) {
			builder.listener(metrics);
		}
		return builder.build();
	}

	/** Without metrics. */
	@Benchmark
	@OperationsPerInvocation(ITEMS)
	public long metricsOff() {
		return this.plain.run(Workloads.source(ITEMS)).completed();
	}

	/** With the binder: gauges, counters and the sampled handler timer. */
	@Benchmark
	@OperationsPerInvocation(ITEMS)
	public long metricsOn() {
		return this.measured.run(Workloads.source(ITEMS)).completed();
	}

}
