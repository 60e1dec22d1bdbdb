package io.paipa.boot.autoconfigure;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.util.ClassUtils;

/**
 * The start-up checks of a pipeline's Kafka settings ({@code source.kafka.*},
 * {@code sink.kafka.*}, {@code dead-letter.kafka.*}), apart from the generic planning:
 * Spring Kafka present, a source only on a continuous pipeline, counts and durations in
 * range, the key bean known, a dead-letter topic or handler but not both.
 */
final class KafkaSettings {

	private static final String KAFKA_TEMPLATE = "org.springframework.kafka.core.KafkaTemplate";

	private KafkaSettings() {
	}

	/**
	 * Checks a pipeline's Kafka settings.
	 * @param beanFactory the bean factory, for the class loader and the key bean
	 * @param prefix the pipeline's property prefix
	 * @param pipeline the pipeline's properties
	 */
	static void check(ConfigurableListableBeanFactory beanFactory, String prefix, PaipaProperties.Pipeline pipeline) {
		PaipaProperties.KafkaSource source = pipeline.getSource().getKafka();
		PaipaProperties.KafkaSink sink = pipeline.getSink().getKafka();
		PaipaProperties.KafkaDeadLetters deadLetters = pipeline.getDeadLetter().getKafka();
		String key = source.isEnabled() ? prefix + ".source.kafka.topics" : sink.isEnabled()
				? prefix + ".sink.kafka.topic" : deadLetters.isEnabled() ? prefix + ".dead-letter.kafka.topic" : null;
		if (key == null) {
			return;
		}
		if (!ClassUtils.isPresent(KAFKA_TEMPLATE, beanFactory.getBeanClassLoader())) {
			throw new InvalidConfigurationPropertyValueException(key, null,
					"Spring Kafka is not on the classpath: add org.springframework.boot:spring-boot-starter-kafka");
		}
		if (source.isEnabled()) {
			if (pipeline.getMode() != PaipaProperties.Mode.CONTINUOUS) {
				throw new InvalidConfigurationPropertyValueException(prefix + ".source.kafka.topics",
						source.getTopics(),
						"A Kafka source needs a continuous pipeline; remove " + prefix + ".mode=batch");
			}
			if (source.getMaxInFlight() != null) {
				PipelinePlanner.atLeast(prefix + ".source.kafka.max-in-flight", source.getMaxInFlight(), 1);
			}
			if (source.getPollTimeout().isNegative() || source.getPollTimeout().isZero()) {
				throw new InvalidConfigurationPropertyValueException(prefix + ".source.kafka.poll-timeout",
						source.getPollTimeout(), "Must be positive");
			}
			PipelinePlanner.notNegative(prefix + ".source.kafka.revoke-timeout", source.getRevokeTimeout());
		}
		if (sink.isEnabled()) {
			PipelinePlanner.atLeast(prefix + ".sink.kafka.batch-size", sink.getBatchSize(), 1);
			PipelinePlanner.atLeast(prefix + ".sink.kafka.workers", sink.getWorkers(), 1);
			PipelinePlanner.notNegative(prefix + ".sink.kafka.max-wait", sink.getMaxWait());
			String keyBean = sink.getKey();
			if (keyBean != null && !beanFactory.containsBean(keyBean)) {
				throw new InvalidConfigurationPropertyValueException(prefix + ".sink.kafka.key", keyBean,
						"There is no KafkaKey bean named '" + keyBean + "'");
			}
		}
		if (deadLetters.isEnabled() && pipeline.getDeadLetterHandler() != null) {
			throw new InvalidConfigurationPropertyValueException(prefix + ".dead-letter.kafka.topic",
					deadLetters.getTopic(), "Set either " + prefix + ".dead-letter.kafka.topic or " + prefix
							+ ".dead-letter-handler, not both");
		}
	}

	/**
	 * The workers of the two steps a Kafka sink adds after the last one.
	 * @param pipeline the pipeline's properties
	 * @return the chunk's worker and the senders, or 0 without a sink
	 */
	static int sinkWorkers(PaipaProperties.Pipeline pipeline) {
		PaipaProperties.KafkaSink sink = pipeline.getSink().getKafka();
		return sink.isEnabled() ? 1 + sink.getWorkers() : 0;
	}

}
