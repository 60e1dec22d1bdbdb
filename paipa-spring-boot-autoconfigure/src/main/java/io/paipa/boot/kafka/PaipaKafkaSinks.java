package io.paipa.boot.kafka;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.paipa.boot.health.PipelineProblems;

/**
 * The Kafka sinks of the pipelines, for their health: a pipeline whose sink has waited
 * too long for the broker to acknowledge what it sent is DOWN, with the reason.
 */
public final class PaipaKafkaSinks implements PipelineProblems {

	private final Map<String, KafkaSinkHandler> sinks = new ConcurrentHashMap<>();

	/** Creates the registry, empty. */
	public PaipaKafkaSinks() {
	}

	/**
	 * Registers a pipeline's sink.
	 * @param pipeline the pipeline's name
	 * @param sink its sink
	 */
	public void register(String pipeline, KafkaSinkHandler sink) {
		this.sinks.put(pipeline, sink);
	}

	@Override
	public List<String> problemsOf(String pipeline) {
		KafkaSinkHandler sink = this.sinks.get(pipeline);
		String problem = (sink != null) ? sink.problem() : null;
		return (problem != null) ? List.of(problem) : List.of();
	}

}
