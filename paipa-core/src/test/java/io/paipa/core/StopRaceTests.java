package io.paipa.core;

import static io.paipa.core.TestThreads.assertNoThreadsLeft;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Stops that meet other things at the wrong moment: an interrupted caller, a dead-letter
 * handler that stops the pipeline while the stop is being closed out, a hand-off blocked
 * by the cut-off, a slow dead-letter handler, a marker in the caller's queue, a worker
 * dying while a marker waits.
 */
@Timeout(120)
class StopRaceTests {

	private static final Duration AWAIT = Duration.ofSeconds(20);

	private final ExecutorService executor = Executors.newCachedThreadPool();

	@AfterEach
	void shutDown() {
		this.executor.shutdownNow();
	}

	@Test
	void aStopFromAnInterruptedThreadStillStopsThePipeline() throws Exception {
		String name = "sr-interrupted";
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder(name).step("slow", (Integer x) -> {
			Thread.sleep(100);
			return x;
		}).build();
		pipeline.start();
		for (int i = 0; i < 3; i++) {
			pipeline.input().put(i);
		}
		Future<Object[]> stop = this.executor.submit(() -> {
			Thread.currentThread().interrupt();
			PipelineResult result = pipeline.stop(Duration.ofSeconds(10));
			return new Object[] { result, Thread.currentThread().isInterrupted() };
		});
		Object[] outcome = stop.get(30, TimeUnit.SECONDS);
		PipelineResult result = (PipelineResult) outcome[0];
		assertThat(result.state()).isEqualTo(PipelineState.STOPPED);
		assertThat(result.completed()).isEqualTo(3);
		assertThat(outcome[1]).as("the interrupt status is kept").isEqualTo(true);
		assertThat(pipeline.state()).isEqualTo(PipelineState.STOPPED);
		assertThat(pipeline.stop()).isSameAs(result);
		assertNoThreadsLeft(name);
	}

	@Test
	void aDeadLetterHandlerMayStopThePipelineWhileTheStopDeadLettersWhatIsLeft() throws Exception {
		String name = "sr-stop-from-dead-letters";
		CountDownLatch never = new CountDownLatch(1);
		AtomicReference<Pipeline<Integer>> self = new AtomicReference<>();
		AtomicInteger deadLetters = new AtomicInteger();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder(name).step("blocked", (Integer x) -> {
			never.await();
			return x;
		}, (s) -> s.queueCapacity(8)).deadLetterHandler((letter) -> {
			deadLetters.incrementAndGet();
			self.get().stop();
		}).build();
		self.set(pipeline);
		pipeline.start();
		for (int i = 0; i < 6; i++) {
			pipeline.input().put(i);
		}
		await().atMost(AWAIT).until(() -> pipeline.snapshot().step("blocked").queueDepth() == 5);
		PipelineResult result = this.executor.submit(() -> pipeline.stop(Duration.ZERO)).get(30, TimeUnit.SECONDS);
		assertThat(result.deadLettered()).isEqualTo(6).isEqualTo(deadLetters.get());
		assertNoThreadsLeft(name);
	}

	@Test
	void deadLetterHandlersAndCallbacksNeverSeeTheCutOffsInterrupt() throws Exception {
		String name = "sr-no-interrupt-leak";
		CountDownLatch never = new CountDownLatch(1);
		ConcurrentLinkedQueue<String> interrupted = new ConcurrentLinkedQueue<>();
		AtomicInteger letters = new AtomicInteger();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder(name)
			.stream("chunk", Steps.<Integer>chunk(2))
			.step("blocked", (List<Integer> chunk) -> {
				never.await();
				return chunk;
			}, (s) -> s.queueCapacity(1))
			.deadLetterHandler((letter) -> {
				letters.incrementAndGet();
				if (Thread.currentThread().isInterrupted()) {
					interrupted.add("dead letter " + letter.item() + " on " + Thread.currentThread().getName());
				}
			})
			.build();
		pipeline.start();
		for (int i = 0; i <= 6; i++) {
			int item = i;
			pipeline.input().put(item, () -> {
				if (Thread.currentThread().isInterrupted()) {
					interrupted.add("callback of " + item + " on " + Thread.currentThread().getName());
				}
			});
		}
		await().atMost(AWAIT).until(() -> pipeline.snapshot().step("blocked").queueDepth() == 1);
		PipelineResult result = pipeline.stop(Duration.ZERO);
		assertThat(letters.get()).isPositive();
		assertThat(interrupted).isEmpty();
		assertThat(result.in()).isEqualTo(7);
		assertNoThreadsLeft(name);
	}

	@Test
	void aSlowDeadLetterHandlerAtACutOffCountsEveryItemOnce() throws Exception {
		String name = "sr-slow-dead-letters";
		LinkedBlockingQueue<Integer> queue = new LinkedBlockingQueue<>();
		AtomicBoolean release = new AtomicBoolean();
		CountDownLatch stuckEntered = new CountDownLatch(1);
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder(name).inputCapacity(64).step("s", (Integer x) -> {
			if (x == -1) {
				stuckEntered.countDown();
				while (!release.get()) {
					Thread.onSpinWait();
				}
			}
			return x;
		}).deadLetterHandler((letter) -> {
			try {
				Thread.sleep(50);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}).build();
		try {
			pipeline.start(queue);
			queue.put(-1);
			assertThat(stuckEntered.await(20, TimeUnit.SECONDS)).isTrue();
			for (int i = 0; i < 30; i++) {
				queue.put(i);
			}
			await().atMost(AWAIT).until(() -> pipeline.snapshot().step("s").stats().in() == 31);
			PipelineResult result = pipeline.stop(Duration.ZERO);
			StepStats step = result.step("s");
			assertThat(step.in()).as("%s", step)
				.isEqualTo(step.processed() + step.dropped() + step.deadLettered() + step.abandoned());
		}
		finally {
			release.set(true);
		}
		assertNoThreadsLeft(name);
	}

	@Test
	@SuppressWarnings("unchecked")
	void aMarkerInTheCallersQueueIsNeverCountedAsAnItem() throws Exception {
		String name = "sr-marker-at-cut-off";
		CountDownLatch never = new CountDownLatch(1);
		List<Object> dead = Collections.synchronizedList(new ArrayList<>());
		// 0 goes to the worker's hands, 1 to 4 fill the input; 5 and the marker, taken
		// from
		// the caller's queue in one batch, wait for room
		Pipeline<Object> pipeline = Pipeline.<Object>builder(name).inputCapacity(4).step("blocked", (Object x) -> {
			never.await();
			return x;
		}).deadLetterHandler((letter) -> dead.add(letter.item())).build();
		LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>(List.of(0, 1, 2, 3, 4, 5, Marker.of("m")));
		pipeline.start(queue);
		await().atMost(AWAIT).until(() -> queue.isEmpty() && pipeline.snapshot().step("blocked").queueDepth() == 4);
		PipelineResult result = pipeline.stop(Duration.ZERO);
		assertThat(dead).noneMatch((item) -> item instanceof Marker);
		assertThat(result.in()).isEqualTo(6);
		assertThat(result.in()).isEqualTo(result.deadLettered() + result.abandoned() + result.completed());
		assertNoThreadsLeft(name);
	}

	@Test
	void aMarkerWaitsForTheOutputsOfAStreamWorkerThatDiedAndWasReplaced() throws Exception {
		for (int trial = 0; trial < 10; trial++) {
			CountDownLatch emitted = new CountDownLatch(1);
			CountDownLatch die = new CountDownLatch(1);
			AtomicBoolean dying = new AtomicBoolean();
			List<String> seen = Collections.synchronizedList(new ArrayList<>());
			Pipeline<String> pipeline = Pipeline.<String>builder("sr-marker-death-" + trial)
				.stream("s", StreamHandler.<String, String>perWorker(() -> (input, out) -> {
					String pending = null;
					while (true) {
						String x = input.poll(Duration.ofMillis(20));
						if (x == null) {
							if (input.isEnded()) {
								return;
							}
							if (pending != null && dying.compareAndSet(false, true)) {
								out.emit("derived-from-" + pending);
								emitted.countDown();
								die.await();
								throw new AssertionError("the worker dies");
							}
							continue;
						}
						pending = x;
					}
				}), (s) -> s.workers(2))
				.step("sink", new StepHandler<String, String>() {

					@Override
					public String process(String x) {
						seen.add("item " + x);
						return x;
					}

					@Override
					public void onMarker(Object marker, MarkerEmitter<String> out) {
						seen.add("marker " + marker);
						out.passOn(marker);
					}

				})
				.build();
			pipeline.start();
			pipeline.input().put("a");
			assertThat(emitted.await(20, TimeUnit.SECONDS)).isTrue();
			CountDownLatch passed = new CountDownLatch(1);
			pipeline.input().putMarker("M", passed::countDown);
			die.countDown();
			assertThat(passed.await(20, TimeUnit.SECONDS)).isTrue();
			pipeline.stop(Duration.ofSeconds(5));
			int marker = seen.indexOf("marker M");
			int output = seen.indexOf("item derived-from-a");
			assertThat(output).as("trial %d: %s", trial, seen).isNotNegative().isLessThan(marker);
		}
	}

}
