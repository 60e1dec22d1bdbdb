package io.paipa.boot.autoconfigure.kafka;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaTemplate;

import io.paipa.boot.EnablePaipaPipeline;
import io.paipa.boot.autoconfigure.PaipaAutoConfiguration;
import io.paipa.boot.autoconfigure.PipelineBuilderCustomizer;
import io.paipa.boot.kafka.PaipaKafkaSources;
import io.paipa.core.StepHandler;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Kafka auto-configuration's conditions and its start-up checks, without a broker.
 */
@Timeout(60)
class KafkaConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(PaipaAutoConfiguration.class, PaipaKafkaAutoConfiguration.class))
		.withUserConfiguration(UpperConfig.class)
		.withPropertyValues("paipa.pipelines.relay.definition=upper");

	@Test
	void withoutEnablePaipaPipelineNothingKafkaIsRegistered() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(PaipaAutoConfiguration.class, PaipaKafkaAutoConfiguration.class))
			.run((context) -> assertThat(context).doesNotHaveBean(PaipaKafkaSources.class)
				.doesNotHaveBean(PipelineBuilderCustomizer.class));
	}

	@Test
	void withSpringKafkaTheSourcesAndTheCustomizerAreRegistered() {
		this.contextRunner.run((context) -> assertThat(context).hasSingleBean(PaipaKafkaSources.class)
			.hasSingleBean(PipelineBuilderCustomizer.class));
	}

	@Test
	void withoutSpringKafkaTheAutoConfigurationBacksOff() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(KafkaTemplate.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(PaipaKafkaSources.class));
	}

	@Test
	void aKafkaSourceWithoutSpringKafkaFailsAtStartUpSayingWhatToAdd() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(KafkaTemplate.class))
			.withPropertyValues("paipa.pipelines.relay.source.kafka.topics=orders")
			.run((context) -> assertInvalid(context, "paipa.pipelines.relay.source.kafka.topics",
					"Spring Kafka is not on the classpath", "spring-boot-starter-kafka"));
	}

	@Test
	void aKafkaSourceOnABatchPipelineFailsAtStartUp() {
		this.contextRunner
			.withPropertyValues("paipa.pipelines.relay.source.kafka.topics=orders", "paipa.pipelines.relay.mode=batch")
			.run((context) -> assertInvalid(context, "paipa.pipelines.relay.source.kafka.topics",
					"needs a continuous pipeline"));
	}

	@Test
	void aDeadLetterTopicAndADeadLetterHandlerTogetherFailAtStartUp() {
		this.contextRunner.withBean("quiet", io.paipa.core.DeadLetterHandler.class, () -> (letter) -> {
		})
			.withPropertyValues("paipa.pipelines.relay.dead-letter.kafka.topic=dead",
					"paipa.pipelines.relay.dead-letter-handler=quiet")
			.run((context) -> assertInvalid(context, "paipa.pipelines.relay.dead-letter.kafka.topic", "not both"));
	}

	@Test
	void aSinkKeyNamingNoBeanFailsAtStartUp() {
		this.contextRunner
			.withPropertyValues("paipa.pipelines.relay.sink.kafka.topic=out",
					"paipa.pipelines.relay.sink.kafka.key=byId")
			.run((context) -> assertInvalid(context, "paipa.pipelines.relay.sink.kafka.key",
					"no KafkaKey bean named 'byId'"));
	}

	@Test
	void badSourceAndSinkNumbersFailAtStartUpWithTheirKeys() {
		this.contextRunner
			.withPropertyValues("paipa.pipelines.relay.source.kafka.topics=in",
					"paipa.pipelines.relay.source.kafka.max-in-flight=0")
			.run((context) -> assertInvalid(context, "paipa.pipelines.relay.source.kafka.max-in-flight", "at least 1"));
		this.contextRunner
			.withPropertyValues("paipa.pipelines.relay.sink.kafka.topic=out",
					"paipa.pipelines.relay.sink.kafka.workers=0")
			.run((context) -> assertInvalid(context, "paipa.pipelines.relay.sink.kafka.workers", "at least 1"));
	}

	private static void assertInvalid(AssertableApplicationContext context, String name, String... reason) {
		assertThat(context).hasFailed();
		Throwable failure = context.getStartupFailure();
		for (Throwable candidate = failure; candidate != null; candidate = candidate.getCause()) {
			if (candidate instanceof InvalidConfigurationPropertyValueException ex) {
				assertThat(ex.getName()).isEqualTo(name);
				assertThat(ex.getReason()).contains(reason);
				return;
			}
		}
		throw new AssertionError("No InvalidConfigurationPropertyValueException in " + failure, failure);
	}

	@Configuration(proxyBeanMethods = false)
	@EnablePaipaPipeline
	static class UpperConfig {

		@Bean
		StepHandler<String, String> upper() {
			return String::toUpperCase;
		}

	}

}
