package io.paipa.sample;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The {@code kafka} profile against an embedded broker: orders from the topic
 * {@code orders} are stored, malformed ones dead-lettered, every stored order is sent to
 * {@code orders-stored} as JSON keyed by its id, and the group commits to the end.
 */
@SpringBootTest(webEnvironment = WebEnvironment.NONE,
		properties = "spring.datasource.url=jdbc:h2:mem:orders-kafka;DB_CLOSE_DELAY=-1")
@ActiveProfiles("kafka")
@DirtiesContext
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class OrdersKafkaTests {

	private static final EmbeddedKafkaKraftBroker broker = startBroker();

	private static final ObjectMapper json = JsonMapper.builder().build();

	@Autowired
	private JdbcTemplate jdbc;

	private static EmbeddedKafkaKraftBroker startBroker() {
		EmbeddedKafkaKraftBroker started = new EmbeddedKafkaKraftBroker(1, 4, "orders", "orders-stored");
		started.brokerProperty("group.initial.rebalance.delay.ms", "0");
		started.afterPropertiesSet();
		return started;
	}

	@DynamicPropertySource
	static void kafka(DynamicPropertyRegistry registry) {
		registry.add("spring.kafka.bootstrap-servers", broker::getBrokersAsString);
	}

	@AfterAll
	static void stopBroker() {
		broker.destroy();
	}

	@Test
	void ordersFromATopicAreStoredAndSentOnKeyedByIdAndTheGroupCommitsToTheEnd() throws Exception {
		int n = 1_000;
		Map<String, Object> config = new HashMap<>();
		config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString());
		try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(),
				new StringSerializer())) {
			for (int i = 0; i < n; i++) {
				String id = "k-" + i;
				String line = (i % 100 == 50) ? "{\"id\":\"" + id + "\", not json" : "{\"id\":\"" + id
						+ "\",\"customer\":\"c-" + (i % 7) + "\",\"amount\":\"10.00\",\"currency\":\"USD\"}";
				producer.send(new ProducerRecord<>("orders", id, line));
			}
			producer.flush();
		}
		await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
			assertThat(this.jdbc.queryForObject("select count(*) from orders", Long.class)).isEqualTo(990);
			assertThat(this.jdbc.queryForObject("select count(*) from dead_letters", Long.class)).isEqualTo(10);
		});
		List<ConsumerRecord<String, String>> stored = readAll("orders-stored", 990);
		Set<String> keys = new HashSet<>();
		for (ConsumerRecord<String, String> record : stored) {
			JsonNode value = json.readTree(record.value());
			assertThat(value.get("order").get("id").asString()).isEqualTo(record.key());
			assertThat(value.get("tier").asString()).isNotEmpty();
			assertThat(value.get("amountEur").isNumber()).isTrue();
			keys.add(record.key());
		}
		assertThat(keys).hasSize(990).doesNotContain("k-50", "k-150");
		await().atMost(Duration.ofSeconds(60)).until(() -> uncommitted("paipa-sample", "orders") == 0);
	}

	private static List<ConsumerRecord<String, String>> readAll(String topic, int expected) {
		Map<String, Object> config = new HashMap<>();
		config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString());
		List<ConsumerRecord<String, String>> records = new ArrayList<>();
		try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
				new StringDeserializer())) {
			List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(20))
				.stream()
				.map((info) -> new TopicPartition(topic, info.partition()))
				.toList();
			consumer.assign(partitions);
			consumer.seekToBeginning(partitions);
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
			while (records.size() < expected && System.nanoTime() < deadline) {
				consumer.poll(Duration.ofMillis(200)).forEach(records::add);
			}
		}
		assertThat(records).hasSize(expected);
		return records;
	}

	private static long uncommitted(String group, String topic) throws Exception {
		try (AdminClient admin = AdminClient.create(Map.of("bootstrap.servers", broker.getBrokersAsString()))) {
			Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
				.partitionsToOffsetAndMetadata()
				.get(20, TimeUnit.SECONDS);
			Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
			for (int partition = 0; partition < 4; partition++) {
				latest.put(new TopicPartition(topic, partition), OffsetSpec.latest());
			}
			long lag = 0;
			for (var entry : admin.listOffsets(latest).all().get(20, TimeUnit.SECONDS).entrySet()) {
				OffsetAndMetadata offset = committed.get(entry.getKey());
				lag += entry.getValue().offset() - ((offset != null) ? offset.offset() : 0);
			}
			return lag;
		}
	}

}
