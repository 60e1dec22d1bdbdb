package io.paipa.boot.actuate;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.paipa.boot.actuate.PaipaEndpoint.PipelineDescriptor;
import io.paipa.boot.actuate.PaipaEndpoint.StepDescriptor;
import io.paipa.core.Emitter;
import io.paipa.core.Pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.awaitility.Awaitility.await;

/**
 * What {@link PaipaEndpoint} shows of a step beyond its counts: the outputs it emitted,
 * its handler time, a worker busy on one item (stalled past the pipeline's stall
 * timeout), and its options with secret-looking values masked.
 */
@Timeout(60)
class PaipaEndpointTests {

	private static final Duration WAIT = Duration.ofSeconds(20);

	private final List<CountDownLatch> latches = new CopyOnWriteArrayList<>();

	private final List<Pipeline<?>> started = new CopyOnWriteArrayList<>();

	@AfterEach
	void releaseAndStop() {
		this.latches.forEach(CountDownLatch::countDown);
		for (Pipeline<?> pipeline : this.started) {
			if (pipeline.isRunning()) {
				pipeline.stop(Duration.ofSeconds(5));
			}
		}
	}

	@Test
	void showsTheOutputsEachStepEmittedAndItsHandlerTime() throws Exception {
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("split")
			.fanOut("twice", (Integer i, Emitter<Integer> out) -> {
				out.emit(i);
				out.emit(i);
			})
			.step("sink", (Integer i) -> {
				Thread.sleep(1);
				return i;
			})
			.build();
		start(pipeline);
		for (int i = 0; i < 10; i++) {
			pipeline.input().put(i);
		}
		await().atMost(WAIT).until(() -> pipeline.snapshot().step("sink").stats().processed() == 20);

		PipelineDescriptor described = endpoint(pipeline, Duration.ofMinutes(1), Map.of()).pipelines().get("split");

		StepDescriptor twice = described.steps().get(0);
		StepDescriptor sink = described.steps().get(1);
		assertThat(twice.counts().in()).isEqualTo(10);
		assertThat(twice.counts().emitted()).isEqualTo(20);
		assertThat(sink.counts().in()).isEqualTo(20);
		// twenty calls of at least a millisecond each
		assertThat(sink.handlerSeconds()).isGreaterThanOrEqualTo(0.02);
		assertThat(sink.stalled()).isFalse();
		assertThat(sink.longestBusySeconds()).isZero();
		assertThat(sink.options()).isEmpty();
	}

	@Test
	void aStepWhoseWorkerIsBusyOnOneItemLongerThanTheStallTimeoutIsStalled() throws Exception {
		CountDownLatch release = latch();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("stuck").step("wait", (Integer i) -> {
			release.await(30, TimeUnit.SECONDS);
			return i;
		}).build();
		start(pipeline);
		PaipaEndpoint endpoint = endpoint(pipeline, Duration.ofMillis(50), Map.of());
		PaipaEndpoint patient = endpoint(pipeline, Duration.ofMinutes(10), Map.of());
		assertThat(endpoint.pipelines().get("stuck").steps().get(0).stalled()).isFalse();

		pipeline.input().put(1);

		await().atMost(WAIT).until(() -> endpoint.pipelines().get("stuck").steps().get(0).stalled());
		StepDescriptor step = endpoint.pipelines().get("stuck").steps().get(0);
		assertThat(step.longestBusySeconds()).isGreaterThan(0.05);
		assertThat(step.workers().busy()).isEqualTo(1);
		assertThat(patient.pipelines().get("stuck").steps().get(0).stalled()).isFalse();

		release.countDown();
		await().atMost(WAIT).until(() -> !endpoint.pipelines().get("stuck").steps().get(0).stalled());
	}

	@Test
	void showsAStepsOptionsWithSecretLookingValuesMasked() throws Exception {
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("opts").step("call", (Integer i) -> i).build();
		Map<String, String> options = new LinkedHashMap<>();
		options.put("latency", "5ms");
		options.put("api-key", "abc");
		options.put("dbPassword", "hunter2");
		options.put("AUTH_TOKEN", "t");
		options.put("client-secret", "s");
		options.put("credentials", "c");

		StepDescriptor call = endpoint(pipeline, Duration.ofMinutes(1), Map.of("call", options)).pipelines()
			.get("opts")
			.steps()
			.get(0);

		assertThat(call.options()).containsExactly(entry("latency", "5ms"), entry("api-key", "******"),
				entry("dbPassword", "******"), entry("AUTH_TOKEN", "******"), entry("client-secret", "******"),
				entry("credentials", "******"));
	}

	private PaipaEndpoint endpoint(Pipeline<?> pipeline, Duration stallTimeout,
			Map<String, Map<String, String>> options) {
		return new PaipaEndpoint(() -> Map.of(pipeline.name(), pipeline), 64, (name) -> stallTimeout,
				(name, step) -> options.getOrDefault(step, Map.of()));
	}

	private CountDownLatch latch() {
		CountDownLatch latch = new CountDownLatch(1);
		this.latches.add(latch);
		return latch;
	}

	private void start(Pipeline<?> pipeline) {
		this.started.add(pipeline);
		pipeline.start();
	}

}
