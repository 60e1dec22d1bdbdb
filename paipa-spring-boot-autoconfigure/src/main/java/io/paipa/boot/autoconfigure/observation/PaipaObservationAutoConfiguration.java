package io.paipa.boot.autoconfigure.observation;

import io.micrometer.observation.ObservationRegistry;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import io.paipa.boot.autoconfigure.PaipaAutoConfiguration;
import io.paipa.boot.autoconfigure.PipelineBuilderCustomizer;
import io.paipa.boot.observation.PaipaObservations;

/**
 * Auto-configuration of the observation of handler calls and of the context carried from
 * the threads that put items, active with {@link io.paipa.boot.EnablePaipaPipeline} when
 * an {@link ObservationRegistry} bean exists, unless {@code paipa.observations.enabled}
 * is {@code false}. Every pipeline is built with {@link PaipaObservations} as its
 * {@link io.paipa.core.ContextPropagation}, unless the registry is a no-op.
 */
@AutoConfiguration(after = PaipaAutoConfiguration.class,
		afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@ConditionalOnClass(ObservationRegistry.class)
@ConditionalOnBean(type = { "io.micrometer.observation.ObservationRegistry" },
		name = PaipaAutoConfiguration.ASSEMBLER_BEAN_NAME)
@ConditionalOnBooleanProperty(name = "paipa.observations.enabled", matchIfMissing = true)
public final class PaipaObservationAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	static PaipaObservations paipaObservations(ObservationRegistry registry) {
		return new PaipaObservations(registry);
	}

	@Bean
	static PipelineBuilderCustomizer paipaObservationsCustomizer(PaipaObservations observations) {
		return (pipeline, builder) -> {
			if (observations.isActive()) {
				builder.contextPropagation(observations);
			}
		};
	}

}
