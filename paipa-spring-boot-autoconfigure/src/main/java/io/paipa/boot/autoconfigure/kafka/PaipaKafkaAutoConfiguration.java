package io.paipa.boot.autoconfigure.kafka;

import java.time.Duration;
import java.util.function.Consumer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaTemplate;

import io.paipa.boot.autoconfigure.PaipaAutoConfiguration;
import io.paipa.boot.autoconfigure.PaipaProperties;
import io.paipa.boot.autoconfigure.PipelineBuilderCustomizer;
import io.paipa.boot.kafka.BytesTemplate;
import io.paipa.boot.kafka.KafkaDeadLetterPublisher;
import io.paipa.boot.kafka.KafkaKey;
import io.paipa.boot.kafka.KafkaSinkHandler;
import io.paipa.boot.kafka.PaipaKafkaSinks;
import io.paipa.boot.kafka.PaipaKafkaSources;
import io.paipa.core.OutagePolicy;
import io.paipa.core.Pipeline;
import io.paipa.core.PipelineListener;
import io.paipa.core.StepSpec;
import io.paipa.core.Steps;

/**
 * Auto-configuration of Kafka sources, sinks and dead-letter topics for paipa pipelines,
 * active with {@link io.paipa.boot.EnablePaipaPipeline} when Spring Kafka is on the
 * classpath. It uses the application's Kafka {@code ConsumerFactory} and
 * {@link KafkaTemplate}, so the {@code spring.kafka.*} settings apply.
 */
@AutoConfiguration(after = PaipaAutoConfiguration.class,
		afterName = "org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration")
@ConditionalOnClass(KafkaTemplate.class)
@ConditionalOnBean(name = PaipaAutoConfiguration.ASSEMBLER_BEAN_NAME)
public final class PaipaKafkaAutoConfiguration {

	/** The name of the step that collects outputs for a Kafka sink. */
	public static final String SINK_BATCH_STEP = "kafka-sink-batch";

	/** The name of the step that sends outputs to a Kafka sink. */
	public static final String SINK_STEP = "kafka-sink";

	/**
	 * Three sends failing in a row make the broker down: the sink holds its batch and
	 * retries.
	 */
	private static final OutagePolicy SINK_OUTAGE = OutagePolicy.afterFailures(3)
		.withBackoff(Duration.ofMillis(200), Duration.ofSeconds(10));

	@Bean
	static PaipaKafkaSources paipaKafkaSources(ConfigurableListableBeanFactory beanFactory,
			PaipaProperties properties) {
		return new PaipaKafkaSources(beanFactory, properties);
	}

	@Bean
	static PaipaKafkaSinks paipaKafkaSinks() {
		return new PaipaKafkaSinks();
	}

	@Bean
	static BytesTemplate paipaKafkaBytesTemplate() {
		return new BytesTemplate();
	}

	@Bean
	static PipelineBuilderCustomizer paipaKafkaCustomizer(ConfigurableListableBeanFactory beanFactory,
			PaipaProperties properties) {
		return (name, builder) -> customize(beanFactory, name, properties.getPipelines().get(name), builder);
	}

	@SuppressWarnings({ "unchecked", "rawtypes" })
	private static void customize(ConfigurableListableBeanFactory beanFactory, String name,
			PaipaProperties.Pipeline properties, Pipeline.Builder<?, ?> builder) {
		if (properties == null) {
			return;
		}
		Pipeline.Builder raw = builder;
		if (properties.getSource().getKafka().isEnabled()) {
			// what a stop cannot finish stays uncommitted and goes to the next owner
			raw.redeliverTrackedAtStop();
			raw.listener(new OutagePause(beanFactory));
		}
		PaipaProperties.KafkaSink sink = properties.getSink().getKafka();
		PaipaProperties.KafkaDeadLetters deadLetters = properties.getDeadLetter().getKafka();
		if (!sink.isEnabled() && !deadLetters.isEnabled()) {
			return;
		}
		KafkaTemplate<Object, Object> template = beanFactory.getBeanProvider(KafkaTemplate.class).getIfAvailable();
		if (template == null) {
			throw new IllegalStateException("A paipa pipeline sends to Kafka but the application has no KafkaTemplate "
					+ "bean; add spring-boot-starter-kafka and set spring.kafka.bootstrap-servers");
		}
		if (deadLetters.isEnabled()) {
			raw.deadLetterHandler(new KafkaDeadLetterPublisher(template,
					() -> beanFactory.getBean(BytesTemplate.class).get(template), deadLetters.getTopic()));
		}
		if (sink.isEnabled()) {
			KafkaKey<Object> key = (sink.getKey() != null) ? beanFactory.getBean(sink.getKey(), KafkaKey.class) : null;
			Duration maxWait = sink.getMaxWait().isZero() ? Duration.ofMillis(1) : sink.getMaxWait();
			Consumer<StepSpec> one = (spec) -> spec.workers(1);
			// a broker that does not take what is sent is an outage, not bad items: hold
			// and retry
			Consumer<StepSpec> senders = (spec) -> spec.workers(sink.getWorkers()).outage(SINK_OUTAGE);
			raw.stream(SINK_BATCH_STEP, Steps.chunk(sink.getBatchSize(), maxWait), one);
			KafkaSinkHandler sender = new KafkaSinkHandler(name, template, sink.getTopic(), key);
			beanFactory.getBean(PaipaKafkaSinks.class).register(name, sender);
			raw.fanOut(SINK_STEP, sender, senders);
		}
	}

	/** Pauses a pipeline's Kafka consumer while one of its steps is in an outage. */
	private static final class OutagePause implements PipelineListener {

		private final ConfigurableListableBeanFactory beanFactory;

		OutagePause(ConfigurableListableBeanFactory beanFactory) {
			this.beanFactory = beanFactory;
		}

		@Override
		public void outageStarted(String pipeline, String step, Throwable cause) {
			this.beanFactory.getBean(PaipaKafkaSources.class).outage(pipeline, true);
		}

		@Override
		public void outageEnded(String pipeline, String step, Duration lasted) {
			this.beanFactory.getBean(PaipaKafkaSources.class).outage(pipeline, false);
		}

	}

	/**
	 * Meters of the Kafka sources, when Micrometer is present.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterBinder.class)
	static class KafkaSourceMetricsConfiguration {

		@Bean
		static MeterBinder paipaKafkaSourceMeters(PaipaKafkaSources sources) {
			return (registry) -> {
				// the sources exist once started; meters read them lazily by name
				for (String name : sources.names()) {
					FunctionCounter.builder("paipa.kafka.source.records", sources, (s) -> s.consumed(name))
						.tag("pipeline", name)
						.tag("outcome", "consumed")
						.description("Records taken from Kafka into the pipeline")
						.register(registry);
					FunctionCounter.builder("paipa.kafka.source.records", sources, (s) -> s.committed(name))
						.tag("pipeline", name)
						.tag("outcome", "acknowledged")
						.description("Records finished and acknowledged for commit, in offset order")
						.register(registry);
					Gauge.builder("paipa.kafka.source.in.flight", sources, (s) -> s.inFlight(name))
						.tag("pipeline", name)
						.description("Records taken from Kafka and not finished yet")
						.register(registry);
					Gauge.builder("paipa.kafka.source.paused", sources, (s) -> s.paused(name))
						.tag("pipeline", name)
						.description("1 while the consumer is paused because the pipeline is full, else 0")
						.register(registry);
					FunctionCounter.builder("paipa.kafka.source.paused.seconds", sources, (s) -> s.pausedSeconds(name))
						.tag("pipeline", name)
						.description("Time the consumer was paused because the pipeline was full")
						.register(registry);
				}
			};
		}

	}

}
