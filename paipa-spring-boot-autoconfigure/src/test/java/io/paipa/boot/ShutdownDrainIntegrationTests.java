package io.paipa.boot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

import io.paipa.core.DeadLetter;
import io.paipa.core.DeadLetterHandler;
import io.paipa.core.Pipeline;
import io.paipa.core.PipelineClosedException;
import io.paipa.core.PipelineInput;
import io.paipa.core.PipelineState;
import io.paipa.core.StepContext;
import io.paipa.core.StepHandler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Closing the application context stops a continuous pipeline under load: intake stops,
 * what is in flight drains within the shutdown timeout, what cannot drain is
 * dead-lettered; nothing accepted is lost or handled twice, and no thread is left.
 */
@Timeout(120)
class ShutdownDrainIntegrationTests {

	private static final int PRODUCERS = 4;

	@Test
	void closingUnderLoadDrainsEveryAcceptedItemWithinALongShutdownTimeout() throws Exception {
		String pipeline = "drainlong";
		Set<Thread> keepAliveBefore = keepAliveThreads();
		ConfigurableApplicationContext context = run(pipeline, "60s", 1, 2);
		Set<Thread> ourKeepAlive = newKeepAliveThreads(keepAliveBefore);
		assertThat(ourKeepAlive).as("keep-alive thread of this context").hasSize(1);
		Load load = new Load(context.getBean(pipeline + "Input", PipelineInput.class));
		Recorder recorder = context.getBean(Recorder.class);
		Pipeline<?> stopped = context.getBean(pipeline, Pipeline.class);
		assertThat(stopped.state()).isEqualTo(PipelineState.RUNNING);
		load.start();
		// close while the queues are busy
		await().atMost(Duration.ofSeconds(30)).until(() -> recorder.storedCount() >= 500);
		assertThat(load.accepted()).hasSizeGreaterThan(recorder.storedCount());
		context.close();
		load.awaitEnd();

		assertThat(load.failure()).as("producer failure").isNull();
		assertThat(load.refusedAfterClose()).as("producers saw the intake close").isTrue();
		assertEachAcceptedItemSettledOnce(load, recorder);
		assertThat(recorder.deadLetters()).as("dead letters with a long shutdown timeout").isEmpty();
		assertThat(recorder.storedItems()).isEqualTo(load.accepted());
		assertThat(stopped.state()).isEqualTo(PipelineState.STOPPED);
		assertThat(stopped.snapshot().completed()).isEqualTo(load.accepted().size());
		assertThat(stopped.snapshot().in()).isEqualTo(load.accepted().size());
		assertNoThreadsLeft(pipeline, ourKeepAlive);
	}

	@Test
	void closingWithAShortShutdownTimeoutReturnsSoonAndDeadLettersWhatCannotDrain() throws Exception {
		String pipeline = "drainshort";
		Duration shutdownTimeout = Duration.ofSeconds(1);
		Set<Thread> keepAliveBefore = keepAliveThreads();
		ConfigurableApplicationContext context = run(pipeline, "1s", 50, 1);
		Set<Thread> ourKeepAlive = newKeepAliveThreads(keepAliveBefore);
		assertThat(ourKeepAlive).as("keep-alive thread of this context").hasSize(1);
		Load load = new Load(context.getBean(pipeline + "Input", PipelineInput.class));
		Recorder recorder = context.getBean(Recorder.class);
		Pipeline<?> stopped = context.getBean(pipeline, Pipeline.class);
		assertThat(stopped.state()).isEqualTo(PipelineState.RUNNING);
		load.start();
		// the slow step takes 50 ms an item: far more is queued than 1 s can drain
		await().atMost(Duration.ofSeconds(30)).until(() -> load.accepted().size() >= 300);
		long closeStarted = System.nanoTime();
		context.close();
		Duration closeTook = Duration.ofNanos(System.nanoTime() - closeStarted);
		load.awaitEnd();

		assertThat(closeTook).as("close did not hang").isLessThan(shutdownTimeout.plusSeconds(9));
		assertThat(load.failure()).as("producer failure").isNull();
		assertThat(load.refusedAfterClose()).as("producers saw the intake close").isTrue();
		assertEachAcceptedItemSettledOnce(load, recorder);
		assertThat(recorder.deadLetters()).as("leftovers dead-lettered").isNotEmpty();
		for (DeadLetter letter : recorder.deadLetters()) {
			assertThat(letter.pipeline()).isEqualTo(pipeline);
			assertThat(letter.step()).isIn("intake", "slow", "store");
			assertThat(letter.cause()).as("cause of %s", letter).isInstanceOf(PipelineClosedException.class);
			// only an item in a worker's hands at the cut-off reached its handler (once)
			assertThat(letter.attempts()).as("attempts of %s", letter).isLessThanOrEqualTo(1);
		}
		assertThat(stopped.state()).isEqualTo(PipelineState.STOPPED);
		assertThat(stopped.snapshot().in()).isEqualTo(load.accepted().size());
		assertThat(stopped.snapshot().completed()).isEqualTo(recorder.storedCount());
		assertThat(stopped.snapshot().deadLettered()).isEqualTo(recorder.deadLetters().size());
		assertThat(stopped.snapshot().abandoned()).isZero();
		assertNoThreadsLeft(pipeline, ourKeepAlive);
	}

	private static ConfigurableApplicationContext run(String pipeline, String shutdownTimeout, int delayMillis,
			int slowWorkers) {
		String prefix = "paipa.pipelines." + pipeline;
		return new SpringApplicationBuilder(Config.class).web(WebApplicationType.NONE)
			.properties(prefix + ".definition=intake|slow|store", prefix + ".input-capacity=512",
					prefix + ".queue-capacity=32", prefix + ".shutdown-timeout=" + shutdownTimeout,
					// the progress thread runs too, and must end with the rest
					prefix + ".progress-interval=200ms", prefix + ".steps.slow.workers=" + slowWorkers,
					prefix + ".steps.slow.options.delay=" + delayMillis)
			.run();
	}

	/** Every accepted item was stored or dead-lettered, once; nothing else arrived. */
	private static void assertEachAcceptedItemSettledOnce(Load load, Recorder recorder) {
		Set<Long> accepted = load.accepted();
		assertThat(recorder.duplicates()).as("items stored or dead-lettered more than once").isEmpty();
		Set<Long> stored = recorder.storedItems();
		Set<Long> deadLettered = recorder.deadLetteredItems();
		Set<Long> both = new HashSet<>(stored);
		both.retainAll(deadLettered);
		assertThat(both).as("items both stored and dead-lettered").isEmpty();
		Set<Long> settled = new HashSet<>(stored);
		settled.addAll(deadLettered);
		Set<Long> lost = new HashSet<>(accepted);
		lost.removeAll(settled);
		assertThat(lost).as("accepted items neither stored nor dead-lettered").isEmpty();
		Set<Long> unknown = new HashSet<>(settled);
		unknown.removeAll(accepted);
		assertThat(unknown).as("settled items never accepted").isEmpty();
		assertThat(accepted.size()).isEqualTo(stored.size() + deadLettered.size());
	}

	private static void assertNoThreadsLeft(String pipeline, Set<Thread> keepAlive) {
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			assertThat(Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName))
				.as("threads of pipeline '%s'", pipeline)
				.noneMatch((name) -> name.startsWith("paipa-" + pipeline + "-"));
			assertThat(keepAlive).as("keep-alive thread").noneMatch(Thread::isAlive);
		});
	}

	private static Set<Thread> keepAliveThreads() {
		Set<Thread> threads = new HashSet<>();
		for (Thread thread : Thread.getAllStackTraces().keySet()) {
			if (thread.getName().equals("paipa-keep-alive") && thread.isAlive()) {
				threads.add(thread);
			}
		}
		return threads;
	}

	/**
	 * The keep-alive threads started since {@code before}: other test contexts may have
	 * their own.
	 */
	private static Set<Thread> newKeepAliveThreads(Set<Thread> before) {
		Set<Thread> threads = keepAliveThreads();
		threads.removeAll(before);
		return threads;
	}

	/**
	 * Producers that put unique items as fast as the pipeline takes them until it refuses
	 * them; an item counts as accepted once put returned.
	 */
	static final class Load {

		private final PipelineInput<Long> input;

		private final Set<Long> accepted = ConcurrentHashMap.newKeySet();

		private final CountDownLatch ended = new CountDownLatch(PRODUCERS);

		private final AtomicBoolean refused = new AtomicBoolean();

		private final AtomicReference<Throwable> failure = new AtomicReference<>();

		private final List<Thread> threads = new ArrayList<>();

		@SuppressWarnings("unchecked")
		Load(PipelineInput<?> input) {
			this.input = (PipelineInput<Long>) input;
		}

		void start() {
			for (int p = 0; p < PRODUCERS; p++) {
				long base = p * 1_000_000_000L;
				Thread thread = new Thread(() -> produce(base), "drain-producer-" + p);
				thread.setDaemon(true);
				this.threads.add(thread);
				thread.start();
			}
		}

		private void produce(long base) {
			try {
				for (long i = 0;; i++) {
					Long item = base + i;
					try {
						this.input.put(item);
					}
					catch (PipelineClosedException ex) {
						// not accepted: the pipeline stopped taking items
						this.refused.set(true);
						return;
					}
					this.accepted.add(item);
				}
			}
			catch (Throwable ex) {
				this.failure.compareAndSet(null, ex);
			}
			finally {
				this.ended.countDown();
			}
		}

		void awaitEnd() throws InterruptedException {
			assertThat(this.ended.await(30, TimeUnit.SECONDS)).as("producers ended after close").isTrue();
		}

		Set<Long> accepted() {
			return this.accepted;
		}

		boolean refusedAfterClose() {
			return this.refused.get();
		}

		Throwable failure() {
			return this.failure.get();
		}

	}

	/** Collects what the last step stored and what was dead-lettered. */
	static class Recorder implements DeadLetterHandler {

		private final Map<Long, AtomicInteger> stored = new ConcurrentHashMap<>();

		private final Map<Long, AtomicInteger> deadLettered = new ConcurrentHashMap<>();

		private final List<DeadLetter> letters = new CopyOnWriteArrayList<>();

		private final Set<Long> duplicates = ConcurrentHashMap.newKeySet();

		private final AtomicInteger storedCount = new AtomicInteger();

		void store(Long item) {
			if (this.stored.computeIfAbsent(item, (key) -> new AtomicInteger()).incrementAndGet() > 1
					|| this.deadLettered.containsKey(item)) {
				this.duplicates.add(item);
			}
			this.storedCount.incrementAndGet();
		}

		@Override
		public void handle(DeadLetter letter) {
			this.letters.add(letter);
			Long item = ((Number) letter.item()).longValue();
			if (this.deadLettered.computeIfAbsent(item, (key) -> new AtomicInteger()).incrementAndGet() > 1
					|| this.stored.containsKey(item)) {
				this.duplicates.add(item);
			}
		}

		int storedCount() {
			return this.storedCount.get();
		}

		Set<Long> storedItems() {
			return new HashSet<>(this.stored.keySet());
		}

		Set<Long> deadLetteredItems() {
			return new HashSet<>(this.deadLettered.keySet());
		}

		List<DeadLetter> deadLetters() {
			return this.letters;
		}

		Set<Long> duplicates() {
			return this.duplicates;
		}

	}

	/** Simulates work that takes the step option {@code delay} (milliseconds). */
	static class SlowStep implements StepHandler<Long, Long> {

		private volatile long delayNanos;

		@Override
		public void open(StepContext context) {
			this.delayNanos = TimeUnit.MILLISECONDS
				.toNanos(Long.parseLong(String.valueOf(context.options().get("delay"))));
		}

		@Override
		public Long process(Long item) throws InterruptedException {
			TimeUnit.NANOSECONDS.sleep(this.delayNanos);
			return item;
		}

	}

	@SpringBootConfiguration
	@EnablePaipaPipeline
	static class Config {

		@Bean
		StepHandler<Long, Long> intake() {
			return (item) -> item;
		}

		@Bean
		SlowStep slow() {
			return new SlowStep();
		}

		@Bean
		StepHandler<Long, Long> store(Recorder recorder) {
			return (item) -> {
				recorder.store(item);
				return item;
			};
		}

		@Bean
		Recorder recorder() {
			return new Recorder();
		}

	}

}
