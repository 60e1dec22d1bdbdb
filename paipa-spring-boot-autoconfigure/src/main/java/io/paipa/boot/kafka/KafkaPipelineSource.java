package io.paipa.boot.kafka;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.KafkaException;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.event.ListenerContainerIdleEvent;
import org.springframework.kafka.event.NonResponsiveConsumerEvent;
import org.springframework.kafka.listener.AcknowledgingMessageListener;
import org.springframework.kafka.listener.ConsumerAwareRebalanceListener;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.support.Acknowledgment;
import org.springframework.util.backoff.FixedBackOff;

import io.paipa.boot.autoconfigure.PaipaProperties;
import io.paipa.core.Pipeline;
import io.paipa.core.PipelineClosedException;
import io.paipa.core.PipelineInput;
import io.paipa.core.PipelineResult;

/**
 * Feeds one continuous pipeline from Kafka topics through a Spring Kafka listener
 * container with manual acknowledgements.
 *
 * <p>
 * Each record is put into the pipeline's input with a completion callback; its offset is
 * acknowledged, in offset order per partition, once it has settled (left the last step,
 * including a Kafka sink's acknowledged send, or been dead-lettered). Back-pressure: the
 * container is paused when {@code max-in-flight} records are in the pipeline less one
 * poll's worth, and resumed at half, so the consumer keeps polling (no rebalance) and the
 * listener never waits for room. Stopping pauses the consumer, drains the pipeline within
 * its shutdown timeout, then stops the container, which commits what was acknowledged.
 *
 * <p>
 * Whether the broker answers: when no record came for {@link #PROBE_INTERVAL}, the
 * consumer thread asks the broker for its topics (at most {@link #PROBE_TIMEOUT}); while
 * that fails, the pipeline's health is DOWN with the reason. A record, or a probe that
 * succeeds, ends it.
 */
final class KafkaPipelineSource
		implements AcknowledgingMessageListener<Object, Object>, ConsumerAwareRebalanceListener {

	private static final Logger logger = LoggerFactory.getLogger(KafkaPipelineSource.class);

	/** Longest wait for room in the input, far below the poll interval. */
	private static final Duration PUT_TIMEOUT = Duration.ofSeconds(10);

	/** How long without records before the consumer asks whether the broker answers. */
	static final Duration PROBE_INTERVAL = Duration.ofSeconds(5);

	/** The longest wait for the broker's answer to that question. */
	static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

	/**
	 * How long the consumer may go without polling before it is taken for waiting on a
	 * broker that does not answer (longer than a wait for room in the input; at least the
	 * revoke timeout longer than a probe).
	 */
	static final Duration STUCK = Duration.ofSeconds(15);

	private final String name;

	private final Pipeline<Object> pipeline;

	private final PipelineInput<Object> input;

	private final boolean deliverRecords;

	private final int maxInFlight;

	private final int pauseAt;

	private final int resumeAt;

	private final ConcurrentMessageListenerContainer<Object, Object> container;

	private final Map<TopicPartition, KafkaRecordCompletion.Partition> partitions = new ConcurrentHashMap<>();

	private final AtomicInteger inFlight = new AtomicInteger();

	private final AtomicInteger maxSeenInFlight = new AtomicInteger();

	private final LongAdder consumed = new LongAdder();

	private final LongAdder committed = new LongAdder();

	/**
	 * Whether the container was asked to pause; changed, together with the request to the
	 * container, under {@link #pauseLock}.
	 */
	private volatile boolean paused;

	/**
	 * Makes a pause or a resume one step: the listener thread pauses and the pipeline's
	 * workers resume, and a resume that came between another thread's decision to pause
	 * and its request to the container would otherwise leave the container paused for
	 * good.
	 */
	private final ReentrantLock pauseLock = new ReentrantLock();

	private final AtomicLong pausedSince = new AtomicLong();

	private final AtomicLong pausedNanos = new AtomicLong();

	private final AtomicInteger assignments = new AtomicInteger();

	private final Duration revokeTimeout;

	private volatile boolean stopping;

	private final String servers;

	private final String groupId;

	/** Whether records keep their bytes as consumed (for the dead-letter topic). */
	private final boolean keepsBytes;

	/** Why the broker is taken for unreachable, or {@code null} while it answers. */
	private volatile @Nullable String unreachable;

	/** {@code System.nanoTime()} of the first failed probe in a row. */
	private volatile long unreachableSince;

	/** Steps of the pipeline in an outage now: the consumer stays paused while any is. */
	private final AtomicInteger outages = new AtomicInteger();

	@SuppressWarnings("unchecked")
	KafkaPipelineSource(String name, Pipeline<?> pipeline, boolean deliverRecords, PaipaProperties.Pipeline properties,
			ConsumerFactory<Object, Object> consumerFactory, @Nullable String defaultGroupId, Containers containers) {
		this.name = name;
		this.pipeline = (Pipeline<Object>) pipeline;
		this.input = this.pipeline.input();
		this.deliverRecords = deliverRecords;
		PaipaProperties.KafkaSource kafka = properties.getSource().getKafka();
		this.maxInFlight = (kafka.getMaxInFlight() != null) ? kafka.getMaxInFlight() : properties.getInputCapacity();
		this.revokeTimeout = kafka.getRevokeTimeout();
		int maxPollRecords = maxPollRecords(consumerFactory, kafka, this.maxInFlight);
		this.pauseAt = Math.max(1, this.maxInFlight - maxPollRecords + 1);
		this.resumeAt = this.maxInFlight / 2;
		this.keepsBytes = properties.getDeadLetter().getKafka().isEnabled();
		// a dead letter goes to its topic as the original record: the bytes as consumed
		ConsumerFactory<Object, Object> consumers = this.keepsBytes
				? RawBytes.capturing(consumerFactory, kafka.getProperties()) : consumerFactory;
		// made like Boot's listener containers (spring.kafka.listener.*,
		// ContainerCustomizer
		// beans), then given what the source depends on: one consumer, manual
		// acknowledgements, its listener, probes and error handling
		this.container = containers.create(consumers, kafka.getTopics());
		this.container.setConcurrency(1);
		ContainerProperties container = this.container.getContainerProperties();
		this.groupId = (kafka.getGroupId() != null) ? kafka.getGroupId()
				: (defaultGroupId != null) ? defaultGroupId : name;
		container.setGroupId(this.groupId);
		container.setAckMode(ContainerProperties.AckMode.MANUAL);
		container.setPollTimeout(kafka.getPollTimeout().toMillis());
		container.setPollTimeoutWhilePaused(kafka.getPollTimeout());
		container.setConsumerRebalanceListener(this);
		container.setMessageListener(this);
		container.setIdleEventInterval(PROBE_INTERVAL.toMillis());
		container.setIdleBeforeDataMultiplier(1.0);
		// a consumer stuck in a call to a broker that does not answer (a commit, say)
		// cannot
		// probe: the container's monitor tells when it has not polled for a while
		container.setMonitorInterval((int) PROBE_INTERVAL.toSeconds());
		long stuck = Math.max(STUCK.toMillis(), kafka.getRevokeTimeout().plus(PROBE_INTERVAL).toMillis());
		container.setNoPollThreshold(Math.max(3f, (float) stuck / Math.max(1, kafka.getPollTimeout().toMillis())));
		Properties overrides = new Properties();
		overrides.putAll(kafka.getProperties());
		overrides.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(maxPollRecords));
		overrides.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
		if (!kafka.getProperties().containsKey(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG)
				&& !consumerFactory.getConfigurationProperties()
					.containsKey(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG)) {
			// move only the partitions that change owner: the others keep their records
			// in flight
			overrides.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
					CooperativeStickyAssignor.class.getName());
		}
		container.setKafkaConsumerProperties(overrides);
		this.container.setBeanName("paipa-" + name + "-kafka");
		this.container.setApplicationEventPublisher(this::onContainerEvent);
		Object servers = kafka.getProperties().get(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG);
		if (servers == null) {
			servers = consumerFactory.getConfigurationProperties().get(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG);
		}
		this.servers = (servers instanceof Collection<?> list)
				? String.join(",", list.stream().map(String::valueOf).toList()) : String.valueOf(servers);
		// A record the pipeline could not take (stopping, or no room in time) is sought
		// back and delivered again; it is never skipped, so never committed unprocessed.
		DefaultErrorHandler errors = new DefaultErrorHandler(null,
				new FixedBackOff(1000, FixedBackOff.UNLIMITED_ATTEMPTS));
		errors.setAckAfterHandle(false);
		errors.setLogLevel(KafkaException.Level.DEBUG);
		this.container.setCommonErrorHandler(errors);
	}

	private static int maxPollRecords(ConsumerFactory<Object, Object> consumerFactory,
			PaipaProperties.KafkaSource kafka, int maxInFlight) {
		Object configured = kafka.getProperties().get(ConsumerConfig.MAX_POLL_RECORDS_CONFIG);
		if (configured == null) {
			configured = consumerFactory.getConfigurationProperties().get(ConsumerConfig.MAX_POLL_RECORDS_CONFIG);
		}
		int records = (configured != null) ? Integer.parseInt(configured.toString()) : 500;
		return Math.max(1, Math.min(records, maxInFlight / 2));
	}

	String name() {
		return this.name;
	}

	/** The listener container of the source. */
	ConcurrentMessageListenerContainer<Object, Object> container() {
		return this.container;
	}

	/** The consumer group of the source. */
	String groupId() {
		return this.groupId;
	}

	/**
	 * Starts consuming; again after a stop too, which paused the container: the pause is
	 * lifted first, or the consumer would start paused with nothing in flight to resume
	 * it.
	 */
	void start() {
		this.pauseLock.lock();
		try {
			this.stopping = false;
			resumeLocked();
		}
		finally {
			this.pauseLock.unlock();
		}
		this.container.start();
	}

	boolean isRunning() {
		return this.container.isRunning();
	}

	/**
	 * Stops intake, drains the pipeline, then stops the consumer, which commits every
	 * offset acknowledged by then.
	 */
	void stop() {
		this.stopping = true;
		pause();
		if (this.pipeline.isRunning()) {
			PipelineResult result = this.pipeline.stop();
			logger.debug("Pipeline '{}' stopped for its Kafka source: {}", this.name, result);
		}
		this.container.stop();
	}

	/**
	 * Events of the container: idle ones (on its consumer thread) probe the broker; a
	 * consumer that has not polled for a while (told by the container's monitor) is
	 * waiting for a broker that does not answer.
	 */
	private void onContainerEvent(Object event) {
		if (this.stopping) {
			return;
		}
		if (event instanceof ListenerContainerIdleEvent idle) {
			probe(idle.getConsumer());
		}
		else if (event instanceof NonResponsiveConsumerEvent stuck) {
			unanswered(stuck.getTimeSinceLastPoll(), "its consumer has been waiting in a call to the broker");
		}
	}

	private void probe(Consumer<?, ?> consumer) {
		try {
			consumer.listTopics(PROBE_TIMEOUT);
			answered();
		}
		catch (org.apache.kafka.common.errors.InterruptException ex) {
			// stopping: the container interrupts its consumer thread
			Thread.currentThread().interrupt();
		}
		catch (RuntimeException ex) {
			unanswered(PROBE_INTERVAL.toMillis(), String.valueOf(ex));
		}
	}

	/**
	 * The broker did not answer: the pipeline is DOWN with the reason, and a WARN line
	 * says so once, until it answers again.
	 * @param millis how long it has not answered, when first found
	 * @param why what showed it
	 */
	private synchronized void unanswered(long millis, String why) {
		if (this.stopping) {
			return;
		}
		long since = this.unreachableSince;
		if (this.unreachable == null) {
			since = System.nanoTime() - millis * 1_000_000L;
			this.unreachableSince = since;
			logger.warn(
					"Pipeline '{}': the Kafka broker at {} does not answer ({}); nothing is consumed "
							+ "until it does, and the pipeline's health is DOWN meanwhile",
					this.name, this.servers, why);
		}
		long seconds = (System.nanoTime() - since) / 1_000_000_000L;
		this.unreachable = "its Kafka source cannot reach the broker at " + this.servers + " for " + seconds + " s: "
				+ why;
	}

	/** The broker answered: a probe succeeded or a record came. */
	private synchronized void answered() {
		if (this.unreachable != null) {
			this.unreachable = null;
			logger.info("Pipeline '{}': the Kafka broker at {} answers again after {} s", this.name, this.servers,
					(System.nanoTime() - this.unreachableSince) / 1_000_000_000L);
		}
	}

	/** Why the broker is taken for unreachable, or {@code null} while it answers. */
	@Nullable String unreachable() {
		return this.unreachable;
	}

	@Override
	public void onMessage(ConsumerRecord<Object, Object> record, @Nullable Acknowledgment acknowledgment) {
		if (this.unreachable != null) {
			answered();
		}
		KafkaRecordCompletion.Partition partition = this.partitions.computeIfAbsent(
				new TopicPartition(record.topic(), record.partition()),
				(topicPartition) -> new KafkaRecordCompletion.Partition(this, topicPartition));
		byte[][] bytes = this.keepsBytes ? RawBytes.take(record.headers()) : null;
		KafkaRecordCompletion completion = partition.add(record, acknowledgment);
		if (bytes != null) {
			completion.keepBytes(bytes[0], bytes[1]);
		}
		Object item = this.deliverRecords ? record : record.value();
		this.consumed.increment();
		int now = this.inFlight.incrementAndGet();
		this.maxSeenInFlight.accumulateAndGet(now, Math::max);
		if (item == null) {
			// a tombstone: nothing to process, but its offset is passed like any other
			completion.completed();
			return;
		}
		if (now >= this.pauseAt) {
			pause();
		}
		boolean taken = false;
		try {
			taken = this.input.offer(item, PUT_TIMEOUT, completion);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw notTaken(partition, completion, record, "the consumer thread was interrupted", ex);
		}
		catch (PipelineClosedException ex) {
			throw notTaken(partition, completion, record, "the pipeline does not accept input", ex);
		}
		if (!taken) {
			throw notTaken(partition, completion, record, "the pipeline's input stayed full for " + PUT_TIMEOUT, null);
		}
	}

	private KafkaException notTaken(KafkaRecordCompletion.Partition partition, KafkaRecordCompletion completion,
			ConsumerRecord<?, ?> record, String reason, @Nullable Exception cause) {
		partition.removeLast(completion);
		this.consumed.decrement();
		this.inFlight.decrementAndGet();
		String message = "Pipeline '" + this.name + "' did not take the record " + record.topic() + "-"
				+ record.partition() + "@" + record.offset() + ": " + reason + "; it will be delivered again";
		if (!this.stopping) {
			logger.warn(message);
		}
		return new KafkaException(message, cause);
	}

	/** A record settled in the pipeline. */
	void finished(KafkaRecordCompletion completion) {
		if (this.inFlight.decrementAndGet() <= this.resumeAt) {
			// resume() itself leaves a stopping source or one in an outage paused
			resume();
		}
	}

	/** A step went into an outage (the consumer pauses), or out of one. */
	void outage(boolean started) {
		if (started) {
			this.outages.incrementAndGet();
			logger.warn("Pipeline '{}' is in an outage: its Kafka consumer pauses until the outage is over", this.name);
			pause();
			return;
		}
		if (this.outages.decrementAndGet() <= 0 && !this.stopping) {
			this.outages.set(0);
			logger.info("Pipeline '{}': the outage is over; its Kafka consumer resumes", this.name);
			if (this.inFlight.get() <= this.resumeAt) {
				resume();
			}
		}
	}

	void committed(int records) {
		this.committed.add(records);
	}

	private void pause() {
		this.pauseLock.lock();
		try {
			if (!this.paused) {
				this.paused = true;
				this.pausedSince.set(System.nanoTime());
				this.container.pause();
			}
		}
		finally {
			this.pauseLock.unlock();
		}
	}

	/**
	 * Resumes the consumer, unless, by the time the lock is held, the source is stopping
	 * or a step went into an outage.
	 */
	private void resume() {
		this.pauseLock.lock();
		try {
			if (!this.stopping && this.outages.get() == 0) {
				resumeLocked();
			}
		}
		finally {
			this.pauseLock.unlock();
		}
	}

	private void resumeLocked() {
		if (this.paused) {
			this.paused = false;
			this.pausedNanos.addAndGet(System.nanoTime() - this.pausedSince.get());
			this.container.resume();
		}
	}

	@Override
	public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
		this.assignments.incrementAndGet();
	}

	/**
	 * Before partitions move to another consumer, lets the records taken from them finish
	 * (up to the revoke timeout), so that their offsets are committed now and the new
	 * owner does not process them again. Spring Kafka commits right after this returns.
	 */
	@Override
	public void onPartitionsRevokedBeforeCommit(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
		long deadline = System.nanoTime() + this.revokeTimeout.toNanos();
		for (TopicPartition topicPartition : partitions) {
			KafkaRecordCompletion.Partition partition = this.partitions.get(topicPartition);
			if (partition != null) {
				try {
					partition.awaitDone(deadline);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					break;
				}
			}
		}
		forget(partitions, "revoked");
	}

	@Override
	public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
		forget(partitions, "lost");
	}

	private void forget(Collection<TopicPartition> partitions, String how) {
		for (TopicPartition topicPartition : partitions) {
			KafkaRecordCompletion.Partition partition = this.partitions.remove(topicPartition);
			if (partition != null) {
				int unfinished = partition.pendingCount();
				partition.revoke();
				if (unfinished > 0) {
					logger.warn(
							"Pipeline '{}': partition {} was {} with {} record(s) unfinished; their offsets are not "
									+ "committed and the partition's new owner will process them again",
							this.name, topicPartition, how, unfinished);
				}
			}
		}
	}

	/** Records taken from Kafka so far. */
	long consumed() {
		return this.consumed.sum();
	}

	/** Records whose offsets were acknowledged for commit. */
	long committed() {
		return this.committed.sum();
	}

	/** Records in the pipeline now. */
	int inFlight() {
		return this.inFlight.get();
	}

	/** The most records that were in the pipeline at once. */
	int maxSeenInFlight() {
		return this.maxSeenInFlight.get();
	}

	/** How many times partitions were assigned to this consumer (one per rebalance). */
	int assignments() {
		return this.assignments.get();
	}

	int maxInFlight() {
		return this.maxInFlight;
	}

	boolean isPaused() {
		return this.paused;
	}

	/** Total time paused for back-pressure, in seconds. */
	double pausedSeconds() {
		long nanos = this.pausedNanos.get();
		if (this.paused) {
			nanos += System.nanoTime() - this.pausedSince.get();
		}
		return nanos / 1e9;
	}

	/** Makes the listener container of a source, the way the application's are made. */
	@FunctionalInterface
	interface Containers {

		/**
		 * Makes a container.
		 * @param consumers the consumer factory
		 * @param topics the topics
		 * @return the container, not started
		 */
		ConcurrentMessageListenerContainer<Object, Object> create(ConsumerFactory<Object, Object> consumers,
				List<String> topics);

	}

}
