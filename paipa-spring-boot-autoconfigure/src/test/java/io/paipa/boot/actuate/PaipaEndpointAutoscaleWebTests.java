package io.paipa.boot.actuate;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import io.paipa.boot.EnablePaipaPipeline;
import io.paipa.core.Pipeline;
import io.paipa.core.PipelineClosedException;
import io.paipa.core.PipelineInput;
import io.paipa.core.StepHandler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An autoscaled step through the {@code paipa} endpoint, the meters and the log: the
 * budget and the autoscaler's decisions in {@code GET /actuator/paipa/orders}, a rescale
 * that pins the step, {@code {"step": ..., "autoscale": true}} that releases it, and each
 * decision logged at INFO on {@code io.paipa.autoscale}. The step {@code enrich} sleeps 5
 * ms per item and is fed as fast as it takes items, so the autoscaler keeps growing it.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "paipa.pipelines.orders.definition=parse|enrich|store",
				"paipa.pipelines.orders.progress-interval=0s", "paipa.pipelines.orders.autoscale.enabled=true",
				"paipa.pipelines.orders.autoscale.max-threads=12", "paipa.pipelines.orders.autoscale.interval=100ms",
				"paipa.pipelines.orders.steps.enrich.max-workers=8",
				"management.endpoints.web.exposure.include=health,paipa",
				"management.endpoint.paipa.access=unrestricted", "spring.web.error.include-message=always" })
@ExtendWith(OutputCaptureExtension.class)
@Timeout(90)
class PaipaEndpointAutoscaleWebTests {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final Duration WAIT = Duration.ofSeconds(30);

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

	@LocalServerPort
	private int port;

	@Autowired
	private Pipeline<String> orders;

	@Autowired
	private PipelineInput<String> ordersInput;

	@Autowired
	private MeterRegistry registry;

	private final AtomicBoolean feeding = new AtomicBoolean();

	private Thread feeder;

	private long upBefore;

	@BeforeEach
	void feedFromOneWorker() {
		// every test starts from one worker, with the autoscaler in charge; counted
		// before
		// the pin, since a decision the controller was applying as the pin came can still
		// be counted after it
		this.upBefore = this.orders.stepSnapshot("enrich").autoscale().up();
		this.orders.scale("enrich", 1);
		this.orders.resumeAutoscale("enrich");
		this.feeding.set(true);
		this.feeder = new Thread(() -> {
			int i = 0;
			try {
				while (this.feeding.get()) {
					if (this.ordersInput.offer(Integer.toString(i), Duration.ofMillis(100))) {
						i++;
					}
				}
			}
			catch (InterruptedException | PipelineClosedException ex) {
				// done
			}
		}, "feeder");
		this.feeder.setDaemon(true);
		this.feeder.start();
	}

	@AfterEach
	void stopFeeding() throws InterruptedException {
		this.feeding.set(false);
		this.feeder.join(10_000);
		assertThat(this.feeder.isAlive()).isFalse();
		if (this.orders.stepSnapshot("enrich").autoscale().pinned()) {
			this.orders.resumeAutoscale("enrich");
		}
	}

	@Test
	void showsTheBudgetAndTheDecisionsWhichAreCountedAndLoggedAtInfo(CapturedOutput output) throws Exception {
		await().atMost(WAIT)
			.until(() -> this.orders.stepSnapshot("enrich").autoscale().up() > this.upBefore
					&& this.orders.stepSnapshot("enrich").workersConfigured() > 1);

		JsonNode pipeline = get("/actuator/paipa/orders").json();

		JsonNode autoscale = pipeline.get("autoscale");
		assertThat(autoscale.get("maxThreads").asInt()).isEqualTo(12);
		assertThat(autoscale.get("threads").asInt()).isBetween(4, 12);
		assertThat(autoscale.get("interval").asString()).isEqualTo("PT0.1S");
		JsonNode steps = pipeline.get("steps");
		assertThat(steps.get(0).get("autoscale").isNull()).as("parse has fixed workers").isTrue();
		JsonNode enrich = steps.get(1).get("autoscale");
		assertThat(enrich.get("minWorkers").asInt()).isEqualTo(1);
		assertThat(enrich.get("maxWorkers").asInt()).isEqualTo(8);
		assertThat(enrich.get("pinned").asBoolean()).isFalse();
		assertThat(enrich.get("up").asLong()).isPositive();
		assertThat(enrich.get("lastDecision").asString()).contains("workers");
		assertThat(enrich.get("lastDecisionAt").asString()).isNotBlank();
		assertThat(steps.get(1).get("workers").get("configured").asInt()).isGreaterThan(1);

		FunctionCounter up = this.registry.get("paipa.step.autoscale.decisions")
			.tags("pipeline", "orders", "step", "enrich", "direction", "up")
			.functionCounter();
		assertThat(up.count()).isPositive();
		assertThat(this.registry.get("paipa.step.autoscale.decisions")
			.tags("pipeline", "orders", "step", "enrich", "direction", "down")
			.functionCounter()).isNotNull();
		assertThat(this.registry.find("paipa.step.autoscale.decisions").tag("step", "parse").meters()).isEmpty();
		assertThat(gauge("paipa.pipeline.autoscale.max.threads", null)).isEqualTo(12.0);
		assertThat(gauge("paipa.step.autoscale.min.workers", "enrich")).isEqualTo(1.0);
		assertThat(gauge("paipa.step.autoscale.max.workers", "enrich")).isEqualTo(8.0);
		assertThat(gauge("paipa.step.autoscale.pinned", "enrich")).isZero();

		assertThat(output).contains("io.paipa.autoscale")
			.contains("Pipeline 'orders', step 'enrich': up 1 -> 2 workers: the bottleneck");
	}

	@Test
	void aRescaleThroughTheEndpointPinsTheStepUntilAutoscaleTrueReleasesIt() throws Exception {
		Response pin = post("{\"step\":\"enrich\",\"workers\":3}");

		assertThat(pin.status()).as(pin.body()).isEqualTo(200);
		JsonNode enrich = pin.json().get("steps").get(1);
		assertThat(enrich.get("workers").get("configured").asInt()).isEqualTo(3);
		assertThat(enrich.get("autoscale").get("pinned").asBoolean()).isTrue();
		assertThat(gauge("paipa.step.autoscale.pinned", "enrich")).isEqualTo(1.0);
		long decisions = decisions();
		// busy with items waiting, yet left at 3 for 10 intervals
		await().during(Duration.ofSeconds(1))
			.atMost(Duration.ofSeconds(10))
			.until(() -> this.orders.stepSnapshot("enrich").workersConfigured() == 3 && decisions() == decisions);

		Response release = post("{\"step\":\"enrich\",\"autoscale\":true}");

		assertThat(release.status()).as(release.body()).isEqualTo(200);
		assertThat(release.json().get("steps").get(1).get("autoscale").get("pinned").asBoolean()).isFalse();
		await().atMost(WAIT).until(() -> decisions() > decisions);

		Response hold = post("{\"step\":\"enrich\",\"autoscale\":false}");

		assertThat(hold.status()).as(hold.body()).isEqualTo(200);
		assertThat(hold.json().get("steps").get(1).get("autoscale").get("pinned").asBoolean()).isTrue();
		assertThat(this.orders.stepSnapshot("enrich").autoscale().pinned()).isTrue();
	}

	@Test
	void releasingAStepThatIsNotAutoscaledOrSendingBothIsABadRequest() throws Exception {
		Response fixed = post("{\"step\":\"parse\",\"autoscale\":true}");
		Response both = post("{\"step\":\"enrich\",\"workers\":3,\"autoscale\":true}");

		assertThat(fixed.status()).as(fixed.body()).isEqualTo(400);
		assertThat(fixed.json().get("message").asString()).contains("'parse'").contains("not autoscaled");
		assertThat(both.status()).as(both.body()).isEqualTo(400);
		assertThat(both.json().get("message").asString()).contains("Both workers and autoscale");
		assertThat(this.orders.stepSnapshot("enrich").autoscale().pinned()).isFalse();
	}

	private long decisions() {
		return this.orders.stepSnapshot("enrich").autoscale().up()
				+ this.orders.stepSnapshot("enrich").autoscale().down();
	}

	private double gauge(String name, String step) {
		var search = this.registry.get(name).tag("pipeline", "orders");
		return ((step != null) ? search.tag("step", step) : search).gauge().value();
	}

	private Response get(String path) throws IOException, InterruptedException {
		return send(request(path).GET().build());
	}

	private Response post(String json) throws IOException, InterruptedException {
		return send(request("/actuator/paipa/orders").header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(json))
			.build());
	}

	private HttpRequest.Builder request(String path) {
		return HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
			.timeout(Duration.ofSeconds(10));
	}

	private Response send(HttpRequest request) throws IOException, InterruptedException {
		HttpResponse<String> response = this.http.send(request, HttpResponse.BodyHandlers.ofString());
		return new Response(response.statusCode(), response.body());
	}

	record Response(int status, String body) {

		JsonNode json() {
			return JSON.readTree(this.body);
		}

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
		StepHandler<Integer, Integer> enrich() {
			return (item) -> {
				Thread.sleep(5);
				return item;
			};
		}

		@Bean
		StepHandler<Integer, Integer> store() {
			return (item) -> item;
		}

	}

}
