package io.paipa.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The context of the thread that puts an item, carried to the workers: every step's
 * handler sees it, a fan-out's outputs and a chunk keep it, a failing handler's
 * observation is told the error, the worker's own context comes back after each call, and
 * items without a context are observed only when sampled.
 */
@Timeout(60)
class ContextPropagationTests {

	@RegisterExtension
	final StartedPipelines pipelines = new StartedPipelines();

	/** A context in a thread-local, as a trace or the MDC is. */
	static final ThreadLocal<String> CURRENT = new ThreadLocal<>();

	/** Restores {@link #CURRENT} and records every call it observes. */
	static final class ThreadLocalPropagation implements ContextPropagation {

		final List<String> opened = new CopyOnWriteArrayList<>();

		final List<String> failures = new CopyOnWriteArrayList<>();

		final AtomicInteger open = new AtomicInteger();

		@Override
		public Object capture() {
			return CURRENT.get();
		}

		@Override
		public Scope open(String pipeline, String step, Object context) {
			String previous = CURRENT.get();
			CURRENT.set((String) context);
			this.opened.add(pipeline + "/" + step + "/" + context);
			this.open.incrementAndGet();
			return new Scope() {
				@Override
				public void failed(Throwable error) {
					ThreadLocalPropagation.this.failures.add(step + ": " + error.getMessage());
				}

				@Override
				public void close() {
					ThreadLocalPropagation.this.open.decrementAndGet();
					CURRENT.set(previous);
				}
			};
		}

	}

	private final ThreadLocalPropagation propagation = new ThreadLocalPropagation();

	/** What each step's handler saw in {@link #CURRENT}, by the item it handled. */
	private final Map<String, String> seen = new ConcurrentHashMap<>();

	private <T> T saw(String step, T item) {
		String context = CURRENT.get();
		this.seen.put(step + ":" + item, String.valueOf(context));
		return item;
	}

	@Test
	void everyStepSeesTheContextOfThePutThroughFanOutAndChunks() throws Exception {
		CountDownLatch done = new CountDownLatch(8);
		Pipeline<String> pipeline = this.pipelines.start(Pipeline.<String>builder("traced")
			.contextPropagation(this.propagation)
			.step("upper", (String item) -> saw("upper", item.toUpperCase()), (spec) -> spec.workers(2))
			.fanOut("twice", (String item, Emitter<String> out) -> {
				saw("twice", item);
				out.emit(item + "1");
				out.emit(item + "2");
			}, (spec) -> spec.workers(2))
			.stream("chunk", Steps.<String>chunk(2))
			.step("store", (List<String> chunk) -> saw("store", chunk), (spec) -> spec.workers(2))
			.build());
		for (String trace : List.of("t1", "t2", "t3", "t4")) {
			CURRENT.set(trace);
			try {
				pipeline.input().put(trace, done::countDown);
				// the same item again, without a callback: carried for its context alone
				pipeline.input().put(trace + "b");
				done.countDown();
			}
			finally {
				CURRENT.remove();
			}
		}
		assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
		PipelineResult result = pipeline.stop(Duration.ofSeconds(30));
		assertThat(result.in()).isEqualTo(8);
		assertThat(result.completed()).isEqualTo(8);
		for (String trace : List.of("t1", "t2", "t3", "t4")) {
			String upper = trace.toUpperCase();
			assertThat(this.seen).containsEntry("upper:" + upper, trace)
				.containsEntry("upper:" + upper + "B", trace)
				.containsEntry("twice:" + upper, trace)
				.containsEntry("twice:" + upper + "B", trace);
		}
		// a chunk carries its first member's context
		List<String> chunks = new ArrayList<>();
		this.seen.forEach((key, context) -> {
			if (key.startsWith("store:")) {
				chunks.add(key);
				String first = key.substring("store:[".length(), "store:[".length() + 2).toLowerCase();
				assertThat(context).as(key).isEqualTo(first);
			}
		});
		assertThat(chunks).hasSize(8);
		assertThat(this.propagation.open).as("every scope was closed").hasValue(0);
		assertThat(CURRENT.get()).isNull();
	}

	@Test
	void aFailingHandlersObservationIsToldTheErrorAndTheItemStillEndsOnce() throws Exception {
		CountDownLatch settled = new CountDownLatch(1);
		List<DeadLetter> letters = new CopyOnWriteArrayList<>();
		Pipeline<String> pipeline = this.pipelines.start(Pipeline.<String>builder("failing")
			.contextPropagation(this.propagation)
			.deadLetterHandler(letters::add)
			.step("check", (String item) -> {
				throw new IllegalStateException("bad " + item + " in " + CURRENT.get());
			})
			.build());
		CURRENT.set("trace-9");
		try {
			pipeline.input().put("x", settled::countDown);
		}
		finally {
			CURRENT.remove();
		}
		assertThat(settled.await(30, TimeUnit.SECONDS)).isTrue();
		assertThat(this.propagation.failures).containsExactly("check: bad x in trace-9");
		assertThat(letters).singleElement().satisfies((letter) -> assertThat(letter.item()).isEqualTo("x"));
		PipelineResult result = pipeline.stop(Duration.ofSeconds(30));
		assertThat(result.deadLettered()).isEqualTo(1);
		assertThat(this.propagation.open).hasValue(0);
	}

	@Test
	void itemsWithoutAContextAreObservedOnlyWhenSampled() {
		int n = 5_000;
		List<Integer> items = new ArrayList<>();
		for (int i = 0; i < n; i++) {
			items.add(i);
		}
		AtomicInteger handled = new AtomicInteger();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("untraced")
			.contextPropagation(this.propagation)
			.step("count", (Integer item) -> {
				handled.incrementAndGet();
				return item;
			})
			.build();
		PipelineResult result = pipeline.run(items);
		assertThat(result.completed()).isEqualTo(n);
		assertThat(handled).hasValue(n);
		assertThat(this.propagation.opened).isNotEmpty()
			.hasSizeLessThan(n)
			.allSatisfy((call) -> assertThat(call).isEqualTo("untraced/count/null"));
		assertThat(this.propagation.open).hasValue(0);
	}

	@Test
	void anItemCarriedForItsContextAloneIsDeadLetteredNotLeftToASourceAtAStop() throws Exception {
		CountDownLatch blocked = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		List<DeadLetter> letters = new CopyOnWriteArrayList<>();
		Pipeline<String> pipeline = this.pipelines.start(Pipeline.<String>builder("redelivering")
			.contextPropagation(this.propagation)
			.redeliverTrackedAtStop()
			.deadLetterHandler(letters::add)
			.step("slow", (String item) -> {
				blocked.countDown();
				release.await();
				return item;
			}, (spec) -> spec.workers(1).queueCapacity(4))
			.build());
		CURRENT.set("trace-1");
		try {
			pipeline.input().put("first");
			pipeline.input().put("second");
		}
		finally {
			CURRENT.remove();
		}
		assertThat(blocked.await(30, TimeUnit.SECONDS)).isTrue();
		PipelineResult result = pipeline.stop(Duration.ZERO);
		release.countDown();
		assertThat(result.abandoned()).isZero();
		assertThat(result.in()).isEqualTo(result.completed() + result.deadLettered());
		assertThat(letters).extracting(DeadLetter::item).contains("second");
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(this.propagation.open).hasValue(0));
	}

}
