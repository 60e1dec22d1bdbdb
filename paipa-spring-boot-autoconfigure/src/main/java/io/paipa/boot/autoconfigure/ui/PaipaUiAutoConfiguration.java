package io.paipa.boot.autoconfigure.ui;

import org.jspecify.annotations.Nullable;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.web.server.ManagementPortType;
import org.springframework.boot.actuate.endpoint.web.PathMappedEndpoints;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ImportRuntimeHints;
import org.springframework.core.env.Environment;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.ServerResponse;

import io.paipa.boot.autoconfigure.PaipaAutoConfiguration;
import io.paipa.boot.autoconfigure.PaipaProperties;
import io.paipa.boot.autoconfigure.endpoint.PaipaEndpointAutoConfiguration;

/**
 * Auto-configuration of the live pipeline page, on with {@code paipa.ui.enabled=true} in
 * a servlet web application with the actuator and
 * {@link io.paipa.boot.EnablePaipaPipeline}. The page, at {@code paipa.ui.path}
 * ({@code /paipa} by default), is static HTML, CSS and JavaScript from
 * {@code META-INF/paipa-ui/} that reads the {@code paipa} endpoint every second; a small
 * {@code settings.json} beside it tells the page where the endpoint is and whether its
 * write operation (rescaling) is allowed. The page itself changes nothing: rescaling goes
 * through the endpoint, with the endpoint's access and the application's security.
 */
@AutoConfiguration(after = PaipaEndpointAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({ PathMappedEndpoints.class, RouterFunction.class })
@ConditionalOnBean(name = PaipaAutoConfiguration.ASSEMBLER_BEAN_NAME)
@ConditionalOnBooleanProperty("paipa.ui.enabled")
@ImportRuntimeHints(PaipaUiAutoConfiguration.PageHints.class)
public final class PaipaUiAutoConfiguration {

	/**
	 * What a native image needs to serve the page: its files as resources.
	 */
	static final class PageHints implements RuntimeHintsRegistrar {

		@Override
		public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
			hints.resources().registerPattern(PaipaUiRoutes.LOCATION + "*");
		}

	}

	@Bean
	@ConditionalOnMissingBean(name = "paipaUiRouterFunction")
	static RouterFunction<ServerResponse> paipaUiRouterFunction(PaipaProperties properties,
			ObjectProvider<PathMappedEndpoints> endpoints, Environment environment) {
		return new PaipaUiRoutes(PaipaUiRoutes.checkedPath(properties.getUi().getPath()),
				() -> PaipaUiSettings.of(endpoints.getIfAvailable(), ManagementPortType.get(environment)))
			.routes();
	}

}
