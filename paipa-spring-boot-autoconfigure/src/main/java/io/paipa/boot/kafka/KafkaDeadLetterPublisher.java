package io.paipa.boot.kafka;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.jspecify.annotations.Nullable;
import org.springframework.kafka.KafkaException;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.KafkaHeaders;

import io.paipa.core.CompletionCallback;
import io.paipa.core.DeadLetter;
import io.paipa.core.DeadLetterHandler;
import io.paipa.core.PipelineFailedException;

/**
 * Publishes a pipeline's dead letters to a Kafka topic: for an item that came from a
 * Kafka source, its original record (key and value bytes as consumed, whatever the
 * application's deserializers and serializers, and its headers); otherwise the item
 * itself, through the application's template. Headers say where and why: Spring Kafka's
 * {@code kafka_dlt-*} headers (original topic, partition and offset, exception class and
 * message) and {@code paipa-pipeline}, {@code paipa-step}, {@code paipa-attempts}.
 *
 * <p>
 * The send is awaited: the record's offset is committed only after the dead letter is in
 * Kafka. When it cannot be published, this handler throws: the pipeline retries it (the
 * step is in an outage meanwhile: the consumer pauses, health is DOWN) until the broker
 * takes it. If a stop comes first, the letter goes to the log and the original record is
 * never acknowledged, so it is consumed again after a restart or rebalance.
 */
public final class KafkaDeadLetterPublisher implements DeadLetterHandler {

	private static final long SEND_TIMEOUT_SECONDS = 30;

	private final KafkaTemplate<Object, Object> template;

	private final Supplier<KafkaTemplate<byte[], byte[]>> bytes;

	private final String topic;

	/**
	 * Creates the publisher.
	 * @param template the application's template
	 * @param bytes the template for records kept as the bytes consumed
	 * @param topic the dead-letter topic
	 */
	public KafkaDeadLetterPublisher(KafkaTemplate<Object, Object> template,
			Supplier<KafkaTemplate<byte[], byte[]>> bytes, String topic) {
		this.template = template;
		this.bytes = bytes;
		this.topic = topic;
	}

	@Override
	public void handle(DeadLetter letter) {
		Set<KafkaRecordCompletion> records = new LinkedHashSet<>();
		for (CompletionCallback origin : letter.origins()) {
			if (origin instanceof KafkaRecordCompletion record) {
				records.add(record);
			}
		}
		try {
			List<CompletableFuture<?>> sends = new ArrayList<>();
			if (records.isEmpty()) {
				sends.add(this.template.send(new ProducerRecord<>(this.topic, null, (Object) null, letter.item(),
						headers(letter, null, null))));
			}
			for (KafkaRecordCompletion record : records) {
				sends.add(send(record, letter));
			}
			CompletableFuture.allOf(sends.toArray(new CompletableFuture<?>[0]))
				.get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
			records.forEach((record) -> record.keepUncommitted = false);
		}
		catch (Exception ex) {
			if (ex instanceof InterruptedException) {
				Thread.currentThread().interrupt();
			}
			// until a retry publishes it, the original record must not be committed
			records.forEach((record) -> record.keepUncommitted = true);
			throw new KafkaException("Pipeline '" + letter.pipeline() + "', step '" + letter.step()
					+ "': the dead letter could not be published to Kafka topic '" + this.topic + "'"
					+ (records.isEmpty() ? "" : "; the original record stays uncommitted") + ": "
					+ PipelineFailedException.summarize(letter.item()), ex);
		}
	}

	/**
	 * The original record: its bytes as consumed when they were kept, else its key and
	 * value.
	 */
	private CompletableFuture<?> send(KafkaRecordCompletion record, DeadLetter letter) {
		ConsumerRecord<?, ?> original = record.record;
		RecordHeaders headers = headers(letter, original, record.groupId());
		if (record.bytesKept()) {
			return this.bytes.get()
				.send(new ProducerRecord<>(this.topic, null, record.keyBytes(), record.valueBytes(), headers));
		}
		return this.template
			.send(new ProducerRecord<>(this.topic, null, (Object) original.key(), (Object) original.value(), headers));
	}

	/**
	 * The headers of a dead letter: the original record's, then those Spring Kafka's
	 * {@code DeadLetterPublishingRecoverer} writes (original topic, partition, offset,
	 * timestamp and its type, consumer group; exception class, message, stack trace and
	 * the class of its cause), then paipa's (pipeline, step, attempts).
	 */
	private static RecordHeaders headers(DeadLetter letter, @Nullable ConsumerRecord<?, ?> original,
			@Nullable String groupId) {
		RecordHeaders headers = new RecordHeaders();
		if (original != null) {
			for (Header header : original.headers()) {
				headers.add(header);
			}
			headers.add(KafkaHeaders.DLT_ORIGINAL_TOPIC, bytes(original.topic()));
			headers.add(KafkaHeaders.DLT_ORIGINAL_PARTITION,
					ByteBuffer.allocate(4).putInt(original.partition()).array());
			headers.add(KafkaHeaders.DLT_ORIGINAL_OFFSET, ByteBuffer.allocate(8).putLong(original.offset()).array());
			headers.add(KafkaHeaders.DLT_ORIGINAL_TIMESTAMP,
					ByteBuffer.allocate(8).putLong(original.timestamp()).array());
			headers.add(KafkaHeaders.DLT_ORIGINAL_TIMESTAMP_TYPE, bytes(original.timestampType().toString()));
		}
		if (groupId != null) {
			headers.add(KafkaHeaders.DLT_ORIGINAL_CONSUMER_GROUP, bytes(groupId));
		}
		Throwable cause = letter.cause();
		headers.add(KafkaHeaders.DLT_EXCEPTION_FQCN, bytes(cause.getClass().getName()));
		if (cause.getCause() != null) {
			headers.add(KafkaHeaders.DLT_EXCEPTION_CAUSE_FQCN, bytes(cause.getCause().getClass().getName()));
		}
		headers.add(KafkaHeaders.DLT_EXCEPTION_MESSAGE, bytes(String.valueOf(cause.getMessage())));
		StringWriter trace = new StringWriter();
		cause.printStackTrace(new PrintWriter(trace));
		headers.add(KafkaHeaders.DLT_EXCEPTION_STACKTRACE, bytes(trace.toString()));
		headers.add("paipa-pipeline", bytes(letter.pipeline()));
		headers.add("paipa-step", bytes(letter.step()));
		headers.add("paipa-attempts", bytes(String.valueOf(letter.attempts())));
		return headers;
	}

	private static byte[] bytes(String value) {
		return value.getBytes(StandardCharsets.UTF_8);
	}

}
