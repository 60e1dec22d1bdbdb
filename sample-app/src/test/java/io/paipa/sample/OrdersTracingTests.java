package io.paipa.sample;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.MDC;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.annotation.DirtiesContext;

import io.paipa.core.StepHandler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Traces with OpenTelemetry: an HTTP request that posts an order and the steps its order
 * goes through are one trace. The request comes with a W3C {@code traceparent}; each
 * step's span ({@code orders parse}, ..., {@code orders store}) carries its trace id, and
 * a handler's log MDC has it too. A probe step after {@code store} reads the MDC.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.datasource.url=jdbc:h2:mem:orders-tracing;DB_CLOSE_DELAY=-1",
				"management.tracing.sampling.probability=1.0",
				"paipa.pipelines.orders.definition=parse|enrich|batch|store|probe" })
@DirtiesContext
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OrdersTracingTests {

	private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

	@LocalServerPort
	private int port;

	@Autowired
	private InMemorySpanExporter spans;

	@Autowired
	private Map<String, String> mdcTraceIds;

	@Test
	void theRequestsTraceGoesThroughEveryStep() throws Exception {
		HttpResponse<String> response = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + "/orders?wait=true"))
				.header("Content-Type", "application/x-ndjson")
				.header("traceparent", "00-" + TRACE_ID + "-00f067aa0ba902b7-01")
				.POST(HttpRequest.BodyPublishers.ofString(OrdersServiceTests.order("traced-1") + "\n"))
				.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).contains("\"stored\":1");
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(this.spans.getFinishedSpanItems()).extracting(SpanData::getName)
				.contains("orders store", "orders probe"));
		List<SpanData> finished = this.spans.getFinishedSpanItems();
		SpanData server = finished.stream()
			.filter((span) -> span.getName().startsWith("http post"))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no HTTP server span in " + finished));
		assertThat(server.getTraceId()).isEqualTo(TRACE_ID);
		for (String step : List.of("parse", "enrich", "store", "probe")) {
			SpanData span = finished.stream()
				.filter((candidate) -> candidate.getName().equals("orders " + step))
				.findFirst()
				.orElseThrow(() -> new AssertionError("no span of step " + step + " in " + finished));
			assertThat(span.getTraceId()).as(step).isEqualTo(TRACE_ID);
			assertThat(span.getAttributes().asMap().toString()).contains("pipeline=orders", "step=" + step);
		}
		assertThat(this.mdcTraceIds).containsEntry("probe", TRACE_ID);
	}

	@TestConfiguration(proxyBeanMethods = false)
	static class Config {

		@Bean
		InMemorySpanExporter inMemorySpanExporter() {
			return InMemorySpanExporter.create();
		}

		@Bean
		Map<String, String> mdcTraceIds() {
			return new ConcurrentHashMap<>();
		}

		/**
		 * The last step: records the trace id in the MDC of the thread that handles it.
		 */
		@Bean
		StepHandler<Object, Object> probe(Map<String, String> mdcTraceIds) {
			return (item) -> {
				String traceId = MDC.get("traceId");
				if (traceId != null) {
					mdcTraceIds.put("probe", traceId);
				}
				return item;
			};
		}

	}

}
