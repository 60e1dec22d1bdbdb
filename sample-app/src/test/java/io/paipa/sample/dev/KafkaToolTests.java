package io.paipa.sample.dev;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link KafkaTool}'s {@code lag} and {@code dead-letters} against an embedded broker,
 * and against an address where no broker answers.
 */
@Timeout(120)
class KafkaToolTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private static final byte[] NOT_UTF8 = { 'a', (byte) 0xC3, 0x28, (byte) 0xFF, 'z' };

	private static EmbeddedKafkaKraftBroker broker;

	@BeforeAll
	static void startBroker() throws Exception {
		broker = new EmbeddedKafkaKraftBroker(1, 2, "orders", "lagging", "dead");
		broker.brokerProperty("group.initial.rebalance.delay.ms", "0");
		broker.afterPropertiesSet();
		send(new ProducerRecord<>("lagging", 0, bytes("k-0"), bytes("a")),
				new ProducerRecord<>("lagging", 0, bytes("k-1"), bytes("b")),
				new ProducerRecord<>("lagging", 0, bytes("k-2"), bytes("c")),
				new ProducerRecord<>("lagging", 0, bytes("k-3"), bytes("d")),
				new ProducerRecord<>("lagging", 0, bytes("k-4"), bytes("e")),
				new ProducerRecord<>("lagging", 1, bytes("k-5"), bytes("f")),
				new ProducerRecord<>("lagging", 1, bytes("k-6"), bytes("g")));
		commit("lag-group", Map.of(new TopicPartition("lagging", 0), new OffsetAndMetadata(2),
				new TopicPartition("lagging", 1), new OffsetAndMetadata(2)));
		send(new ProducerRecord<>("dead", 0, null, bytes("k-50"), bytes("{\"id\":\"k-50\", not json"),
				deadLetterHeaders("orders", 3, 50L, "parse")),
				new ProducerRecord<>("dead", 1, null, null, NOT_UTF8, deadLetterHeaders("orders", 1, 7L, "store")),
				new ProducerRecord<>("dead", 0, bytes("k-51"), bytes("line one\nline two")));
	}

	@AfterAll
	static void stopBroker() {
		broker.destroy();
	}

	@Test
	void lagPrintsCommittedEndAndLagPerPartitionAndTheirTotal() throws Exception {
		Output output = new Output();
		assertThat(KafkaTool.lag(broker.getBrokersAsString(), "lag-group", TIMEOUT, output.stream)).isZero();
		assertThat(output.rows()).containsSubsequence("group lag-group", "topic partition committed end lag",
				"lagging 0 2 5 3", "lagging 1 2 2 0", "total 4 7 3");
	}

	@Test
	void lagOfAGroupWithoutCommitsShowsTheOrdersTopic() throws Exception {
		Output output = new Output();
		assertThat(KafkaTool.lag(broker.getBrokersAsString(), "nobody", TIMEOUT, output.stream)).isZero();
		assertThat(output.rows()).containsSubsequence("group nobody has no committed offsets; showing topic orders",
				"orders 0 - 0 0", "orders 1 - 0 0", "total 0 0 0");
	}

	@Test
	void deadLettersPrintsEveryRecordWithItsDecodedHeaders() {
		Output output = new Output();
		assertThat(KafkaTool.deadLetters(broker.getBrokersAsString(), "dead", Long.MAX_VALUE, TIMEOUT, output.stream))
			.isZero();
		String text = output.text();
		assertThat(text).contains("""
				0@0 key=k-50
				  value: {"id":"k-50", not json
				  kafka_dlt-original-topic: orders
				  kafka_dlt-original-partition: 3
				  kafka_dlt-original-offset: 50
				  kafka_dlt-exception-fqcn: java.lang.IllegalArgumentException
				  kafka_dlt-exception-message: bad line
				    at column 12
				  paipa-pipeline: orders
				  paipa-step: parse
				  paipa-attempts: 2
				""");
		assertThat(text).contains("1@0 key=(none)\n  value: base64:" + Base64.getEncoder().encodeToString(NOT_UTF8)
				+ "\n  kafka_dlt-original-topic: orders\n  kafka_dlt-original-partition: 1\n"
				+ "  kafka_dlt-original-offset: 7\n");
		assertThat(text).contains("0@1 key=k-51\n  value: line one\n    line two\n");
		assertThat(text).endsWith("dead: 3 dead letters\n");
	}

	@Test
	void deadLettersStopsAfterMaxRecords() {
		Output output = new Output();
		assertThat(KafkaTool.deadLetters(broker.getBrokersAsString(), "dead", 2, TIMEOUT, output.stream)).isZero();
		assertThat(output.text()).endsWith("dead: 2 dead letters (--max 2)\n");
		assertThat(output.rows().stream().filter((row) -> row.matches("\\d+@\\d+ key=.*"))).hasSize(2);
	}

	@Test
	void deadLettersOfATopicThatDoesNotExistIsAnError() {
		Output output = new Output();
		assertThat(KafkaTool.deadLetters(broker.getBrokersAsString(), "no-such-topic", Long.MAX_VALUE, TIMEOUT,
				output.stream))
			.isEqualTo(1);
		assertThat(output.text()).startsWith("error: dead-letters: topic no-such-topic does not exist");
	}

	@Test
	void lagFailsQuicklyWithOneLineWhenNoBrokerAnswers() throws Exception {
		Output output = new Output();
		long start = System.nanoTime();
		assertThat(KafkaTool.lag("localhost:1", "paipa-sample", Duration.ofSeconds(2), output.stream)).isEqualTo(1);
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
		assertThat(output.rows()).singleElement()
			.asString()
			.startsWith("error: lag: could not reach the Kafka broker at localhost:1 (KAFKA_BOOTSTRAP_SERVERS) "
					+ "within 2 s");
	}

	@Test
	void deadLettersFailsQuicklyWithOneLineWhenNoBrokerAnswers() {
		Output output = new Output();
		long start = System.nanoTime();
		assertThat(KafkaTool.deadLetters("localhost:1", "orders-dead-letters", Long.MAX_VALUE, Duration.ofSeconds(2),
				output.stream))
			.isEqualTo(1);
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
		assertThat(output.rows()).singleElement()
			.asString()
			.startsWith("error: dead-letters: could not reach the Kafka broker at localhost:1");
	}

	@SafeVarargs
	private static void send(ProducerRecord<byte[], byte[]>... records) throws Exception {
		Map<String, Object> config = new HashMap<>();
		config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString());
		try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(),
				new ByteArraySerializer())) {
			for (ProducerRecord<byte[], byte[]> record : records) {
				producer.send(record).get();
			}
		}
	}

	private static void commit(String group, Map<TopicPartition, OffsetAndMetadata> offsets) {
		Map<String, Object> config = new HashMap<>();
		config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString());
		config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
		config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
		try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
				new ByteArrayDeserializer())) {
			consumer.assign(offsets.keySet());
			consumer.commitSync(offsets, Duration.ofSeconds(30));
		}
	}

	private static RecordHeaders deadLetterHeaders(String topic, int partition, long offset, String step) {
		RecordHeaders headers = new RecordHeaders();
		headers.add("kafka_dlt-original-topic", bytes(topic));
		headers.add("kafka_dlt-original-partition", ByteBuffer.allocate(4).putInt(partition).array());
		headers.add("kafka_dlt-original-offset", ByteBuffer.allocate(8).putLong(offset).array());
		if (step.equals("parse")) {
			headers.add("kafka_dlt-exception-fqcn", bytes(IllegalArgumentException.class.getName()));
			headers.add("kafka_dlt-exception-message", bytes("bad line\nat column 12"));
			headers.add("paipa-pipeline", bytes("orders"));
			headers.add("paipa-step", bytes("parse"));
			headers.add("paipa-attempts", bytes("2"));
		}
		return headers;
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

	/**
	 * What a command prints, as text and as rows with their columns joined by one space.
	 */
	private static final class Output {

		private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

		private final PrintStream stream = new PrintStream(this.bytes, true, StandardCharsets.UTF_8);

		String text() {
			return this.bytes.toString(StandardCharsets.UTF_8);
		}

		List<String> rows() {
			return text().lines().map((line) -> line.strip().replaceAll("\\s+", " ")).toList();
		}

	}

}
