package io.paipa.sample.dev;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * A development tool for the sample's {@code kafka} profile, so that it can be tried with
 * nothing but Java and Maven:
 * <ul>
 * <li>{@code broker}: runs a single Kafka broker on a free local port with the topics
 * {@code orders} and {@code orders-stored} (4 partitions each), until stopped, and prints
 * the {@code KAFKA_BOOTSTRAP_SERVERS} to use;</li>
 * <li>{@code send N [--bad]}: sends N random orders to {@code orders}, about 1 in 100
 * malformed with {@code --bad};</li>
 * <li>{@code count}: reads {@code orders-stored} and prints its records and distinct
 * order ids;</li>
 * <li>{@code lag [group]}: prints, per partition of the topics the group (by default
 * {@code paipa-sample}, the kafka profile's) has committed offsets for, or else of
 * {@code orders}, the committed offset, the end offset and the lag, and their total;</li>
 * <li>{@code dead-letters [topic] [--max N]}: reads a dead-letter topic (by default
 * {@code orders-dead-letters}) from the beginning to the end it had when started, or N
 * records, and prints each record's partition, offset, key, value (as text if it is
 * UTF-8, else base64) and the headers that say where it came from and why it failed. The
 * kafka profile keeps its dead letters in the table {@code dead_letters}; to have them
 * published to this topic, run the sample with
 * {@code --paipa.pipelines.orders.dead-letter.kafka.topic=orders-dead-letters}.</li>
 * </ul>
 * Run it with {@code mvn -q -pl sample-app exec:java -Dexec.args="broker"}. The broker
 * address is {@code KAFKA_BOOTSTRAP_SERVERS}, by default {@code localhost:9092};
 * {@code lag} and {@code dead-letters} give up after 10 seconds without an answer from
 * it, with an error and a non-zero exit status.
 */
public final class KafkaTool {

	private static final String[] CURRENCIES = { "EUR", "USD", "GBP", "CHF", "JPY", "SEK" };

	/** The kafka profile's consumer group ({@code spring.kafka.consumer.group-id}). */
	private static final String GROUP = "paipa-sample";

	/** The kafka profile's source topic. */
	private static final String TOPIC = "orders";

	/** The kafka profile sets no dead-letter topic: this is the one to set. */
	private static final String DEAD_LETTER_TOPIC = "orders-dead-letters";

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private static final String ORIGINAL_PARTITION = "kafka_dlt-original-partition";

	private static final String ORIGINAL_OFFSET = "kafka_dlt-original-offset";

	private static final List<String> DEAD_LETTER_HEADERS = List.of("kafka_dlt-original-topic", ORIGINAL_PARTITION,
			ORIGINAL_OFFSET, "kafka_dlt-exception-fqcn", "kafka_dlt-exception-message", "paipa-pipeline", "paipa-step",
			"paipa-attempts");

	private KafkaTool() {
	}

	public static void main(String[] args) throws Exception {
		String command = (args.length > 0) ? args[0] : "help";
		String servers = System.getenv().getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092");
		switch (command) {
			case "broker" -> broker();
			case "send" ->
				send(servers, (args.length > 1) ? Integer.parseInt(args[1]) : 10_000, List.of(args).contains("--bad"));
			case "count" -> count(servers);
			case "lag" -> {
				quietConnectionWarnings();
				exit(lag(servers, (args.length > 1) ? args[1] : GROUP, TIMEOUT, System.out));
			}
			case "dead-letters" -> {
				quietConnectionWarnings();
				exit(deadLetters(servers, topicArgument(args), maxArgument(args), TIMEOUT, System.out));
			}
			default -> usage();
		}
	}

	/**
	 * A broker that is down is reported in one line, not also by the clients' connection
	 * warnings.
	 */
	private static void quietConnectionWarnings() {
		if (LoggerFactory.getLogger("org.apache.kafka.clients.NetworkClient") instanceof Logger logger) {
			logger.setLevel(Level.ERROR);
		}
	}

	private static void usage() {
		System.out.println("usage: broker | send N [--bad] | count | lag [group] | dead-letters [topic] [--max N]");
		System.out.println("  lag: the group's committed offsets, end offsets and lag (default group " + GROUP + ")");
		System.out.println("  dead-letters: a dead-letter topic's records (default " + DEAD_LETTER_TOPIC
				+ "); the kafka profile sets no dead-letter topic,");
		System.out.println(
				"    so run the sample with --paipa.pipelines.orders.dead-letter.kafka.topic=" + DEAD_LETTER_TOPIC);
	}

	private static void exit(int status) {
		if (status != 0) {
			System.exit(status);
		}
	}

	private static String topicArgument(String[] args) {
		for (int i = 1; i < args.length; i++) {
			if (args[i].equals("--max")) {
				i++;
			}
			else {
				return args[i];
			}
		}
		return DEAD_LETTER_TOPIC;
	}

	private static long maxArgument(String[] args) {
		int at = List.of(args).indexOf("--max");
		if (at < 0) {
			return Long.MAX_VALUE;
		}
		if (at + 1 >= args.length) {
			throw new IllegalArgumentException("--max needs a number of records");
		}
		return Long.parseLong(args[at + 1]);
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
						: String.format(
								"{\"id\":\"%s\",\"customer\":\"c-%d\",\"amount\":\"%d.%02d\",\"currency\":\"%s\"}", id,
								random.nextInt(500), random.nextInt(1000) + 1, random.nextInt(100),
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

	/**
	 * Prints the group's committed offset, end offset and lag per partition of the topics
	 * it has committed offsets for, or else of {@code orders}, and their total. A
	 * partition without a committed offset shows {@code -} and lags by all its records,
	 * as the profile's group starts from the earliest offset.
	 * @return 0, or 1 after printing a one-line error when the broker does not answer
	 * within the timeout or refuses
	 */
	static int lag(String servers, String group, Duration timeout, PrintStream out) throws InterruptedException {
		Admin admin;
		try {
			admin = Admin.create(adminConfig(servers, timeout));
		}
		catch (KafkaException ex) {
			return failed("lag", servers, timeout, ex, out);
		}
		try {
			Map<TopicPartition, OffsetAndMetadata> committed = committed(admin, group, timeout);
			Set<String> topics = new TreeSet<>();
			committed.keySet().forEach((partition) -> topics.add(partition.topic()));
			if (topics.isEmpty()) {
				out.println("group " + group + " has no committed offsets; showing topic " + TOPIC);
				topics.add(TOPIC);
			}
			else {
				out.println("group " + group);
			}
			List<TopicPartition> partitions = partitions(admin, topics, timeout, out);
			Map<TopicPartition, Long> ends = offsets(admin, partitions, OffsetSpec.latest(), timeout);
			Map<TopicPartition, Long> starts = offsets(admin,
					partitions.stream().filter((partition) -> !committed.containsKey(partition)).toList(),
					OffsetSpec.earliest(), timeout);
			printLag(partitions, committed, starts, ends, out);
			return 0;
		}
		catch (ExecutionException | TimeoutException | KafkaException ex) {
			return failed("lag", servers, timeout, ex, out);
		}
		finally {
			admin.close(Duration.ZERO);
		}
	}

	private static Map<String, Object> adminConfig(String servers, Duration timeout) {
		Map<String, Object> config = new HashMap<>();
		config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
		config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
		config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
		return config;
	}

	private static Map<TopicPartition, OffsetAndMetadata> committed(Admin admin, String group, Duration timeout)
			throws ExecutionException, TimeoutException, InterruptedException {
		Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
		try {
			admin.listConsumerGroupOffsets(group)
				.partitionsToOffsetAndMetadata()
				.get(timeout.toMillis(), TimeUnit.MILLISECONDS)
				.forEach((partition, offset) -> {
					if (offset != null) {
						committed.put(partition, offset);
					}
				});
		}
		catch (ExecutionException ex) {
			if (!(ex.getCause() instanceof GroupIdNotFoundException)) {
				throw ex;
			}
		}
		return committed;
	}

	private static List<TopicPartition> partitions(Admin admin, Set<String> topics, Duration timeout, PrintStream out)
			throws ExecutionException, TimeoutException, InterruptedException {
		List<TopicPartition> partitions = new ArrayList<>();
		for (var topic : new TreeMap<>(admin.describeTopics(topics).topicNameValues()).entrySet()) {
			try {
				TopicDescription description = topic.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
				for (TopicPartitionInfo info : description.partitions()) {
					partitions.add(new TopicPartition(topic.getKey(), info.partition()));
				}
			}
			catch (ExecutionException ex) {
				if (!(ex.getCause() instanceof UnknownTopicOrPartitionException)) {
					throw ex;
				}
				out.println("topic " + topic.getKey() + " does not exist");
			}
		}
		partitions.sort(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
		return partitions;
	}

	private static Map<TopicPartition, Long> offsets(Admin admin, List<TopicPartition> partitions, OffsetSpec spec,
			Duration timeout) throws ExecutionException, TimeoutException, InterruptedException {
		Map<TopicPartition, Long> offsets = new HashMap<>();
		if (partitions.isEmpty()) {
			return offsets;
		}
		Map<TopicPartition, OffsetSpec> request = new HashMap<>();
		partitions.forEach((partition) -> request.put(partition, spec));
		admin.listOffsets(request)
			.all()
			.get(timeout.toMillis(), TimeUnit.MILLISECONDS)
			.forEach((partition, info) -> offsets.put(partition, info.offset()));
		return offsets;
	}

	private static void printLag(List<TopicPartition> partitions, Map<TopicPartition, OffsetAndMetadata> committed,
			Map<TopicPartition, Long> starts, Map<TopicPartition, Long> ends, PrintStream out) {
		int width = partitions.stream().mapToInt((partition) -> partition.topic().length()).max().orElse(0);
		String row = "%-" + Math.max(width, "total".length()) + "s %9s %12s %12s %12s%n";
		out.printf(row, "topic", "partition", "committed", "end", "lag");
		long committedTotal = 0;
		long endTotal = 0;
		long lagTotal = 0;
		for (TopicPartition partition : partitions) {
			OffsetAndMetadata offset = committed.get(partition);
			long end = ends.get(partition);
			long lag = end - ((offset != null) ? offset.offset() : starts.get(partition));
			out.printf(row, partition.topic(), partition.partition(), (offset != null) ? offset.offset() : "-", end,
					lag);
			committedTotal += (offset != null) ? offset.offset() : 0;
			endTotal += end;
			lagTotal += lag;
		}
		out.printf(row, "total", "", committedTotal, endTotal, lagTotal);
	}

	/**
	 * Reads the topic from the beginning with a consumer of no group (nothing is
	 * committed) up to the end offsets it had when started, or {@code max} records,
	 * printing each record and then their number.
	 * @return 0, or 1 after printing a one-line error when the topic does not exist or
	 * the broker does not answer within the timeout
	 */
	static int deadLetters(String servers, String topic, long max, Duration timeout, PrintStream out) {
		Map<String, Object> config = new HashMap<>();
		config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
		config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
		config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
		config.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
		config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
		long read = 0;
		try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
				new ByteArrayDeserializer())) {
			List<TopicPartition> partitions = new ArrayList<>();
			for (PartitionInfo info : consumer.partitionsFor(topic, timeout)) {
				partitions.add(new TopicPartition(topic, info.partition()));
			}
			if (partitions.isEmpty()) {
				out.println("error: dead-letters: topic " + topic + " does not exist at " + servers);
				return 1;
			}
			consumer.assign(partitions);
			consumer.seekToBeginning(partitions);
			Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, timeout);
			long remaining = remaining(consumer, ends, timeout);
			long progressed = System.nanoTime();
			while (read < max && remaining > 0) {
				for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
					long end = ends.get(new TopicPartition(record.topic(), record.partition()));
					if (read < max && record.offset() < end) {
						printDeadLetter(record, out);
						read++;
					}
				}
				long left = remaining(consumer, ends, timeout);
				if (left < remaining) {
					remaining = left;
					progressed = System.nanoTime();
				}
				else if (System.nanoTime() - progressed > timeout.toNanos()) {
					throw new TimeoutException(
							"no records for " + duration(timeout) + " with " + remaining + " left to read");
				}
			}
		}
		catch (TimeoutException | KafkaException ex) {
			return failed("dead-letters", servers, timeout, ex, out);
		}
		out.println(topic + ": " + read + ((read == 1) ? " dead letter" : " dead letters")
				+ ((read == max) ? " (--max " + max + ")" : ""));
		return 0;
	}

	/**
	 * The records left to read up to the end offsets; the partitions read to their end
	 * are paused.
	 */
	private static long remaining(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> ends, Duration timeout) {
		long remaining = 0;
		List<TopicPartition> done = new ArrayList<>();
		for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
			long left = end.getValue() - consumer.position(end.getKey(), timeout);
			if (left > 0) {
				remaining += left;
			}
			else {
				done.add(end.getKey());
			}
		}
		consumer.pause(done);
		return remaining;
	}

	private static void printDeadLetter(ConsumerRecord<byte[], byte[]> record, PrintStream out) {
		out.println(record.partition() + "@" + record.offset() + " key=" + text(record.key()));
		printField("value", text(record.value()), out);
		Headers headers = record.headers();
		for (String name : DEAD_LETTER_HEADERS) {
			Header header = headers.lastHeader(name);
			if (header != null) {
				printField(name, headerValue(name, header.value()), out);
			}
		}
	}

	private static void printField(String name, String value, PrintStream out) {
		out.println("  " + name + ": " + value.replace("\n", "\n    "));
	}

	private static String headerValue(String name, byte[] value) {
		if (value != null && name.equals(ORIGINAL_PARTITION) && value.length == Integer.BYTES) {
			return String.valueOf(ByteBuffer.wrap(value).getInt());
		}
		if (value != null && name.equals(ORIGINAL_OFFSET) && value.length == Long.BYTES) {
			return String.valueOf(ByteBuffer.wrap(value).getLong());
		}
		return text(value);
	}

	/**
	 * The bytes as text if they are strictly UTF-8, else {@code base64:} and their
	 * base64.
	 */
	private static String text(byte[] bytes) {
		if (bytes == null) {
			return "(none)";
		}
		try {
			return StandardCharsets.UTF_8.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT)
				.decode(ByteBuffer.wrap(bytes))
				.toString();
		}
		catch (CharacterCodingException ex) {
			return "base64:" + Base64.getEncoder().encodeToString(bytes);
		}
	}

	/**
	 * Prints one line saying why the command failed; a timeout means the broker could not
	 * be reached.
	 */
	private static int failed(String command, String servers, Duration timeout, Exception ex, PrintStream out) {
		String unreachable = "error: " + command + ": could not reach the Kafka broker at " + servers
				+ " (KAFKA_BOOTSTRAP_SERVERS)";
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			if (cause instanceof TimeoutException || cause instanceof org.apache.kafka.common.errors.TimeoutException) {
				out.println(unreachable + " within " + duration(timeout)
						+ ((cause.getMessage() != null) ? ": " + cause.getMessage() : ""));
				return 1;
			}
			if (cause instanceof ConfigException) {
				out.println(unreachable + ": " + cause.getMessage());
				return 1;
			}
		}
		Throwable cause = (ex instanceof ExecutionException && ex.getCause() != null) ? ex.getCause() : ex;
		out.println("error: " + command + " failed against the Kafka broker at " + servers + ": " + cause);
		return 1;
	}

	private static String duration(Duration timeout) {
		return (timeout.toMillis() % 1000 == 0) ? timeout.toSeconds() + " s" : timeout.toMillis() + " ms";
	}

}
