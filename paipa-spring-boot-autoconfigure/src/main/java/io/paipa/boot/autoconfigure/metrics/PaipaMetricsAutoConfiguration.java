package io.paipa.boot.autoconfigure.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import io.paipa.boot.autoconfigure.PaipaAutoConfiguration;
import io.paipa.boot.autoconfigure.PaipaPipelines;
import io.paipa.boot.metrics.PaipaMetrics;
import io.paipa.boot.observation.PaipaObservations;

/**
 * Auto-configuration of the pipelines' Micrometer meters, active with
 * {@link io.paipa.boot.EnablePaipaPipeline} when a {@link MeterRegistry} is present.
 */
@AutoConfiguration(after = PaipaAutoConfiguration.class,
		afterName = "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration")
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean(type = { "io.micrometer.core.instrument.MeterRegistry" },
		name = PaipaAutoConfiguration.ASSEMBLER_BEAN_NAME)
public final class PaipaMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	static PaipaMetrics paipaMetrics(ListableBeanFactory beanFactory, ObjectProvider<PaipaObservations> observations) {
		// observed handler calls make the handler timer through the observation
		PaipaObservations observed = observations.getIfAvailable();
		return new PaipaMetrics(new PaipaPipelines(beanFactory), observed == null || !observed.isActive());
	}

}
