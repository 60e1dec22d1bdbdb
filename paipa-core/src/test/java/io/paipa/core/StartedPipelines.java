package io.paipa.core;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts pipelines for a test and stops, after it, every one still running, so that no
 * test leaves worker threads behind. Register it with
 * {@code @RegisterExtension final StartedPipelines pipelines = new StartedPipelines();}.
 */
final class StartedPipelines implements AfterEachCallback {

	private final List<Pipeline<?>> started = new CopyOnWriteArrayList<>();

	/** Starts a pipeline, to be stopped after the test. */
	<I> Pipeline<I> start(Pipeline<I> pipeline) {
		track(pipeline);
		pipeline.start();
		return pipeline;
	}

	/** A pipeline the test starts itself, to be stopped after the test. */
	<I> Pipeline<I> track(Pipeline<I> pipeline) {
		this.started.add(pipeline);
		return pipeline;
	}

	@Override
	public void afterEach(ExtensionContext context) {
		for (Pipeline<?> pipeline : this.started) {
			if (pipeline.isRunning()) {
				pipeline.stop(Duration.ofSeconds(5));
			}
		}
		this.started.clear();
	}

}
