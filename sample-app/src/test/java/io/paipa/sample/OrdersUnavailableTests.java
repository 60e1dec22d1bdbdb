package io.paipa.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

import io.paipa.core.Pipeline;

/** A pipeline that does not run answers 503 and takes nothing. */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "spring.datasource.url=jdbc:h2:mem:orders-unavailable;DB_CLOSE_DELAY=-1")
@DirtiesContext
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OrdersUnavailableTests {

	@LocalServerPort
	private int port;

	@Autowired
	@Qualifier("orders")
	private Pipeline<String> orders;

	@Test
	void aStoppedPipelineAnswers503() throws Exception {
		this.orders.stop(Duration.ofSeconds(5));
		HttpResponse<String> response = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + "/orders"))
				.timeout(Duration.ofSeconds(30))
				.header("Content-Type", "application/x-ndjson")
				.POST(HttpRequest.BodyPublishers.ofString(OrdersServiceTests.order("u-1") + "\n"))
				.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(503);
		assertThat(response.body()).isEqualTo("{\"accepted\":0}");
		assertThat(this.orders.snapshot().in()).isZero();
	}

}
