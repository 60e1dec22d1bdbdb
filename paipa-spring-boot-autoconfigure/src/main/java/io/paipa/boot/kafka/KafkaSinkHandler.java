package io.paipa.boot.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;

import io.paipa.core.Emitter;
import io.paipa.core.FanOutHandler;

/**
 * The last step of a pipeline with a Kafka sink: sends a chunk of outputs, waits for the
 * broker to acknowledge every record, then emits them, so that they (and the inputs they
 * came from) complete only once they are in Kafka. A failed send fails the whole chunk,
 * which the step's retry sends again (a record may then be in the topic twice:
 * at-least-once).
 *
 * <p>
 * A chunk the broker has not acknowledged after {@link #UNACKNOWLEDGED} (counted from the
 * first try that failed for want of an answer) is a problem of the pipeline: its health
 * is DOWN with the reason and a WARN line says so once, until a chunk is acknowledged (an
 * INFO line). The producer's {@code max.block.ms} and {@code delivery.timeout.ms} still
 * decide when a try fails.
 */
public final class KafkaSinkHandler implements FanOutHandler<List<Object>, Object> {

	/**
	 * How long a chunk may wait for the broker's acknowledgement before it is a problem.
	 */
	static final Duration UNACKNOWLEDGED = Duration.ofSeconds(10);

	private static final Logger logger = LoggerFactory.getLogger(KafkaSinkHandler.class);

	private final String pipeline;

	private final KafkaTemplate<Object, Object> template;

	private final String topic;

	private final @Nullable KafkaKey<Object> key;

	private final Duration unacknowledged;

	/** When each sender began its current chunk, by thread. */
	private final Map<Thread, Long> sending = new ConcurrentHashMap<>();

	/** When the broker began to fail sends with a retriable error, or {@link #NONE}. */
	private volatile long failingSince = NONE;

	private static final long NONE = Long.MAX_VALUE;

	private final AtomicBoolean warned = new AtomicBoolean();

	/**
	 * Creates the sink of a pipeline.
	 * @param pipeline the pipeline's name
	 * @param template the application's template
	 * @param topic the topic outputs go to
	 * @param key the bean giving each output's record key, or {@code null}
	 */
	public KafkaSinkHandler(String pipeline, KafkaTemplate<Object, Object> template, String topic,
			@Nullable KafkaKey<Object> key) {
		this(pipeline, template, topic, key, UNACKNOWLEDGED);
	}

	KafkaSinkHandler(String pipeline, KafkaTemplate<Object, Object> template, String topic,
			@Nullable KafkaKey<Object> key, Duration unacknowledged) {
		this.pipeline = pipeline;
		this.template = template;
		this.topic = topic;
		this.key = key;
		this.unacknowledged = unacknowledged;
	}

	@Override
	public void process(List<Object> chunk, Emitter<Object> out) throws Exception {
		long start = System.nanoTime();
		this.sending.put(Thread.currentThread(), start);
		Throwable failure = null;
		try {
			List<CompletableFuture<?>> sends = new ArrayList<>(chunk.size());
			for (Object item : chunk) {
				sends.add(send(item));
			}
			await(CompletableFuture.allOf(sends.toArray(new CompletableFuture<?>[0])));
		}
		catch (ExecutionException ex) {
			failure = (ex.getCause() != null) ? ex.getCause() : ex;
			throw new IllegalStateException("Sending " + chunk.size() + " record(s) to Kafka topic '" + this.topic
					+ "' failed: " + failure.getMessage(), failure);
		}
		catch (Throwable ex) {
			failure = ex;
			throw ex;
		}
		finally {
			settled(start, failure);
		}
		for (Object item : chunk) {
			out.emit(item);
		}
	}

	private void await(CompletableFuture<?> sent) throws InterruptedException, ExecutionException {
		try {
			sent.get(this.unacknowledged.toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (TimeoutException ex) {
			problem(); // logs it, once
			sent.get();
		}
	}

	private void settled(long start, @Nullable Throwable failure) {
		this.sending.remove(Thread.currentThread());
		if (failure == null) {
			this.failingSince = NONE;
			if (this.warned.compareAndSet(true, false)) {
				logger.info("Pipeline '{}': the Kafka broker at {} acknowledges what is sent to topic '{}' again",
						this.pipeline, servers(), this.topic);
			}
		}
		else if (retriable(failure) && this.failingSince == NONE) {
			// a broker that does not answer (not a record it refuses): the wait goes on
			// across the step's retries
			this.failingSince = start;
		}
	}

	/** Whether a failure, or one of its causes, is one the broker may answer later. */
	private static boolean retriable(Throwable failure) {
		for (Throwable cause = failure; cause != null; cause = (cause.getCause() != cause) ? cause.getCause() : null) {
			if (cause instanceof RetriableException) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Why the sink is a problem now, or {@code null}: a chunk waiting for the broker for
	 * longer than allowed, counted from the first of its attempts that timed out.
	 * @return the problem, naming the broker and how long the sink has waited
	 */
	@Nullable String problem() {
		if (this.sending.isEmpty()) {
			return null;
		}
		long oldest = this.failingSince;
		for (long since : this.sending.values()) {
			oldest = Math.min(oldest, since);
		}
		long waited = System.nanoTime() - oldest;
		if (waited < this.unacknowledged.toNanos()) {
			return null;
		}
		if (this.warned.compareAndSet(false, true)) {
			logger.warn("Pipeline '{}': the Kafka broker at {} has not acknowledged what was sent to topic '{}' for "
					+ "{} s; the sink waits and sends again (the producer's max.block.ms and delivery.timeout.ms "
					+ "bound each try)", this.pipeline, servers(), this.topic, waited / 1_000_000_000L);
		}
		return "its Kafka sink has waited " + waited / 1_000_000_000L + " s for the broker at " + servers()
				+ " to acknowledge what it sent to topic '" + this.topic + "'";
	}

	private Object servers() {
		Object servers = this.template.getProducerFactory()
			.getConfigurationProperties()
			.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG);
		return (servers instanceof List<?> list) ? String.join(",", list.stream().map(String::valueOf).toList())
				: servers;
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
