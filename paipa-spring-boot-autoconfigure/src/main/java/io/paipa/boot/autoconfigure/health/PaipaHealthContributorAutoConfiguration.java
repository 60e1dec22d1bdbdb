package io.paipa.boot.autoconfigure.health;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.context.annotation.Bean;

import io.paipa.boot.autoconfigure.PaipaAutoConfiguration;
import io.paipa.boot.autoconfigure.PaipaPipelines;
import io.paipa.boot.autoconfigure.PaipaProperties;
import io.paipa.boot.health.PipelineHealthIndicator;
import io.paipa.boot.health.PipelineProblems;
import io.paipa.core.Pipeline;

/**
 * Auto-configuration of the {@code paipa} health contributor, one child per pipeline
 * ({@code /actuator/health/paipa/<name>}), active with
 * {@link io.paipa.boot.EnablePaipaPipeline} when Spring Boot's health support is present
 * and {@code management.health.paipa.enabled} is not false.
 */
@AutoConfiguration(after = PaipaAutoConfiguration.class)
@ConditionalOnClass(HealthContributor.class)
@ConditionalOnBean(name = PaipaAutoConfiguration.ASSEMBLER_BEAN_NAME)
public final class PaipaHealthContributorAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(name = "paipaHealthContributor")
	@ConditionalOnEnabledHealthIndicator("paipa")
	static CompositeHealthContributor paipaHealthContributor(ListableBeanFactory beanFactory,
			PaipaProperties properties, ObjectProvider<PipelineProblems> reporters) {
		Map<String, Pipeline<?>> pipelines = new PaipaPipelines(beanFactory).get();
		Map<String, HealthContributor> children = new LinkedHashMap<>();
		List<PipelineProblems> problems = reporters.orderedStream().toList();
		pipelines.forEach((name, pipeline) -> children.put(name,
				new PipelineHealthIndicator(pipeline, properties.stallTimeoutOf(name), problems)));
		return CompositeHealthContributor.fromMap(children);
	}

}
