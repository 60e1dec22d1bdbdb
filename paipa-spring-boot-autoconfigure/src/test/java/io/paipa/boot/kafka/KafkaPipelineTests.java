package io.paipa.boot.kafka;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.support.KafkaHeaders;

import io.paipa.boot.autoconfigure.kafka.PaipaKafkaAutoConfiguration;
import io.paipa.core.Pipeline;
import io.paipa.core.PipelineSnapshot;
import io.paipa.core.StepSnapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A pipeline between Kafka topics, against an embedded KRaft broker: offsets committed
 * only for finished records, back-pressure by pausing, rebalances, a crashed instance,
 * and dead letters.
 */
@Timeout(180)
class KafkaPipelineTests {

	private static final Duration AWAIT = Duration.ofSeconds(90);

	private static PaipaKafkaSources sources(ConfigurableApplicationContext context) {
		return context.getBean(PaipaKafkaSources.class);
	}

	private static KafkaPipelineSource source(ConfigurableApplicationContext context) {
		KafkaPipelineSource source = sources(context).find("relay");
		assertThat(source).isNotNull();
		return source;
	}

	private static ConfigurableApplicationContext start(List<String> args, String... more) {
		List<String> all = new ArrayList<>(args);
		all.addAll(List.of(more));
		return KafkaRelayApp.run(all.toArray(new String[0]));
	}

	private static Set<String> expected(int from, int to) {
		Set<String> values = new HashSet<>();
		for (int i = from; i < to; i++) {
			values.add("VALUE-" + i);
		}
		return values;
	}

	@Test
	void everyRecordReachesTheSinkAndTheGroupCommitsToTheEnd() throws Exception {
		String in = KafkaTestSupport.unique("in");
		String out = KafkaTestSupport.unique("out");
		String group = KafkaTestSupport.unique("group");
		KafkaTestSupport.createTopic(in, 3);
		KafkaTestSupport.createTopic(out, 1);
		int n = 10_000;
		KafkaTestSupport.produce(in, 0, n, (i) -> false);
		try (ConfigurableApplicationContext context = start(KafkaTestSupport.relayArgs(in, out, null, group),
				"--paipa.pipelines.relay.steps.upper.workers=4")) {
			Map<String, Integer> counts = KafkaTestSupport.readCounts(out, n, AWAIT);
			assertThat(counts.keySet()).isEqualTo(expected(0, n));
			assertThat(counts.values()).as("each value sent once").allMatch((count) -> count == 1);
			await().atMost(AWAIT).until(() -> KafkaTestSupport.uncommitted(group, in) == 0);
			KafkaPipelineSource source = source(context);
			assertThat(source.consumed()).isEqualTo(n);
			assertThat(source.committed()).isEqualTo(n);
			await().atMost(AWAIT).until(() -> source.inFlight() == 0);
			PipelineSnapshot snapshot = context.getBean("relay", Pipeline.class).snapshot();
			assertThat(snapshot.steps()).extracting(StepSnapshot::name)
				.containsExactly("upper", PaipaKafkaAutoConfiguration.SINK_BATCH_STEP,
						PaipaKafkaAutoConfiguration.SINK_STEP);
			assertThat(snapshot.in()).isEqualTo(n);
			assertThat(snapshot.completed()).isEqualTo(n);
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.get("paipa.kafka.source.records")
				.tag("pipeline", "relay")
				.tag("outcome", "consumed")
				.functionCounter()
				.count()).isEqualTo(n);
			assertThat(
					registry.get("paipa.kafka.source.records").tag("outcome", "acknowledged").functionCounter().count())
				.isEqualTo(n);
			assertThat(registry.get("paipa.kafka.source.in.flight").gauge().value()).isZero();
			assertThat(registry.get("paipa.kafka.source.paused").gauge().value()).isZero();
			assertThat(registry.get("paipa.kafka.source.paused.seconds").functionCounter().count()).isNotNegative();
		}
	}

	@Test
	void aPoisonRecordGoesToTheDeadLetterTopicAndTheOffsetsMovePastIt() throws Exception {
		String in = KafkaTestSupport.unique("in");
		String out = KafkaTestSupport.unique("out");
		String dlt = KafkaTestSupport.unique("dlt");
		String group = KafkaTestSupport.unique("group");
		KafkaTestSupport.createTopic(in, 2);
		KafkaTestSupport.createTopic(out, 1);
		KafkaTestSupport.createTopic(dlt, 1);
		int n = 400;
		KafkaTestSupport.produce(in, 0, n, (i) -> i % 100 == 7);
		try (ConfigurableApplicationContext context = start(KafkaTestSupport.relayArgs(in, out, dlt, group),
				"--paipa.pipelines.relay.retry.max-attempts=2", "--paipa.pipelines.relay.retry.backoff=0")) {
			Map<String, Integer> counts = KafkaTestSupport.readCounts(out, n - 4, AWAIT);
			Set<String> good = expected(0, n);
			for (int i = 7; i < n; i += 100) {
				good.remove("VALUE-" + i);
			}
			assertThat(counts.keySet()).isEqualTo(good);
			List<ConsumerRecord<String, String>> dead = new ArrayList<>();
			KafkaTestSupport.read(dlt, 4, AWAIT, dead);
			assertThat(dead).extracting(ConsumerRecord::value)
				.containsExactlyInAnyOrder("poison-7", "poison-107", "poison-207", "poison-307");
			for (ConsumerRecord<String, String> record : dead) {
				String index = record.value().substring("poison-".length());
				assertThat(record.key()).isEqualTo("key-" + index);
				assertThat(header(record, "paipa-pipeline")).isEqualTo("relay");
				assertThat(header(record, "paipa-step")).isEqualTo("upper");
				assertThat(header(record, "paipa-attempts")).isEqualTo("2");
				assertThat(header(record, KafkaHeaders.DLT_EXCEPTION_MESSAGE)).contains("cannot relay poison-" + index);
				assertThat(header(record, KafkaHeaders.DLT_ORIGINAL_TOPIC)).isEqualTo(in);
				// the headers Spring Kafka's DeadLetterPublishingRecoverer writes
				assertThat(header(record, KafkaHeaders.DLT_ORIGINAL_CONSUMER_GROUP)).isEqualTo(group);
				assertThat(header(record, KafkaHeaders.DLT_EXCEPTION_FQCN))
					.isEqualTo(IllegalArgumentException.class.getName());
				assertThat(header(record, KafkaHeaders.DLT_EXCEPTION_STACKTRACE))
					.contains("cannot relay poison-" + index)
					.contains("\tat ");
				assertThat(header(record, KafkaHeaders.DLT_ORIGINAL_TIMESTAMP_TYPE)).isEqualTo("CreateTime");
				assertThat(record.headers().lastHeader(KafkaHeaders.DLT_ORIGINAL_PARTITION).value()).hasSize(4);
				assertThat(record.headers().lastHeader(KafkaHeaders.DLT_ORIGINAL_OFFSET).value()).hasSize(8);
				assertThat(record.headers().lastHeader(KafkaHeaders.DLT_ORIGINAL_TIMESTAMP).value()).hasSize(8);
			}
			await().atMost(AWAIT).until(() -> KafkaTestSupport.uncommitted(group, in) == 0);
			PipelineSnapshot snapshot = context.getBean("relay", Pipeline.class).snapshot();
			await().atMost(AWAIT).until(() -> context.getBean("relay", Pipeline.class).snapshot().completed() == n - 4);
			assertThat(snapshot.in()).isEqualTo(n);
			assertThat(context.getBean("relay", Pipeline.class).snapshot().deadLettered()).isEqualTo(4);
		}
	}

	@Test
	void aContextStoppedAndStartedAgainConsumesAgain() throws Exception {
		String in = KafkaTestSupport.unique("in");
		String out = KafkaTestSupport.unique("out");
		String group = KafkaTestSupport.unique("group");
		KafkaTestSupport.createTopic(in, 2);
		KafkaTestSupport.createTopic(out, 1);
		KafkaTestSupport.produce(in, 0, 300, (i) -> false);
		try (ConfigurableApplicationContext context = start(KafkaTestSupport.relayArgs(in, out, null, group))) {
			assertThat(KafkaTestSupport.readCounts(out, 300, AWAIT).keySet()).isEqualTo(expected(0, 300));
			// stopping pauses the consumer: starting must let it consume again
			context.stop();
			KafkaTestSupport.produce(in, 300, 600, (i) -> false);
			context.start();
			Map<String, Integer> counts = KafkaTestSupport.readCounts(out, 600, AWAIT);
			assertThat(counts.keySet()).isEqualTo(expected(0, 600));
			assertThat(source(context).isPaused()).isFalse();
		}
	}

	@Test
	void aDeadLetterIsTheOriginalRecordAsConsumedWhateverTheSerializers() throws Exception {
		String in = KafkaTestSupport.unique("in");
		String out = KafkaTestSupport.unique("out");
		String dlt = KafkaTestSupport.unique("dlt");
		KafkaTestSupport.createTopic(in, 1);
		KafkaTestSupport.createTopic(out, 1);
		KafkaTestSupport.createTopic(dlt, 1);
		// not UTF-8: the String deserializer replaces the last byte, the JSON serializer
		// would quote it
		byte[] poison = { 'p', 'o', 'i', 's', 'o', 'n', '-', (byte) 0xff, '"' };
		byte[] key = { 'k', (byte) 0xfe };
		Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestSupport.brokers());
		try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(),
				new ByteArraySerializer())) {
			producer.send(new ProducerRecord<>(in, key, poison)).get(30, TimeUnit.SECONDS);
			producer
				.send(new ProducerRecord<>(in, "k".getBytes(StandardCharsets.UTF_8),
						"value-1".getBytes(StandardCharsets.UTF_8)))
				.get(30, TimeUnit.SECONDS);
		}
		try (ConfigurableApplicationContext context = start(
				KafkaTestSupport.relayArgs(in, out, dlt, KafkaTestSupport.unique("group")),
				"--spring.kafka.producer.value-serializer="
						+ "org.springframework.kafka.support.serializer.JacksonJsonSerializer")) {
			List<ConsumerRecord<byte[], byte[]>> dead = KafkaTestSupport.readBytes(dlt, 1, AWAIT);
			assertThat(dead).hasSize(1);
			assertThat(dead.get(0).value()).isEqualTo(poison);
			assertThat(dead.get(0).key()).isEqualTo(key);
			assertThat(dead.get(0).headers().lastHeader(RawBytes.VALUE)).isNull();
			assertThat(new String(dead.get(0).headers().lastHeader("paipa-step").value(), StandardCharsets.UTF_8))
				.isEqualTo("upper");
			// the sink's outputs still go through the application's serializer
			assertThat(KafkaTestSupport.readCounts(out, 1, AWAIT)).containsOnlyKeys("\"VALUE-1\"");
		}
	}

	private static String header(ConsumerRecord<String, String> record, String name) {
		Header header = record.headers().lastHeader(name);
		assertThat(header).as("header %s", name).isNotNull();
		return new String(header.value(), StandardCharsets.UTF_8);
	}

	@Test
	void aSlowStepPausesTheConsumerInsteadOfBufferingAndCausesNoRebalance() throws Exception {
		String in = KafkaTestSupport.unique("in");
		String out = KafkaTestSupport.unique("out");
		String group = KafkaTestSupport.unique("group");
		KafkaTestSupport.createTopic(in, 2);
		KafkaTestSupport.createTopic(out, 1);
		int n = 1_500;
		int maxInFlight = 40;
		KafkaTestSupport.produce(in, 0, n, (i) -> false);
		// 1,500 records at 3 ms each on one worker take longer than the poll interval:
		// a consumer that waited for room instead of pausing would be thrown out of the
		// group
		try (ConfigurableApplicationContext context = start(KafkaTestSupport.relayArgs(in, out, null, group),
				"--test.latency-micros=3000", "--paipa.pipelines.relay.source.kafka.max-in-flight=" + maxInFlight,
				"--paipa.pipelines.relay.source.kafka.properties[max.poll.interval.ms]=2500")) {
			Map<String, Integer> counts = KafkaTestSupport.readCounts(out, n, AWAIT);
			assertThat(counts.keySet()).isEqualTo(expected(0, n));
			KafkaPipelineSource source = source(context);
			assertThat(source.maxSeenInFlight()).isLessThanOrEqualTo(maxInFlight).isGreaterThan(1);
			assertThat(source.pausedSeconds()).isGreaterThan(0.0);
			assertThat(source.assignments()).as("partition assignments (1 = no rebalance)").isEqualTo(1);
			await().atMost(AWAIT).until(() -> KafkaTestSupport.uncommitted(group, in) == 0);
		}
	}

	@Test
	void twoInstancesShareThePartitionsAndStoppingOneMovesThemWithoutLoss() throws Exception {
		String in = KafkaTestSupport.unique("in");
		String out = KafkaTestSupport.unique("out");
		String group = KafkaTestSupport.unique("group");
		KafkaTestSupport.createTopic(in, 4);
		KafkaTestSupport.createTopic(out, 1);
		int n = 6_000;
		List<String> args = KafkaTestSupport.relayArgs(in, out, null, group);
		String[] slow = { "--test.latency-micros=2000", "--paipa.pipelines.relay.steps.upper.workers=2" };
		try (ConfigurableApplicationContext first = start(args, slow)) {
			KafkaPipelineSource one = source(first);
			await().atMost(AWAIT).until(() -> one.assignments() >= 1);
			try (ConfigurableApplicationContext second = start(args, slow)) {
				KafkaPipelineSource two = source(second);
				// the second member joined and the partitions were shared out again
				await().atMost(AWAIT).until(() -> two.assignments() >= 1 && one.assignments() >= 2);
				KafkaTestSupport.produce(in, 0, n, (i) -> false);
				await().atMost(AWAIT).until(() -> one.consumed() > 0 && two.consumed() > 0);
				long beforeStop = two.assignments();
				first.close();
				assertThat(one.inFlight()).as("in flight after a graceful stop").isZero();
				await().atMost(AWAIT).until(() -> two.assignments() > beforeStop);
				Map<String, Integer> counts = KafkaTestSupport.readCounts(out, n, AWAIT);
				assertThat(counts.keySet()).isEqualTo(expected(0, n));
				long duplicates = counts.values().stream().mapToInt((count) -> count - 1).sum();
				System.out.printf("two instances: %d records, %d by the first, %d by the second, %d duplicates%n", n,
						one.consumed(), two.consumed(), duplicates);
				assertThat(one.consumed() + two.consumed()).isEqualTo(n + duplicates);
				await().atMost(AWAIT).until(() -> KafkaTestSupport.uncommitted(group, in) == 0);
			}
		}
	}

	@Test
	void aCrashedInstanceLosesNothingAndItsRecordsAreProcessedAgainByTheNext() throws Exception {
		String in = KafkaTestSupport.unique("in");
		String out = KafkaTestSupport.unique("out");
		String group = KafkaTestSupport.unique("group");
		KafkaTestSupport.createTopic(in, 2);
		KafkaTestSupport.createTopic(out, 1);
		int n = 4_000;
		KafkaTestSupport.produce(in, 0, n, (i) -> false);
		List<String> args = KafkaTestSupport.relayArgs(in, out, null, group);
		List<String> command = new ArrayList<>();
		command.add(ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java"));
		command.add("-Xmx256m");
		command.add("-cp");
		command.add(System.getProperty("java.class.path"));
		command.add(KafkaRelayApp.class.getName());
		command.addAll(args);
		command.add("--test.latency-micros=2000");
		command.add("--paipa.pipelines.relay.steps.upper.workers=2");
		File log = new File("target/kafka-crash-instance.log");
		Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
		try {
			// the first instance is part way through when it is killed
			await().atMost(AWAIT).until(() -> KafkaTestSupport.uncommitted(group, in) < n);
		}
		finally {
			process.destroyForcibly();
			assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
		}
		int beforeKill = KafkaTestSupport.readCounts(out, 1, AWAIT).size();
		long uncommittedAtCrash = KafkaTestSupport.uncommitted(group, in);
		assertThat(uncommittedAtCrash).as("records not committed when the first instance died").isPositive();
		assertThat(beforeKill).as("values in the sink when the first instance died").isLessThan(n);
		try (ConfigurableApplicationContext context = start(args)) {
			Map<String, Integer> counts = KafkaTestSupport.readCounts(out, n, AWAIT);
			assertThat(counts.keySet()).isEqualTo(expected(0, n));
			long duplicates = counts.values().stream().mapToInt((count) -> count - 1).sum();
			System.out.printf("crash: %d records, %d in the sink before the kill, %d uncommitted then, %d duplicates%n",
					n, beforeKill, uncommittedAtCrash, duplicates);
			// only what the dead instance had not committed is done twice
			assertThat(duplicates).isLessThanOrEqualTo(uncommittedAtCrash);
			await().atMost(AWAIT).until(() -> KafkaTestSupport.uncommitted(group, in) == 0);
		}
	}

}
