package io.paipa.boot.kafka;

import java.util.ArrayDeque;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;
import org.springframework.kafka.support.Acknowledgment;

import io.paipa.core.CompletionCallback;

/**
 * The completion of one Kafka record in a pipeline, acknowledged in offset order.
 *
 * <p>
 * Spring Kafka commits the highest acknowledged offset of a partition, so a record
 * finished early must not be acknowledged before the records before it. Each partition's
 * records wait in arrival (offset) order; when the oldest ones are done, the newest of
 * them is acknowledged, which commits them all. Once the partition is revoked nothing
 * more is acknowledged for it: its unfinished records go to the new owner again
 * (at-least-once).
 */
final class KafkaRecordCompletion implements CompletionCallback {

	private final Partition partition;

	final ConsumerRecord<?, ?> record;

	/** The consumer group the record was consumed by. */
	String groupId() {
		return this.partition.source.groupId();
	}

	private final @Nullable Acknowledgment acknowledgment;

	private boolean done;

	/** Set when the record's dead letter could not be published: never acknowledge it. */
	volatile boolean keepUncommitted;

	/** Whether the record's key and value bytes as consumed were kept. */
	private boolean bytesKept;

	private byte @Nullable [] keyBytes;

	private byte @Nullable [] valueBytes;

	private KafkaRecordCompletion(Partition partition, ConsumerRecord<?, ?> record,
			@Nullable Acknowledgment acknowledgment) {
		this.partition = partition;
		this.record = record;
		this.acknowledgment = acknowledgment;
	}

	/** Keeps the record's key and value as consumed, before deserialization. */
	void keepBytes(byte @Nullable [] key, byte @Nullable [] value) {
		this.keyBytes = key;
		this.valueBytes = value;
		this.bytesKept = true;
	}

	/**
	 * Whether {@link #keyBytes()} and {@link #valueBytes()} hold the record as consumed.
	 */
	boolean bytesKept() {
		return this.bytesKept;
	}

	byte @Nullable [] keyBytes() {
		return this.keyBytes;
	}

	byte @Nullable [] valueBytes() {
		return this.valueBytes;
	}

	/**
	 * The record's source, to recognise its own records among a dead letter's origins.
	 */
	KafkaPipelineSource source() {
		return this.partition.source;
	}

	@Override
	public void completed() {
		this.partition.complete(this);
	}

	/**
	 * The records of one assigned partition that are not acknowledged yet, oldest first.
	 */
	static final class Partition {

		final KafkaPipelineSource source;

		final TopicPartition topicPartition;

		private final ArrayDeque<KafkaRecordCompletion> pending = new ArrayDeque<>();

		private boolean revoked;

		/**
		 * A record whose dead letter could not be published blocks every later commit.
		 */
		private boolean blocked;

		Partition(KafkaPipelineSource source, TopicPartition topicPartition) {
			this.source = source;
			this.topicPartition = topicPartition;
		}

		/** Registers a record before it enters the pipeline (it may finish at once). */
		synchronized KafkaRecordCompletion add(ConsumerRecord<?, ?> record, @Nullable Acknowledgment acknowledgment) {
			KafkaRecordCompletion completion = new KafkaRecordCompletion(this, record, acknowledgment);
			this.pending.addLast(completion);
			return completion;
		}

		/** Forgets the newest record, which the pipeline did not take. */
		synchronized void removeLast(KafkaRecordCompletion completion) {
			if (this.pending.peekLast() == completion) {
				this.pending.pollLast();
			}
			else {
				this.pending.remove(completion);
			}
		}

		/** Stops acknowledging: the partition went to another consumer. */
		synchronized void revoke() {
			this.revoked = true;
			this.pending.clear();
		}

		synchronized int pendingCount() {
			return this.pending.size();
		}

		/**
		 * Waits until every record taken from this partition has been acknowledged, or
		 * the deadline has passed.
		 * @param deadline in {@link System#nanoTime()} terms
		 * @return the records still unfinished
		 */
		synchronized int awaitDone(long deadline) throws InterruptedException {
			while (!this.pending.isEmpty() && !this.blocked) {
				long left = deadline - System.nanoTime();
				if (left <= 0) {
					break;
				}
				wait(Math.max(1, left / 1_000_000));
			}
			return this.pending.size();
		}

		private void complete(KafkaRecordCompletion completion) {
			KafkaRecordCompletion last = null;
			int settled = 0;
			synchronized (this) {
				completion.done = true;
				if (completion.keepUncommitted) {
					this.blocked = true;
				}
				if (!this.revoked && !this.blocked) {
					while (!this.pending.isEmpty() && this.pending.peekFirst().done) {
						last = this.pending.pollFirst();
						settled++;
					}
				}
				if (this.pending.isEmpty() || this.blocked) {
					// a revocation waiting for this partition can go on
					notifyAll();
				}
			}
			this.source.finished(completion);
			if (last != null && last.acknowledgment != null) {
				// queued by Spring Kafka and committed by the consumer thread between
				// polls
				last.acknowledgment.acknowledge();
				this.source.committed(settled);
			}
		}

	}

}
