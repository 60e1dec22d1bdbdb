package io.paipa.boot;

import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.ContextRefreshedEvent;

import io.paipa.core.Pipeline;
import io.paipa.core.PipelineFailedException;
import io.paipa.core.PipelineInput;
import io.paipa.core.PipelineResult;
import io.paipa.core.PipelineState;
import io.paipa.core.StepHandler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * A batch pipeline assembled from handler beans: injected, run by the application over a
 * lazy source as often as it likes, never started by the context.
 */
@SpringBootTest(webEnvironment = WebEnvironment.NONE,
		properties = { "paipa.pipelines.numbers.mode=batch", "paipa.pipelines.numbers.definition=square|sum",
				"paipa.pipelines.numbers.queue-capacity=16", "paipa.pipelines.numbers.steps.square.workers=3" })
@Timeout(60)
class BatchPipelineIntegrationTests {

	private static final int ITEMS = 100_000;

	/**
	 * Items a run may hold: per step its queue capacity plus the larger of that and its
	 * workers.
	 */
	private static final int IN_FLIGHT_BOUND = (16 + Math.max(16, 3)) + (16 + Math.max(16, 1));

	@Autowired
	private Pipeline<Integer> numbers;

	@Autowired
	private Sum sum;

	@Autowired
	private StateAtStartup stateAtStartup;

	@Autowired
	private ApplicationContext context;

	@BeforeEach
	void reset() {
		// the context is cached and shared by the test methods
		this.sum.reset();
	}

	@Test
	void isNotStartedByTheContextAndHasNoInputBean() {
		assertThat(this.stateAtStartup.state()).as("state when the context had refreshed").isEqualTo(PipelineState.NEW);
		assertThat(this.context.getBeanNamesForType(PipelineInput.class)).isEmpty();
		assertThat(this.context.containsBean("numbersInput")).isFalse();
		assertThat(this.numbers.stepNames()).containsExactly("square", "sum");
	}

	@Test
	void runsTwiceOverALazySourceWithCorrectResults() {
		for (int run = 1; run <= 2; run++) {
			this.sum.reset();
			CountingSource source = new CountingSource(ITEMS);
			this.sum.watch(source);
			PipelineResult result = this.numbers.run(source);

			assertThat(result.state()).as("run %d", run).isEqualTo(PipelineState.COMPLETED);
			assertThat(result.isSuccess()).isTrue();
			assertThat(result.in()).isEqualTo(ITEMS);
			assertThat(result.completed()).isEqualTo(ITEMS);
			assertThat(result.dropped() + result.deadLettered() + result.abandoned()).isZero();
			assertThat(result.step("square").processed()).isEqualTo(ITEMS);
			assertThat(result.step("sum").processed()).isEqualTo(ITEMS);
			assertThat(source.pulls()).as("items pulled in run %d", run).isEqualTo(ITEMS);
			assertThat(this.sum.count()).isEqualTo(ITEMS);
			// sum of i*i for i in 0..n-1
			long n = ITEMS;
			assertThat(this.sum.total()).as("sum of squares in run %d", run).isEqualTo((n - 1) * n * (2 * n - 1) / 6);
			assertThat(this.sum.maxAhead()).as("most items pulled ahead of the last step in run %d", run)
				.isPositive()
				.isLessThanOrEqualTo(IN_FLIGHT_BOUND);
			assertThat(this.numbers.state()).isEqualTo(PipelineState.COMPLETED);
			assertThat(this.numbers.isRunning()).isFalse();
		}
		assertNoWorkerThreadsLeft();
	}

	@Test
	void secondConcurrentRunIsRefusedAndTheFirstOneFinishes() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		BlockingSource source = new BlockingSource(1_000, 100, release);
		AtomicReference<PipelineResult> firstResult = new AtomicReference<>();
		AtomicReference<Throwable> firstFailure = new AtomicReference<>();
		CountDownLatch firstDone = new CountDownLatch(1);
		Thread first = new Thread(() -> {
			try {
				firstResult.set(this.numbers.run(source));
			}
			catch (Throwable ex) {
				firstFailure.set(ex);
			}
			finally {
				firstDone.countDown();
			}
		}, "first-run");
		first.setDaemon(true);
		first.start();
		assertThat(source.awaitBlocked(30, TimeUnit.SECONDS)).as("first run pulled up to the gate").isTrue();
		assertThat(this.numbers.isRunning()).isTrue();

		assertThatIllegalStateException().isThrownBy(() -> this.numbers.run(List.of(1, 2, 3)))
			.withMessageContaining("already running");
		assertThatIllegalStateException().isThrownBy(() -> this.numbers.run(new CountingSource(10)))
			.withMessageContaining("already running");

		release.countDown();
		assertThat(firstDone.await(30, TimeUnit.SECONDS)).as("first run ended").isTrue();
		assertThat(firstFailure.get()).isNull();
		assertThat(firstResult.get().state()).isEqualTo(PipelineState.COMPLETED);
		assertThat(firstResult.get().in()).isEqualTo(1_000);
		assertThat(firstResult.get().completed()).isEqualTo(1_000);
		long n = 1_000;
		assertThat(this.sum.total()).isEqualTo((n - 1) * n * (2 * n - 1) / 6);
		// the refused runs did not disturb it, and it can run again
		this.sum.reset();
		PipelineResult again = this.numbers.run(List.of(1, 2, 3));
		assertThat(again.completed()).isEqualTo(3);
		assertThat(this.sum.total()).isEqualTo(14);
	}

	@Test
	void failureUnderTheDefaultFailPolicyThrowsAndThePipelineCanRunAgain() {
		CountingSource source = new CountingSource(ITEMS, 5_000);
		assertThatExceptionOfType(PipelineFailedException.class).isThrownBy(() -> this.numbers.run(source))
			.satisfies((ex) -> {
				assertThat(ex.getPipeline()).isEqualTo("numbers");
				assertThat(ex.getStep()).isEqualTo("square");
				assertThat(ex.getItemSummary()).isEqualTo("-5000");
				assertThat(ex.getCause()).isInstanceOf(IllegalArgumentException.class)
					.hasMessageContaining("negative: -5000");
			});
		assertThat(this.numbers.state()).isEqualTo(PipelineState.FAILED);
		assertThat(this.numbers.isRunning()).isFalse();
		// the run stopped pulling once it failed
		assertThat(source.pulls()).isLessThan(ITEMS);
		assertThat(this.sum.count()).isLessThan(ITEMS);
		assertThat(this.numbers.snapshot().in())
			.isEqualTo(this.numbers.snapshot().completed() + this.numbers.snapshot().dropped()
					+ this.numbers.snapshot().deadLettered() + this.numbers.snapshot().abandoned());
		assertThat(this.numbers.snapshot().abandoned()).isPositive();
		assertThat(this.numbers.snapshot().deadLettered()).isZero();

		this.sum.reset();
		CountingSource clean = new CountingSource(ITEMS);
		PipelineResult result = this.numbers.run(clean);
		assertThat(result.state()).isEqualTo(PipelineState.COMPLETED);
		assertThat(result.in()).isEqualTo(ITEMS);
		assertThat(result.completed()).isEqualTo(ITEMS);
		assertThat(result.abandoned()).isZero();
		long n = ITEMS;
		assertThat(this.sum.total()).isEqualTo((n - 1) * n * (2 * n - 1) / 6);
		assertNoWorkerThreadsLeft();
	}

	/**
	 * Workers, the source thread and the progress thread (default interval) end with each
	 * run.
	 */
	private static void assertNoWorkerThreadsLeft() {
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(
					Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName))
				.noneMatch((name) -> name.startsWith("paipa-numbers-")));
	}

	/**
	 * 0, 1, 2, ... up to a size, counting pulls; an optional position yields its
	 * negative.
	 */
	static class CountingSource implements Iterator<Integer> {

		private final int size;

		private final int poisonAt;

		private final AtomicInteger pulls = new AtomicInteger();

		CountingSource(int size) {
			this(size, -1);
		}

		CountingSource(int size, int poisonAt) {
			this.size = size;
			this.poisonAt = poisonAt;
		}

		@Override
		public boolean hasNext() {
			return this.pulls.get() < this.size;
		}

		@Override
		public Integer next() {
			int i = this.pulls.get();
			if (i >= this.size) {
				throw new NoSuchElementException();
			}
			this.pulls.incrementAndGet();
			return (i == this.poisonAt) ? -i : i;
		}

		int pulls() {
			return this.pulls.get();
		}

	}

	/** A source that blocks before item {@code gateAt} until released. */
	static class BlockingSource extends CountingSource {

		private final int gateAt;

		private final CountDownLatch release;

		private final CountDownLatch blocked = new CountDownLatch(1);

		BlockingSource(int size, int gateAt, CountDownLatch release) {
			super(size);
			this.gateAt = gateAt;
			this.release = release;
		}

		@Override
		public boolean hasNext() {
			if (pulls() == this.gateAt) {
				this.blocked.countDown();
				try {
					if (!this.release.await(60, TimeUnit.SECONDS)) {
						throw new IllegalStateException("never released");
					}
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					throw new IllegalStateException(ex);
				}
			}
			return super.hasNext();
		}

		boolean awaitBlocked(long timeout, TimeUnit unit) throws InterruptedException {
			return this.blocked.await(timeout, unit);
		}

	}

	/** Squares an item; fails on negative ones. */
	static class Square implements StepHandler<Integer, Long> {

		@Override
		public Long process(Integer item) {
			if (item < 0) {
				throw new IllegalArgumentException("negative: " + item);
			}
			return (long) item * item;
		}

	}

	/**
	 * Adds up what arrives, and records how far the source was pulled ahead of the items
	 * this step has finished.
	 */
	static class Sum implements StepHandler<Long, Long> {

		private final LongAdder total = new LongAdder();

		private final AtomicLong count = new AtomicLong();

		private final AtomicLong maxAhead = new AtomicLong();

		private volatile CountingSource watched;

		@Override
		public Long process(Long item) {
			CountingSource source = this.watched;
			if (source != null) {
				// pulls first, then this step's own count (it alone changes it): never
				// overstated
				long ahead = source.pulls() - this.count.get();
				this.maxAhead.accumulateAndGet(ahead, Math::max);
			}
			this.total.add(item);
			this.count.incrementAndGet();
			return item;
		}

		void watch(CountingSource source) {
			this.watched = source;
		}

		void reset() {
			this.total.reset();
			this.count.set(0);
			this.maxAhead.set(0);
			this.watched = null;
		}

		long total() {
			return this.total.sum();
		}

		long count() {
			return this.count.get();
		}

		long maxAhead() {
			return this.maxAhead.get();
		}

	}

	/**
	 * Records the pipeline's state when the context has refreshed (lifecycle beans
	 * started).
	 */
	static class StateAtStartup implements ApplicationListener<ContextRefreshedEvent> {

		private final Pipeline<?> pipeline;

		private volatile PipelineState state;

		StateAtStartup(Pipeline<?> pipeline) {
			this.pipeline = pipeline;
		}

		@Override
		public void onApplicationEvent(ContextRefreshedEvent event) {
			if (this.state == null) {
				this.state = this.pipeline.state();
			}
		}

		PipelineState state() {
			return this.state;
		}

	}

	@SpringBootConfiguration
	@EnablePaipaPipeline
	static class Config {

		@Bean
		Square square() {
			return new Square();
		}

		@Bean
		Sum sum() {
			return new Sum();
		}

		@Bean
		StateAtStartup stateAtStartup(Pipeline<Integer> numbers) {
			return new StateAtStartup(numbers);
		}

	}

}
