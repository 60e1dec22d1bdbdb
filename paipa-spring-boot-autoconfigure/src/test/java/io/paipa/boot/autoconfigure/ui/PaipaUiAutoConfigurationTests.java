package io.paipa.boot.autoconfigure.ui;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.web.WebEndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableWebApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.converter.HttpMessageConverter;
import org.springframework.http.converter.ResourceHttpMessageConverter;
import org.springframework.http.converter.StringHttpMessageConverter;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.servlet.function.HandlerFunction;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.ServerRequest;
import org.springframework.web.servlet.function.ServerResponse;
import org.springframework.web.util.ServletRequestPathUtils;

import io.paipa.boot.EnablePaipaPipeline;
import io.paipa.boot.autoconfigure.PaipaAutoConfiguration;
import io.paipa.boot.autoconfigure.endpoint.PaipaEndpointAutoConfiguration;
import io.paipa.core.StepHandler;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link PaipaUiAutoConfiguration}: the live pipeline page is off by default, on with
 * {@code paipa.ui.enabled=true} at {@code paipa.ui.path}, absent without a servlet web
 * application, the actuator or Spring MVC; and what its {@code settings.json} tells the
 * page about the endpoint's path and write access.
 */
@Timeout(60)
class PaipaUiAutoConfigurationTests {

	private static final String ROUTES = "paipaUiRouterFunction";

	private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(EndpointAutoConfiguration.class, WebEndpointAutoConfiguration.class,
				PaipaAutoConfiguration.class, PaipaEndpointAutoConfiguration.class, PaipaUiAutoConfiguration.class))
		.withUserConfiguration(PipelineConfig.class)
		.withPropertyValues("paipa.pipelines.orders.definition=upper", "paipa.pipelines.orders.progress-interval=0s",
				"management.endpoints.web.exposure.include=paipa");

	@Test
	void pageIsOffByDefault() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(ROUTES);
		});
	}

	@Test
	void pageIsServedAtSlashPaipaWhenEnabled() {
		this.contextRunner.withPropertyValues("paipa.ui.enabled=true").run((context) -> {
			assertThat(context).hasSingleBean(RouterFunction.class).hasBean(ROUTES);
			MockHttpServletResponse redirect = get(context, "/paipa");
			assertThat(redirect.getStatus()).isEqualTo(302);
			assertThat(redirect.getHeader("Location")).isEqualTo("paipa/");
			MockHttpServletResponse page = get(context, "/paipa/");
			assertThat(page.getStatus()).isEqualTo(200);
			assertThat(page.getContentType()).startsWith("text/html");
			assertThat(page.getContentAsString(StandardCharsets.UTF_8)).contains("<script src=\"paipa.js\"");
			MockHttpServletResponse script = get(context, "/paipa/paipa.js");
			assertThat(script.getStatus()).isEqualTo(200);
			assertThat(script.getContentType()).contains("javascript");
			assertThat(get(context, "/paipa/paipa.css").getContentType()).startsWith("text/css");
			assertThat(get(context, "/paipa/nothing-here.js").getStatus()).isEqualTo(404);
			assertThat(get(context, "/other").getStatus()).isEqualTo(404);
		});
	}

	@Test
	void settingsTellThePageWhereTheEndpointIsAndThatItIsReadOnlyByDefault() {
		this.contextRunner.withPropertyValues("paipa.ui.enabled=true").run((context) -> {
			MockHttpServletResponse settings = get(context, "/paipa/settings.json");
			assertThat(settings.getStatus()).isEqualTo(200);
			assertThat(settings.getContentType()).startsWith("application/json");
			assertThat(settings.getHeader("Cache-Control")).isEqualTo("no-store");
			assertThat(settings.getContentAsString())
				.isEqualTo("{\"endpoint\":\"../actuator/paipa\",\"write\":false,\"problem\":null}");
		});
	}

	// Access values are spelled as their constants: a context runner has no Boot
	// conversion service, which also reads "unrestricted"

	@Test
	void settingsAllowWritesWhenTheEndpointsAccessIsUnrestricted() {
		this.contextRunner.withPropertyValues("paipa.ui.enabled=true", "management.endpoint.paipa.access=UNRESTRICTED")
			.run((context) -> assertThat(get(context, "/paipa/settings.json").getContentAsString())
				.isEqualTo("{\"endpoint\":\"../actuator/paipa\",\"write\":true,\"problem\":null}"));
	}

	@Test
	void settingsAllowNoWritesWhenTheMaximumPermittedAccessIsReadOnly() {
		this.contextRunner
			.withPropertyValues("paipa.ui.enabled=true", "management.endpoint.paipa.access=UNRESTRICTED",
					"management.endpoints.access.max-permitted=READ_ONLY")
			.run((context) -> assertThat(get(context, "/paipa/settings.json").getContentAsString())
				.contains("\"write\":false"));
	}

	@Test
	void pageFollowsACustomPathAndTheEndpointsBasePathAndMapping() {
		this.contextRunner.withPropertyValues("paipa.ui.enabled=true", "paipa.ui.path=/ops/pipelines/",
				"management.endpoints.web.base-path=/manage", "management.endpoints.web.path-mapping.paipa=pipelines")
			.run((context) -> {
				assertThat(get(context, "/paipa/").getStatus()).isEqualTo(404);
				MockHttpServletResponse redirect = get(context, "/ops/pipelines");
				assertThat(redirect.getStatus()).isEqualTo(302);
				assertThat(redirect.getHeader("Location")).isEqualTo("pipelines/");
				assertThat(get(context, "/ops/pipelines/").getStatus()).isEqualTo(200);
				assertThat(get(context, "/ops/pipelines/paipa.js").getStatus()).isEqualTo(200);
				assertThat(get(context, "/ops/pipelines/settings.json").getContentAsString())
					.isEqualTo("{\"endpoint\":\"../../manage/pipelines\",\"write\":false,\"problem\":null}");
			});
	}

	@Test
	void settingsSayWhenTheEndpointIsNotExposedOverHttp() {
		this.contextRunner
			.withPropertyValues("paipa.ui.enabled=true", "management.endpoints.web.exposure.include=health")
			.run((context) -> assertThat(get(context, "/paipa/settings.json").getContentAsString())
				.startsWith("{\"endpoint\":null,\"write\":false,\"problem\":\"The paipa endpoint is not exposed")
				.contains("management.endpoints.web.exposure.include"));
	}

	@Test
	void settingsSayWhenTheActuatorHasAPortOfItsOwn() {
		this.contextRunner.withPropertyValues("paipa.ui.enabled=true", "management.server.port=0")
			.run((context) -> assertThat(get(context, "/paipa/settings.json").getContentAsString())
				.startsWith("{\"endpoint\":null,")
				.contains("management.server.port"));
	}

	@Test
	void settingsSayWhenThePageHidesTheEndpoint() {
		this.contextRunner
			.withPropertyValues("paipa.ui.enabled=true", "paipa.ui.path=/manage",
					"management.endpoints.web.base-path=/manage")
			.run((context) -> assertThat(get(context, "/manage/settings.json").getContentAsString())
				.startsWith("{\"endpoint\":null,")
				.contains("set paipa.ui.path to another path"));
	}

	@Test
	void aPathThatIsNotAPathOfItsOwnFailsStartUpNamingTheKey() {
		for (String path : List.of("/", "", "paipa", "/pai pa", "/{x}", "/paipa/**")) {
			this.contextRunner.withPropertyValues("paipa.ui.enabled=true", "paipa.ui.path=" + path)
				.run((context) -> assertThat(context).getFailure()
					.as("path '%s'", path)
					.rootCause()
					.isInstanceOf(InvalidConfigurationPropertyValueException.class)
					.hasMessageContaining("paipa.ui.path")
					.hasMessageContaining("such as /paipa"));
		}
	}

	@Test
	void pageIsAbsentWithoutAWebApplication() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(EndpointAutoConfiguration.class, PaipaAutoConfiguration.class,
					PaipaEndpointAutoConfiguration.class, PaipaUiAutoConfiguration.class))
			.withUserConfiguration(PipelineConfig.class)
			.withPropertyValues("paipa.pipelines.orders.definition=upper",
					"paipa.pipelines.orders.progress-interval=0s", "paipa.ui.enabled=true")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).doesNotHaveBean(ROUTES);
			});
	}

	@Test
	void pageIsAbsentWithoutTheActuator() {
		new WebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(PaipaAutoConfiguration.class, PaipaEndpointAutoConfiguration.class,
					PaipaUiAutoConfiguration.class))
			.withUserConfiguration(PipelineConfig.class)
			.withPropertyValues("paipa.pipelines.orders.definition=upper",
					"paipa.pipelines.orders.progress-interval=0s", "paipa.ui.enabled=true")
			.withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate"))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).doesNotHaveBean(ROUTES);
			});
	}

	@Test
	void pageIsAbsentWithoutSpringMvc() {
		this.contextRunner.withPropertyValues("paipa.ui.enabled=true")
			.withClassLoader(new FilteredClassLoader(RouterFunction.class))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).doesNotHaveBean(ROUTES);
			});
	}

	@Test
	void pageIsAbsentWithoutEnablePaipaPipeline() {
		new WebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(EndpointAutoConfiguration.class,
					WebEndpointAutoConfiguration.class, PaipaAutoConfiguration.class,
					PaipaEndpointAutoConfiguration.class, PaipaUiAutoConfiguration.class))
			.withPropertyValues("paipa.ui.enabled=true")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).doesNotHaveBean(ROUTES);
			});
	}

	@Test
	void anApplicationsOwnRoutesByThatNameReplaceThePage() {
		this.contextRunner.withPropertyValues("paipa.ui.enabled=true")
			.withUserConfiguration(OwnRoutesConfig.class)
			.run((context) -> {
				assertThat(context).hasSingleBean(RouterFunction.class);
				assertThat(get(context, "/paipa/").getStatus()).isEqualTo(404);
				assertThat(get(context, "/mine").getStatus()).isEqualTo(200);
			});
	}

	@Test
	void thePagesFilesAreRegisteredAsResourcesForANativeImage() {
		RuntimeHints hints = new RuntimeHints();
		new PaipaUiAutoConfiguration.PageHints().registerHints(hints, getClass().getClassLoader());
		for (String file : List.of("index.html", "paipa.css", "paipa.js")) {
			assertThat(RuntimeHintsPredicates.resource().forResource(PaipaUiRoutes.LOCATION + file)).as(file)
				.accepts(hints);
		}
	}

	/** Routes a GET request through the context's router function, as Spring MVC does. */
	@SuppressWarnings("unchecked")
	private static MockHttpServletResponse get(AssertableWebApplicationContext context, String path) throws Exception {
		RouterFunction<ServerResponse> routes = context.getBean(ROUTES, RouterFunction.class);
		MockHttpServletRequest servletRequest = new MockHttpServletRequest("GET", path);
		ServletRequestPathUtils.parseAndCache(servletRequest);
		List<HttpMessageConverter<?>> converters = List.of(new StringHttpMessageConverter(StandardCharsets.UTF_8),
				new ResourceHttpMessageConverter());
		ServerRequest request = ServerRequest.create(servletRequest, converters);
		MockHttpServletResponse servletResponse = new MockHttpServletResponse();
		HandlerFunction<ServerResponse> handler = routes.route(request).orElse(null);
		if (handler == null) {
			servletResponse.setStatus(404);
			return servletResponse;
		}
		handler.handle(request).writeTo(servletRequest, servletResponse, () -> converters);
		return servletResponse;
	}

	@Configuration(proxyBeanMethods = false)
	@EnablePaipaPipeline
	static class PipelineConfig {

		@Bean
		StepHandler<String, String> upper() {
			return String::toUpperCase;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class OwnRoutesConfig {

		@Bean
		RouterFunction<ServerResponse> paipaUiRouterFunction() {
			return org.springframework.web.servlet.function.RouterFunctions.route()
				.GET("/mine", (request) -> ServerResponse.ok().body("mine"))
				.build();
		}

	}

}
