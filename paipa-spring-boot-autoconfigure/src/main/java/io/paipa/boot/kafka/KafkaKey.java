package io.paipa.boot.kafka;

import org.jspecify.annotations.Nullable;

/**
 * Gives the record key of an output sent to a pipeline's Kafka sink. Declare it as a bean
 * and name it in {@code paipa.pipelines.<name>.sink.kafka.key}.
 *
 * @param <T> the type of the pipeline's last outputs
 */
@FunctionalInterface
public interface KafkaKey<T> {

	/**
	 * Returns the key of an output's record.
	 * @param item the output
	 * @return the key, serialized by {@code spring.kafka.producer.key-serializer}; may be
	 * {@code null}
	 */
	@Nullable Object keyOf(T item);

}
