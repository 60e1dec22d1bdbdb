package io.paipa.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * SIGTERM under load loses nothing: after a restart on the same database files, every
 * order the service accepted (202 and 429 answers) is stored or dead-lettered.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ProcessShutdownIT {

	private static final ObjectMapper json = JsonMapper.builder().build();

	/** paipa.pipelines.orders.shutdown-timeout in application.yml, plus a margin. */
	private static final Duration EXIT_WITHIN = Duration.ofSeconds(30 + 30);

	private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@TempDir
	Path dir;

	private Process first;

	private Process second;

	@AfterEach
	void stopProcesses() throws InterruptedException {
		SampleProcess.stop(this.first);
		SampleProcess.stop(this.second);
	}

	@Test
	void sigtermMidLoadLosesNoAcceptedOrder() throws Exception {
		Path log = this.dir.resolve("sample.log");
		String url = SampleProcess.h2Url(this.dir, "orders");
		int port = SampleProcess.freePort();
		// a slower lookup (8 workers x 20 ms = 400 orders/s, not autoscaled) so that the
		// input is full when the signal comes
		this.first = SampleProcess.start(log, "--server.port=" + port, "--spring.datasource.url=" + url,
				"--paipa.pipelines.orders.steps.enrich.options.latency=20ms",
				"--paipa.pipelines.orders.autoscale.enabled=false", "--paipa.pipelines.orders.steps.enrich.workers=8");
		SampleProcess.awaitUp(this.client, port, this.first);

		AtomicLong accepted = new AtomicLong();
		AtomicLong answers = new AtomicLong();
		AtomicLong tooManyRequests = new AtomicLong();
		AtomicBoolean stopping = new AtomicBoolean();
		AtomicBoolean signalled = new AtomicBoolean();
		AtomicReference<Throwable> clientFailure = new AtomicReference<>();
		Thread loader = new Thread(() -> {
			int next = 0;
			try {
				while (!stopping.get()) {
					List<String> lines = new ArrayList<>();
					for (int i = 0; i < 200; i++, next++) {
						lines.add((next % 97 == 13) ? "{\"id\":\"broken-" + next + "\""
								: OrdersServiceTests.order("p-" + next));
					}
					HttpResponse<String> response;
					try {
						response = this.client
							.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/orders"))
								.timeout(Duration.ofSeconds(60))
								.header("Content-Type", "application/x-ndjson")
								.POST(HttpRequest.BodyPublishers.ofString(String.join("\n", lines)))
								.build(), HttpResponse.BodyHandlers.ofString());
					}
					catch (IOException ex) {
						// the server has gone away: no answer, nothing counted
						if (!signalled.get()) {
							throw ex;
						}
						return;
					}
					if (response.statusCode() == 202 || response.statusCode() == 429 || response.statusCode() == 503) {
						accepted.addAndGet(json.readTree(response.body()).get("accepted").asLong());
						answers.incrementAndGet();
						if (response.statusCode() == 429) {
							tooManyRequests.incrementAndGet();
						}
						// a 429's rest is not resent: the next batch carries new ids
					}
					else {
						throw new IllegalStateException(
								"unexpected answer " + response.statusCode() + ": " + response.body());
					}
				}
			}
			catch (Throwable ex) {
				clientFailure.set(ex);
			}
		}, "sample-load");
		loader.start();

		// mid-load: thousands of orders are in, and the client keeps sending (whether the
		// input
		// is full at that moment depends on the machine; 429s are
		// OrdersBackPressureTests' job)
		await().atMost(Duration.ofSeconds(60)).until(() -> accepted.get() >= 3000 || clientFailure.get() != null);
		assertThat(clientFailure.get()).isNull();

		long signalledAt = System.nanoTime();
		signalled.set(true);
		this.first.destroy(); // SIGTERM
		boolean exited = this.first.waitFor(EXIT_WITHIN.toSeconds(), TimeUnit.SECONDS);
		stopping.set(true);
		assertThat(exited).as("exited within %s; log:%n%s", EXIT_WITHIN, SampleProcess.log(log)).isTrue();
		loader.join(TimeUnit.SECONDS.toMillis(90));
		assertThat(loader.isAlive()).isFalse();
		assertThat(clientFailure.get()).isNull();
		System.out.println("first process exited with " + this.first.exitValue() + " "
				+ Duration.ofNanos(System.nanoTime() - signalledAt).toMillis() + " ms after SIGTERM; " + answers.get()
				+ " answers (" + tooManyRequests.get() + " of them 429), " + accepted.get() + " orders accepted");

		this.second = SampleProcess.start(log, "--server.port=" + port, "--spring.datasource.url=" + url);
		SampleProcess.awaitUp(this.client, port, this.second);
		HttpResponse<String> response = this.client.send(
				HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/orders/stats")).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(200);
		JsonNode stats = json.readTree(response.body());
		long stored = stats.get("stored").asLong();
		long deadLettered = stats.get("deadLettered").asLong();
		assertThat(stored + deadLettered)
			.as("stored %d + dead-lettered %d; log:%n%s", stored, deadLettered, SampleProcess.log(log))
			.isEqualTo(accepted.get());
		assertThat(deadLettered).isGreaterThan(0);

		this.second.destroy();
		assertThat(this.second.waitFor(EXIT_WITHIN.toSeconds(), TimeUnit.SECONDS)).isTrue();
	}

}
