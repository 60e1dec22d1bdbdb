package io.paipa.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The packaged sample, processed by Spring AOT at build time ({@code process-aot}),
 * started with {@code -Dspring.aot.enabled=true}: the tour's requests answer as without
 * AOT.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class AotIT {

	private static final ObjectMapper json = JsonMapper.builder().build();

	private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@TempDir
	Path dir;

	private Process process;

	@AfterEach
	void stop() throws InterruptedException {
		SampleProcess.stop(this.process);
	}

	@Test
	void theAotProcessedServiceRunsTheTour() throws Exception {
		Path log = this.dir.resolve("aot.log");
		int port = SampleProcess.freePort();
		this.process = SampleProcess.start(log, List.of("-Dspring.aot.enabled=true"), "--server.port=" + port,
				"--spring.datasource.url=" + SampleProcess.h2Url(this.dir, "orders"));
		SampleProcess.awaitUp(this.client, port, this.process);
		assertThat(SampleProcess.log(log)).contains("Starting AOT-processed SampleApplication");

		String body = String.join("\n", OrdersServiceTests.order("aot-1"), OrdersServiceTests.order("aot-2"),
				"{\"id\":\"aot-3\", not json") + "\n";
		HttpResponse<String> posted = this.client.send(HttpRequest.newBuilder(uri(port, "/orders?wait=true"))
			.timeout(Duration.ofSeconds(60))
			.header("Content-Type", "application/x-ndjson")
			.POST(HttpRequest.BodyPublishers.ofString(body))
			.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);
		JsonNode outcome = json.readTree(posted.body());
		assertThat(outcome.get("stored").asLong()).isEqualTo(2);
		assertThat(outcome.get("deadLettered").asLong()).isEqualTo(1);

		JsonNode stats = json.readTree(get(port, "/orders/stats").body());
		assertThat(stats.get("stored").asLong()).isEqualTo(2);
		assertThat(stats.get("deadLettered").asLong()).isEqualTo(1);

		JsonNode pipelines = json.readTree(get(port, "/actuator/paipa").body());
		JsonNode orders = pipelines.get("orders");
		assertThat(orders.get("state").asString()).isEqualTo("RUNNING");
		assertThat(orders.get("steps")).extracting((step) -> step.get("name").asString())
			.containsExactly("parse", "enrich", "batch", "store");
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(
					json.readTree(get(port, "/actuator/paipa").body()).get("orders").get("in").asLong())
				.isEqualTo(3));

		JsonNode health = json.readTree(get(port, "/actuator/health").body());
		assertThat(health.get("status").asString()).isEqualTo("UP");
		assertThat(health.get("components").get("paipa").get("status").asString()).isEqualTo("UP");

		String prometheus = get(port, "/actuator/prometheus").body();
		assertThat(prometheus).contains("paipa_step_queue_depth{").contains("pipeline=\"orders\"");
	}

	private HttpResponse<String> get(int port, String path) throws Exception {
		HttpResponse<String> response = this.client.send(
				HttpRequest.newBuilder(uri(port, path)).timeout(Duration.ofSeconds(30)).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
		return response;
	}

	private static URI uri(int port, String path) {
		return URI.create("http://localhost:" + port + path);
	}

}
