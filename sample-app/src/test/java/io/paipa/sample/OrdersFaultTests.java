package io.paipa.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.annotation.DirtiesContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The service when its database fails: down for a while under load and back, not taking
 * writes at all, and data it cannot store (one bad member in a chunk, too many decimals,
 * bytes that are not UTF-8, resent orders). Whatever happens, every order the service
 * answered as accepted ends stored, a duplicate or dead-lettered.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.datasource.url=jdbc:h2:mem:orders-faults;DB_CLOSE_DELAY=-1",
				"sample.store-probe-interval=50ms", "paipa.pipelines.orders.outage.max-backoff=200ms",
				"paipa.pipelines.orders.steps.enrich.options.latency=0ms" })
@DirtiesContext
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class OrdersFaultTests {

	private static final ObjectMapper json = JsonMapper.builder().build();

	private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

	@LocalServerPort
	private int port;

	@Autowired
	private FaultyDataSource database;

	@AfterEach
	void databaseUp() {
		this.database.down.set(false);
		this.database.lostCommitAnswers.set(0);
	}

	@Test
	void aCommitWhoseAnswerIsLostStoresEachOrderOnceAndCountsNoDuplicate() throws Exception {
		List<String> lines = new ArrayList<>();
		for (int i = 0; i < 20; i++) {
			lines.add(OrdersServiceTests.order("lost-answer-" + i));
		}
		// the chunk's commit reaches the database, its answer does not: the chunk is
		// tried
		// again, finds its own rows, and they are not duplicates
		this.database.lostCommitAnswers.set(1);
		HttpResponse<String> response = post(String.join("\n", lines), true);
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		JsonNode outcome = json.readTree(response.body());
		assertThat(outcome.get("accepted").asLong()).isEqualTo(20);
		assertThat(outcome.get("stored").asLong()).isEqualTo(20);
		assertThat(outcome.get("duplicates").asLong()).isZero();
		assertThat(outcome.get("deadLettered").asLong()).isZero();
		assertThat(this.database.lostCommitAnswers.get()).as("the lost answer happened").isLessThan(1);
	}

	@Test
	void aDatabaseDownForAWhileUnderLoadLosesNoAcceptedOrder() throws Exception {
		JsonNode before = getJson("/orders/stats");
		AtomicLong accepted = new AtomicLong();
		AtomicBoolean loading = new AtomicBoolean(true);
		List<Integer> statuses = new java.util.concurrent.CopyOnWriteArrayList<>();
		Thread load = new Thread(() -> {
			int batch = 0;
			while (loading.get()) {
				List<String> lines = new ArrayList<>();
				for (int i = 0; i < 50; i++) {
					lines.add(OrdersServiceTests.order("outage-" + batch + "-" + i));
				}
				batch++;
				try {
					HttpResponse<String> response = post(String.join("\n", lines), false);
					statuses.add(response.statusCode());
					accepted.addAndGet(json.readTree(response.body()).get("accepted").asLong());
				}
				catch (Exception ex) {
					throw new IllegalStateException(ex);
				}
			}
		});
		load.start();
		await().atMost(Duration.ofSeconds(60)).until(() -> stored() - before.get("stored").asLong() > 500);
		this.database.down.set(true);
		await().atMost(Duration.ofSeconds(60)).until(() -> health().equals("DOWN"));
		// the database stays down while clients keep posting and are refused
		await().atMost(Duration.ofSeconds(60))
			.until(() -> statuses.stream().filter((status) -> status == 503 || status == 429).count() >= 5);
		this.database.down.set(false);
		await().atMost(Duration.ofSeconds(60)).until(() -> health().equals("UP"));
		await().atMost(Duration.ofSeconds(60)).until(() -> {
			// from a copy: a sublist of the list fails when the client adds to it
			// meanwhile
			List<Integer> copy = List.copyOf(statuses);
			return copy.size() > 3
					&& copy.subList(copy.size() - 3, copy.size()).stream().allMatch((status) -> status == 202);
		});
		loading.set(false);
		load.join(60_000);

		await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
			JsonNode after = getJson("/orders/stats");
			long ended = delta(after, before, "stored") + delta(after, before, "deadLettered")
					+ delta(after, before, "duplicates");
			assertThat(ended).isEqualTo(accepted.get());
		});
		assertThat(delta(getJson("/orders/stats"), before, "duplicates")).isZero();
	}

	@Test
	void aDatabaseThatTakesNoWritesMakesHealthDownAndIntakeRefuse() throws Exception {
		this.database.down.set(true);
		await().atMost(Duration.ofSeconds(30)).until(() -> health().equals("DOWN"));
		HttpResponse<String> response = post(OrdersServiceTests.order("read-only-1"), false);
		assertThat(response.statusCode()).isEqualTo(503);
		assertThat(json.readTree(response.body()).get("accepted").asLong()).isZero();
		HttpResponse<String> stats = this.client.send(HttpRequest.newBuilder(uri("/orders/stats")).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(stats.statusCode()).isEqualTo(503);
		assertThat(json.readTree(stats.body()).get("error").asText()).startsWith("the database cannot be read");
		this.database.down.set(false);
		await().atMost(Duration.ofSeconds(30)).until(() -> health().equals("UP"));
		assertThat(post(OrdersServiceTests.order("read-only-2"), false).statusCode()).isEqualTo(202);
	}

	@Test
	void aBadMemberOfAChunkIsDeadLetteredAloneAndTheOthersStoredOnce() throws Exception {
		List<String> lines = new ArrayList<>();
		for (int i = 0; i < 49; i++) {
			lines.add(OrdersServiceTests.order("poison-" + i));
		}
		lines.add(25, "{\"id\":\"poison-bad\",\"customer\":\"c-1\",\"amount\":\"1e20\",\"currency\":\"USD\"}");
		HttpResponse<String> response = post(String.join("\n", lines), true);
		assertThat(response.statusCode()).isEqualTo(200);
		JsonNode outcome = json.readTree(response.body());
		assertThat(outcome.get("accepted").asLong()).isEqualTo(50);
		assertThat(outcome.get("stored").asLong()).isEqualTo(49);
		assertThat(outcome.get("deadLettered").asLong()).isEqualTo(1);
		assertThat(outcome.get("duplicates").asLong()).isZero();
	}

	@Test
	void waitingForTheOrdersTellsStoredDuplicatesAndDeadLetters() throws Exception {
		String lines = String.join("\n", OrdersServiceTests.order("wait-1"), OrdersServiceTests.order("wait-1"),
				"{\"id\":\"wait-2\",\"customer\":\"c\",\"amount\":\"0.00001\",\"currency\":\"USD\"}",
				"{\"id\":\"wait-3\",\"customer\":\"c\",\"amount\":\"12.345678901234567890\",\"currency\":\"USD\"}",
				"{\"id\":\"wait-4\", not json");
		HttpResponse<String> response = post(lines, true);
		assertThat(response.statusCode()).isEqualTo(200);
		JsonNode outcome = json.readTree(response.body());
		assertThat(outcome.get("accepted").asLong()).isEqualTo(5);
		assertThat(outcome.get("stored").asLong()).isEqualTo(1);
		assertThat(outcome.get("duplicates").asLong()).isEqualTo(1);
		assertThat(outcome.get("deadLettered").asLong()).isEqualTo(3);
	}

	@Test
	void aLineThatIsNotUtf8IsDeadLetteredWithItsBytes() throws Exception {
		ByteArrayOutputStream body = new ByteArrayOutputStream();
		body.write(OrdersServiceTests.order("utf8-1").getBytes(StandardCharsets.UTF_8));
		body.write('\n');
		body.write(new byte[] { '{', '"', 'i', 'd', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}' });
		HttpResponse<String> response = this.client.send(HttpRequest.newBuilder(uri("/orders?wait=true"))
			.timeout(Duration.ofSeconds(60))
			.header("Content-Type", "application/x-ndjson")
			.POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
			.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(200);
		JsonNode outcome = json.readTree(response.body());
		assertThat(outcome.get("stored").asLong()).isEqualTo(1);
		assertThat(outcome.get("deadLettered").asLong()).isEqualTo(1);
	}

	private long stored() throws Exception {
		return getJson("/orders/stats").get("stored").asLong();
	}

	private String health() throws Exception {
		HttpResponse<String> response = this.client.send(HttpRequest.newBuilder(uri("/actuator/health")).build(),
				HttpResponse.BodyHandlers.ofString());
		return json.readTree(response.body()).get("status").asString();
	}

	private static long delta(JsonNode after, JsonNode before, String field) {
		return after.get(field).asLong() - before.get(field).asLong();
	}

	private HttpResponse<String> post(String body, boolean wait) throws Exception {
		return this.client.send(HttpRequest.newBuilder(uri("/orders" + (wait ? "?wait=true" : "")))
			.timeout(Duration.ofSeconds(90))
			.header("Content-Type", "application/x-ndjson")
			.POST(HttpRequest.BodyPublishers.ofString(body + "\n"))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	private JsonNode getJson(String path) throws Exception {
		return json.readTree(
				this.client
					.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).build(),
							HttpResponse.BodyHandlers.ofString())
					.body());
	}

	private URI uri(String path) {
		return URI.create("http://localhost:" + this.port + path);
	}

	@TestConfiguration(proxyBeanMethods = false)
	static class FaultyDatabase {

		@Bean
		static BeanPostProcessor faultyDataSourceWrapper() {
			return new BeanPostProcessor() {

				@Override
				public Object postProcessAfterInitialization(Object bean, String beanName) {
					return (bean instanceof DataSource dataSource && !(bean instanceof FaultyDataSource))
							? new FaultyDataSource(dataSource) : bean;
				}

			};
		}

	}

	/**
	 * A data source the test can take down (no connection is given out while it is), or
	 * whose next commits reach the database but fail on the way back, as when a
	 * connection breaks right after the database committed.
	 */
	static final class FaultyDataSource implements DataSource {

		final AtomicBoolean down = new AtomicBoolean();

		final AtomicInteger lostCommitAnswers = new AtomicInteger();

		private final DataSource delegate;

		FaultyDataSource(DataSource delegate) {
			this.delegate = delegate;
		}

		@Override
		public Connection getConnection() throws SQLException {
			check();
			Connection connection = this.delegate.getConnection();
			return (Connection) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
					new Class<?>[] { Connection.class }, (proxy, method, args) -> {
						try {
							Object result = method.invoke(connection, args);
							if (method.getName().equals("commit") && this.lostCommitAnswers.getAndDecrement() > 0) {
								throw new SQLException("Connection reset after the commit (simulated)");
							}
							return result;
						}
						catch (java.lang.reflect.InvocationTargetException ex) {
							throw ex.getCause();
						}
					});
		}

		@Override
		public Connection getConnection(String username, String password) throws SQLException {
			check();
			return this.delegate.getConnection(username, password);
		}

		private void check() throws SQLException {
			if (this.down.get()) {
				throw new SQLException("The database has been closed (simulated)");
			}
		}

		@Override
		public PrintWriter getLogWriter() throws SQLException {
			return this.delegate.getLogWriter();
		}

		@Override
		public void setLogWriter(PrintWriter out) throws SQLException {
			this.delegate.setLogWriter(out);
		}

		@Override
		public void setLoginTimeout(int seconds) throws SQLException {
			this.delegate.setLoginTimeout(seconds);
		}

		@Override
		public int getLoginTimeout() throws SQLException {
			return this.delegate.getLoginTimeout();
		}

		@Override
		public Logger getParentLogger() throws SQLFeatureNotSupportedException {
			return this.delegate.getParentLogger();
		}

		@Override
		public <T> T unwrap(Class<T> type) throws SQLException {
			return type.isInstance(this) ? type.cast(this) : this.delegate.unwrap(type);
		}

		@Override
		public boolean isWrapperFor(Class<?> type) throws SQLException {
			return type.isInstance(this) || this.delegate.isWrapperFor(type);
		}

	}

}
