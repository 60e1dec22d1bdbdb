package io.paipa.boot.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * One embedded KRaft broker for every Kafka test in the JVM, and plain Kafka clients to
 * fill and read topics.
 */
final class KafkaTestSupport {

	private static EmbeddedKafkaKraftBroker broker;

	private KafkaTestSupport() {
	}

	static synchronized String brokers() {
		if (broker == null) {
			EmbeddedKafkaKraftBroker started = new EmbeddedKafkaKraftBroker(1, 1);
			started.brokerProperty("group.initial.rebalance.delay.ms", "0");
			started.afterPropertiesSet();
			Runtime.getRuntime().addShutdownHook(new Thread(started::destroy, "embedded-kafka-stop"));
			broker = started;
		}
		return broker.getBrokersAsString();
	}

	/** Topic names unique to one test. */
	static String unique(String prefix) {
		return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
	}

	static void createTopic(String topic, int partitions) {
		brokers();
		broker.addTopics(new NewTopic(topic, partitions, (short) 1));
	}

	/** The properties of an application instance relaying {@code in} to {@code out}. */
	static List<String> relayArgs(String in, String out, String dlt, String group) {
		List<String> args = new ArrayList<>();
		args.add("--spring.kafka.bootstrap-servers=" + brokers());
		args.add("--spring.kafka.consumer.auto-offset-reset=earliest");
		args.add("--spring.kafka.consumer.properties[session.timeout.ms]=6000");
		args.add("--spring.kafka.consumer.properties[heartbeat.interval.ms]=1000");
		args.add("--logging.level.org.apache.kafka=WARN");
		args.add("--logging.level.org.springframework.kafka=WARN");
		args.add("--paipa.pipelines.relay.definition=upper");
		args.add("--paipa.pipelines.relay.on-error=skip");
		args.add("--paipa.pipelines.relay.progress-interval=0");
		args.add("--paipa.pipelines.relay.shutdown-timeout=20s");
		args.add("--paipa.pipelines.relay.source.kafka.topics=" + in);
		args.add("--paipa.pipelines.relay.source.kafka.group-id=" + group);
		args.add("--paipa.pipelines.relay.source.kafka.poll-timeout=200ms");
		args.add("--paipa.pipelines.relay.sink.kafka.topic=" + out);
		if (dlt != null) {
			args.add("--paipa.pipelines.relay.dead-letter.kafka.topic=" + dlt);
		}
		return args;
	}

	/**
	 * Sends {@code value-<i>} with key {@code key-<i>} for i in [from, to), and waits for
	 * the broker.
	 */
	static void produce(String topic, int from, int to, Predicate<Integer> poison) {
		Map<String, Object> config = new HashMap<>();
		config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers());
		config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
		try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(),
				new StringSerializer())) {
			for (int i = from; i < to; i++) {
				String value = (poison.test(i) ? "poison-" : "value-") + i;
				producer.send(new ProducerRecord<>(topic, "key-" + i, value));
			}
			producer.flush();
		}
	}

	/**
	 * Reads a topic from the beginning until at least {@code distinct} different values
	 * were seen and every partition was read to its end.
	 * @return how often each value was seen
	 */
	static Map<String, Integer> readCounts(String topic, int distinct, Duration timeout) {
		return read(topic, distinct, timeout, null);
	}

	static Map<String, Integer> read(String topic, int distinct, Duration timeout,
			List<ConsumerRecord<String, String>> records) {
		Map<String, Object> config = new HashMap<>();
		config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers());
		config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
		Map<String, Integer> counts = new HashMap<>();
		long deadline = System.nanoTime() + timeout.toNanos();
		try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
				new StringDeserializer())) {
			List<TopicPartition> partitions = new ArrayList<>();
			for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(20))) {
				partitions.add(new TopicPartition(topic, info.partition()));
			}
			consumer.assign(partitions);
			consumer.seekToBeginning(partitions);
			while (true) {
				for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
					counts.merge(record.value(), 1, Integer::sum);
					if (records != null) {
						records.add(record);
					}
				}
				if (counts.size() >= distinct && atEnd(consumer, partitions)) {
					return counts;
				}
				if (System.nanoTime() > deadline) {
					throw new AssertionError("Topic " + topic + ": " + counts.size() + " distinct values after "
							+ timeout + ", expected " + distinct);
				}
			}
		}
	}

	/**
	 * Reads a topic from the beginning as bytes until {@code count} records were read.
	 */
	static List<ConsumerRecord<byte[], byte[]>> readBytes(String topic, int count, Duration timeout) {
		Map<String, Object> config = new HashMap<>();
		config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers());
		config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
		List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
		long deadline = System.nanoTime() + timeout.toNanos();
		try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
				new ByteArrayDeserializer())) {
			List<TopicPartition> partitions = new ArrayList<>();
			for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(20))) {
				partitions.add(new TopicPartition(topic, info.partition()));
			}
			consumer.assign(partitions);
			consumer.seekToBeginning(partitions);
			while (records.size() < count) {
				consumer.poll(Duration.ofMillis(200)).forEach(records::add);
				if (System.nanoTime() > deadline) {
					throw new AssertionError("Topic " + topic + ": " + records.size() + " records after " + timeout
							+ ", expected " + count);
				}
			}
			return records;
		}
	}

	private static boolean atEnd(KafkaConsumer<String, String> consumer, List<TopicPartition> partitions) {
		Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
		for (TopicPartition partition : partitions) {
			if (consumer.position(partition) < ends.get(partition)) {
				return false;
			}
		}
		return true;
	}

	/**
	 * Records of the topic not yet committed by the group (all when it committed none).
	 */
	static long uncommitted(String group, String topic) throws Exception {
		try (AdminClient admin = AdminClient.create(Map.of("bootstrap.servers", brokers()))) {
			Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
				.partitionsToOffsetAndMetadata()
				.get(20, TimeUnit.SECONDS);
			Set<TopicPartition> partitions = new java.util.HashSet<>();
			admin.describeTopics(List.of(topic))
				.allTopicNames()
				.get(20, TimeUnit.SECONDS)
				.get(topic)
				.partitions()
				.forEach((info) -> partitions.add(new TopicPartition(topic, info.partition())));
			Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
			partitions.forEach((partition) -> latest.put(partition, OffsetSpec.latest()));
			Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest)
				.all()
				.get(20, TimeUnit.SECONDS);
			long lag = 0;
			for (TopicPartition partition : partitions) {
				OffsetAndMetadata offset = committed.get(partition);
				lag += ends.get(partition).offset() - ((offset != null) ? offset.offset() : 0);
			}
			return lag;
		}
	}

}
