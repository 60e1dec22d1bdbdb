package io.paipa.boot.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.ContainerCustomizer;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.ContainerProperties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Kafka source's listener container is made as Boot makes the application's: the
 * {@code spring.kafka.listener.*} settings and {@link ContainerCustomizer} beans apply,
 * while what the source depends on (manual acknowledgements, one consumer) stays.
 */
@Timeout(120)
class KafkaListenerSettingsTests {

	private static final Duration AWAIT = Duration.ofSeconds(60);

	@Test
	void bootsListenerSettingsAndContainerCustomizersApplyToTheSourcesContainer() throws Exception {
		String in = KafkaTestSupport.unique("settings-in");
		String out = KafkaTestSupport.unique("settings-out");
		KafkaTestSupport.createTopic(in, 2);
		KafkaTestSupport.createTopic(out, 1);
		List<String> args = new ArrayList<>(
				KafkaTestSupport.relayArgs(in, out, null, KafkaTestSupport.unique("settings-group")));
		args.add("--spring.kafka.listener.client-id=settings-client");
		// the source keeps its own acknowledgements and a single consumer whatever is set
		args.add("--spring.kafka.listener.ack-mode=record");
		args.add("--spring.kafka.listener.concurrency=3");
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(KafkaRelayApp.class,
				Customizing.class)
			.web(WebApplicationType.NONE)
			.logStartupInfo(false)
			.run(args.toArray(new String[0]))) {
			ConcurrentMessageListenerContainer<Object, Object> container = context.getBean(PaipaKafkaSources.class)
				.find("relay")
				.container();
			assertThat(context.getBean(Customizing.class).customized).containsExactly(container);
			ContainerProperties properties = container.getContainerProperties();
			assertThat(properties.getClientId()).isEqualTo("settings-client");
			assertThat(properties.isLogContainerConfig()).as("set by the customizer").isTrue();
			assertThat(properties.getAckMode()).isEqualTo(ContainerProperties.AckMode.MANUAL);
			assertThat(container.getConcurrency()).isEqualTo(1);
			// and it works: records flow through
			KafkaTestSupport.produce(in, 0, 50, (i) -> false);
			Map<String, Integer> counts = KafkaTestSupport.readCounts(out, 50, AWAIT);
			assertThat(counts).hasSize(50);
		}
	}

	@Configuration(proxyBeanMethods = false)
	static class Customizing {

		final List<Object> customized = new CopyOnWriteArrayList<>();

		@Bean
		ContainerCustomizer<Object, Object, ConcurrentMessageListenerContainer<Object, Object>> logConfig() {
			return (container) -> {
				this.customized.add(container);
				container.getContainerProperties().setLogContainerConfig(true);
			};
		}

	}

}
