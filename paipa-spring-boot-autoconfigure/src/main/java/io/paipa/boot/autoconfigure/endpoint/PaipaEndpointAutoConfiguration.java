package io.paipa.boot.autoconfigure.endpoint;

import org.jspecify.annotations.Nullable;
import org.springframework.aot.hint.BindingReflectionHintsRegistrar;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ImportRuntimeHints;

import io.paipa.boot.actuate.PaipaEndpoint;
import io.paipa.boot.autoconfigure.PaipaAutoConfiguration;
import io.paipa.boot.autoconfigure.PaipaPipelines;
import io.paipa.boot.autoconfigure.PaipaProperties;

/**
 * Auto-configuration of the {@code paipa} actuator endpoint, active with
 * {@link io.paipa.boot.EnablePaipaPipeline} when the actuator is present. Exposure
 * follows Spring Boot's defaults: include {@code paipa} in
 * {@code management.endpoints.web.exposure.include} to reach it over HTTP. Its access is
 * read-only unless {@code management.endpoint.paipa.access=unrestricted}.
 */
@AutoConfiguration(after = PaipaAutoConfiguration.class)
@ConditionalOnClass(Endpoint.class)
@ConditionalOnBean(name = PaipaAutoConfiguration.ASSEMBLER_BEAN_NAME)
@ImportRuntimeHints(PaipaEndpointAutoConfiguration.EndpointHints.class)
public final class PaipaEndpointAutoConfiguration {

	/**
	 * What a native image needs to write the endpoint's answers as JSON: reflection on
	 * its records (their accessors), as Spring's binding hints register them.
	 */
	static final class EndpointHints implements RuntimeHintsRegistrar {

		@Override
		public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
			new BindingReflectionHintsRegistrar().registerReflectionHints(hints.reflection(),
					PaipaEndpoint.PipelineDescriptor.class);
		}

	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnAvailableEndpoint
	static PaipaEndpoint paipaEndpoint(ListableBeanFactory beanFactory, PaipaProperties properties) {
		return new PaipaEndpoint(new PaipaPipelines(beanFactory), properties.getMaxWorkersPerStep(),
				properties::stallTimeoutOf, properties::optionsOf);
	}

}
