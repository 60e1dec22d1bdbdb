package io.paipa.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
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

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The service over HTTP with an in-memory database: intake, dead letters, stats, health,
 * Prometheus and live rescaling through the paipa endpoint.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.datasource.url=jdbc:h2:mem:orders-service;DB_CLOSE_DELAY=-1",
				"sample.max-body-size=64KB" })
@DirtiesContext
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OrdersServiceTests {

	private static final ObjectMapper json = JsonMapper.builder().build();

	private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

	@LocalServerPort
	private int port;

	@Test
	void tenThousandLinesWithTenMalformedAreStoredOrDeadLettered() throws Exception {
		List<String> lines = new ArrayList<>();
		for (int i = 0; i < 10_000; i++) {
			lines.add((i % 1000 == 500) ? malformed(i) : order("svc-" + i));
		}
		long accepted = 0;
		for (int from = 0; from < lines.size(); from += 500) {
			List<String> chunk = lines.subList(from, Math.min(lines.size(), from + 500));
			accepted += postAll(chunk);
		}
		assertThat(accepted).isEqualTo(10_000);
		await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
			JsonNode stats = getJson("/orders/stats");
			assertThat(stats.get("stored").asLong()).isEqualTo(9_990);
			assertThat(stats.get("deadLettered").asLong()).isEqualTo(10);
		});
		// posting the same orders again stores nothing twice
		accepted = postAll(lines.subList(0, 500)) + postAll(lines.subList(500, 1000));
		assertThat(accepted).isEqualTo(1000);
		await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
			JsonNode stats = getJson("/orders/stats");
			assertThat(stats.get("deadLettered").asLong()).isEqualTo(11);
		});
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(
					() -> assertThat(getJson("/actuator/paipa/orders").get("completed").asLong()).isGreaterThan(0));
		assertThat(getJson("/orders/stats").get("stored").asLong()).isEqualTo(9_990);
	}

	@Test
	void healthIsUpWithThePaipaComponent() throws Exception {
		HttpResponse<String> response = get("/actuator/health");
		assertThat(response.statusCode()).isEqualTo(200);
		JsonNode health = json.readTree(response.body());
		assertThat(health.get("status").asString()).isEqualTo("UP");
		assertThat(health.get("components").get("paipa").get("status").asString()).isEqualTo("UP");
		assertThat(health.get("components").get("paipa").get("components").has("orders")).isTrue();
	}

	@Test
	void prometheusShowsTheQueueDepths() throws Exception {
		HttpResponse<String> response = get("/actuator/prometheus");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).contains("paipa_step_queue_depth")
			.contains("pipeline=\"orders\"")
			.contains("step=\"enrich\"");
	}

	@Test
	void rescalingWithoutTheOpsLoginIsRefused() throws Exception {
		for (String authorization : new String[] { null, basic("ops", "wrong") }) {
			HttpRequest.Builder request = HttpRequest.newBuilder(uri("/actuator/paipa/orders"))
				.header("Content-Type", "application/json")
				.POST(HttpRequest.BodyPublishers.ofString("{\"step\":\"enrich\",\"workers\":13}"));
			if (authorization != null) {
				request.header("Authorization", authorization);
			}
			HttpResponse<String> response = this.client.send(request.build(), HttpResponse.BodyHandlers.ofString());
			assertThat(response.statusCode()).isEqualTo(401);
		}
		assertThat(step(getJson("/actuator/paipa/orders"), "enrich").get("workers").get("configured").asInt())
			.isNotEqualTo(13);
	}

	@Test
	void rescalingEnrichThroughTheEndpointShowsInTheSnapshot() throws Exception {
		HttpResponse<String> response = this.client.send(HttpRequest.newBuilder(uri("/actuator/paipa/orders"))
			.header("Content-Type", "application/json")
			.header("Authorization", basic("ops", "ops"))
			.POST(HttpRequest.BodyPublishers.ofString("{\"step\":\"enrich\",\"workers\":12}"))
			.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(200);
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			JsonNode enrich = step(getJson("/actuator/paipa/orders"), "enrich");
			assertThat(enrich.get("workers").get("configured").asInt()).isEqualTo(12);
			assertThat(enrich.get("workers").get("alive").asInt()).isEqualTo(12);
		});
	}

	@Test
	void enrichSizesItselfBetweenTwoAndThirtyTwoWorkersWithinFortyThreads() throws Exception {
		JsonNode pipeline = getJson("/actuator/paipa/orders");

		assertThat(pipeline.get("autoscale").get("maxThreads").asInt()).isEqualTo(40);
		JsonNode enrich = step(pipeline, "enrich");
		assertThat(enrich.get("autoscale").get("minWorkers").asInt()).isEqualTo(2);
		assertThat(enrich.get("autoscale").get("maxWorkers").asInt()).isEqualTo(32);
		assertThat(enrich.get("workers").get("configured").asInt()).isBetween(2, 32);
		for (String fixed : List.of("parse", "batch", "store")) {
			assertThat(step(pipeline, fixed).get("autoscale").isNull()).as(fixed).isTrue();
		}
		assertThat(get("/actuator/prometheus").body()).contains("paipa_step_autoscale_decisions_total{")
			.contains("paipa_step_autoscale_pinned{");
	}

	private static String basic(String user, String password) {
		return "Basic " + java.util.Base64.getEncoder()
			.encodeToString((user + ":" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8));
	}

	@Test
	void aBodyOverTheLimitIsRefusedWhole() throws Exception {
		StringBuilder body = new StringBuilder();
		int i = 0;
		while (body.length() <= 64 * 1024) {
			body.append(order("big-" + i++)).append('\n');
		}
		JsonNode before = getJson("/actuator/paipa/orders");
		HttpResponse<String> response = post(body.toString());
		assertThat(response.statusCode()).isEqualTo(413);
		assertThat(getJson("/actuator/paipa/orders").get("in").asLong()).isEqualTo(before.get("in").asLong());
	}

	@Test
	void otherContentTypesAreRefused() throws Exception {
		HttpResponse<String> response = this.client.send(HttpRequest.newBuilder(uri("/orders"))
			.header("Content-Type", "text/csv")
			.POST(HttpRequest.BodyPublishers.ofString("a,b\n"))
			.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(415);
	}

	private long postAll(List<String> lines) throws Exception {
		long total = 0;
		List<String> rest = lines;
		while (!rest.isEmpty()) {
			HttpResponse<String> response = post(String.join("\n", rest) + "\n");
			assertThat(response.statusCode()).isIn(202, 429);
			int accepted = json.readTree(response.body()).get("accepted").asInt();
			total += accepted;
			rest = rest.subList(accepted, rest.size());
		}
		return total;
	}

	private HttpResponse<String> post(String body) throws IOException, InterruptedException {
		return this.client.send(HttpRequest.newBuilder(uri("/orders"))
			.header("Content-Type", "application/x-ndjson")
			.POST(HttpRequest.BodyPublishers.ofString(body))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	private HttpResponse<String> get(String path) throws IOException, InterruptedException {
		return this.client.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
	}

	private JsonNode getJson(String path) throws IOException, InterruptedException {
		HttpResponse<String> response = get(path);
		assertThat(response.statusCode()).isEqualTo(200);
		return json.readTree(response.body());
	}

	private URI uri(String path) {
		return URI.create("http://localhost:" + this.port + path);
	}

	static JsonNode step(JsonNode pipeline, String name) {
		for (JsonNode step : pipeline.get("steps")) {
			if (step.get("name").asString().equals(name)) {
				return step;
			}
		}
		throw new AssertionError("no step " + name + " in " + pipeline);
	}

	static String order(String id) {
		return "{\"id\":\"" + id + "\",\"customer\":\"c-" + (id.hashCode() & 63)
				+ "\",\"amount\":\"12.50\",\"currency\":\"USD\"}";
	}

	static String malformed(int i) {
		return switch (i % 3) {
			case 0 -> "{\"id\":\"bad-" + i + "\", not json";
			case 1 -> "{\"id\":\"bad-" + i + "\",\"customer\":\"c\",\"amount\":\"-1\",\"currency\":\"USD\"}";
			default -> "{\"id\":\"bad-" + i + "\",\"customer\":\"c\",\"amount\":\"1\",\"currency\":\"XYZ\"}";
		};
	}

}
