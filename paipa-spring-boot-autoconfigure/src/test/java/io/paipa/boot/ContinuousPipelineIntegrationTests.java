package io.paipa.boot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.ResolvableType;

import io.paipa.core.DeadLetter;
import io.paipa.core.DeadLetterHandler;
import io.paipa.core.Pipeline;
import io.paipa.core.PipelineInput;
import io.paipa.core.PipelineSnapshot;
import io.paipa.core.PipelineState;
import io.paipa.core.StepHandler;
import io.paipa.core.StepSnapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A continuous pipeline assembled from three handler beans and {@code paipa.*}
 * properties, started by the context and fed through its injected {@link PipelineInput}.
 */
@SpringBootTest(webEnvironment = WebEnvironment.NONE,
		properties = { "paipa.pipelines.orders.definition=parse|enrich|store",
				"paipa.pipelines.orders.input-capacity=128", "paipa.pipelines.orders.queue-capacity=32",
				"paipa.pipelines.orders.progress-interval=0s", "paipa.pipelines.orders.steps.enrich.workers=4",
				"paipa.pipelines.orders.steps.enrich.queue-capacity=16" })
@Timeout(60)
class ContinuousPipelineIntegrationTests {

	private static final int PRODUCERS = 4;

	private static final int PER_PRODUCER = 500;

	@Autowired
	@Qualifier("ordersInput")
	private PipelineInput<String> inputByName;

	@Autowired
	private PipelineInput<String> inputByType;

	@Autowired
	private Pipeline<String> orders;

	@Autowired
	private RecordingStore store;

	@Autowired
	private CollectingDeadLetters deadLetters;

	@Autowired
	private ApplicationContext context;

	@BeforeEach
	void reset() {
		// the context is cached and shared by the test methods
		this.store.clear();
		this.deadLetters.clear();
	}

	@Test
	void inputIsInjectableByNameAndByGenericTypeAndBelongsToTheStartedPipeline() {
		assertThat(this.inputByName).isSameAs(this.inputByType).isSameAs(this.orders.input());
		assertThat(this.context.getBean("ordersInput")).isSameAs(this.inputByName);
		assertThat(this.context.getBean("orders")).isSameAs(this.orders);
		assertThat(this.context
			.getBeanNamesForType(ResolvableType.forClassWithGenerics(PipelineInput.class, String.class)))
			.containsExactly("ordersInput");
		assertThat(this.context.getBeanNamesForType(ResolvableType.forClassWithGenerics(Pipeline.class, String.class)))
			.containsExactly("orders");
		assertThat(this.context
			.getBeanNamesForType(ResolvableType.forClassWithGenerics(PipelineInput.class, Integer.class))).isEmpty();
		// continuous: started by the context, without being asked
		assertThat(this.orders.state()).isEqualTo(PipelineState.RUNNING);
		assertThat(this.inputByName.isAccepting()).isTrue();
		assertThat(this.orders.stepNames()).containsExactly("parse", "enrich", "store");
	}

	@Test
	void stepSettingsFromPropertiesReachTheRunningSteps() {
		PipelineSnapshot snapshot = this.orders.snapshot();
		Map<String, StepSnapshot> steps = new ConcurrentHashMap<>();
		snapshot.steps().forEach((step) -> steps.put(step.name(), step));
		assertThat(steps.get("parse").workersConfigured()).isEqualTo(1);
		assertThat(steps.get("parse").workersAlive()).isEqualTo(1);
		assertThat(steps.get("parse").queueCapacity()).isEqualTo(128);
		assertThat(steps.get("enrich").workersConfigured()).isEqualTo(4);
		assertThat(steps.get("enrich").workersAlive()).isEqualTo(4);
		assertThat(steps.get("enrich").queueCapacity()).isEqualTo(16);
		assertThat(steps.get("store").workersConfigured()).isEqualTo(1);
		assertThat(steps.get("store").queueCapacity()).isEqualTo(32);
		List<String> workerThreads = Thread.getAllStackTraces()
			.keySet()
			.stream()
			.map(Thread::getName)
			.filter((name) -> name.startsWith("paipa-orders-enrich-"))
			.sorted()
			.toList();
		assertThat(workerThreads).containsExactly("paipa-orders-enrich-0", "paipa-orders-enrich-1",
				"paipa-orders-enrich-2", "paipa-orders-enrich-3");
	}

	@Test
	void itemsPutThroughTheInjectedInputArriveAtTheLastStepExactlyOnce() throws Exception {
		long completedBefore = this.orders.snapshot().completed();
		long inBefore = this.orders.snapshot().in();
		CountDownLatch start = new CountDownLatch(1);
		CountDownLatch done = new CountDownLatch(PRODUCERS);
		AtomicReference<Throwable> producerFailure = new AtomicReference<>();
		List<Thread> producers = new ArrayList<>();
		for (int p = 0; p < PRODUCERS; p++) {
			int producer = p;
			// half the producers use the input injected by name, half the one injected by
			// type
			PipelineInput<String> input = (p % 2 == 0) ? this.inputByName : this.inputByType;
			Thread thread = new Thread(() -> {
				try {
					start.await();
					for (int i = 0; i < PER_PRODUCER; i++) {
						input.put(Integer.toString(producer * PER_PRODUCER + i));
					}
				}
				catch (Throwable ex) {
					producerFailure.compareAndSet(null, ex);
				}
				finally {
					done.countDown();
				}
			}, "orders-producer-" + p);
			thread.setDaemon(true);
			producers.add(thread);
			thread.start();
		}
		start.countDown();
		assertThat(done.await(30, TimeUnit.SECONDS)).as("producers finished").isTrue();
		assertThat(producerFailure.get()).as("producer failure").isNull();
		int total = PRODUCERS * PER_PRODUCER;
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(this.orders.snapshot().completed() - completedBefore).isEqualTo(total));
		PipelineSnapshot snapshot = this.orders.snapshot();
		assertThat(snapshot.in() - inBefore).isEqualTo(total);
		assertThat(snapshot.state()).isEqualTo(PipelineState.RUNNING);
		// every item arrived once, as parsed and enriched
		Map<Integer, AtomicInteger> arrivals = this.store.arrivals();
		assertThat(this.store.calls()).isEqualTo(total);
		assertThat(arrivals).hasSize(total);
		for (int i = 0; i < total; i++) {
			assertThat(arrivals.get(i * 10)).as("arrivals of item %d", i).isNotNull().hasValue(1);
		}
		assertThat(this.deadLetters.letters()).isEmpty();
		// nothing in flight, so every step accounts for each item it took
		for (StepSnapshot step : snapshot.steps()) {
			assertThat(step.queueDepth()).as("queue of %s", step.name()).isZero();
			assertThat(step.stats().in()).as("in of %s", step.name())
				.isEqualTo(step.stats().processed() + step.stats().dropped() + step.stats().deadLettered()
						+ step.stats().abandoned());
		}
		assertThat(snapshot.in())
			.isEqualTo(snapshot.completed() + snapshot.dropped() + snapshot.deadLettered() + snapshot.abandoned());
		for (Thread producer : producers) {
			producer.join(TimeUnit.SECONDS.toMillis(5));
			assertThat(producer.isAlive()).isFalse();
		}
	}

	@Test
	void failingItemIsDeadLetteredToTheDeadLetterHandlerBeanAndThePipelineGoesOn() throws Exception {
		long completedBefore = this.orders.snapshot().completed();
		this.inputByName.put("7");
		this.inputByName.put("not a number");
		this.inputByName.put("8");
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(this.orders.snapshot().completed() - completedBefore).isEqualTo(2));
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(this.deadLetters.letters()).hasSize(1));
		DeadLetter letter = this.deadLetters.letters().get(0);
		assertThat(letter.pipeline()).isEqualTo("orders");
		assertThat(letter.step()).isEqualTo("parse");
		assertThat(letter.item()).isEqualTo("not a number");
		assertThat(letter.cause()).isInstanceOf(NumberFormatException.class);
		assertThat(letter.attempts()).isEqualTo(1);
		assertThat(this.store.arrivals().keySet()).containsExactlyInAnyOrder(70, 80);
		assertThat(this.orders.state()).isEqualTo(PipelineState.RUNNING);
		assertThat(this.inputByType.isAccepting()).isTrue();
	}

	/** Records every item the last step receives, and how often. */
	static class RecordingStore implements StepHandler<Integer, Integer> {

		private final Map<Integer, AtomicInteger> arrivals = new ConcurrentHashMap<>();

		private final AtomicInteger calls = new AtomicInteger();

		@Override
		public Integer process(Integer item) {
			this.calls.incrementAndGet();
			this.arrivals.computeIfAbsent(item, (key) -> new AtomicInteger()).incrementAndGet();
			return item;
		}

		Map<Integer, AtomicInteger> arrivals() {
			return this.arrivals;
		}

		int calls() {
			return this.calls.get();
		}

		void clear() {
			this.arrivals.clear();
			this.calls.set(0);
		}

	}

	/** Keeps every dead letter. */
	static class CollectingDeadLetters implements DeadLetterHandler {

		private final List<DeadLetter> letters = new CopyOnWriteArrayList<>();

		@Override
		public void handle(DeadLetter letter) {
			this.letters.add(letter);
		}

		List<DeadLetter> letters() {
			return this.letters;
		}

		void clear() {
			this.letters.clear();
		}

	}

	@SpringBootConfiguration
	@EnablePaipaPipeline
	static class Config {

		@Bean
		StepHandler<String, Integer> parse() {
			return Integer::valueOf;
		}

		@Bean
		StepHandler<Integer, Integer> enrich() {
			return (item) -> {
				// simulates a little work
				Thread.sleep(1);
				return item * 10;
			};
		}

		@Bean
		RecordingStore store() {
			return new RecordingStore();
		}

		@Bean
		CollectingDeadLetters deadLetters() {
			return new CollectingDeadLetters();
		}

	}

}
