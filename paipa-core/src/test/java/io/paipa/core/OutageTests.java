package io.paipa.core;

import static io.paipa.core.TestThreads.assertNoThreadsLeft;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/**
 * Downstream faults: a dependency down for a while and then back, a dead-letter handler
 * that cannot take its letters, one bad member in a chunk, a few huge items.
 */
@Timeout(60)
class OutageTests {

	private static final Duration AWAIT = Duration.ofSeconds(20);

	private static final OutagePolicy FAST = OutagePolicy.afterFailures(3)
		.withBackoff(Duration.ofMillis(5), Duration.ofMillis(20));

	@RegisterExtension
	final StartedPipelines pipelines = new StartedPipelines();

	private <I> Pipeline<I> start(Pipeline<I> pipeline) {
		return this.pipelines.start(pipeline);
	}

	/** Records outage events. */
	static final class Events implements PipelineListener {

		final List<String> events = new CopyOnWriteArrayList<>();

		@Override
		public void outageStarted(String pipeline, String step, Throwable cause) {
			this.events.add("started " + step + ": " + cause.getMessage());
		}

		@Override
		public void outageEnded(String pipeline, String step, Duration lasted) {
			this.events.add("ended " + step);
		}

	}

	@Test
	void aDependencyDownForAWhileHoldsTheStepAndTheInputThenEverythingResumes() throws Exception {
		AtomicBoolean down = new AtomicBoolean(true);
		Set<Integer> stored = ConcurrentHashMap.newKeySet();
		ConcurrentLinkedQueue<Object> deadLettered = new ConcurrentLinkedQueue<>();
		Events events = new Events();
		Pipeline<Integer> pipeline = start(Pipeline.<Integer>builder("out-db").step("store", (Integer x) -> {
			if (down.get()) {
				throw new IllegalStateException("database down");
			}
			stored.add(x);
			return x;
		}, (s) -> s.outage(FAST))
			.deadLetterHandler((letter) -> deadLettered.add(letter.item()))
			.listener(events)
			.build());
		Map<Integer, AtomicInteger> callbacks = new ConcurrentHashMap<>();
		List<Integer> accepted = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			int item = i;
			pipeline.input()
				.put(item, () -> callbacks.computeIfAbsent(item, (k) -> new AtomicInteger()).incrementAndGet());
			accepted.add(item);
		}
		await().atMost(AWAIT).until(() -> pipeline.snapshot().step("store").inOutage());
		StepSnapshot step = pipeline.snapshot().step("store");
		assertThat(step.outageError()).contains("database down");
		assertThat(step.outageSince()).isNotNull();
		// the first two failures were taken for bad items; the third made it an outage
		assertThat(deadLettered).containsExactlyInAnyOrder(0, 1);
		assertThat(pipeline.input().offer(100, Duration.ofMillis(100))).as("the input takes nothing").isFalse();
		assertThat(events.events).singleElement().asString().startsWith("started store");

		down.set(false);
		await().atMost(AWAIT).until(() -> !pipeline.snapshot().step("store").inOutage());
		assertThat(pipeline.input().offer(3, Duration.ofSeconds(5))).isTrue();
		accepted.add(3);
		PipelineResult result = pipeline.stop(Duration.ofSeconds(10));
		assertThat(stored).containsExactlyInAnyOrder(2, 3);
		assertThat(result.in()).isEqualTo(accepted.size());
		assertThat(result.in()).isEqualTo(result.completed() + result.deadLettered());
		assertThat(events.events).containsExactly(events.events.get(0), "ended store");
		assertThat(callbacks.keySet()).containsExactlyInAnyOrder(0, 1, 2);
		assertThat(callbacks.values()).allSatisfy((count) -> assertThat(count).hasValue(1));
	}

	@Test
	void anItemThatFailsWhileItsStepOtherwiseSucceedsIsDeadLettered() throws Exception {
		ConcurrentLinkedQueue<Object> deadLettered = new ConcurrentLinkedQueue<>();
		Set<Integer> stored = ConcurrentHashMap.newKeySet();
		CountDownLatch otherInHand = new CountDownLatch(1);
		Events events = new Events();
		// a single failure is taken for an outage here, but the other worker's success
		// ends it:
		// item 7 fails only once item 8 is in the other worker's hands, and item 8 goes
		// through
		// only once the outage began
		Pipeline<Integer> pipeline = start(Pipeline.<Integer>builder("out-poison").step("store", (Integer x) -> {
			if (x == 7) {
				assertThat(otherInHand.await(20, TimeUnit.SECONDS)).isTrue();
				throw new IllegalArgumentException("bad item 7");
			}
			if (x == 8) {
				otherInHand.countDown();
				await().atMost(AWAIT).until(() -> events.events.stream().anyMatch((e) -> e.startsWith("started")));
			}
			stored.add(x);
			return x;
		}, (s) -> s.workers(2)
			.outage(OutagePolicy.afterFailures(1).withBackoff(Duration.ofMillis(5), Duration.ofMillis(20))))
			.deadLetterHandler((letter) -> deadLettered.add(letter.item()))
			.listener(events)
			.build());
		pipeline.input().put(7);
		pipeline.input().put(8);
		for (int i = 0; i < 200; i++) {
			if (i != 7 && i != 8) {
				pipeline.input().put(i);
			}
		}
		PipelineResult result = pipeline.stop(Duration.ofSeconds(20));
		assertThat(deadLettered).containsExactly(7);
		assertThat(stored).hasSize(199);
		assertThat(events.events).contains("started store: bad item 7", "ended store");
		assertThat(result.in()).isEqualTo(result.completed() + result.deadLettered());
	}

	@Test
	void aStopDuringAnOutageReturnsInTimeAndDeadLettersTheHeldItem() throws Exception {
		String name = "out-stop";
		ConcurrentLinkedQueue<DeadLetter> letters = new ConcurrentLinkedQueue<>();
		Pipeline<Integer> pipeline = start(Pipeline.<Integer>builder(name).step("store", (Integer x) -> {
			throw new IllegalStateException("database down");
		}, (s) -> s.outage(OutagePolicy.afterFailures(1).withBackoff(Duration.ofMillis(50), Duration.ofSeconds(30))))
			.deadLetterHandler(letters::add)
			.build());
		pipeline.input().put(1);
		await().atMost(AWAIT).until(() -> pipeline.snapshot().step("store").inOutage());
		long begin = System.nanoTime();
		PipelineResult result = pipeline.stop(Duration.ofMillis(200));
		assertThat(Duration.ofNanos(System.nanoTime() - begin)).isLessThan(Duration.ofSeconds(10));
		assertThat(letters).singleElement().satisfies((letter) -> {
			assertThat(letter.item()).isEqualTo(1);
			assertThat(letter.cause()).isInstanceOf(PipelineClosedException.class).hasMessageContaining("store");
			assertThat(letter.attempts()).isPositive();
		});
		assertThat(result.deadLettered()).isOne();
		assertNoThreadsLeft(name);
	}

	@Test
	void anOutageLongerThanItsLimitFailsTheRun() {
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("out-give-up").step("store", (Integer x) -> {
			throw new IllegalStateException("database down");
		}, (s) -> s.outage(FAST.withGiveUpAfter(Duration.ofMillis(200)))).onError(ErrorPolicy.SKIP).build();
		assertThatExceptionOfType(PipelineFailedException.class)
			.isThrownBy(() -> pipeline.run(IntStream.range(0, 100).boxed().toList()))
			.withMessageContaining("outage lasted longer than PT0.2S")
			.satisfies((ex) -> assertThat(ex.getStep()).isEqualTo("store"));
	}

	@Test
	void aDeadLetterHandlerThatFailsIsAnOutageUntilItTakesTheLetter() throws Exception {
		AtomicBoolean storeDown = new AtomicBoolean(true);
		ConcurrentLinkedQueue<Object> taken = new ConcurrentLinkedQueue<>();
		Pipeline<Integer> pipeline = start(Pipeline.<Integer>builder("out-dead-letters").step("parse", (Integer x) -> {
			if (x % 2 == 0) {
				throw new IllegalArgumentException("odd numbers only");
			}
			return x;
		})
			.outage(OutagePolicy.off().withBackoff(Duration.ofMillis(5), Duration.ofMillis(20)))
			.deadLetterHandler((letter) -> {
				if (storeDown.get()) {
					throw new IllegalStateException("dead-letter table locked");
				}
				taken.add(letter.item());
			})
			.build());
		pipeline.input().put(1);
		pipeline.input().put(2);
		await().atMost(AWAIT).until(() -> pipeline.snapshot().step("parse").inOutage());
		assertThat(pipeline.snapshot().step("parse").outageError()).contains("dead-letter handler")
			.contains("dead-letter table locked");
		assertThat(pipeline.input().offer(3, Duration.ofMillis(50))).isFalse();
		storeDown.set(false);
		await().atMost(AWAIT).until(() -> !pipeline.snapshot().step("parse").inOutage());
		assertThat(taken).containsExactly(2);
		assertThat(pipeline.stop(Duration.ofSeconds(5)).deadLettered()).isOne();
	}

	@Test
	void aDeadLetterTheHandlerNeverTakesIsLoggedInFullAtAStopAndCounted() throws Exception {
		String name = "out-dead-letters-down";
		Pipeline<Integer> pipeline = start(Pipeline.<Integer>builder(name).step("parse", (Integer x) -> {
			throw new IllegalArgumentException("no");
		}).deadLetterHandler((letter) -> {
			throw new IllegalStateException("dead-letter store gone");
		}).build());
		pipeline.input().put(1);
		await().atMost(AWAIT).until(() -> pipeline.snapshot().step("parse").inOutage());
		PipelineResult result = pipeline.stop(Duration.ofMillis(100));
		assertThat(result.deadLettered()).isOne();
		assertThat(result.in()).isOne();
		assertNoThreadsLeft(name);
	}

	@Test
	void aChunkThatFailsIsTakenApartSoOnlyItsBadMemberIsDeadLettered() throws Exception {
		List<Integer> stored = new CopyOnWriteArrayList<>();
		ConcurrentLinkedQueue<DeadLetter> letters = new ConcurrentLinkedQueue<>();
		Pipeline<Integer> pipeline = start(Pipeline.<Integer>builder("out-isolate")
			.stream("batch", Steps.<Integer>chunk(50))
			.step("store", (List<Integer> chunk) -> {
				if (chunk.contains(13)) {
					throw new IllegalArgumentException("13 does not fit the column");
				}
				stored.addAll(chunk);
				return chunk;
			}, (s) -> s.isolateFailures(true))
			.deadLetterHandler(letters::add)
			.build());
		Map<Integer, AtomicInteger> callbacks = new ConcurrentHashMap<>();
		for (int i = 0; i < 50; i++) {
			int item = i;
			pipeline.input().put(item, () -> {
				callbacks.computeIfAbsent(item, (k) -> new AtomicInteger()).incrementAndGet();
			});
		}
		await().atMost(AWAIT).until(() -> callbacks.size() == 50);
		PipelineResult result = pipeline.stop(Duration.ofSeconds(10));
		assertThat(stored).hasSize(49).doesNotContain(13);
		assertThat(letters).singleElement().satisfies((letter) -> {
			assertThat(letter.item()).isEqualTo(List.of(13));
			assertThat(letter.origins()).hasSize(1);
		});
		assertThat(callbacks.values()).allSatisfy((count) -> assertThat(count).hasValue(1));
		StepStats store = result.step("store");
		assertThat(store.in()).as("the chunk made way for its members").isEqualTo(50);
		assertThat(store.processed()).isEqualTo(49);
		assertThat(store.deadLettered()).isOne();
	}

	@Test
	void aChunkWhoseEveryMemberFailsAloneIsHeldThroughTheOutageNotDeadLettered() throws Exception {
		AtomicBoolean down = new AtomicBoolean(true);
		List<Integer> stored = new CopyOnWriteArrayList<>();
		ConcurrentLinkedQueue<DeadLetter> letters = new ConcurrentLinkedQueue<>();
		Pipeline<Integer> pipeline = start(Pipeline.<Integer>builder("out-isolate-outage")
			.stream("batch", Steps.<Integer>chunk(10))
			.step("store", (List<Integer> chunk) -> {
				if (down.get()) {
					throw new IllegalStateException("database down");
				}
				stored.addAll(chunk);
				return chunk;
			}, (s) -> s.isolateFailures(true).outage(FAST))
			.deadLetterHandler(letters::add)
			.build());
		for (int i = 0; i < 10; i++) {
			pipeline.input().put(i);
		}
		await().atMost(AWAIT).until(() -> pipeline.snapshot().step("store").inOutage());
		down.set(false);
		await().atMost(AWAIT).until(() -> stored.size() == 10);
		PipelineResult result = pipeline.stop(Duration.ofSeconds(10));
		assertThat(letters).isEmpty();
		assertThat(stored).containsExactlyInAnyOrderElementsOf(IntStream.range(0, 10).boxed().toList());
		assertThat(result.step("store").in()).isEqualTo(10);
	}

	@Test
	void theInputIsBoundedByWeight() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		Pipeline<String> pipeline = start(Pipeline.<String>builder("out-weight").step("slow", (String line) -> {
			release.await();
			return line;
		}).inputMaxWeight(100, Weigher.ofSize()).build());
		String sixty = "x".repeat(60);
		assertThat(pipeline.input().offer(sixty, Duration.ofSeconds(5))).isTrue();
		assertThat(pipeline.input().offer(sixty, Duration.ofMillis(100))).as("160 > 100").isFalse();
		assertThat(pipeline.input().offer("x".repeat(40), Duration.ofSeconds(5))).as("exactly 100").isTrue();
		release.countDown();
		// once the step is done with them, a single item heavier than the bound goes in
		// alone
		assertThat(pipeline.input().offer("y".repeat(500), Duration.ofSeconds(10))).isTrue();
		assertThat(pipeline.stop(Duration.ofSeconds(10)).completed()).isEqualTo(3);
	}

	@Test
	void runInlineHoldsThroughAnOutageLikeARun() {
		List<String> threaded = new CopyOnWriteArrayList<>();
		List<String> inline = new CopyOnWriteArrayList<>();
		flaky(threaded).run(IntStream.range(0, 20).boxed().toList());
		flaky(inline).runInline(IntStream.range(0, 20).boxed().toList());
		assertThat(inline).containsExactlyElementsOf(threaded).contains("ended store");
	}

	/** A store down for its first five calls. */
	private static Pipeline<Integer> flaky(List<String> events) {
		AtomicInteger calls = new AtomicInteger();
		return Pipeline.<Integer>builder("out-inline").step("store", (Integer x) -> {
			if (calls.incrementAndGet() <= 5) {
				throw new IllegalStateException("down");
			}
			return x;
		})
			.onError(ErrorPolicy.SKIP)
			.outage(FAST)
			.deadLetterHandler((letter) -> events.add("dead " + letter.item()))
			.listener(new PipelineListener() {

				@Override
				public void outageStarted(String pipeline, String step, Throwable cause) {
					events.add("started " + step);
				}

				@Override
				public void outageEnded(String pipeline, String step, Duration lasted) {
					events.add("ended " + step);
				}

			})
			.build();
	}

}
