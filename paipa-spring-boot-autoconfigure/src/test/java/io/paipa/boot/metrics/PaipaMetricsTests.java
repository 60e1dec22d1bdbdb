package io.paipa.boot.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.search.RequiredSearch;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.paipa.core.DeadLetter;
import io.paipa.core.ErrorPolicy;
import io.paipa.core.Pipeline;
import io.paipa.core.PipelineResult;
import io.paipa.core.PipelineState;
import io.paipa.core.RetryPolicy;
import io.paipa.core.StepStats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link PaipaMetrics}: every meter of every step and pipeline with its tags and
 * description, gauges that follow a live pipeline (queue depth under back-pressure, busy
 * workers and utilization), outcome counters and the handler timer against a
 * {@link PipelineResult}, worker restarts, removal of the meters, and the names a
 * Prometheus scrape shows.
 */
@Timeout(60)
class PaipaMetricsTests {

	private static final Duration WAIT = Duration.ofSeconds(20);

	private static final List<String> STEP_OUTCOMES = List.of("processed", "dropped", "retried", "failed");

	private static final List<String> PIPELINE_OUTCOMES = List.of("in", "completed", "dropped", "dead-lettered");

	private static final List<String> WORKER_STATES = List.of("configured", "alive", "busy");

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final Map<String, Pipeline<?>> pipelines = new LinkedHashMap<>();

	/**
	 * Binds whatever is in {@link #pipelines} when it is bound, as the Boot supplier
	 * does.
	 */
	private final PaipaMetrics metrics = new PaipaMetrics(() -> this.pipelines);

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
		this.metrics.destroy();
	}

	// ---- the meters

	@Test
	void everyStepAndPipelineMeterExistsWithItsTagsAndADescription() {
		register(Pipeline.<Integer>builder("orders")
			.queueCapacity(32)
			.listener(this.metrics)
			.step("parse", (Integer i) -> i, (s) -> s.workers(2).queueCapacity(8))
			.step("enrich", (Integer i) -> i, (s) -> s.workers(3).queueCapacity(16))
			.step("store", (Integer i) -> i)
			.build());
		this.metrics.bindTo(this.registry);

		Map<String, int[]> expected = Map.of("parse", new int[] { 2, 8 }, "enrich", new int[] { 3, 16 }, "store",
				new int[] { 1, 32 });
		for (String step : List.of("parse", "enrich", "store")) {
			Gauge depth = stepMeters("paipa.step.queue.depth", "orders", step).gauge();
			assertStepMeter(depth, "orders", step);
			assertThat(depth.value()).isZero();

			Gauge capacity = stepMeters("paipa.step.queue.capacity", "orders", step).gauge();
			assertStepMeter(capacity, "orders", step);
			assertThat(capacity.value()).isEqualTo(expected.get(step)[1]);

			for (String state : WORKER_STATES) {
				Gauge workers = stepMeters("paipa.step.workers", "orders", step).tag("state", state).gauge();
				assertStepMeter(workers, "orders", step, Tag.of("state", state));
				assertThat(workers.value()).isEqualTo(state.equals("configured") ? expected.get(step)[0] : 0);
			}
			assertThat(this.registry.find("paipa.step.workers").tag("pipeline", "orders").tag("step", step).gauges())
				.hasSize(3);

			Gauge utilization = stepMeters("paipa.step.utilization", "orders", step).gauge();
			assertStepMeter(utilization, "orders", step);
			assertThat(utilization.value()).isZero();

			Gauge outage = stepMeters("paipa.step.outage", "orders", step).gauge();
			assertStepMeter(outage, "orders", step);
			assertThat(outage.value()).isZero();

			for (String outcome : STEP_OUTCOMES) {
				FunctionCounter items = stepMeters("paipa.step.items", "orders", step).tag("outcome", outcome)
					.functionCounter();
				assertStepMeter(items, "orders", step, Tag.of("outcome", outcome));
				assertThat(items.count()).isZero();
			}
			assertThat(this.registry.find("paipa.step.items").tag("pipeline", "orders").tag("step", step).meters())
				.hasSize(STEP_OUTCOMES.size());

			FunctionCounter restarts = stepMeters("paipa.step.worker.restarts", "orders", step).functionCounter();
			assertStepMeter(restarts, "orders", step);
			assertThat(restarts.count()).isZero();

			Timer process = stepMeters("paipa.step.process", "orders", step).timer();
			assertStepMeter(process, "orders", step);
			assertThat(process.count()).isZero();
		}
		for (String outcome : PIPELINE_OUTCOMES) {
			FunctionCounter items = this.registry.get("paipa.pipeline.items")
				.tag("pipeline", "orders")
				.tag("outcome", outcome)
				.functionCounter();
			assertThat(tagsOf(items)).containsExactlyInAnyOrder(Tag.of("pipeline", "orders"),
					Tag.of("outcome", outcome));
			assertThat(items.getId().getDescription()).isNotBlank();
			assertThat(items.count()).isZero();
		}
		// per step: depth, capacity, 3 worker states, utilization, 4 outcomes, restarts,
		// timer
		// = 12; per pipeline: 4 outcomes
		assertThat(this.registry.getMeters()).hasSize(3 * 13 + 10)
			.allSatisfy((meter) -> assertThat(meter.getId().getName()).startsWith("paipa."))
			.allSatisfy((meter) -> assertThat(meter.getId().getDescription()).isNotBlank())
			.allSatisfy((meter) -> assertThat(meter.getId().getTag("pipeline")).isEqualTo("orders"));
	}

	@Test
	void everyPipelineGetsItsOwnMetersTaggedByItsName() {
		register(Pipeline.<Integer>builder("first").listener(this.metrics).step("a", (Integer i) -> i).build());
		register(Pipeline.<Integer>builder("second")
			.listener(this.metrics)
			.step("a", (Integer i) -> i, (s) -> s.workers(4))
			.step("b", (Integer i) -> i)
			.build());
		this.metrics.bindTo(this.registry);

		assertThat(this.registry.find("paipa.step.queue.depth").tag("pipeline", "first").gauges()).hasSize(1);
		assertThat(this.registry.find("paipa.step.queue.depth").tag("pipeline", "second").gauges()).hasSize(2);
		assertThat(gauge("paipa.step.workers", "first", "a", "state", "configured")).isEqualTo(1);
		assertThat(gauge("paipa.step.workers", "second", "a", "state", "configured")).isEqualTo(4);
		assertThat(this.registry.getMeters()).hasSize(3 * 13 + 2 * 10);

		Pipeline<Integer> second = typed("second");
		PipelineResult result = second.run(List.of(1, 2, 3));
		assertThat(result.completed()).isEqualTo(3);
		assertThat(pipelineCount("second", "completed")).isEqualTo(3);
		// one state gauge per state, 1 for the state the pipeline is in
		assertThat(this.registry.get("paipa.pipeline.state")
			.tag("pipeline", "second")
			.tag("state", "completed")
			.gauge()
			.value()).isEqualTo(1);
		assertThat(this.registry.get("paipa.pipeline.state")
			.tag("pipeline", "second")
			.tag("state", "running")
			.gauge()
			.value()).isZero();
		assertThat(
				this.registry.get("paipa.pipeline.state").tag("pipeline", "first").tag("state", "new").gauge().value())
			.isEqualTo(1);
		assertThat(pipelineCount("first", "completed")).isZero();
		// sampled at most once per batch: at least one sample, at most one per item
		assertThat(timer("second", "a").count()).isBetween(1L, 3L);
		assertThat(timer("first", "a").count()).isZero();
	}

	// ---- gauges of a live pipeline

	@Test
	void blockedLastStepFillsTheQueuesOfEveryStepBeforeItToCapacity() throws Exception {
		CountDownLatch release = latch();
		CountDownLatch sinkEntered = new CountDownLatch(1);
		Pipeline<Integer> pipeline = register(
				Pipeline.<Integer>builder("blocked").listener(this.metrics).deadLetterHandler((letter) -> {
				})
					// slow enough (about 1 ms an item) that each worker takes one item at
					// a time
					.step("parse", (Integer i) -> {
						Thread.sleep(1);
						return i;
					}, (s) -> s.queueCapacity(4))
					.step("enrich", (Integer i) -> {
						Thread.sleep(1);
						return i;
					}, (s) -> s.queueCapacity(5))
					.step("sink", (Integer i) -> {
						sinkEntered.countDown();
						release.await();
						return i;
					}, (s) -> s.queueCapacity(6))
					.build());
		this.metrics.bindTo(this.registry);
		LinkedBlockingQueue<Integer> source = new LinkedBlockingQueue<>();
		IntStream.rangeClosed(1, 100).forEach(source::add);

		start(pipeline, source);
		assertThat(sinkEntered.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

		await().atMost(WAIT).untilAsserted(() -> {
			assertThat(gauge("paipa.step.queue.depth", "blocked", "parse")).isEqualTo(4);
			assertThat(gauge("paipa.step.queue.depth", "blocked", "enrich")).isEqualTo(5);
			assertThat(gauge("paipa.step.queue.depth", "blocked", "sink")).isEqualTo(6);
		});
		assertThat(gauge("paipa.step.queue.capacity", "blocked", "parse")).isEqualTo(4);
		assertThat(gauge("paipa.step.queue.capacity", "blocked", "enrich")).isEqualTo(5);
		assertThat(gauge("paipa.step.queue.capacity", "blocked", "sink")).isEqualTo(6);
		assertThat(gauge("paipa.step.workers", "blocked", "sink", "state", "busy")).isEqualTo(1);
		assertThat(pipelineCount("blocked", "completed")).isZero();
		// nothing beyond the in-flight bound entered: slow steps take one item at a time,
		// so
		// each holds at most capacity + workers (the general bound is
		// capacity + max(capacity, workers))
		assertThat(pipelineCount("blocked", "in")).isLessThanOrEqualTo((4 + 1) + (5 + 1) + (6 + 1));

		release.countDown();
		await().atMost(WAIT).untilAsserted(() -> {
			assertThat(pipelineCount("blocked", "completed")).isEqualTo(100);
			assertThat(gauge("paipa.step.queue.depth", "blocked", "parse")).isZero();
			assertThat(gauge("paipa.step.queue.depth", "blocked", "enrich")).isZero();
			assertThat(gauge("paipa.step.queue.depth", "blocked", "sink")).isZero();
		});
		assertThat(pipelineCount("blocked", "in")).isEqualTo(100);
		PipelineResult result = pipeline.stop(Duration.ofSeconds(10));
		assertThat(result.completed()).isEqualTo(100);
		assertThat(result.deadLettered()).isZero();
	}

	@Test
	void saturatedStepShowsEveryWorkerBusyAndUtilizationNearOne() throws Exception {
		CountDownLatch release = latch();
		CountDownLatch allBusy = new CountDownLatch(3);
		Pipeline<Integer> pipeline = register(
				Pipeline.<Integer>builder("saturated").listener(this.metrics).deadLetterHandler((letter) -> {
				}).step("work", (Integer i) -> {
					allBusy.countDown();
					release.await();
					return i;
				}, (s) -> s.workers(3)).step("sink", (Integer i) -> i).build());
		this.metrics.bindTo(this.registry);

		start(pipeline, null);
		for (int i = 0; i < 10; i++) {
			pipeline.input().put(i);
		}
		assertThat(allBusy.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

		assertThat(gauge("paipa.step.workers", "saturated", "work", "state", "configured")).isEqualTo(3);
		assertThat(gauge("paipa.step.workers", "saturated", "work", "state", "alive")).isEqualTo(3);
		assertThat(gauge("paipa.step.workers", "saturated", "work", "state", "busy")).isEqualTo(3);
		assertThat(gauge("paipa.step.workers", "saturated", "sink", "state", "busy")).isZero();
		await().atMost(WAIT)
			.untilAsserted(() -> assertThat(gauge("paipa.step.utilization", "saturated", "work")).isGreaterThan(0.8)
				.isLessThanOrEqualTo(1.0));
		// the idle step next to it stays idle
		assertThat(gauge("paipa.step.utilization", "saturated", "sink")).isLessThan(0.2);

		release.countDown();
		await().atMost(WAIT).untilAsserted(() -> {
			assertThat(pipelineCount("saturated", "completed")).isEqualTo(10);
			assertThat(gauge("paipa.step.workers", "saturated", "work", "state", "busy")).isZero();
		});
		// a slow step takes one item per batch: every item is a sample
		assertThat(timer("saturated", "work").count()).isEqualTo(10);
	}

	// ---- counters and the timer against the result

	@Test
	void outcomeCountersAndTimerMatchTheResultOfABatchRunWithDropsRetriesAndDeadLetters() {
		Set<Integer> failedOnce = ConcurrentHashMap.newKeySet();
		List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();
		Pipeline<Integer> pipeline = register(Pipeline.<Integer>builder("batch")
			.listener(this.metrics)
			.onError(ErrorPolicy.SKIP)
			.retry(RetryPolicy.of(3, Duration.ofMillis(1)))
			.deadLetterHandler(deadLetters::add)
			.step("parse", (Integer i) -> (i % 5 == 0) ? null : i, (s) -> s.workers(2))
			.step("flaky", (Integer i) -> {
				if (i % 11 == 0) {
					throw new IllegalStateException("always fails: " + i);
				}
				if (i % 7 == 0 && failedOnce.add(i)) {
					throw new IllegalStateException("fails once: " + i);
				}
				return i;
			}, (s) -> s.workers(2))
			.step("sink", (Integer i) -> i, (s) -> s.workers(2))
			.build());
		this.metrics.bindTo(this.registry);

		List<Integer> items = IntStream.rangeClosed(1, 300).boxed().toList();
		PipelineResult result = pipeline.run(items);

		// expectations computed from the input, independently of the engine
		long dropped = items.stream().filter((i) -> i % 5 == 0).count();
		List<Integer> reachFlaky = items.stream().filter((i) -> i % 5 != 0).toList();
		long alwaysFail = reachFlaky.stream().filter((i) -> i % 11 == 0).count();
		long failOnce = reachFlaky.stream().filter((i) -> i % 11 != 0 && i % 7 == 0).count();
		long flakyProcessed = reachFlaky.size() - alwaysFail;
		assertThat(result.isSuccess()).isTrue();
		assertThat(result.state()).isEqualTo(PipelineState.COMPLETED);
		assertThat(result.in()).isEqualTo(300);
		assertThat(result.dropped()).isEqualTo(dropped);
		assertThat(result.deadLettered()).isEqualTo(alwaysFail).isEqualTo(deadLetters.size());
		assertThat(result.completed()).isEqualTo(flakyProcessed);
		assertThat(result.abandoned()).isZero();
		assertThat(result.in())
			.isEqualTo(result.completed() + result.dropped() + result.deadLettered() + result.abandoned());
		assertThat(result.step("parse").processed()).isEqualTo(reachFlaky.size());
		assertThat(result.step("flaky").retried()).isEqualTo(2 * alwaysFail + failOnce);
		assertThat(result.step("flaky").failed()).isEqualTo(alwaysFail);
		assertThat(deadLetters).allSatisfy((letter) -> {
			assertThat(letter.step()).isEqualTo("flaky");
			assertThat(letter.attempts()).isEqualTo(3);
		});

		for (StepStats step : result.steps()) {
			assertThat(stepCount("batch", step.step(), "processed")).as("%s processed", step.step())
				.isEqualTo(step.processed());
			assertThat(stepCount("batch", step.step(), "dropped")).as("%s dropped", step.step())
				.isEqualTo(step.dropped());
			assertThat(stepCount("batch", step.step(), "retried")).as("%s retried", step.step())
				.isEqualTo(step.retried());
			assertThat(stepCount("batch", step.step(), "failed")).as("%s failed", step.step()).isEqualTo(step.failed());
			assertThat(stepCount("batch", step.step(), "restarts")).isZero();
			// at most one sample per batch, of an item the handler got through: never
			// more
			// samples than processed and dropped items, at least one
			assertThat(timer("batch", step.step()).count()).as("%s timer", step.step())
				.isBetween(1L, step.processed() + step.dropped());
			assertThat(timer("batch", step.step()).totalTime(TimeUnit.NANOSECONDS)).isPositive();
		}
		assertThat(timer("batch", "parse").count()).isBetween(1L, 300L);
		assertThat(pipelineCount("batch", "in")).isEqualTo(result.in());
		assertThat(pipelineCount("batch", "completed")).isEqualTo(result.completed());
		assertThat(pipelineCount("batch", "dropped")).isEqualTo(result.dropped());
		assertThat(pipelineCount("batch", "dead-lettered")).isEqualTo(result.deadLettered());
		assertThat(gauge("paipa.step.workers", "batch", "flaky", "state", "alive")).isZero();
	}

	@Test
	void handlerTimerSamplesEveryItemOfASlowStepAndAtMostOneItemPerBatchOfATrivialOne() {
		int items = 200;
		long slowNanos = TimeUnit.MICROSECONDS.toNanos(500);
		Pipeline<Integer> pipeline = register(Pipeline.<Integer>builder("sampled")
			.listener(this.metrics)
			.step("trivial", (Integer i) -> i + 1)
			.step("slow", (Integer i) -> {
				long end = System.nanoTime() + slowNanos;
				while (System.nanoTime() < end) {
					LockSupport.parkNanos(end - System.nanoTime());
				}
				return i;
			})
			.build());
		this.metrics.bindTo(this.registry);

		PipelineResult result = pipeline.run(IntStream.range(0, items).boxed().toList());

		assertThat(result.completed()).isEqualTo(items);
		// slower than the batch-time target: one item per batch, so one sample per item,
		// and
		// each sample is the handler's time, not time spent waiting in a queue
		assertThat(timer("sampled", "slow").count()).isEqualTo(items);
		assertThat(timer("sampled", "slow").mean(TimeUnit.NANOSECONDS)).isGreaterThanOrEqualTo(slowNanos)
			.isLessThan(TimeUnit.MILLISECONDS.toNanos(100));
		// the trivial step takes what waits: between one sample and one per item
		assertThat(timer("sampled", "trivial").count()).isBetween(1L, (long) items);
		assertThat(stepCount("sampled", "trivial", "processed")).isEqualTo(items);
	}

	@Test
	void countersAddUpOverRunsAndNeverGoDown() {
		Pipeline<Integer> pipeline = register(Pipeline.<Integer>builder("rerun")
			.listener(this.metrics)
			.step("filter", (Integer i) -> (i % 2 == 0) ? null : i, (s) -> s.workers(2))
			.step("sink", (Integer i) -> i)
			.build());
		this.metrics.bindTo(this.registry);

		PipelineResult first = pipeline.run(IntStream.rangeClosed(1, 40).boxed().toList());
		double inAfterFirst = pipelineCount("rerun", "in");
		PipelineResult second = pipeline.run(IntStream.rangeClosed(1, 60).boxed().toList());

		assertThat(inAfterFirst).isEqualTo(40);
		assertThat(second.in()).isEqualTo(60);
		assertThat(pipelineCount("rerun", "in")).isEqualTo(first.in() + second.in());
		assertThat(pipelineCount("rerun", "completed")).isEqualTo(first.completed() + second.completed()).isEqualTo(50);
		assertThat(pipelineCount("rerun", "dropped")).isEqualTo(first.dropped() + second.dropped()).isEqualTo(50);
		assertThat(stepCount("rerun", "filter", "processed")).isEqualTo(50);
		assertThat(stepCount("rerun", "filter", "dropped")).isEqualTo(50);
		// samples add up over runs too: at least one per run, at most one per item
		assertThat(timer("rerun", "filter").count()).isBetween(2L, 100L);
		assertThat(timer("rerun", "sink").count()).isBetween(2L, 50L);
	}

	@Test
	void restartsCountAWorkerReplacedAfterItsHandlerThrewAnError() {
		AtomicBoolean thrown = new AtomicBoolean();
		List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();
		Pipeline<Integer> pipeline = register(Pipeline.<Integer>builder("restarts")
			.listener(this.metrics)
			.deadLetterHandler(deadLetters::add)
			.step("fragile", (Integer i) -> {
				if (i == 13 && thrown.compareAndSet(false, true)) {
					throw new WorkerKiller();
				}
				return i;
			}, (s) -> s.workers(2))
			.step("sink", (Integer i) -> i)
			.build());
		this.metrics.bindTo(this.registry);

		start(pipeline, null);
		for (int i = 1; i <= 50; i++) {
			putQuietly(pipeline, i);
		}

		await().atMost(WAIT).untilAsserted(() -> {
			assertThat(pipelineCount("restarts", "completed")).isEqualTo(49);
			assertThat(pipelineCount("restarts", "dead-lettered")).isEqualTo(1);
		});
		assertThat(stepCount("restarts", "fragile", "restarts")).isEqualTo(1);
		assertThat(stepCount("restarts", "sink", "restarts")).isZero();
		assertThat(stepCount("restarts", "fragile", "failed")).isEqualTo(1);
		assertThat(deadLetters).singleElement().satisfies((letter) -> {
			assertThat(letter.item()).isEqualTo(13);
			assertThat(letter.cause()).isInstanceOf(WorkerKiller.class);
		});
		// the replacement took over: the step is back at its configured workers
		await().atMost(WAIT)
			.untilAsserted(() -> assertThat(gauge("paipa.step.workers", "restarts", "fragile", "state", "alive"))
				.isEqualTo(2));
		assertThat(pipeline.state()).isEqualTo(PipelineState.RUNNING);

		PipelineResult result = pipeline.stop(Duration.ofSeconds(10));
		assertThat(result.step("fragile").restarts()).isEqualTo(1);
		assertThat(stepCount("restarts", "fragile", "restarts")).isEqualTo(1);
	}

	// ---- removal

	@Test
	void destroyRemovesEveryMeterItRegisteredAndNoOther() {
		register(Pipeline.<Integer>builder("one").listener(this.metrics).step("a", (Integer i) -> i).build());
		Pipeline<Integer> two = register(Pipeline.<Integer>builder("two")
			.listener(this.metrics)
			.step("a", (Integer i) -> i)
			.step("b", (Integer i) -> i)
			.build());
		Counter unrelated = this.registry.counter("unrelated.counter");
		this.metrics.bindTo(this.registry);
		assertThat(this.registry.getMeters()).hasSize(3 * 13 + 2 * 10 + 1);

		this.metrics.destroy();

		assertThat(this.registry.getMeters()).containsExactly(unrelated);
		assertThat(this.registry.find("paipa.step.process").timers()).isEmpty();
		// the pipeline still reports to the destroyed binder, which must neither fail nor
		// bring the meters back
		PipelineResult result = two.run(List.of(1, 2, 3));
		assertThat(result.completed()).isEqualTo(3);
		assertThat(this.registry.getMeters()).containsExactly(unrelated);
	}

	@Test
	void bindingToTwoRegistriesFeedsTheTimersOfBothAndDestroyEmptiesBoth() {
		Pipeline<Integer> pipeline = register(
				Pipeline.<Integer>builder("twice").listener(this.metrics).step("a", (Integer i) -> i).build());
		SimpleMeterRegistry other = new SimpleMeterRegistry();
		// a MeterBinder may be bound to several registries (Spring Boot binds every
		// registry when there is no composite)
		this.metrics.bindTo(this.registry);
		this.metrics.bindTo(other);
		assertThat(this.registry.getMeters()).hasSize(13 + 10);
		assertThat(other.getMeters()).hasSize(13 + 10);

		assertThat(pipeline.run(List.of(1, 2, 3)).completed()).isEqualTo(3);

		long samples = timer("twice", "a").count();
		assertThat(samples).as("timer in the first registry").isBetween(1L, 3L);
		assertThat(other.get("paipa.step.process").tag("step", "a").timer().count()).isEqualTo(samples);
		this.metrics.destroy();
		assertThat(other.getMeters()).isEmpty();
		assertThat(this.registry.getMeters()).as("meters left in the first registry").isEmpty();
	}

	// ---- Prometheus

	@Test
	void prometheusScrapeShowsTheStepMetersUnderTheirNamesWithPipelineAndStepLabels() {
		PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
		Pipeline<Integer> pipeline = register(Pipeline.<Integer>builder("prom")
			.listener(this.metrics)
			.step("parse", (Integer i) -> i)
			.step("store", (Integer i) -> i)
			.build());
		this.metrics.bindTo(prometheus);
		try {
			assertThat(pipeline.run(List.of(1, 2, 3, 4)).completed()).isEqualTo(4);

			String scrape = prometheus.scrape();

			// the meter names of the issue (paipa.step.queue.depth, ...) in Prometheus's
			// snake case; every series carries both labels
			SoftAssertions softly = new SoftAssertions();
			for (String series : List.of("paipa_step_queue_depth{", "paipa_step_queue_capacity{", "paipa_step_workers{",
					"paipa_step_utilization{", "paipa_step_items_total{", "paipa_step_worker_restarts_total{",
					"paipa_step_process_seconds_count{")) {
				List<String> found = lines(scrape, series);
				softly.assertThat(found).as("series %s in:%n%s", series, scrape).isNotEmpty();
				for (String step : List.of("parse", "store")) {
					softly.assertThat(found)
						.as("series %s of step %s", series, step)
						.anySatisfy((line) -> assertThat(line).contains("pipeline=\"prom\"")
							.contains("step=\"" + step + "\""));
				}
			}
			softly.assertThat(lines(scrape, "paipa_pipeline_items_total{"))
				.as("paipa_pipeline_items_total")
				.anySatisfy((line) -> assertThat(line).contains("outcome=\"completed\"")
					.contains("pipeline=\"prom\"")
					.endsWith(" 4.0"));
			softly.assertThat(lines(scrape, "paipa_step_process_seconds_count{"))
				.as("paipa_step_process_seconds_count")
				.anySatisfy((line) -> assertThat(line).contains("step=\"parse\"").matches(".* [1-4](\\.0)?$"));
			softly.assertAll();
		}
		finally {
			this.metrics.destroy();
			assertThat(prometheus.getMeters()).isEmpty();
			prometheus.close();
		}
	}

	// ---- helpers

	private <I> Pipeline<I> register(Pipeline<I> pipeline) {
		this.pipelines.put(pipeline.name(), pipeline);
		return pipeline;
	}

	@SuppressWarnings("unchecked")
	private <I> Pipeline<I> typed(String name) {
		return (Pipeline<I>) this.pipelines.get(name);
	}

	private CountDownLatch latch() {
		CountDownLatch latch = new CountDownLatch(1);
		this.latches.add(latch);
		return latch;
	}

	private <I> void start(Pipeline<I> pipeline, LinkedBlockingQueue<I> source) {
		this.started.add(pipeline);
		pipeline.start(source);
	}

	private static void putQuietly(Pipeline<Integer> pipeline, int item) {
		try {
			pipeline.input().put(item);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private RequiredSearch stepMeters(String name, String pipeline, String step) {
		return this.registry.get(name).tag("pipeline", pipeline).tag("step", step);
	}

	private double gauge(String name, String pipeline, String step, String... tags) {
		return stepMeters(name, pipeline, step).tags(tags).gauge().value();
	}

	private double stepCount(String pipeline, String step, String outcome) {
		if (outcome.equals("restarts")) {
			return stepMeters("paipa.step.worker.restarts", pipeline, step).functionCounter().count();
		}
		return stepMeters("paipa.step.items", pipeline, step).tag("outcome", outcome).functionCounter().count();
	}

	private double pipelineCount(String pipeline, String outcome) {
		return this.registry.get("paipa.pipeline.items")
			.tag("pipeline", pipeline)
			.tag("outcome", outcome)
			.functionCounter()
			.count();
	}

	private Timer timer(String pipeline, String step) {
		return stepMeters("paipa.step.process", pipeline, step).timer();
	}

	private static List<Tag> tagsOf(Meter meter) {
		return meter.getId().getTags();
	}

	private static void assertStepMeter(Meter meter, String pipeline, String step, Tag... extra) {
		List<Tag> expected = new ArrayList<>(List.of(Tag.of("pipeline", pipeline), Tag.of("step", step)));
		expected.addAll(List.of(extra));
		assertThat(tagsOf(meter)).as(meter.getId().toString()).containsExactlyInAnyOrderElementsOf(expected);
		assertThat(meter.getId().getDescription()).as(meter.getId().toString()).isNotBlank();
	}

	private static List<String> lines(String scrape, String prefix) {
		return scrape.lines().filter((line) -> line.startsWith(prefix)).collect(Collectors.toList());
	}

	/** An unexpected error that kills the worker that throws it. */
	static final class WorkerKiller extends Error {

		WorkerKiller() {
			super("killed on purpose");
		}

	}

}
