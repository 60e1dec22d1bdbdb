package io.paipa.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

/**
 * Autoscaling on real pipelines: steps that size themselves within their bounds and the
 * pipeline's thread budget, as {@link AutoscalePolicy} describes. The decisions
 * themselves are tested from scripted snapshots in
 * {@code io.paipa.core.internal.AutoscaleDeciderTests}; here, what the controller does to
 * running pipelines, with bounds generous enough for a loaded two-core machine.
 */
@Timeout(180)
class AutoscaleTests {

	@RegisterExtension
	final StartedPipelines pipelines = new StartedPipelines();

	private final List<Feeder> feeders = new ArrayList<>();

	@AfterEach
	void stopFeeders() throws InterruptedException {
		for (Feeder feeder : this.feeders) {
			feeder.stop();
		}
	}

	private static StepHandler<Integer, Integer> sleeping(long millis) {
		return (item) -> {
			Thread.sleep(millis);
			return item;
		};
	}

	/** A step that keeps a core busy for about {@code nanos} per item. */
	private static StepHandler<Integer, Integer> crunching(long nanos) {
		return (item) -> {
			long until = System.nanoTime() + nanos;
			long x = item;
			while (System.nanoTime() < until) {
				x = x * 6364136223846793005L + 1442695040888963407L;
			}
			return (x == 42) ? item + 1 : item;
		};
	}

	private Feeder feed(Pipeline<Integer> pipeline) {
		Feeder feeder = new Feeder(pipeline);
		this.feeders.add(feeder);
		feeder.start();
		return feeder;
	}

	private static int workers(Pipeline<?> pipeline, String step) {
		return pipeline.stepSnapshot(step).workersConfigured();
	}

	private static AutoscaleSnapshot autoscale(Pipeline<?> pipeline, String step) {
		return pipeline.stepSnapshot(step).autoscale();
	}

	// ---- reaching the right size, and coming back down

	/**
	 * A 5 ms I/O step started with one worker reaches 90 % of the throughput of the same
	 * step hand-tuned to its max of 32 workers (measured first, in the same test), then,
	 * once the load ends, comes back down to its min. On a quiet machine the first takes
	 * 5 to 7 s and the second about 12 s (3 idle intervals, and the load of the last 10
	 * remembered); the bounds here are 30 s each, for a loaded machine.
	 */
	@Test
	void anIoStepStartedWithOneWorkerReachesNinetyPercentOfTheHandTunedThroughputAndComesBackDown() throws Exception {
		double best = handTunedThroughput(32);
		Pipeline<Integer> pipeline = this.pipelines.start(Pipeline.<Integer>builder("io-auto")
			.step("io", sleeping(5))
			.autoscale(AutoscalePolicy.maxThreads(64).withStep("io", 1, 32))
			.build());
		long started = System.nanoTime();
		Feeder feeder = feed(pipeline);
		Rate rate = new Rate(pipeline);

		await().atMost(Duration.ofSeconds(30))
			.pollDelay(Duration.ofSeconds(1))
			.pollInterval(Duration.ofSeconds(1))
			.until(() -> rate.sinceLastCall() >= 0.9 * best);
		double reached = (System.nanoTime() - started) / 1e9;

		assertThat(workers(pipeline, "io")).isBetween(16, 32);
		feeder.stop();
		long ended = System.nanoTime();
		await().atMost(Duration.ofSeconds(30)).until(() -> workers(pipeline, "io") == 1);
		double down = (System.nanoTime() - ended) / 1e9;
		System.out.printf("90 %% of %.0f items/s after %.1f s; back to 1 worker %.1f s after the load ended%n", best,
				reached, down);
		AutoscaleSnapshot autoscale = autoscale(pipeline, "io");
		assertThat(autoscale.up()).isGreaterThanOrEqualTo(4);
		assertThat(autoscale.down()).isGreaterThanOrEqualTo(1);
		assertThat(autoscale.lastDecision()).startsWith("down").contains("idle");
		assertThat(autoscale.lastDecisionAt()).isNotNull();
		PipelineResult result = pipeline.stop();
		assertThat(result.in()).isEqualTo(feeder.put()).isEqualTo(result.completed());
	}

	/** Items per second through the step with a fixed number of workers. */
	private double handTunedThroughput(int workers) {
		Pipeline<Integer> tuned = Pipeline.<Integer>builder("io-tuned")
			.step("io", sleeping(5), (s) -> s.workers(workers))
			.build();
		int items = workers * 200 * 3;
		long start = System.nanoTime();
		PipelineResult result = tuned.run(IntStream.range(0, items).boxed());
		double seconds = (System.nanoTime() - start) / 1e9;
		assertThat(result.completed()).isEqualTo(items);
		return items / seconds;
	}

	@Test
	void aCpuBoundStepIsNotGivenMoreWorkersThanTheCoresCanRun() {
		int cores = Runtime.getRuntime().availableProcessors();
		Pipeline<Integer> pipeline = this.pipelines.start(Pipeline.<Integer>builder("cpu-auto")
			.step("crunch", crunching(200_000))
			.autoscale(AutoscalePolicy.maxThreads(64)
				.withStep("crunch", 1, 64)
				// a shortened scale: items take 0.2 ms, so 200 ms hold hundreds
				.withInterval(Duration.ofMillis(200)))
			.build());
		feed(pipeline);
		AtomicInteger most = new AtomicInteger();

		// a move that did not raise throughput is undone
		await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
			most.accumulateAndGet(workers(pipeline, "crunch"), Math::max);
			AutoscaleSnapshot autoscale = autoscale(pipeline, "crunch");
			return autoscale.down() > 0 && autoscale.lastDecision().contains("undoes the last move");
		});

		assertThat(most.get()).as("most workers, on %d cores", cores).isLessThan(50).isLessThanOrEqualTo(4 * cores);
		assertThat(workers(pipeline, "crunch")).isLessThanOrEqualTo(2 * cores);
	}

	// ---- accounting

	@Test
	void nothingIsLostOrDuplicatedWhileStepsAreScaledUpAndDown() {
		int n = 20_000;
		Map<Integer, AtomicInteger> seen = new ConcurrentHashMap<>();
		ConcurrentLinkedQueue<Integer> deadLetters = new ConcurrentLinkedQueue<>();
		AtomicLong dropped = new AtomicLong();
		Pipeline<Integer> pipeline = this.pipelines
			.start(Pipeline.<Integer>builder("churn").step("parse", (Integer x) -> x).step("lookup", (Integer x) -> {
				if (x % 97 == 0) {
					throw new IllegalStateException("no such customer: " + x);
				}
				if (x % 89 == 0) {
					dropped.incrementAndGet();
					return null;
				}
				Thread.sleep(ThreadLocalRandom.current().nextInt(3));
				return x;
			}).step("store", (Integer x) -> {
				seen.computeIfAbsent(x, (k) -> new AtomicInteger()).incrementAndGet();
				return x;
			})
				.deadLetterHandler((letter) -> deadLetters.add((Integer) letter.item()))
				.autoscale(AutoscalePolicy.maxThreads(24)
					.withStep("lookup", 1, 16)
					.withStep("store", 1, 4)
					.withInterval(Duration.ofMillis(50)))
				.build());

		Feeder feeder = feed(pipeline, n);
		await().atMost(Duration.ofSeconds(90))
			.until(() -> pipeline.snapshot().completed() + pipeline.snapshot().dropped()
					+ pipeline.snapshot().deadLettered() == n);
		// idle now: it scales down
		await().atMost(Duration.ofSeconds(30)).until(() -> autoscale(pipeline, "lookup").down() > 0);
		PipelineResult result = pipeline.stop();

		assertThat(feeder.put()).isEqualTo(n);
		assertThat(autoscale(pipeline, "lookup").up()).isPositive();
		assertThat(result.in()).isEqualTo(n);
		assertThat(result.in()).isEqualTo(result.completed() + result.dropped() + result.deadLettered());
		assertThat(result.dropped()).isEqualTo(dropped.get());
		assertThat(deadLetters).hasSize((int) result.deadLettered()).doesNotHaveDuplicates();
		assertThat(seen).hasSize((int) result.completed());
		assertThat(seen.values()).allSatisfy((count) -> assertThat(count.get()).isEqualTo(1));
		List<Integer> missing = new ArrayList<>();
		for (int i = 0; i < n; i++) {
			boolean stored = seen.containsKey(i);
			boolean deadLettered = deadLetters.contains(i);
			boolean droppedHere = i % 97 != 0 && i % 89 == 0;
			if ((stored ? 1 : 0) + (deadLettered ? 1 : 0) + (droppedHere ? 1 : 0) != 1) {
				missing.add(i);
			}
		}
		assertThat(missing).as("items not seen exactly once").isEmpty();
	}

	// ---- pinning

	@Test
	void aManualScalePinsTheStepUntilAutoscalingIsResumed() {
		Pipeline<Integer> pipeline = this.pipelines.start(Pipeline.<Integer>builder("pinned")
			.step("io", sleeping(5))
			.autoscale(AutoscalePolicy.maxThreads(64).withStep("io", 1, 32).withInterval(Duration.ofMillis(100)))
			.build());
		feed(pipeline);
		await().atMost(Duration.ofSeconds(30)).until(() -> workers(pipeline, "io") >= 4);

		pipeline.scale("io", 3);

		assertThat(autoscale(pipeline, "io").pinned()).isTrue();
		// busy with items waiting, yet left alone for 10 intervals: no decision and no
		// change of workers between any two looks for a second (a decision applied just
		// before the pin may still be counted after it)
		long[] decisions = { -1 };
		await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(10)).until(() -> {
			long now = autoscale(pipeline, "io").up() + autoscale(pipeline, "io").down();
			boolean unchanged = now == decisions[0];
			decisions[0] = now;
			return unchanged && workers(pipeline, "io") == 3;
		});

		pipeline.resumeAutoscale("io");

		assertThat(autoscale(pipeline, "io").pinned()).isFalse();
		await().atMost(Duration.ofSeconds(30)).until(() -> workers(pipeline, "io") > 3);
	}

	@Test
	void aPinBeyondTheBoundsIsBroughtBackWithinThemOnceResumed() {
		Pipeline<Integer> pipeline = this.pipelines.start(Pipeline.<Integer>builder("beyond")
			.step("io", sleeping(1))
			.autoscale(AutoscalePolicy.maxThreads(64).withStep("io", 2, 4).withInterval(Duration.ofMillis(100)))
			.build());
		pipeline.scale("io", 10);
		assertThat(workers(pipeline, "io")).isEqualTo(10);

		pipeline.resumeAutoscale("io");

		await().atMost(Duration.ofSeconds(30)).until(() -> autoscale(pipeline, "io").down() == 1);
		assertThat(autoscale(pipeline, "io").lastDecision())
			.contains("down 10 -> 4 workers: back within its bounds, 2 to 4");
		assertThat(workers(pipeline, "io")).isEqualTo(4);
	}

	@Test
	void resumingAStepThatIsNotAutoscaledIsRefused() {
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("mixed")
			.step("fixed", (Integer x) -> x)
			.step("io", sleeping(1))
			.autoscale(AutoscalePolicy.maxThreads(8).withStep("io", 1, 4))
			.build();

		assertThatIllegalArgumentException().isThrownBy(() -> pipeline.resumeAutoscale("fixed"))
			.withMessage("Step 'fixed' of pipeline 'mixed' is not autoscaled; its workers change only with "
					+ "scale(...); the autoscaled steps are [io]");
		assertThatIllegalArgumentException().isThrownBy(() -> pipeline.resumeAutoscale("nope"))
			.withMessageContaining("has no step 'nope'");
	}

	// ---- the controller's thread

	@Test
	void theControllerWaitsBetweenIntervalsAndEndsWithTheRun() {
		Pipeline<Integer> pipeline = this.pipelines.start(Pipeline.<Integer>builder("waits")
			.step("io", sleeping(1))
			.autoscale(AutoscalePolicy.maxThreads(8).withStep("io", 1, 4).withInterval(Duration.ofSeconds(10)))
			.build());

		await().atMost(Duration.ofSeconds(10)).until(() -> controller("waits").isPresent());
		Thread controller = controller("waits").get();
		await().atMost(Duration.ofSeconds(10)).until(() -> controller.getState() == Thread.State.TIMED_WAITING);

		pipeline.stop();

		TestThreads.assertNoThreadsLeft("waits");
	}

	@Test
	void aBatchRunIsScaledAndLeavesNoThreadBehind() {
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("batch-auto")
			.step("io", sleeping(2))
			.autoscale(AutoscalePolicy.maxThreads(16).withStep("io", 1, 16).withInterval(Duration.ofMillis(100)))
			.build();

		PipelineResult result = pipeline.run(IntStream.range(0, 3000).boxed());

		assertThat(result.completed()).isEqualTo(3000);
		assertThat(autoscale(pipeline, "io").up()).isPositive();
		TestThreads.assertNoThreadsLeft("batch-auto");
	}

	private static Optional<Thread> controller(String pipeline) {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> thread.getName().equals("paipa-" + pipeline + "-autoscale"))
			.findFirst();
	}

	// ---- building

	@Test
	void autoscaledStepsStartWithinTheirBoundsAndShowThemInTheSnapshot() {
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("bounds")
			.step("parse", (Integer x) -> x, (s) -> s.workers(2))
			.step("enrich", (Integer x) -> x)
			.step("store", (Integer x) -> x, (s) -> s.workers(40))
			.autoscale(AutoscalePolicy.maxThreads(64).withStep("enrich", 4, 8).withStep("store", 1, 16))
			.build();

		PipelineSnapshot snapshot = pipeline.snapshot();

		assertThat(snapshot.step("parse").workersConfigured()).isEqualTo(2);
		assertThat(snapshot.step("parse").autoscale()).isNull();
		assertThat(snapshot.step("parse").isAutoscaled()).isFalse();
		assertThat(snapshot.step("enrich").workersConfigured()).isEqualTo(4);
		assertThat(snapshot.step("enrich").autoscale()).isEqualTo(new AutoscaleSnapshot(4, 8, false, 0, 0, null, null));
		assertThat(snapshot.step("store").workersConfigured()).isEqualTo(16);
		assertThat(pipeline.stepSnapshot("store").autoscale().maxWorkers()).isEqualTo(16);
		assertThat(pipeline.autoscalePolicy()).hasValueSatisfying((policy) -> {
			assertThat(policy.maxThreads()).isEqualTo(64);
			assertThat(policy.interval()).isEqualTo(Duration.ofSeconds(1));
		});
		assertThat(Pipeline.<Integer>builder("none").step("a", (Integer x) -> x).build().autoscalePolicy()).isEmpty();
	}

	@Test
	void aPolicyNamingAStepThePipelineDoesNotHaveIsRefused() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> Pipeline.<Integer>builder("p")
				.step("enrich", (Integer x) -> x)
				.autoscale(AutoscalePolicy.maxThreads(8).withStep("enrch", 1, 4))
				.build())
			.withMessage("Pipeline 'p': the autoscale policy names step 'enrch', which the pipeline does not have; "
					+ "its steps are [enrich]");
	}

	@Test
	void aBudgetBelowTheWorkersTheStepsStartWithIsRefused() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> Pipeline.<Integer>builder("p")
				.step("parse", (Integer x) -> x, (s) -> s.workers(4))
				.step("enrich", (Integer x) -> x)
				.autoscale(AutoscalePolicy.maxThreads(5).withStep("enrich", 2, 8))
				.build())
			.withMessage("Pipeline 'p': the autoscale policy allows 5 threads, but the steps start with 6 workers "
					+ "(parse 4, enrich 2); raise max threads to at least 6, or start the steps with fewer workers "
					+ "(an autoscaled step starts with its workers brought within its min and max workers)");
	}

	@Test
	void policiesValidateTheirArguments() {
		assertThatIllegalArgumentException().isThrownBy(() -> AutoscalePolicy.maxThreads(0))
			.withMessage("Autoscale max threads must be at least 1 but was 0");
		assertThatIllegalArgumentException().isThrownBy(() -> AutoscalePolicy.maxThreads(8).withInterval(Duration.ZERO))
			.withMessage("Autoscale interval must be positive but was PT0S");
		assertThatIllegalArgumentException().isThrownBy(() -> AutoscalePolicy.maxThreads(8).withStep("a", 0, 4))
			.withMessage("Step 'a': autoscale min workers must be at least 1 but was 0");
		assertThatIllegalArgumentException().isThrownBy(() -> AutoscalePolicy.maxThreads(8).withStep("a", 4, 2))
			.withMessage("Step 'a': autoscale max workers must be at least its min workers (4) but was 2");
	}

	/** Counts completed items between calls. */
	private static final class Rate {

		private final Pipeline<?> pipeline;

		private long count;

		private long nanos;

		Rate(Pipeline<?> pipeline) {
			this.pipeline = pipeline;
			this.count = pipeline.snapshot().completed();
			this.nanos = System.nanoTime();
		}

		double sinceLastCall() {
			long count = this.pipeline.snapshot().completed();
			long nanos = System.nanoTime();
			double rate = (count - this.count) * 1e9 / (nanos - this.nanos);
			this.count = count;
			this.nanos = nanos;
			return rate;
		}

	}

	private Feeder feed(Pipeline<Integer> pipeline, int items) {
		Feeder feeder = new Feeder(pipeline, items);
		this.feeders.add(feeder);
		feeder.start();
		return feeder;
	}

	/** Puts items as fast as the pipeline takes them, until stopped or done. */
	private static final class Feeder {

		private final Pipeline<Integer> pipeline;

		private final int items;

		private final AtomicBoolean running = new AtomicBoolean(true);

		private final AtomicInteger put = new AtomicInteger();

		private final Thread thread;

		Feeder(Pipeline<Integer> pipeline) {
			this(pipeline, Integer.MAX_VALUE);
		}

		Feeder(Pipeline<Integer> pipeline, int items) {
			this.pipeline = pipeline;
			this.items = items;
			this.thread = new Thread(this::feed, "feeder-" + pipeline.name());
			this.thread.setDaemon(true);
		}

		void start() {
			this.thread.start();
		}

		private void feed() {
			try {
				while (this.running.get() && this.put.get() < this.items) {
					if (this.pipeline.input().offer(this.put.get(), Duration.ofMillis(100))) {
						this.put.incrementAndGet();
					}
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			catch (PipelineClosedException ex) {
				// stopped
			}
		}

		/** Stops putting and waits until the feeder has put its last item. */
		void stop() throws InterruptedException {
			this.running.set(false);
			this.thread.join(10_000);
			assertThat(this.thread.isAlive()).as("feeder still running").isFalse();
		}

		int put() {
			return this.put.get();
		}

	}

}
