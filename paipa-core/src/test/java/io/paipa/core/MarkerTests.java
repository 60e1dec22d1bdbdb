package io.paipa.core;

import static io.paipa.core.TestThreads.assertNoThreadsLeft;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/**
 * Markers: control objects that pass every step behind the items put before them, from
 * every worker, with their completion callbacks; "flush now", "end of file N" and
 * checkpoints.
 */
@Timeout(60)
class MarkerTests {

	private static final Duration AWAIT = Duration.ofSeconds(20);

	@RegisterExtension
	final StartedPipelines pipelines = new StartedPipelines();

	private <I> Pipeline<I> start(Pipeline<I> pipeline) {
		return this.pipelines.start(pipeline);
	}

	private static void jitter() throws InterruptedException {
		if (ThreadLocalRandom.current().nextInt(4) == 0) {
			Thread.sleep(0, ThreadLocalRandom.current().nextInt(200_000));
		}
	}

	@Test
	void aCheckpointCallsBackOnlyOnceEverythingPutBeforeItLeftTheLastStep() throws Exception {
		Set<Integer> stored = ConcurrentHashMap.newKeySet();
		ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
		Pipeline<Integer> pipeline = start(Pipeline.<Integer>builder("mk-checkpoint").step("parse", (Integer x) -> {
			jitter();
			return x;
		}, (s) -> s.workers(4).queueCapacity(8)).fanOut("twice", (Integer x, Emitter<Integer> out) -> {
			out.emit(x * 2);
			out.emit(x * 2 + 1);
		}, (s) -> s.workers(3))
			.stream("batch", Steps.<Integer>chunk(7), (s) -> s.workers(2))
			.step("store", (List<Integer> chunk) -> {
				jitter();
				stored.addAll(chunk);
				return chunk;
			}, (s) -> s.workers(3))
			.build());
		int checkpoints = 10;
		int perCheckpoint = 100;
		CountDownLatch passed = new CountDownLatch(checkpoints);
		AtomicInteger order = new AtomicInteger();
		for (int c = 0; c < checkpoints; c++) {
			for (int i = 0; i < perCheckpoint; i++) {
				pipeline.input().put(c * perCheckpoint + i);
			}
			int checkpoint = c;
			int upTo = (c + 1) * perCheckpoint;
			pipeline.input().putMarker("checkpoint " + c, () -> {
				for (int i = 0; i < upTo * 2; i++) {
					if (!stored.contains(i)) {
						problems.add("checkpoint " + checkpoint + " passed before " + i + " was stored");
						break;
					}
				}
				if (order.getAndIncrement() != checkpoint) {
					problems.add("checkpoint " + checkpoint + " passed out of order");
				}
				passed.countDown();
			});
		}
		assertThat(passed.await(20, TimeUnit.SECONDS)).isTrue();
		assertThat(problems).isEmpty();
		PipelineResult result = pipeline.stop(Duration.ofSeconds(10));
		assertThat(result.in()).as("markers are not items").isEqualTo(checkpoints * perCheckpoint);
		assertThat(stored).hasSize(checkpoints * perCheckpoint * 2);
	}

	@Test
	void aMarkerIsABarrierAcrossTheWorkersOfAStep() throws Exception {
		List<Object> seenByLast = new CopyOnWriteArrayList<>();
		Pipeline<Integer> pipeline = start(Pipeline.<Integer>builder("mk-barrier").step("spread", (Integer x) -> {
			jitter();
			return x;
		}, (s) -> s.workers(6).queueCapacity(4)).step("last", new StepHandler<Integer, Integer>() {

			@Override
			public Integer process(Integer x) {
				seenByLast.add(x);
				return x;
			}

			@Override
			public void onMarker(Object marker, MarkerEmitter<Integer> out) {
				seenByLast.add(marker);
				out.passOn(marker);
			}

		}, (s) -> s.workers(3)).build());
		CountDownLatch passed = new CountDownLatch(3);
		for (int m = 0; m < 3; m++) {
			for (int i = 0; i < 200; i++) {
				pipeline.input().put(m * 200 + i);
			}
			pipeline.input().putMarker("m" + m, passed::countDown);
		}
		assertThat(passed.await(20, TimeUnit.SECONDS)).isTrue();
		for (int m = 0; m < 3; m++) {
			int at = seenByLast.indexOf("m" + m);
			int upper = (m + 1) * 200;
			List<Object> before = seenByLast.subList(0, at);
			List<Object> after = seenByLast.subList(at + 1, seenByLast.size());
			assertThat(before).as("everything put before m%d reached the last step before it", m)
				.containsAll(IntStream.range(0, upper).boxed().toList());
			assertThat(after).as("nothing put before m%d came after it", m)
				.doesNotContainAnyElementsOf(IntStream.range(0, upper).boxed().toList());
			assertThat(before).as("nothing put after m%d overtook it", m)
				.noneMatch((x) -> x instanceof Integer i && i >= upper);
		}
	}

	@Test
	void aChunkEmitsItsPartialChunkAtAMarker() throws Exception {
		List<List<Integer>> chunks = new CopyOnWriteArrayList<>();
		Pipeline<Integer> pipeline = start(Pipeline.<Integer>builder("mk-flush")
			.stream("batch", Steps.<Integer>chunk(100))
			.step("store", (List<Integer> chunk) -> {
				chunks.add(chunk);
				return chunk;
			})
			.build());
		for (int i = 0; i < 5; i++) {
			pipeline.input().put(i);
		}
		CountDownLatch flushed = new CountDownLatch(1);
		pipeline.input().putMarker("flush now", flushed::countDown);
		assertThat(flushed.await(20, TimeUnit.SECONDS)).isTrue();
		assertThat(chunks).containsExactly(List.of(0, 1, 2, 3, 4));
		pipeline.input().put(5);
		PipelineResult result = pipeline.stop(Duration.ofSeconds(10));
		assertThat(chunks).containsExactly(List.of(0, 1, 2, 3, 4), List.of(5));
		assertThat(result.completed()).isEqualTo(2);
	}

	@Test
	void aStreamHandlerSeesTheEndOfItsInputAtAMarkerAndIsCalledAgain() {
		List<Object> sums = new CopyOnWriteArrayList<>();
		PipelineResult result = Pipeline.<Integer>builder("mk-stream")
			.stream("sum", (StepInput<Integer> in, Emitter<Integer> out) -> {
				int sum = 0;
				while (in.hasNext()) {
					sum += in.next();
				}
				out.emit(sum);
			})
			.step("record", (Integer sum) -> {
				sums.add(sum);
				return sum;
			})
			.build()
			.runWithMarkers(List.of(1, 2, 3, Marker.of("end of file 1"), 10, 20, Marker.of("end of file 2"), 100));
		assertThat(sums).containsExactly(6, 30, 100);
		assertThat(result.in()).isEqualTo(6);
		assertThat(result.completed()).isEqualTo(3);
	}

	@Test
	void onMarkerMayEmitItemsAndPassAnotherMarkerOn() throws Exception {
		List<Object> seen = new CopyOnWriteArrayList<>();
		Pipeline<Integer> pipeline = start(
				Pipeline.<Integer>builder("mk-hook").step("count", new StepHandler<Integer, Integer>() {

					private final AtomicInteger count = new AtomicInteger();

					@Override
					public Integer process(Integer x) {
						this.count.incrementAndGet();
						return x;
					}

					@Override
					public void onMarker(Object marker, MarkerEmitter<Integer> out) {
						out.emit(-this.count.getAndSet(0));
						out.passOn("after " + marker);
					}

				}).step("last", new StepHandler<Integer, Integer>() {

					@Override
					public Integer process(Integer x) {
						seen.add(x);
						return x;
					}

					@Override
					public void onMarker(Object marker, MarkerEmitter<Integer> out) {
						seen.add(marker);
					}

				}).build());
		pipeline.input().put(1);
		pipeline.input().put(2);
		AtomicInteger callbacks = new AtomicInteger();
		pipeline.input().putMarker("m", callbacks::incrementAndGet);
		await().atMost(AWAIT).until(() -> callbacks.get() == 1);
		assertThat(seen).containsExactly(1, 2, -2, "after m");
		PipelineResult result = pipeline.stop(Duration.ofSeconds(10));
		assertThat(result.in()).isEqualTo(2);
		assertThat(result.step("count").emitted()).as("items emitted at a marker are outputs").isEqualTo(3);
		assertThat(callbacks).hasValue(1);
	}

	@Test
	void aMarkerWhoseHookThrowsIsPassedOnAllTheSame() throws Exception {
		Pipeline<Integer> pipeline = start(
				Pipeline.<Integer>builder("mk-throws").step("bad", new StepHandler<Integer, Integer>() {

					@Override
					public Integer process(Integer x) {
						return x;
					}

					@Override
					public void onMarker(Object marker, MarkerEmitter<Integer> out) {
						throw new IllegalStateException("no markers here");
					}

				}).step("last", (Integer x) -> x).build());
		CountDownLatch passed = new CountDownLatch(1);
		pipeline.input().putMarker("m", passed::countDown);
		assertThat(passed.await(20, TimeUnit.SECONDS)).isTrue();
		assertThat(pipeline.snapshot().lastError()).contains("onMarker failed");
	}

	@Test
	void markersFromABatchSourceAndACallersQueueCallBackInOrder() throws Exception {
		List<String> events = new CopyOnWriteArrayList<>();
		Set<String> stored = ConcurrentHashMap.newKeySet();
		Pipeline<String> pipeline = Pipeline.<String>builder("mk-files")
			.step("upper", (String line) -> line.toUpperCase(), (s) -> s.workers(3))
			.step("store", (String line) -> {
				stored.add(line);
				return line;
			}, (s) -> s.workers(2))
			.build();
		Stream<Object> files = IntStream.range(0, 5)
			.boxed()
			.flatMap((file) -> Stream.concat(IntStream.range(0, 50).mapToObj((line) -> "f" + file + "-" + line),
					Stream.of(Marker.of("end of f" + file, () -> {
						boolean complete = IntStream.range(0, 50)
							.allMatch((l) -> stored.contains("F" + file + "-" + l));
						events.add("f" + file + (complete ? " stored" : " INCOMPLETE"));
					}))));
		PipelineResult result = pipeline.runWithMarkers(files);
		assertThat(events).containsExactly("f0 stored", "f1 stored", "f2 stored", "f3 stored", "f4 stored");
		assertThat(result.in()).isEqualTo(250);

		// a queue of the pipeline's items may hold markers too, where its element type
		// allows
		LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
		this.pipelines.track(pipeline);
		pipeline.start(castTo(queue));
		queue.add("a");
		CountDownLatch passed = new CountDownLatch(1);
		queue.add(Marker.of("after a", passed::countDown));
		assertThat(passed.await(20, TimeUnit.SECONDS)).isTrue();
		assertThat(stored).contains("A");
	}

	@Test
	void aMarkerAStopCannotDeliverIsDroppedWithoutItsCallback() throws Exception {
		String name = "mk-stop";
		CountDownLatch blocked = new CountDownLatch(1);
		CountDownLatch never = new CountDownLatch(1);
		Pipeline<Integer> pipeline = start(Pipeline.<Integer>builder(name).step("blocked", (Integer x) -> {
			blocked.countDown();
			never.await();
			return x;
		}).build());
		pipeline.input().put(1);
		assertThat(blocked.await(20, TimeUnit.SECONDS)).isTrue();
		AtomicInteger callbacks = new AtomicInteger();
		pipeline.input().putMarker("late", callbacks::incrementAndGet);
		PipelineResult result = pipeline.stop(Duration.ofMillis(100));
		assertThat(result.in()).isOne();
		assertThat(result.deadLettered()).isOne();
		assertThat(callbacks).hasValue(0);
		assertNoThreadsLeft(name);
	}

	@Test
	void scalingWhileAMarkerWaitsLetsItPass() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		Pipeline<Integer> pipeline = start(Pipeline.<Integer>builder("mk-scale").step("slow", (Integer x) -> {
			if (x == 0) {
				release.await();
			}
			return x;
		}, (s) -> s.workers(3)).build());
		pipeline.input().put(0);
		CountDownLatch passed = new CountDownLatch(1);
		pipeline.input().putMarker("m", passed::countDown);
		pipeline.scale("slow", 6);
		pipeline.scale("slow", 1);
		assertThat(passed.await(200, TimeUnit.MILLISECONDS)).as("the marker waits for item 0").isFalse();
		release.countDown();
		assertThat(passed.await(20, TimeUnit.SECONDS)).isTrue();
		pipeline.input().put(1);
		assertThat(pipeline.stop(Duration.ofSeconds(10)).completed()).isEqualTo(2);
	}

	@Test
	void runInlinePassesMarkersLikeARun() {
		List<Object> threaded = new CopyOnWriteArrayList<>();
		List<Object> inline = new CopyOnWriteArrayList<>();
		List<Object> source = List.of(1, 2, 3, Marker.of("m1"), 4, 5, Marker.of("m2"));
		markedChunks(threaded).runWithMarkers(source);
		markedChunks(inline).runInline(castTo(source));
		assertThat(inline).containsExactlyElementsOf(threaded)
			.containsExactly(List.of(1, 2, 3), "m1", List.of(4, 5), "m2");
	}

	@SuppressWarnings("unchecked")
	private static <T> Iterable<T> castTo(List<Object> source) {
		return (Iterable<T>) (Iterable<?>) source;
	}

	@SuppressWarnings("unchecked")
	private static <T> LinkedBlockingQueue<T> castTo(LinkedBlockingQueue<Object> queue) {
		return (LinkedBlockingQueue<T>) (LinkedBlockingQueue<?>) queue;
	}

	private static Pipeline<Integer> markedChunks(List<Object> seen) {
		return Pipeline.<Integer>builder("mk-inline")
			.stream("batch", Steps.<Integer>chunk(10))
			.step("last", new StepHandler<List<Integer>, List<Integer>>() {

				@Override
				public List<Integer> process(List<Integer> chunk) {
					seen.add(chunk);
					return chunk;
				}

				@Override
				public void onMarker(Object marker, MarkerEmitter<List<Integer>> out) {
					seen.add(marker);
				}

			})
			.build();
	}

	@Test
	void nullMarkersAreRefused() {
		Pipeline<Integer> pipeline = start(Pipeline.<Integer>builder("mk-null").step("id", (Integer x) -> x).build());
		assertThatNullPointerException().isThrownBy(() -> pipeline.input().putMarker(null));
		assertThatNullPointerException().isThrownBy(() -> Marker.of(null));
		assertThatNullPointerException().isThrownBy(() -> Marker.of("m", null));
	}

}
