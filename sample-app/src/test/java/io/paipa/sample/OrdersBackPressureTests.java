package io.paipa.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/** A pipeline whose input is full answers 429 with what it took, instead of hanging. */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.datasource.url=jdbc:h2:mem:orders-back-pressure;DB_CLOSE_DELAY=-1",
				"paipa.pipelines.orders.input-capacity=2", "paipa.pipelines.orders.queue-capacity=1",
				"paipa.pipelines.orders.shutdown-timeout=1s", "paipa.pipelines.orders.steps.parse.workers=1",
				"paipa.pipelines.orders.steps.enrich.workers=1",
				// one slow worker, whatever the load: no autoscaling
				"paipa.pipelines.orders.autoscale.enabled=false",
				"paipa.pipelines.orders.steps.enrich.options.latency=2s", "sample.offer-timeout=100ms" })
@DirtiesContext
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OrdersBackPressureTests {

	private static final ObjectMapper json = JsonMapper.builder().build();

	@LocalServerPort
	private int port;

	@Test
	void aFullInputAnswers429WithTheNumberAccepted() throws Exception {
		List<String> lines = new ArrayList<>();
		for (int i = 0; i < 200; i++) {
			lines.add(OrdersServiceTests.order("bp-" + i));
		}
		HttpClient client = HttpClient.newHttpClient();
		HttpResponse<String> response = client
			.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + "/orders"))
				.timeout(Duration.ofSeconds(60))
				.header("Content-Type", "application/x-ndjson")
				.POST(HttpRequest.BodyPublishers.ofString(String.join("\n", lines)))
				.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(429);
		int accepted = json.readTree(response.body()).get("accepted").asInt();
		assertThat(accepted).isGreaterThan(0).isLessThan(200);
	}

}
