package io.paipa.benchmarks;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.samplers.Sampler;
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
import io.paipa.boot.observation.PaipaObservations;
import io.paipa.core.Pipeline;

/**
 * The cost of metrics and tracing: the hand-off workload (capacity 1,024) with the
 * Micrometer binder registered on a {@link SimpleMeterRegistry} (every meter, and the
 * handler timer fed with a sample per batch), and with handler calls observed by
 * {@link PaipaObservations} and traced by OpenTelemetry's SDK (every span sampled, none
 * exported), against the same pipeline without either. A batch run's items carry no
 * caller's context, so tracing observes one sampled call per batch, which is what a
 * pipeline pays when the application traces but its items come from a source. Every score
 * is items per second.
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

	private Pipeline<Long> traced;

	private PaipaMetrics tracedMetrics;

	private SdkTracerProvider tracerProvider;

	@Setup(Level.Trial)
	public void setUp() {
		this.plain = build("plain", null);
		Pipeline<Long>[] holder = new Pipeline[1];
		this.metrics = new PaipaMetrics(() -> Map.of("measured", holder[0]));
		this.measured = build("measured", this.metrics);
		holder[0] = this.measured;
		this.metrics.bindTo(new SimpleMeterRegistry());
		setUpTraced();
	}

	private void setUpTraced() {
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		this.tracerProvider = SdkTracerProvider.builder().setSampler(Sampler.alwaysOn()).build();
		OtelTracer tracer = new OtelTracer(this.tracerProvider.get("benchmark"), new OtelCurrentTraceContext(),
				(event) -> {
				});
		ObservationRegistry observations = ObservationRegistry.create();
		observations.observationConfig()
			.observationHandler(new DefaultMeterObservationHandler(meters))
			.observationHandler(new DefaultTracingObservationHandler(tracer));
		Pipeline<Long>[] holder = new Pipeline[1];
		// the observation makes the handler timer, as in an application
		this.tracedMetrics = new PaipaMetrics(() -> Map.of("traced", holder[0]), false);
		this.traced = build("traced", this.tracedMetrics, new PaipaObservations(observations));
		holder[0] = this.traced;
		this.tracedMetrics.bindTo(meters);
	}

	@TearDown(Level.Trial)
	public void tearDown() {
		this.metrics.destroy();
		this.tracedMetrics.destroy();
		this.tracerProvider.close();
	}

	private static Pipeline<Long> build(String name, PaipaMetrics metrics) {
		return build(name, metrics, null);
	}

	private static Pipeline<Long> build(String name, PaipaMetrics metrics, PaipaObservations observations) {
		Pipeline.Builder<Long, Long> builder = Pipeline.<Long>builder(name)
			.queueCapacity(1024)
			.step("a", Workloads::step)
			.step("b", Workloads::step)
			.step("c", Workloads::step);
		if (metrics != null) {
			builder.listener(metrics);
		}
		if (observations != null) {
			builder.contextPropagation(observations);
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

	/** With the binder, and handler calls observed and traced. */
	@Benchmark
	@OperationsPerInvocation(ITEMS)
	public long tracingOn() {
		return this.traced.run(Workloads.source(ITEMS)).completed();
	}

}
