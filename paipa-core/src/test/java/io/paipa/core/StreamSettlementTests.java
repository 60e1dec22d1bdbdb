package io.paipa.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/**
 * When the items of a stream step settle: only once the handler is done with them and
 * every output emitted while it held them has settled; and which of them a failure
 * dead-letters.
 */
@Timeout(60)
class StreamSettlementTests {

	private static final Duration AWAIT = Duration.ofSeconds(20);

	@RegisterExtension
	final StartedPipelines pipelines = new StartedPipelines();

	private final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();

	private <I> Pipeline<I> start(Pipeline<I> pipeline) {
		return this.pipelines.start(pipeline);
	}

	/**
	 * A handler that emits each item only once it took the next, and says when it is
	 * done.
	 */
	private static void lagOne(StepInput<Integer> in, Emitter<Integer> out) {
		Integer held = null;
		while (in.hasNext()) {
			Integer x = in.next();
			if (held != null) {
				out.emit(held);
				in.done(held);
			}
			held = x;
		}
		if (held != null) {
			out.emit(held);
			in.done(held);
		}
	}

	@Test
	void aHandlerThatSaysWhenItIsDoneGetsEachCallbackAsSoonAsItsOutputLeft() throws Exception {
		Set<Integer> leftSink = ConcurrentHashMap.newKeySet();
		Pipeline<Integer> pipeline = start(Pipeline.<Integer>builder("ss-lag-done")
			.stream("lagOne", StreamSettlementTests::lagOne)
			.step("sink", (Integer x) -> {
				leftSink.add(x);
				return x;
			})
			.build());
		int n = 500;
		AtomicInteger fired = new AtomicInteger();
		for (int i = 0; i < n; i++) {
			int item = i;
			pipeline.input().put(item, () -> {
				if (!leftSink.contains(item)) {
					this.problems.add("callback of " + item + " before its output left");
				}
				fired.incrementAndGet();
			});
		}
		// every item but the one the handler still holds settles while the pipeline runs
		await().atMost(AWAIT).until(() -> fired.get() == n - 1);
		assertThat(pipeline.isRunning()).isTrue();
		PipelineResult result = pipeline.stop(Duration.ofSeconds(10));
		assertThat(fired).hasValue(n);
		assertThat(this.problems).isEmpty();
		assertThat(result.step("lagOne").processed()).isEqualTo(n);
		assertThat(result.completed()).isEqualTo(n);
	}

	@Test
	void withoutDoneAHandlersItemsSettleWhenItsCallEnds() throws Exception {
		Set<Integer> leftSink = ConcurrentHashMap.newKeySet();
		Pipeline<Integer> pipeline = start(Pipeline.<Integer>builder("ss-lag-default")
			.stream("lagOne", (StepInput<Integer> in, Emitter<Integer> out) -> {
				Integer held = null;
				while (in.hasNext()) {
					Integer x = in.next();
					if (held != null) {
						out.emit(held);
					}
					held = x;
				}
				if (held != null) {
					out.emit(held);
				}
			})
			.step("sink", (Integer x) -> {
				leftSink.add(x);
				return x;
			})
			.build());
		AtomicInteger fired = new AtomicInteger();
		for (int i = 0; i < 50; i++) {
			pipeline.input().put(i, fired::incrementAndGet);
		}
		await().atMost(AWAIT).until(() -> leftSink.size() == 49);
		assertThat(fired).as("the step cannot tell which output an item went into: none settles early").hasValue(0);
		// a marker ends the handler's call: everything it held settles
		pipeline.input().putMarker("flush");
		await().atMost(AWAIT).until(() -> fired.get() == 50);
		assertThat(leftSink).hasSize(50);
	}

	@Test
	void aFailureDeadLettersEveryItemTheHandlerWasNotDoneWith() throws Exception {
		ConcurrentLinkedQueue<Object> deadLettered = new ConcurrentLinkedQueue<>();
		Set<Integer> reached = ConcurrentHashMap.newKeySet();
		Pipeline<Integer> pipeline = start(Pipeline.<Integer>builder("ss-explicit-failure")
			.stream("pairs", (StepInput<Integer> in, Emitter<List<Integer>> out) -> {
				List<Integer> pair = new ArrayList<>();
				while (in.hasNext()) {
					Integer x = in.next();
					pair.add(x);
					if (pair.size() == 2) {
						out.emit(pair);
						if (pair.contains(5)) {
							// emitted, but fails before it says it is done: 4 and 5 are
							// dead-lettered
							throw new IllegalStateException("no 5");
						}
						pair.forEach(in::done);
						pair = new ArrayList<>();
					}
				}
				if (!pair.isEmpty()) {
					out.emit(pair);
					in.doneAll();
				}
			})
			.step("sink", (List<Integer> pair) -> {
				reached.addAll(pair);
				return pair;
			})
			.deadLetterHandler((letter) -> deadLettered.add(letter.item()))
			.build());
		Map<Integer, AtomicInteger> callbacks = new ConcurrentHashMap<>();
		for (int i = 0; i < 10; i++) {
			int item = i;
			pipeline.input()
				.put(item, () -> callbacks.computeIfAbsent(item, (k) -> new AtomicInteger()).incrementAndGet());
		}
		PipelineResult result = pipeline.stop(Duration.ofSeconds(10));
		assertThat(deadLettered).containsExactlyInAnyOrder(4, 5);
		assertThat(reached).containsExactlyInAnyOrderElementsOf(IntStream.range(0, 10).boxed().toList());
		assertThat(callbacks.keySet()).hasSize(10);
		assertThat(callbacks.values()).allSatisfy((count) -> assertThat(count).hasValue(1));
		StepStats pairs = result.step("pairs");
		assertThat(pairs.in()).isEqualTo(pairs.processed() + pairs.deadLettered()).isEqualTo(10);
		assertThat(pairs.failed()).isEqualTo(2);
	}

	@Test
	void doneWithAnItemTheHandlerDoesNotHoldIsIgnored() throws Exception {
		Pipeline<Integer> pipeline = start(Pipeline.<Integer>builder("ss-done-twice")
			.stream("echo", (StepInput<Integer> in, Emitter<Integer> out) -> {
				while (in.hasNext()) {
					Integer x = in.next();
					out.emit(x);
					in.done(x);
					in.done(x);
					in.done(Integer.valueOf(-1000));
				}
			})
			.step("sink", (Integer x) -> x)
			.build());
		Map<Integer, AtomicInteger> callbacks = new ConcurrentHashMap<>();
		for (int i = 0; i < 20; i++) {
			int item = i;
			pipeline.input()
				.put(item, () -> callbacks.computeIfAbsent(item, (k) -> new AtomicInteger()).incrementAndGet());
		}
		await().atMost(AWAIT).until(() -> callbacks.size() == 20);
		PipelineResult result = pipeline.stop(Duration.ofSeconds(10));
		assertThat(callbacks.values()).allSatisfy((count) -> assertThat(count).hasValue(1));
		assertThat(result.step("echo").processed()).isEqualTo(20);
	}

	@Test
	void aDeadLetterOfAStreamOutputNamesTheOriginsItCovers() throws Exception {
		ConcurrentLinkedQueue<DeadLetter> letters = new ConcurrentLinkedQueue<>();
		Pipeline<Integer> pipeline = start(Pipeline.<Integer>builder("ss-origins")
			.stream("batch", Steps.<Integer>chunk(3))
			.step("sink", (List<Integer> chunk) -> {
				throw new IllegalStateException("store down");
			})
			.deadLetterHandler(letters::add)
			.build());
		List<CompletionCallback> callbacks = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			CompletionCallback callback = () -> {
			};
			callbacks.add(callback);
			pipeline.input().put(i, callback);
		}
		await().atMost(AWAIT).until(() -> letters.size() == 1);
		assertThat(letters.peek().origins()).containsExactlyInAnyOrderElementsOf(callbacks);
	}

}
