package io.paipa.boot.kafka;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;

import io.paipa.core.Pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Kafka source or sink whose broker cannot be reached: the pipeline's health is DOWN
 * with the reason until the broker answers, and then records flow without a restart.
 */
@Timeout(180)
class KafkaBrokerDownTests {

	private static final Duration AWAIT = Duration.ofSeconds(90);

	@Test
	void aBrokerThatCannotBeReachedMakesThePipelineDownUntilItAnswers() throws Exception {
		// the application knows the broker only by an address where nothing listens at
		// first;
		// later a relay there leads to the broker, which then names its own address
		String broker = KafkaTestSupport.brokers();
		String in = KafkaTestSupport.unique("down-in");
		String out = KafkaTestSupport.unique("down-out");
		KafkaTestSupport.createTopic(in, 1);
		KafkaTestSupport.createTopic(out, 1);
		try (ServerSocket placeholder = new ServerSocket(0)) {
			int port = placeholder.getLocalPort();
			placeholder.close();
			String servers = "localhost:" + port;
			List<String> args = List.of("--spring.kafka.bootstrap-servers=" + servers,
					"--spring.kafka.consumer.auto-offset-reset=earliest",
					"--spring.kafka.consumer.properties[reconnect.backoff.max.ms]=1000",
					"--logging.level.org.apache.kafka=ERROR", "--logging.level.org.springframework.kafka=WARN",
					"--paipa.pipelines.relay.definition=upper", "--paipa.pipelines.relay.on-error=skip",
					"--paipa.pipelines.relay.progress-interval=0", "--paipa.pipelines.relay.shutdown-timeout=10s",
					"--paipa.pipelines.relay.source.kafka.topics=" + in,
					"--paipa.pipelines.relay.source.kafka.group-id=" + KafkaTestSupport.unique("group"),
					"--paipa.pipelines.relay.source.kafka.poll-timeout=200ms",
					"--paipa.pipelines.relay.sink.kafka.topic=" + out);
			try (ConfigurableApplicationContext context = KafkaRelayApp.run(args.toArray(new String[0]))) {
				HealthIndicator health = (HealthIndicator) context
					.getBean("paipaHealthContributor", CompositeHealthContributor.class)
					.getContributor("relay");
				await().atMost(AWAIT).untilAsserted(() -> {
					Health now = health.health();
					assertThat(now.getStatus()).isEqualTo(Status.DOWN);
					assertThat(problems(now))
						.anySatisfy((problem) -> assertThat(problem).contains("cannot reach the broker at " + servers));
				});
				try (Relay relay = new Relay(port, broker)) {
					await().atMost(AWAIT).until(() -> health.health().getStatus().equals(Status.UP));
					KafkaTestSupport.produce(in, 0, 20, (i) -> false);
					Map<String, Integer> counts = KafkaTestSupport.readCounts(out, 20, AWAIT);
					assertThat(counts).hasSize(20).containsKey("VALUE-0");
				}
			}
		}
	}

	@Test
	void aSinkWhoseBrokerCannotBeReachedMakesThePipelineDownUntilItAnswers() throws Exception {
		String broker = KafkaTestSupport.brokers();
		String out = KafkaTestSupport.unique("sink-down-out");
		KafkaTestSupport.createTopic(out, 1);
		try (ServerSocket placeholder = new ServerSocket(0)) {
			int port = placeholder.getLocalPort();
			placeholder.close();
			String servers = "localhost:" + port;
			// a sink only: items come from the pipeline's input, not from Kafka
			List<String> args = List.of("--spring.kafka.bootstrap-servers=" + servers,
					"--spring.kafka.producer.properties[reconnect.backoff.max.ms]=1000",
					"--spring.kafka.producer.properties[max.block.ms]=20000", "--logging.level.org.apache.kafka=ERROR",
					"--logging.level.org.springframework.kafka=WARN", "--paipa.pipelines.out.definition=upper",
					"--paipa.pipelines.out.progress-interval=0", "--paipa.pipelines.out.shutdown-timeout=10s",
					"--paipa.pipelines.out.sink.kafka.topic=" + out);
			try (ConfigurableApplicationContext context = KafkaRelayApp.run(args.toArray(new String[0]))) {
				HealthIndicator health = (HealthIndicator) context
					.getBean("paipaHealthContributor", CompositeHealthContributor.class)
					.getContributor("out");
				assertThat(health.health().getStatus()).isEqualTo(Status.UP);
				@SuppressWarnings("unchecked")
				Pipeline<String> pipeline = context.getBean("out", Pipeline.class);
				for (int i = 0; i < 20; i++) {
					pipeline.input().put("value-" + i);
				}
				await().atMost(AWAIT).untilAsserted(() -> {
					Health now = health.health();
					assertThat(now.getStatus()).isEqualTo(Status.DOWN);
					assertThat(problems(now))
						.anySatisfy((problem) -> assertThat(problem).contains("its Kafka sink has waited")
							.contains("for the broker at " + servers));
				});
				try (Relay relay = new Relay(port, broker)) {
					Map<String, Integer> counts = KafkaTestSupport.readCounts(out, 20, AWAIT);
					assertThat(counts).hasSize(20).containsKey("VALUE-0");
					await().atMost(AWAIT).until(() -> health.health().getStatus().equals(Status.UP));
					await().atMost(AWAIT).until(() -> pipeline.snapshot().completed() == 20);
				}
			}
		}
	}

	/** Forwards every connection to a port to the broker, until closed. */
	private static final class Relay implements AutoCloseable {

		private final ServerSocket server;

		private final List<Socket> sockets = new CopyOnWriteArrayList<>();

		Relay(int port, String broker) throws IOException {
			this.server = new ServerSocket();
			this.server.setReuseAddress(true);
			this.server.bind(new InetSocketAddress("localhost", port));
			String[] hostPort = broker.split(",")[0].split(":");
			Thread acceptor = new Thread(() -> {
				while (!this.server.isClosed()) {
					try {
						Socket client = this.server.accept();
						Socket target = new Socket(hostPort[0], Integer.parseInt(hostPort[1]));
						this.sockets.add(client);
						this.sockets.add(target);
						pump(client, target);
						pump(target, client);
					}
					catch (IOException ex) {
						// closed
					}
				}
			}, "relay-accept");
			acceptor.setDaemon(true);
			acceptor.start();
		}

		private static void pump(Socket from, Socket to) {
			Thread thread = new Thread(() -> {
				try {
					from.getInputStream().transferTo(to.getOutputStream());
				}
				catch (IOException ex) {
					// either side closed
				}
				finally {
					closeQuietly(from);
					closeQuietly(to);
				}
			}, "relay-pump");
			thread.setDaemon(true);
			thread.start();
		}

		private static void closeQuietly(Socket socket) {
			try {
				socket.close();
			}
			catch (IOException ex) {
				// already closed
			}
		}

		@Override
		public void close() throws IOException {
			this.server.close();
			this.sockets.forEach(Relay::closeQuietly);
		}

	}

	@SuppressWarnings("unchecked")
	private static List<String> problems(Health health) {
		Object problems = health.getDetails().get("problems");
		return (problems != null) ? (List<String>) problems : List.of();
	}

}
