package io.paipa.sample.dev;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * A development tool for the sample's {@code kafka} profile, so that it can be tried with
 * nothing but Java and Maven:
 * <ul>
 * <li>{@code broker}: runs a single Kafka broker on a free local port with the topics
 * {@code orders} and {@code orders-stored} (4 partitions each), until stopped, and
 * prints the {@code KAFKA_BOOTSTRAP_SERVERS} to use;</li>
 * <li>{@code send N [--bad]}: sends N random orders to {@code orders}, about 1 in 100
 * malformed with {@code --bad};</li>
 * <li>{@code count}: reads {@code orders-stored} and prints its records and distinct
 * order ids.</li>
 * </ul>
 * Run it with {@code mvn -q -pl sample-app exec:java -Dexec.args="broker"}. The broker
 * address is {@code KAFKA_BOOTSTRAP_SERVERS}, by default {@code localhost:9092}.
 */
public final class KafkaTool {

	private static final String[] CURRENCIES = { "EUR", "USD", "GBP", "CHF", "JPY", "SEK" };

	private KafkaTool() {
	}

	public static void main(String[] args) throws Exception {
		String command = (args.length > 0) ? args[0] : "help";
		String servers = System.getenv().getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092");
		switch (command) {
			case "broker" -> broker();
			case "send" -> send(servers, (args.length > 1) ? Integer.parseInt(args[1]) : 10_000,
					List.of(args).contains("--bad"));
			case "count" -> count(servers);
			default -> System.out.println("usage: broker | send N [--bad] | count");
		}
	}

	private static void broker() throws InterruptedException {
		EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, 4, "orders", "orders-stored");
		broker.brokerProperty("group.initial.rebalance.delay.ms", "0");
		broker.afterPropertiesSet();
		Runtime.getRuntime().addShutdownHook(new Thread(broker::destroy));
		System.out.println("Kafka broker on " + broker.getBrokersAsString()
				+ " with topics orders and orders-stored (4 partitions each); Ctrl-C stops it. In other shells:");
		System.out.println("export KAFKA_BOOTSTRAP_SERVERS=" + broker.getBrokersAsString());
		new CountDownLatch(1).await();
	}

	private static void send(String servers, int n, boolean bad) {
		Map<String, Object> config = new HashMap<>();
		config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
		config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
		String run = Long.toString(System.currentTimeMillis(), 36);
		ThreadLocalRandom random = ThreadLocalRandom.current();
		try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(),
				new StringSerializer())) {
			for (int i = 0; i < n; i++) {
				String id = "o-" + run + "-" + i;
				String line = (bad && random.nextInt(100) == 0) ? "{\"id\":\"" + id + "\", this is not json"
						: String.format("{\"id\":\"%s\",\"customer\":\"c-%d\",\"amount\":\"%d.%02d\",\"currency\":\"%s\"}",
								id, random.nextInt(500), random.nextInt(1000) + 1, random.nextInt(100),
								CURRENCIES[random.nextInt(CURRENCIES.length)]);
				producer.send(new ProducerRecord<>("orders", id, line));
			}
			producer.flush();
		}
		System.out.println("sent " + n + " orders to topic orders");
	}

	private static void count(String servers) {
		Map<String, Object> config = new HashMap<>();
		config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
		config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
		long records = 0;
		Set<String> keys = new HashSet<>();
		try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
				new StringDeserializer())) {
			List<TopicPartition> partitions = new ArrayList<>();
			for (PartitionInfo info : consumer.partitionsFor("orders-stored", Duration.ofSeconds(20))) {
				partitions.add(new TopicPartition("orders-stored", info.partition()));
			}
			consumer.assign(partitions);
			consumer.seekToBeginning(partitions);
			Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
			while (partitions.stream().anyMatch((partition) -> consumer.position(partition) < ends.get(partition))) {
				for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
					records++;
					keys.add(record.key());
				}
			}
		}
		System.out.println("orders-stored: " + records + " records, " + keys.size() + " distinct order ids");
	}

}
