package io.paipa.boot.autoconfigure;

import io.paipa.core.Pipeline;

/**
 * Customizes the builder of every assembled pipeline, after its configured steps were
 * added and before it is built: add listeners, steps after the last one, or another
 * dead-letter handler. Customizer beans are applied in {@code @Order} order; paipa's
 * Kafka sink and dead-letter topic are customizers too.
 */
@FunctionalInterface
public interface PipelineBuilderCustomizer {

	/**
	 * Customizes one pipeline's builder.
	 * @param pipeline the pipeline's name, as configured under {@code paipa.pipelines}
	 * @param builder its builder, with the configured steps added
	 */
	void customize(String pipeline, Pipeline.Builder<?, ?> builder);

}
