package io.paipa.boot.actuate;

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
import org.springframework.context.annotation.Bean;

import io.paipa.boot.EnablePaipaPipeline;
import io.paipa.core.Pipeline;
import io.paipa.core.StepHandler;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code paipa} endpoint is read-only unless its access is opened: exposed over HTTP
 * with Boot's defaults otherwise, it shows the pipelines but does not rescale them.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "paipa.pipelines.orders.definition=upper", "paipa.pipelines.orders.progress-interval=0s",
				"management.endpoints.web.exposure.include=paipa" })
@Timeout(60)
class PaipaEndpointAccessTests {

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

	@LocalServerPort
	private int port;

	@Autowired
	private Pipeline<String> orders;

	@Test
	void readsAnswerButRescalingIsNotAllowedByDefault() throws Exception {
		HttpResponse<String> read = this.http.send(request("/actuator/paipa/orders").GET().build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(read.statusCode()).as(read.body()).isEqualTo(200);

		HttpResponse<String> write = this.http
			.send(request("/actuator/paipa/orders").header("Content-Type", "application/json")
				.POST(HttpRequest.BodyPublishers.ofString("{\"step\":\"upper\",\"workers\":64}"))
				.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(write.statusCode()).as(write.body()).isBetween(400, 499);
		assertThat(this.orders.snapshot().step("upper").workersConfigured()).isEqualTo(1);
	}

	private HttpRequest.Builder request(String path) {
		return HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
			.timeout(Duration.ofSeconds(10));
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@EnablePaipaPipeline
	static class Config {

		@Bean
		StepHandler<String, String> upper() {
			return String::toUpperCase;
		}

	}

}
