package io.paipa.core;

import static io.paipa.core.TestThreads.assertNoThreadsLeft;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Idle workers park (Thread.State.WAITING) rather than poll with timeouts or spin, in
 * every kind of step, before and after items passed through.
 */
@Timeout(60)
class IdleWorkersTests {

	/** How long the workers must stay parked, sampled every 10 ms. */
	private static final Duration STAYS = Duration.ofMillis(500);

	private final List<Pipeline<?>> pipelines = new ArrayList<>();

	@AfterEach
	void stopPipelines() {
		for (Pipeline<?> pipeline : this.pipelines) {
			if (pipeline.isRunning()) {
				pipeline.stop(Duration.ofSeconds(5));
			}
		}
	}

	@Test
	void idleWorkersOfEveryStepKindPark() {
		String name = "iw-fresh";
		Pipeline<Integer> pipeline = track(mixedPipeline(name, ConcurrentHashMap.newKeySet()));
		pipeline.start();

		List<String> workers = workerNames(name);
		assertThat(workers).containsExactlyInAnyOrder(worker(name, "a", 0), worker(name, "a", 1), worker(name, "a", 2),
				worker(name, "explode", 0), worker(name, "explode", 1), worker(name, "keep-positive", 0),
				worker(name, "keep-positive", 1), worker(name, "chunk", 0), worker(name, "chunk", 1),
				worker(name, "flatten", 0), worker(name, "flatten", 1));
		assertWorkersStayParked(name, workers);

		pipeline.stop(Duration.ofSeconds(10));
		assertNoThreadsLeft(name);
	}

	@Test
	void workersParkAgainAfterItemsPassedThrough() throws InterruptedException {
		String name = "iw-after";
		Set<Integer> seen = ConcurrentHashMap.newKeySet();
		Pipeline<Integer> pipeline = track(mixedPipeline(name, seen));
		pipeline.start();
		List<String> workers = workerNames(name);
		assertWorkersStayParked(name, workers);

		// 103 items: the chunk step is left with partial chunks that its max-wait emits
		for (int round = 0; round < 3; round++) {
			int from = round * 1000;
			for (int i = from; i < from + 103; i++) {
				pipeline.input().put(i);
			}
			await().atMost(Duration.ofSeconds(20)).until(() -> seen.size() == (from / 1000 + 1) * 103);
			assertWorkersStayParked(name, workers);
		}
		PipelineResult result = pipeline.stop(Duration.ofSeconds(10));

		assertThat(result.in()).isEqualTo(3 * 103);
		assertThat(result.completed()).isEqualTo(3 * 103);
		// the negative twins were dropped
		assertThat(result.dropped()).isEqualTo(3 * 103);
		assertThat(result.deadLettered() + result.abandoned()).isZero();
		assertThat(pipeline.snapshot().steps()).allSatisfy((step) -> assertThat(step.workersAlive()).isZero());
		assertNoThreadsLeft(name);
	}

	@Test
	void workersParkWhileTheProgressThreadTicks() throws InterruptedException {
		String name = "iw-progress";
		Set<Integer> seen = ConcurrentHashMap.newKeySet();
		Pipeline<Integer> pipeline = track(Pipeline.<Integer>builder(name)
			.progressInterval(Duration.ofMillis(100))
			.step("a", (Integer x) -> x + 1, (s) -> s.workers(3))
			.step("b", (Integer x) -> {
				seen.add(x);
				return x;
			}, (s) -> s.workers(2))
			.build());
		pipeline.start();
		List<String> workers = workerNames(name);
		assertThat(workers).containsExactlyInAnyOrder(worker(name, "a", 0), worker(name, "a", 1), worker(name, "a", 2),
				worker(name, "b", 0), worker(name, "b", 1));
		assertThat(threadStates(name)).containsKey("paipa-" + name + "-progress");

		for (int i = 0; i < 50; i++) {
			pipeline.input().put(i);
		}
		await().atMost(Duration.ofSeconds(20)).until(() -> seen.size() == 50);
		assertWorkersStayParked(name, workers);
		// the progress thread sleeps between lines, which is fine
		assertThat(threadStates(name).get("paipa-" + name + "-progress")).isIn(Thread.State.TIMED_WAITING,
				Thread.State.RUNNABLE, Thread.State.BLOCKED, Thread.State.WAITING);

		pipeline.stop(Duration.ofSeconds(10));
		assertNoThreadsLeft(name);
	}

	@Test
	void workersParkWhileTheSourceThreadWaitsOnTheCallersQueue() throws InterruptedException {
		String name = "iw-queue";
		Set<Integer> seen = ConcurrentHashMap.newKeySet();
		LinkedBlockingQueue<Integer> queue = new LinkedBlockingQueue<>();
		Pipeline<Integer> pipeline = track(mixedPipeline(name, seen));
		pipeline.start(queue);
		List<String> workers = workerNames(name);
		for (int i = 0; i < 57; i++) {
			queue.put(i);
		}
		await().atMost(Duration.ofSeconds(20)).until(() -> seen.size() == 57);
		assertWorkersStayParked(name, workers);
		// the thread draining the caller's queue waits on it without a timeout too
		await().atMost(Duration.ofSeconds(10))
			.until(() -> threadStates(name).get("paipa-" + name + "-source") == Thread.State.WAITING);

		pipeline.stop(Duration.ofSeconds(10));
		assertNoThreadsLeft(name);
	}

	/**
	 * One-to-one, fan-out and stream steps (a chunk with a max-wait), several workers
	 * each: a -> explode (fan-out, x -> x, -x) -> keep-positive -> chunk(10, 50 ms) ->
	 * flatten.
	 */
	private static Pipeline<Integer> mixedPipeline(String name, Set<Integer> seen) {
		return Pipeline.<Integer>builder(name)
			.queueCapacity(16)
			.step("a", (Integer x) -> x, (s) -> s.workers(3))
			.fanOut("explode", (Integer x, Emitter<Integer> out) -> {
				out.emit(x);
				out.emit(-x - 1);
			}, (s) -> s.workers(2))
			.step("keep-positive", (Integer x) -> (x >= 0) ? x : null, (s) -> s.workers(2))
			.stream("chunk", Steps.<Integer>chunk(10, Duration.ofMillis(50)), (s) -> s.workers(2))
			.fanOut("flatten", (List<Integer> chunk, Emitter<Integer> out) -> {
				for (Integer x : chunk) {
					seen.add(x);
					out.emit(x);
				}
			}, (s) -> s.workers(2))
			.build();
	}

	private static String worker(String pipeline, String step, int index) {
		return "paipa-" + pipeline + "-" + step + "-" + index;
	}

	private <T> Pipeline<T> track(Pipeline<T> pipeline) {
		this.pipelines.add(pipeline);
		return pipeline;
	}

	/**
	 * Waits until every worker is parked, then checks that they stay parked: a worker
	 * that polls with a timeout shows up as TIMED_WAITING, one that spins as RUNNABLE.
	 */
	private static void assertWorkersStayParked(String pipeline, List<String> workers) {
		await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertParked(pipeline, workers));
		await().pollInterval(Duration.ofMillis(10))
			.during(STAYS)
			.atMost(STAYS.plusSeconds(10))
			.untilAsserted(() -> assertParked(pipeline, workers));
	}

	private static void assertParked(String pipeline, List<String> workers) {
		Map<String, Thread.State> states = threadStates(pipeline);
		Map<String, Thread.State> workerStates = new TreeMap<>();
		for (String worker : workers) {
			workerStates.put(worker, states.get(worker));
		}
		assertThat(workerStates).as("worker thread states")
			.allSatisfy((worker, state) -> assertThat(state).as(worker).isEqualTo(Thread.State.WAITING));
	}

	/**
	 * The worker threads: named paipa-pipeline-step-index, not the source or progress
	 * thread.
	 */
	private static List<String> workerNames(String pipeline) {
		return threadStates(pipeline).keySet()
			.stream()
			.filter((thread) -> !thread.equals("paipa-" + pipeline + "-source")
					&& !thread.equals("paipa-" + pipeline + "-progress"))
			.sorted()
			.collect(Collectors.toList());
	}

	private static Map<String, Thread.State> threadStates(String pipeline) {
		Map<String, Thread.State> states = new TreeMap<>();
		for (Thread thread : Thread.getAllStackTraces().keySet()) {
			if (thread.isAlive() && thread.getName().startsWith("paipa-" + pipeline + "-")) {
				states.put(thread.getName(), thread.getState());
			}
		}
		return states;
	}

}
