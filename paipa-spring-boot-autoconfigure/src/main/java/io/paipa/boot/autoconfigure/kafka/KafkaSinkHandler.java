package io.paipa.boot.autoconfigure.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.jspecify.annotations.Nullable;
import org.springframework.kafka.core.KafkaTemplate;

import io.paipa.boot.kafka.KafkaKey;
import io.paipa.core.Emitter;
import io.paipa.core.FanOutHandler;

/**
 * The last step of a pipeline with a Kafka sink: sends a chunk of outputs, waits for the
 * broker to acknowledge every record, then emits them, so that they (and the inputs they
 * came from) complete only once they are in Kafka. A failed send fails the whole chunk,
 * which the step's retry sends again (a record may then be in the topic twice:
 * at-least-once).
 */
final class KafkaSinkHandler implements FanOutHandler<List<Object>, Object> {

	private final KafkaTemplate<Object, Object> template;

	private final String topic;

	private final @Nullable KafkaKey<Object> key;

	KafkaSinkHandler(KafkaTemplate<Object, Object> template, String topic, @Nullable KafkaKey<Object> key) {
		this.template = template;
		this.topic = topic;
		this.key = key;
	}

	@Override
	public void process(List<Object> chunk, Emitter<Object> out) throws Exception {
		List<CompletableFuture<?>> sends = new ArrayList<>(chunk.size());
		for (Object item : chunk) {
			sends.add(send(item));
		}
		try {
			CompletableFuture.allOf(sends.toArray(new CompletableFuture<?>[0])).get();
		}
		catch (ExecutionException ex) {
			Throwable cause = (ex.getCause() != null) ? ex.getCause() : ex;
			throw new IllegalStateException("Sending " + chunk.size() + " record(s) to Kafka topic '" + this.topic
					+ "' failed: " + cause.getMessage(), cause);
		}
		for (Object item : chunk) {
			out.emit(item);
		}
	}

	@SuppressWarnings("unchecked")
	private CompletableFuture<?> send(Object item) {
		if (item instanceof ProducerRecord<?, ?> record) {
			return this.template.send((ProducerRecord<Object, Object>) record);
		}
		Object recordKey = (this.key != null) ? this.key.keyOf(item) : null;
		return this.template.send(this.topic, recordKey, item);
	}

}
