package io.paipa.benchmarks;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import io.paipa.boot.metrics.PaipaMetrics;
import io.paipa.core.Pipeline;

/**
 * What one Prometheus scrape of paipa's meters costs for a running pipeline of 1, 5 and
 * 20 steps (about 13 meters per step): the cost should grow in proportion to the steps,
 * since each step's meters read only that step's snapshot.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = { "-Xms512m", "-Xmx512m" })
public class ScrapeBenchmark {

	@Param({ "1", "5", "20" })
	public int steps;

	private Pipeline<Integer> pipeline;

	private PrometheusMeterRegistry registry;

	private PaipaMetrics metrics;

	@Setup(Level.Trial)
	public void setUp() {
		Pipeline.Builder<Integer, Integer> builder = Pipeline.builder("scraped");
		for (int i = 0; i < this.steps; i++) {
			builder.step("step-" + i, (Integer x) -> x);
		}
		this.pipeline = builder.build();
		this.pipeline.start();
		this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
		this.metrics = new PaipaMetrics(() -> Map.of(this.pipeline.name(), this.pipeline));
		this.metrics.bindTo(this.registry);
	}

	@Benchmark
	public String scrape() {
		return this.registry.scrape();
	}

	@TearDown(Level.Trial)
	public void tearDown() {
		this.metrics.destroy();
		this.pipeline.stop();
	}

}
