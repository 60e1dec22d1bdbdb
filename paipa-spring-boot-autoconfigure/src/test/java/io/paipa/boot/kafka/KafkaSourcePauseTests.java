package io.paipa.boot.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.ContainerProperties;

import io.paipa.boot.autoconfigure.PaipaProperties;
import io.paipa.core.Pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Back-pressure by pausing the consumer, when the pipeline's workers resume it while the
 * listener is pausing it: the container must not stay paused once the records in flight
 * have settled (a run of 10,000 records once stopped half-way for good that way).
 */
@Timeout(60)
class KafkaSourcePauseTests {

	@Test
	void aResumeThatComesWhileTheListenerPausesLeavesTheConsumerRunning() throws Exception {
		CountDownLatch gate = new CountDownLatch(1);
		Pipeline<Object> pipeline = Pipeline.<Object>builder("race").step("hold", (Object item) -> {
			gate.await();
			return item;
		}).build();
		CountDownLatch pausing = new CountDownLatch(1);
		CountDownLatch proceed = new CountDownLatch(1);
		PaipaProperties.Pipeline properties = new PaipaProperties.Pipeline();
		properties.getSource().getKafka().setTopics(List.of("in"));
		// at most 4 in flight, 2 per poll: paused at 3 records in flight, resumed at 2
		properties.getSource().getKafka().setMaxInFlight(4);
		DefaultKafkaConsumerFactory<Object, Object> consumers = new DefaultKafkaConsumerFactory<>(
				Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9"));
		KafkaPipelineSource source = new KafkaPipelineSource("race", pipeline, false, properties, consumers, "group",
				(factory, topics) -> new ConcurrentMessageListenerContainer<>(factory,
						new ContainerProperties(topics.toArray(new String[0]))) {

					@Override
					public void pause() {
						// the listener has decided to pause; it asks the container late
						pausing.countDown();
						try {
							proceed.await(10, TimeUnit.SECONDS);
						}
						catch (InterruptedException ex) {
							Thread.currentThread().interrupt();
						}
						super.pause();
					}

				});
		pipeline.start();
		try {
			Thread listener = new Thread(() -> {
				for (int offset = 0; offset < 3; offset++) {
					source.onMessage(new ConsumerRecord<>("in", 0, offset, "key", "value-" + offset), () -> {
					});
				}
			}, "listener");
			listener.start();
			assertThat(pausing.await(10, TimeUnit.SECONDS)).isTrue();
			// the first records settle: at 2 in flight a worker resumes the consumer
			gate.countDown();
			await().atMost(Duration.ofSeconds(10)).until(() -> source.inFlight() <= 2);
			try {
				// a resume that does not wait for the pause is over by now
				await().atMost(Duration.ofSeconds(2)).until(() -> !source.isPaused());
			}
			catch (ConditionTimeoutException ex) {
				// the resume waits for the pause to be over
			}
			proceed.countDown();
			listener.join(10_000);
			await().atMost(Duration.ofSeconds(10)).until(() -> source.inFlight() == 0);
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(source.container().isPauseRequested())
					.as("container paused with %d records in flight", source.inFlight())
					.isFalse());
			assertThat(source.isPaused()).isFalse();
			assertThat(source.consumed()).isEqualTo(3);
		}
		finally {
			gate.countDown();
			proceed.countDown();
			pipeline.stop(Duration.ofSeconds(10));
		}
	}

}
