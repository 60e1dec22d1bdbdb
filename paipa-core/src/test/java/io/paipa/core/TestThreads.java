package io.paipa.core;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The threads of a pipeline, found by their names ({@code paipa-<pipeline>-...}), for
 * tests that check that a run leaves none behind.
 */
final class TestThreads {

	private TestThreads() {
	}

	/** The names of the live threads of a pipeline, sorted. */
	static List<String> threadsOf(String pipeline) {
		String prefix = "paipa-" + pipeline + "-";
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> thread.isAlive() && thread.getName().startsWith(prefix))
			.map(Thread::getName)
			.sorted()
			.toList();
	}

	/** Waits (boundedly) until no thread of the pipeline is alive. */
	static void assertNoThreadsLeft(String pipeline) {
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(threadsOf(pipeline)).as("threads of pipeline " + pipeline).isEmpty());
	}

}
