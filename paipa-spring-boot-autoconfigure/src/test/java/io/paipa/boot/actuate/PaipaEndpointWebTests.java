package io.paipa.boot.actuate;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import io.paipa.boot.EnablePaipaPipeline;
import io.paipa.core.Pipeline;
import io.paipa.core.PipelineInput;
import io.paipa.core.PipelineSnapshot;
import io.paipa.core.PipelineState;
import io.paipa.core.StepHandler;
import io.paipa.core.StepSnapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The {@code paipa} actuator endpoint, the {@code paipa} health contributor and the
 * pipeline meters over HTTP, against a running web server and a continuous pipeline
 * {@code orders} (parse, enrich, store).
 *
 * <p>
 * The context is shared by the test methods: every test leaves {@code enrich} at its two
 * configured workers, the gate open and nothing in flight.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "paipa.pipelines.orders.definition=parse|enrich|store",
				"paipa.pipelines.orders.progress-interval=0s", "paipa.pipelines.orders.steps.enrich.workers=2",
				"paipa.pipelines.orders.steps.enrich.queue-capacity=8",
				"paipa.pipelines.orders.steps.enrich.options.latency=5ms",
				"paipa.pipelines.orders.steps.enrich.options.api-key=not-for-everyone",
				"management.endpoints.web.exposure.include=health,paipa,prometheus,metrics",
				"management.endpoint.health.show-details=always",
				// read-only by default: rescaling has to be allowed
				"management.endpoint.paipa.access=unrestricted", "paipa.max-workers-per-step=64",
				// Boot hides the message of error responses by default (Boot 4 key;
				// server.error.* is gone)
				"spring.web.error.include-message=always" })
@Timeout(60)
class PaipaEndpointWebTests {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final Duration WAIT = Duration.ofSeconds(20);

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

	@LocalServerPort
	private int port;

	@Autowired
	private Pipeline<String> orders;

	@Autowired
	private PipelineInput<String> ordersInput;

	@Autowired
	private Gate gate;

	@Autowired
	private MeterRegistry meterRegistry;

	@BeforeEach
	@AfterEach
	void settle() {
		this.gate.open();
		if (this.orders.snapshot().step("enrich").workersConfigured() != 2) {
			this.orders.scale("enrich", 2);
		}
		awaitQuiet();
		waiting().untilAsserted(() -> assertThat(this.orders.snapshot().step("enrich").workersAlive()).isEqualTo(2));
	}

	@Test
	void listsEveryPipelineWithItsStepsInOrderAndTheirFigures() throws Exception {
		long inBefore = this.orders.snapshot().in();
		feed(0, 30);
		awaitQuiet();
		PipelineSnapshot snapshot = this.orders.snapshot();
		assertThat(snapshot.in() - inBefore).isEqualTo(30);

		Response response = get("/actuator/paipa");

		assertThat(response.status()).isEqualTo(200);
		assertThat(response.contentType()).contains("json");
		JsonNode all = response.json();
		assertThat(all.propertyNames()).containsExactly("orders");
		JsonNode pipeline = all.get("orders");
		assertThat(pipeline.get("name").asString()).isEqualTo("orders");
		assertThat(pipeline.get("state").asString()).isEqualTo("RUNNING");
		assertThat(pipeline.get("in").asLong()).isEqualTo(snapshot.in());
		assertThat(pipeline.get("completed").asLong()).isEqualTo(snapshot.completed());
		assertThat(pipeline.get("dropped").asLong()).isEqualTo(snapshot.dropped());
		assertThat(pipeline.get("deadLettered").asLong()).isEqualTo(snapshot.deadLettered());
		assertThat(pipeline.get("abandoned").asLong()).isEqualTo(snapshot.abandoned());
		assertThat(pipeline.get("in").asLong())
			.isEqualTo(pipeline.get("completed").asLong() + pipeline.get("dropped").asLong()
					+ pipeline.get("deadLettered").asLong() + pipeline.get("abandoned").asLong());
		assertThat(pipeline.get("bottleneck").isNull()).as("no queue is filling, so no bottleneck").isTrue();
		assertThat(pipeline.get("lastError").isNull()).isTrue();

		JsonNode steps = pipeline.get("steps");
		assertThat(names(steps)).containsExactly("parse", "enrich", "store");
		assertStep(steps.get(0), "String", "Integer", 1, 1024);
		assertStep(steps.get(1), "Integer", "Integer", 2, 8);
		assertStep(steps.get(2), "Integer", "Integer", 1, 64);
		for (int i = 0; i < 3; i++) {
			JsonNode step = steps.get(i);
			StepSnapshot expected = snapshot.steps().get(i);
			JsonNode counts = step.get("counts");
			assertThat(counts.get("in").asLong()).as("in of %s", expected.name()).isEqualTo(expected.stats().in());
			assertThat(counts.get("processed").asLong()).isEqualTo(expected.stats().processed());
			assertThat(counts.get("dropped").asLong()).isEqualTo(expected.stats().dropped());
			assertThat(counts.get("retried").asLong()).isEqualTo(expected.stats().retried());
			assertThat(counts.get("failed").asLong()).isEqualTo(expected.stats().failed());
			assertThat(counts.get("deadLettered").asLong()).isEqualTo(expected.stats().deadLettered());
			assertThat(counts.get("abandoned").asLong()).isEqualTo(expected.stats().abandoned());
			// nothing in flight: every item the step took is accounted for
			assertThat(counts.get("in").asLong()).as("accounting of %s", expected.name())
				.isEqualTo(counts.get("processed").asLong() + counts.get("dropped").asLong()
						+ counts.get("deadLettered").asLong() + counts.get("abandoned").asLong());
			assertThat(counts.get("in").asLong()).as("items through %s", expected.name()).isGreaterThanOrEqualTo(30);
			assertThat(counts.get("emitted").asLong()).isEqualTo(expected.stats().emitted());
			assertThat(step.get("handlerSeconds").asDouble()).isEqualTo(expected.stats().handlerNanos() / 1e9);
			assertThat(step.get("stalled").asBoolean()).isFalse();
		}
		// as configured, a secret-looking value masked
		assertThat(steps.get(1).get("options").get("latency").asString()).isEqualTo("5ms");
		assertThat(steps.get(1).get("options").get("api-key").asString()).isEqualTo("******");
		assertThat(steps.get(0).get("options").isEmpty()).isTrue();
	}

	@Test
	void readsOnePipelineByNameAsTheListShowsIt() throws Exception {
		feed(100, 10);
		awaitQuiet();

		Response one = get("/actuator/paipa/orders");
		Response all = get("/actuator/paipa");

		assertThat(one.status()).isEqualTo(200);
		assertThat(all.status()).isEqualTo(200);
		// utilization is a sliding window and may move between the two reads
		JsonNode single = withoutUtilization(one.json());
		JsonNode listed = withoutUtilization(all.json().get("orders"));
		assertThat(single).isEqualTo(listed);
		assertThat(single.get("name").asString()).isEqualTo("orders");
		assertThat(names(single.get("steps"))).containsExactly("parse", "enrich", "store");
		assertThat(single.get("completed").asLong()).isEqualTo(this.orders.snapshot().completed());
	}

	@Test
	void marksTheStepWhoseQueueFillsAsTheBottleneck() throws Exception {
		long completedBefore = this.orders.snapshot().completed();
		this.gate.close();
		try {
			// enrich holds 2 in its workers' hands and 8 in its queue; parse holds 1 and
			// 9 wait before it
			feed(200, 20);
			waiting().untilAsserted(() -> {
				StepSnapshot enrich = this.orders.snapshot().step("enrich");
				assertThat(enrich.queueDepth()).isEqualTo(8);
				assertThat(enrich.workersBusy()).isEqualTo(2);
			});

			JsonNode pipeline = get("/actuator/paipa/orders").json();

			assertThat(pipeline.get("bottleneck").asString()).isEqualTo("enrich");
			JsonNode steps = pipeline.get("steps");
			assertThat(steps.get(0).get("bottleneck").asBoolean()).isFalse();
			assertThat(steps.get(1).get("bottleneck").asBoolean()).isTrue();
			assertThat(steps.get(2).get("bottleneck").asBoolean()).isFalse();
			assertThat(steps.get(1).get("queue").get("depth").asInt()).isEqualTo(8);
			assertThat(steps.get(1).get("workers").get("busy").asInt()).isEqualTo(2);
			assertThat(steps.get(0).get("queue").get("depth").asInt()).isLessThan(1024 / 2);
			// the endpoint answers from the same snapshot the health contributor reads:
			// still UP
			JsonNode health = get("/actuator/health/paipa/orders").json();
			assertThat(health.get("status").asString()).isEqualTo("UP");
			assertThat(health.get("details").get("steps").get("enrich").get("queue").get("depth").asInt()).isEqualTo(8);
		}
		finally {
			this.gate.open();
		}
		waiting().untilAsserted(() -> assertThat(this.orders.snapshot().completed() - completedBefore).isEqualTo(20));
		awaitQuiet();
		JsonNode after = get("/actuator/paipa/orders").json();
		assertThat(after.get("bottleneck").isNull()).as("the queue drained").isTrue();
		for (JsonNode step : after.get("steps")) {
			assertThat(step.get("bottleneck").asBoolean()).isFalse();
			assertThat(step.get("queue").get("depth").asInt()).isZero();
			assertThat(step.get("workers").get("busy").asInt()).isZero();
		}
	}

	@Test
	void postRescalesAStepAndAnswersWithTheNewSnapshotWhileTheGaugesFollow() throws Exception {
		assertThat(gauge("configured")).isEqualTo(2.0);
		assertThat(gauge("alive")).isEqualTo(2.0);

		Response response = post("/actuator/paipa/orders", "{\"step\":\"enrich\",\"workers\":5}");

		assertThat(response.status()).as(response.body()).isEqualTo(200);
		JsonNode pipeline = response.json();
		assertThat(pipeline.get("name").asString()).isEqualTo("orders");
		assertThat(pipeline.get("state").asString()).isEqualTo("RUNNING");
		JsonNode steps = pipeline.get("steps");
		assertThat(names(steps)).containsExactly("parse", "enrich", "store");
		assertThat(steps.get(1).get("workers").get("configured").asInt()).isEqualTo(5);
		assertThat(steps.get(0).get("workers").get("configured").asInt()).as("parse untouched").isEqualTo(1);
		assertThat(steps.get(2).get("workers").get("configured").asInt()).as("store untouched").isEqualTo(1);
		assertThat(this.orders.snapshot().step("enrich").workersConfigured()).isEqualTo(5);

		// the gauges read the live pipeline
		assertThat(gauge("configured")).isEqualTo(5.0);
		waiting().untilAsserted(() -> assertThat(gauge("alive")).isEqualTo(5.0));
		assertThat(metricOverHttp("configured")).isEqualTo(5.0);
		assertThat(metricOverHttp("alive")).isEqualTo(5.0);
		waiting().untilAsserted(() -> assertThat(threadsOf("enrich")).hasSize(5));
		// the new workers do work
		long inBefore = this.orders.snapshot().in();
		feed(300, 20);
		awaitQuiet();
		assertThat(this.orders.snapshot().in() - inBefore).isEqualTo(20);
		assertAccounted();

		// and back down through the endpoint
		Response down = post("/actuator/paipa/orders", "{\"step\":\"enrich\",\"workers\":2}");

		assertThat(down.status()).as(down.body()).isEqualTo(200);
		assertThat(down.json().get("steps").get(1).get("workers").get("configured").asInt()).isEqualTo(2);
		assertThat(gauge("configured")).isEqualTo(2.0);
		waiting().untilAsserted(() -> assertThat(gauge("alive")).isEqualTo(2.0));
		waiting().untilAsserted(() -> assertThat(metricOverHttp("alive")).isEqualTo(2.0));
		waiting().untilAsserted(() -> assertThat(threadsOf("enrich")).hasSize(2));
	}

	@Test
	void unknownPipelineIsNotFoundNamingTheKnownOnes() throws Exception {
		Response read = get("/actuator/paipa/nope");
		Response write = post("/actuator/paipa/nope", "{\"step\":\"enrich\",\"workers\":3}");

		for (Response response : List.of(read, write)) {
			assertThat(response.status()).as(response.body()).isEqualTo(404);
			assertThat(response.json().get("message").asString()).contains("'nope'").contains("[orders]");
		}
		assertUnchanged();
	}

	@Test
	void unknownStepIsNotFoundNamingTheSteps() throws Exception {
		Response response = post("/actuator/paipa/orders", "{\"step\":\"bogus\",\"workers\":3}");

		assertThat(response.status()).as(response.body()).isEqualTo(404);
		assertThat(response.json().get("message").asString()).contains("'bogus'").contains("[parse, enrich, store]");
		assertUnchanged();
	}

	@Test
	void fewerThanOneWorkerIsABadRequest() throws Exception {
		for (int workers : new int[] { 0, -3 }) {
			Response response = post("/actuator/paipa/orders", "{\"step\":\"enrich\",\"workers\":" + workers + "}");

			assertThat(response.status()).as(response.body()).isEqualTo(400);
			assertThat(response.json().get("message").asString()).contains("at least 1")
				.contains(Integer.toString(workers));
		}
		assertUnchanged();
	}

	@Test
	void moreWorkersThanTheMaximumPerStepIsABadRequest() throws Exception {
		Response response = post("/actuator/paipa/orders", "{\"step\":\"enrich\",\"workers\":65}");

		assertThat(response.status()).as(response.body()).isEqualTo(400);
		assertThat(response.json().get("message").asString()).contains("at most 64")
			.contains("paipa.max-workers-per-step")
			.contains("65");
		assertUnchanged();
		Response most = post("/actuator/paipa/orders", "{\"step\":\"enrich\",\"workers\":64}");
		assertThat(most.status()).as(most.body()).isEqualTo(200);
	}

	@Test
	void missingStepOrWorkersIsABadRequest() throws Exception {
		for (String body : List.of("{\"step\":\"enrich\"}", "{\"workers\":3}", "{}", "")) {
			Response response = post("/actuator/paipa/orders", body);

			assertThat(response.status()).as("body '%s': %s", body, response.body()).isEqualTo(400);
			assertThat(response.json().get("message").asString()).as("body '%s'", body).contains("Missing");
		}
		assertUnchanged();
	}

	@Test
	void malformedBodiesAreBadRequestsNotServerErrors() throws Exception {
		for (String body : List.of("{\"step\":\"enrich\",\"workers\":\"lots\"}",
				"{\"step\":\"enrich\",\"workers\":2.5}", "not json")) {
			Response response = post("/actuator/paipa/orders", body);

			assertThat(response.status()).as("body '%s': %s", body, response.body()).isEqualTo(400);
		}
		assertUnchanged();
	}

	@Test
	void healthShowsEveryPipelineUpWithItsDetails() throws Exception {
		feed(400, 5);
		awaitQuiet();
		PipelineSnapshot snapshot = this.orders.snapshot();

		Response composite = get("/actuator/health/paipa");
		Response one = get("/actuator/health/paipa/orders");

		assertThat(composite.status()).isEqualTo(200);
		assertThat(composite.json().get("status").asString()).isEqualTo("UP");
		assertThat(composite.json().get("components").propertyNames()).containsExactly("orders");
		assertThat(one.status()).isEqualTo(200);
		JsonNode health = one.json();
		assertThat(health.get("status").asString()).isEqualTo("UP");
		JsonNode details = health.get("details");
		assertThat(details.get("state").asString()).isEqualTo("RUNNING");
		assertThat(details.get("in").asLong()).isEqualTo(snapshot.in());
		assertThat(details.get("completed").asLong()).isEqualTo(snapshot.completed());
		assertThat(details.get("deadLettered").asLong()).isEqualTo(snapshot.deadLettered());
		assertThat(details.has("problems")).isFalse();
		assertThat(details.get("steps").propertyNames()).containsExactly("parse", "enrich", "store");
		JsonNode enrich = details.get("steps").get("enrich");
		assertThat(enrich.get("workers").get("configured").asInt()).isEqualTo(2);
		assertThat(enrich.get("workers").get("alive").asInt()).isEqualTo(2);
		assertThat(enrich.get("queue").get("capacity").asInt()).isEqualTo(8);
		assertThat(enrich.get("processed").asLong()).isEqualTo(snapshot.step("enrich").stats().processed());
		assertThat(composite.json().get("components").get("orders").get("status").asString()).isEqualTo("UP");
		// and the pipeline counts in the overall health
		Response overall = get("/actuator/health");
		assertThat(overall.status()).isEqualTo(200);
		assertThat(
				overall.json().get("components").get("paipa").get("components").get("orders").get("status").asString())
			.isEqualTo("UP");
	}

	@Test
	void prometheusScrapeHasTheStepGaugesLabelledByPipelineAndStep() throws Exception {
		feed(500, 10);
		awaitQuiet();
		PipelineSnapshot snapshot = this.orders.snapshot();

		Response scrape = get("/actuator/prometheus");

		assertThat(scrape.status()).as(scrape.body()).isEqualTo(200);
		assertThat(scrape.contentType()).startsWith("text/plain");
		String text = scrape.body();
		// the meters have no base unit, so Prometheus names are the meter names of
		// CONTRACT.md
		assertThat(text).contains("# TYPE paipa_step_queue_depth gauge");
		for (String step : List.of("parse", "enrich", "store")) {
			assertThat(sample(text, "paipa_step_queue_depth", Map.of("pipeline", "orders", "step", step)))
				.as("queue depth of %s", step)
				.isEqualTo(0.0);
		}
		assertThat(sample(text, "paipa_step_queue_capacity", Map.of("pipeline", "orders", "step", "enrich")))
			.isEqualTo(8.0);
		assertThat(sample(text, "paipa_step_workers",
				Map.of("pipeline", "orders", "step", "enrich", "state", "configured")))
			.isEqualTo(2.0);
		assertThat(sample(text, "paipa_pipeline_items_total", Map.of("pipeline", "orders", "outcome", "completed")))
			.isEqualTo((double) snapshot.completed());
		// the handler timer is fed by the listener: one sample per processed item
		assertThat(sample(text, "paipa_step_process_seconds_count", Map.of("pipeline", "orders", "step", "enrich")))
			.isEqualTo((double) snapshot.step("enrich").stats().processed());
	}

	private void assertStep(JsonNode step, String inputType, String outputType, int workers, int capacity) {
		String name = step.get("name").asString();
		assertThat(step.get("kind").asString()).as("kind of %s", name).isEqualTo("ONE_TO_ONE");
		assertThat(step.get("inputType").asString()).as("input of %s", name).isEqualTo(inputType);
		assertThat(step.get("outputType").asString()).as("output of %s", name).isEqualTo(outputType);
		assertThat(step.get("workers").get("configured").asInt()).as("configured of %s", name).isEqualTo(workers);
		assertThat(step.get("workers").get("alive").asInt()).as("alive of %s", name).isEqualTo(workers);
		assertThat(step.get("workers").get("busy").asInt()).as("busy of %s", name).isZero();
		assertThat(step.get("queue").get("depth").asInt()).as("depth of %s", name).isZero();
		assertThat(step.get("queue").get("capacity").asInt()).as("capacity of %s", name).isEqualTo(capacity);
		assertThat(step.get("restarts").asInt()).as("restarts of %s", name).isZero();
		assertThat(step.get("utilization").isNumber()).as("utilization of %s", name).isTrue();
		assertThat(step.get("utilization").asDouble()).as("utilization of %s", name).isBetween(0.0, 1.0);
		assertThat(step.get("bottleneck").asBoolean()).as("bottleneck of %s", name).isFalse();
	}

	/**
	 * A failed request changed nothing: the steps keep their workers and the pipeline
	 * runs.
	 */
	private void assertUnchanged() {
		PipelineSnapshot snapshot = this.orders.snapshot();
		assertThat(snapshot.state()).isEqualTo(PipelineState.RUNNING);
		assertThat(snapshot.steps()).extracting(StepSnapshot::workersConfigured).containsExactly(1, 2, 1);
		assertThat(snapshot.steps()).extracting(StepSnapshot::workersAlive).containsExactly(1, 2, 1);
		assertThat(gauge("configured")).isEqualTo(2.0);
	}

	private void assertAccounted() {
		PipelineSnapshot snapshot = this.orders.snapshot();
		for (StepSnapshot step : snapshot.steps()) {
			assertThat(step.stats().in()).as("accounting of %s", step.name())
				.isEqualTo(step.stats().processed() + step.stats().dropped() + step.stats().deadLettered()
						+ step.stats().abandoned());
		}
		assertThat(snapshot.in())
			.isEqualTo(snapshot.completed() + snapshot.dropped() + snapshot.deadLettered() + snapshot.abandoned());
	}

	private void feed(int from, int count) throws InterruptedException {
		for (int i = from; i < from + count; i++) {
			this.ordersInput.put(Integer.toString(i));
		}
	}

	/** Waits until every item that entered has left and no worker is busy. */
	private void awaitQuiet() {
		waiting().untilAsserted(() -> {
			PipelineSnapshot snapshot = this.orders.snapshot();
			assertThat(snapshot.in())
				.isEqualTo(snapshot.completed() + snapshot.dropped() + snapshot.deadLettered() + snapshot.abandoned());
			for (StepSnapshot step : snapshot.steps()) {
				assertThat(step.queueDepth()).as("queue of %s", step.name()).isZero();
				assertThat(step.workersBusy()).as("busy of %s", step.name()).isZero();
			}
		});
	}

	private static ConditionFactory waiting() {
		return await().atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20));
	}

	private double gauge(String state) {
		Gauge gauge = this.meterRegistry.find("paipa.step.workers")
			.tags("pipeline", "orders", "step", "enrich", "state", state)
			.gauge();
		assertThat(gauge).as("gauge paipa.step.workers state=%s", state).isNotNull();
		return gauge.value();
	}

	private double metricOverHttp(String state) throws Exception {
		Response response = get(
				"/actuator/metrics/paipa.step.workers?tag=pipeline:orders&tag=step:enrich&tag=state:" + state);
		assertThat(response.status()).as(response.body()).isEqualTo(200);
		JsonNode measurements = response.json().get("measurements");
		assertThat(measurements.size()).isEqualTo(1);
		assertThat(measurements.get(0).get("statistic").asString()).isEqualTo("VALUE");
		return measurements.get(0).get("value").asDouble();
	}

	private static List<String> threadsOf(String step) {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter(Thread::isAlive)
			.map(Thread::getName)
			.filter((name) -> name.startsWith("paipa-orders-" + step + "-"))
			.toList();
	}

	private static List<String> names(JsonNode steps) {
		List<String> names = new ArrayList<>();
		steps.forEach((step) -> names.add(step.get("name").asString()));
		return names;
	}

	private static JsonNode withoutUtilization(JsonNode pipeline) {
		JsonNode copy = pipeline.deepCopy();
		copy.get("steps").forEach((step) -> ((ObjectNode) step).remove("utilization"));
		return copy;
	}

	/**
	 * The value of the one sample of the scrape with this name and at least these labels.
	 */
	private static double sample(String scrape, String name, Map<String, String> labels) {
		Pattern line = Pattern.compile("^" + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$", Pattern.MULTILINE);
		Pattern label = Pattern.compile("(\\w+)=\"([^\"]*)\"");
		List<Double> found = new ArrayList<>();
		Matcher matcher = line.matcher(scrape);
		while (matcher.find()) {
			Map<String, String> present = new LinkedHashMap<>();
			Matcher pair = label.matcher(matcher.group(1));
			while (pair.find()) {
				present.put(pair.group(1), pair.group(2));
			}
			if (present.entrySet().containsAll(labels.entrySet())) {
				found.add(Double.parseDouble(matcher.group(2)));
			}
		}
		assertThat(found).as("samples of %s%s", name, labels).hasSize(1);
		return found.get(0);
	}

	private Response get(String path) throws IOException, InterruptedException {
		return send(request(path).GET().build());
	}

	private Response post(String path, String json) throws IOException, InterruptedException {
		return send(request(path).header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(json))
			.build());
	}

	private HttpRequest.Builder request(String path) {
		return HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
			.timeout(Duration.ofSeconds(10));
	}

	private Response send(HttpRequest request) throws IOException, InterruptedException {
		HttpResponse<String> response = this.http.send(request, HttpResponse.BodyHandlers.ofString());
		return new Response(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
				response.body());
	}

	record Response(int status, String contentType, String body) {

		JsonNode json() {
			return JSON.readTree(this.body);
		}

	}

	/** Lets the test hold the enrich workers in their handler; open unless closed. */
	static class Gate {

		private final AtomicReference<CountDownLatch> latch = new AtomicReference<>(new CountDownLatch(0));

		void close() {
			this.latch.set(new CountDownLatch(1));
		}

		void open() {
			this.latch.get().countDown();
		}

		void pass() throws InterruptedException {
			// bounded, so that a test failing with the gate closed cannot hang the
			// context's shutdown
			this.latch.get().await(30, TimeUnit.SECONDS);
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@EnablePaipaPipeline
	static class Config {

		@Bean
		Gate gate() {
			return new Gate();
		}

		@Bean
		StepHandler<String, Integer> parse() {
			return Integer::valueOf;
		}

		@Bean
		StepHandler<Integer, Integer> enrich(Gate gate) {
			return (item) -> {
				gate.pass();
				// simulates a little work
				Thread.sleep(2);
				return item * 10;
			};
		}

		@Bean
		StepHandler<Integer, Integer> store() {
			return (item) -> item;
		}

	}

}
