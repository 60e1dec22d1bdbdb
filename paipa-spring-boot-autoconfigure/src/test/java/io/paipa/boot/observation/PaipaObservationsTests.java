package io.paipa.boot.observation;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.test.simple.SimpleSpan;
import io.micrometer.tracing.test.simple.SimpleTracer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.MDC;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.paipa.boot.EnablePaipaPipeline;
import io.paipa.boot.autoconfigure.PaipaAutoConfiguration;
import io.paipa.boot.autoconfigure.metrics.PaipaMetricsAutoConfiguration;
import io.paipa.boot.autoconfigure.observation.PaipaObservationAutoConfiguration;
import io.paipa.core.PipelineInput;
import io.paipa.core.StepHandler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Observations of handler calls with {@link SimpleTracer}: one trace from the caller's
 * span through every step, the caller's MDC and span inside the handlers, a failing
 * handler's span with the error, the handler timer made by the observation, and the
 * conditions that turn it all off.
 */
@Timeout(60)
class PaipaObservationsTests {

	private static final Duration WAIT = Duration.ofSeconds(20);

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class, PaipaAutoConfiguration.class,
				PaipaMetricsAutoConfiguration.class, PaipaObservationAutoConfiguration.class))
		.withUserConfiguration(HandlersConfig.class)
		.withPropertyValues("management.metrics.use-global-registry=false",
				"paipa.pipelines.orders.definition=parse|store", "paipa.pipelines.orders.shutdown-timeout=2s");

	@Test
	void oneTraceGoesFromTheCallersSpanThroughEveryStep() {
		this.contextRunner.withUserConfiguration(TracingConfig.class).run((context) -> {
			assertThat(context).hasNotFailed();
			SimpleTracer tracer = context.getBean(SimpleTracer.class);
			ObservationRegistry registry = context.getBean(ObservationRegistry.class);
			Seen seen = context.getBean(Seen.class);
			PipelineInput<String> input = input(context.getBean("ordersInput", PipelineInput.class));
			CountDownLatch done = new CountDownLatch(1);
			Observation request = Observation.start("http.server.requests", registry);
			String traceId;
			try (Observation.Scope scope = request.openScope()) {
				traceId = tracer.currentSpan().context().traceId();
				MDC.put("requestId", "r-42");
				input.put("42", done::countDown);
			}
			finally {
				MDC.remove("requestId");
				request.stop();
			}
			assertThat(done.await(20, TimeUnit.SECONDS)).isTrue();
			SimpleSpan caller = span(tracer, "http.server.requests");
			for (String step : List.of("parse", "store")) {
				SimpleSpan span = span(tracer, "orders " + step);
				assertThat(span.getTraceId()).as(step).isEqualTo(traceId);
				assertThat(span.getParentId()).as(step).isEqualTo(caller.getSpanId());
				assertThat(span.getTags()).containsEntry("pipeline", "orders").containsEntry("step", step);
				// inside the handler: the step's own span, in the caller's trace, and the
				// caller's MDC
				assertThat(seen.traceIds).containsEntry(step, traceId);
				assertThat(seen.spanIds).containsEntry(step, span.getSpanId());
				assertThat(seen.requestIds).containsEntry(step, "r-42");
			}
			// the handler timer comes from the observation, with its error tag
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			await().atMost(WAIT)
				.untilAsserted(() -> assertThat(meters.get("paipa.step.process")
					.tag("pipeline", "orders")
					.tag("step", "store")
					.tag("error", "none")
					.timer()
					.count()).isEqualTo(1));
		});
	}

	@Test
	void aFailingHandlersSpanHasTheError() {
		this.contextRunner.withUserConfiguration(TracingConfig.class)
			.withPropertyValues("paipa.pipelines.orders.definition=parse|reject")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				SimpleTracer tracer = context.getBean(SimpleTracer.class);
				ObservationRegistry registry = context.getBean(ObservationRegistry.class);
				PipelineInput<String> input = input(context.getBean("ordersInput", PipelineInput.class));
				CountDownLatch done = new CountDownLatch(1);
				putObserved(registry, input, "7", done);
				assertThat(done.await(20, TimeUnit.SECONDS)).isTrue();
				SimpleSpan rejected = span(tracer, "orders reject");
				assertThat(rejected.getError()).isInstanceOf(IllegalStateException.class).hasMessage("rejected 7");
				assertThat(rejected.getTraceId()).isEqualTo(span(tracer, "caller").getTraceId());
				assertThat(span(tracer, "orders parse").getError()).isNull();
			});
	}

	@Test
	void itemsPutOutsideAnyObservationAreObservedWhenSampled() {
		this.contextRunner.withUserConfiguration(TracingConfig.class).run((context) -> {
			assertThat(context).hasNotFailed();
			SimpleTracer tracer = context.getBean(SimpleTracer.class);
			PipelineInput<String> input = input(context.getBean("ordersInput", PipelineInput.class));
			CountDownLatch done = new CountDownLatch(1);
			input.put("5", done::countDown);
			assertThat(done.await(20, TimeUnit.SECONDS)).isTrue();
			await().atMost(WAIT).untilAsserted(() -> assertThat(tracer.getSpans()).hasSize(2));
			// each step's span is a root of its own
			assertThat(span(tracer, "orders parse").getParentId()).isEmpty();
			assertThat(span(tracer, "orders store").getTraceId())
				.isNotEqualTo(span(tracer, "orders parse").getTraceId());
		});
	}

	@Test
	void turnedOffByProperty() {
		this.contextRunner.withUserConfiguration(TracingConfig.class)
			.withPropertyValues("paipa.observations.enabled=false")
			.run((context) -> {
				assertThat(context).hasNotFailed().doesNotHaveBean(PaipaObservations.class);
				assertThatHandlerTimerIsPaipas(context.getBean(MeterRegistry.class));
				SimpleTracer tracer = context.getBean(SimpleTracer.class);
				PipelineInput<String> input = input(context.getBean("ordersInput", PipelineInput.class));
				CountDownLatch done = new CountDownLatch(1);
				putObserved(context.getBean(ObservationRegistry.class), input, "3", done);
				assertThat(done.await(20, TimeUnit.SECONDS)).isTrue();
				assertThat(tracer.getSpans()).extracting(SimpleSpan::getName).containsExactly("caller");
				assertThat(context.getBean(Seen.class).traceIds).isEmpty();
			});
	}

	@Test
	void offWithoutAnObservationRegistry() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasNotFailed().doesNotHaveBean(PaipaObservations.class);
			assertThatHandlerTimerIsPaipas(context.getBean(MeterRegistry.class));
		});
	}

	@Test
	void aNoOpRegistryObservesNothing() {
		this.contextRunner.withBean(ObservationRegistry.class, () -> ObservationRegistry.NOOP).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(PaipaObservations.class).isActive()).isFalse();
			assertThatHandlerTimerIsPaipas(context.getBean(MeterRegistry.class));
		});
	}

	private static void assertThatHandlerTimerIsPaipas(MeterRegistry meters) {
		assertThat(meters.get("paipa.step.process").tag("step", "parse").timer().getId().getTags())
			.extracting(io.micrometer.core.instrument.Tag::getKey)
			.doesNotContain("error");
	}

	/** Puts an item inside an observation named "caller". */
	private static void putObserved(ObservationRegistry registry, PipelineInput<String> input, String item,
			CountDownLatch done) throws InterruptedException {
		Observation caller = Observation.start("caller", registry);
		try (Observation.Scope scope = caller.openScope()) {
			input.put(item, done::countDown);
		}
		finally {
			caller.stop();
		}
	}

	@SuppressWarnings("unchecked")
	private static PipelineInput<String> input(PipelineInput<?> input) {
		return (PipelineInput<String>) input;
	}

	private static SimpleSpan span(SimpleTracer tracer, String name) {
		await().atMost(WAIT)
			.untilAsserted(() -> assertThat(tracer.getSpans()).extracting(SimpleSpan::getName).contains(name));
		return tracer.getSpans().stream().filter((span) -> span.getName().equals(name)).findFirst().orElseThrow();
	}

	/** What the handlers saw, by step. */
	static final class Seen {

		final Map<String, String> traceIds = new ConcurrentHashMap<>();

		final Map<String, String> spanIds = new ConcurrentHashMap<>();

		final Map<String, String> requestIds = new ConcurrentHashMap<>();

		void record(String step, SimpleTracer tracer) {
			Span span = tracer.currentSpan();
			if (span != null) {
				this.traceIds.put(step, span.context().traceId());
				this.spanIds.put(step, span.context().spanId());
			}
			String requestId = MDC.get("requestId");
			if (requestId != null) {
				this.requestIds.put(step, requestId);
			}
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnablePaipaPipeline
	static class HandlersConfig {

		@Bean
		SimpleTracer simpleTracer() {
			return new SimpleTracer();
		}

		@Bean
		Seen seen() {
			return new Seen();
		}

		@Bean
		SimpleMeterRegistry simpleMeterRegistry() {
			return new SimpleMeterRegistry();
		}

		@Bean
		StepHandler<String, Integer> parse(Seen seen, SimpleTracer tracer) {
			return (item) -> {
				seen.record("parse", tracer);
				return Integer.valueOf(item);
			};
		}

		@Bean
		StepHandler<Integer, Integer> store(Seen seen, SimpleTracer tracer) {
			return (item) -> {
				seen.record("store", tracer);
				return item;
			};
		}

		@Bean
		StepHandler<Integer, Integer> reject() {
			return (item) -> {
				throw new IllegalStateException("rejected " + item);
			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class TracingConfig {

		@Bean
		ObservationRegistry observationRegistry(SimpleTracer tracer, MeterRegistry meters) {
			ObservationRegistry registry = ObservationRegistry.create();
			registry.observationConfig()
				.observationHandler(new DefaultMeterObservationHandler(meters))
				.observationHandler(new DefaultTracingObservationHandler(tracer));
			return registry;
		}

	}

}
