package io.paipa.boot.actuate;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import io.paipa.boot.EnablePaipaPipeline;
import io.paipa.core.Pipeline;
import io.paipa.core.PipelineState;
import io.paipa.core.StepHandler;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With Spring Boot's default web exposure (no
 * {@code management.endpoints.web.exposure.include}), the {@code paipa} endpoint is not
 * reachable over HTTP, while health is.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "paipa.pipelines.orders.definition=parse|store",
				"paipa.pipelines.orders.steps.store.workers=2" })
@Timeout(60)
class PaipaEndpointExposureTests {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

	@LocalServerPort
	private int port;

	@Autowired
	private Pipeline<String> orders;

	@Autowired
	private ApplicationContext context;

	@Test
	void paipaEndpointIsNotReachableByDefault() throws Exception {
		assertThat(get("/actuator/paipa").statusCode()).isEqualTo(404);
		assertThat(get("/actuator/paipa/orders").statusCode()).isEqualTo(404);
		// not exposed anywhere, so not even created
		assertThat(this.context.getBeanNamesForType(PaipaEndpoint.class)).isEmpty();
		assertThat(this.orders.state()).isEqualTo(PipelineState.RUNNING);
	}

	@Test
	void rescalingIsNotReachableByDefault() throws Exception {
		HttpResponse<String> response = send(
				request("/actuator/paipa/orders").header("Content-Type", "application/json")
					.POST(HttpRequest.BodyPublishers.ofString("{\"step\":\"store\",\"workers\":5}"))
					.build());

		assertThat(response.statusCode()).isEqualTo(404);
		assertThat(this.orders.snapshot().step("store").workersConfigured()).isEqualTo(2);
	}

	@Test
	void healthIsReachableAndUp() throws Exception {
		HttpResponse<String> health = get("/actuator/health");

		assertThat(health.statusCode()).isEqualTo(200);
		JsonNode body = JSON.readTree(health.body());
		assertThat(body.get("status").asString()).isEqualTo("UP");
		// components and details (and so /actuator/health/paipa/orders) are Spring Boot's
		// show-components / show-details business: never by default
		assertThat(body.has("components")).isFalse();
		assertThat(this.context.getBean("paipaHealthContributor")).isNotNull();
	}

	@Test
	void discoveryPageLinksHealthButNotPaipa() throws Exception {
		HttpResponse<String> response = get("/actuator");

		assertThat(response.statusCode()).isEqualTo(200);
		JsonNode links = JSON.readTree(response.body()).get("_links");
		assertThat(links.has("health")).isTrue();
		assertThat(links.propertyNames()).noneMatch((name) -> name.startsWith("paipa"));
	}

	private HttpResponse<String> get(String path) throws IOException, InterruptedException {
		return send(request(path).GET().build());
	}

	private HttpRequest.Builder request(String path) {
		return HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
			.timeout(Duration.ofSeconds(10));
	}

	private HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
		return this.http.send(request, HttpResponse.BodyHandlers.ofString());
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@EnablePaipaPipeline
	static class Config {

		@Bean
		StepHandler<String, Integer> parse() {
			return Integer::valueOf;
		}

		@Bean
		StepHandler<Integer, Integer> store() {
			return (item) -> item;
		}

	}

}
