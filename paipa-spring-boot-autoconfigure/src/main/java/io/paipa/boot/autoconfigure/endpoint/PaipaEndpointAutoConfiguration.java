package io.paipa.boot.autoconfigure.endpoint;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

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
public final class PaipaEndpointAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnAvailableEndpoint
	static PaipaEndpoint paipaEndpoint(ListableBeanFactory beanFactory, PaipaProperties properties) {
		return new PaipaEndpoint(new PaipaPipelines(beanFactory), properties.getMaxWorkersPerStep());
	}

}
