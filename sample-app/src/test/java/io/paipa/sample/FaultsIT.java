package io.paipa.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.h2.tools.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The packaged service, in a JVM of its own, when its database goes away: an H2 server
 * stopped under load and started again, a full disk (a file-size limit) that gets room
 * again, a read-only database at start, and the service itself killed with SIGKILL while
 * clients wait for their orders to be stored.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class FaultsIT {

	private static final ObjectMapper json = JsonMapper.builder().build();

	private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@TempDir
	Path dir;

	private final List<Process> processes = new ArrayList<>();

	private final List<Server> servers = new ArrayList<>();

	private final List<Path> logs = new ArrayList<>();

	@AfterEach
	void stopAll() throws Exception {
		for (Process process : this.processes) {
			SampleProcess.stop(process);
		}
		this.servers.forEach(Server::stop);
		// the services' logs outlive the temporary directory, for a look after a failure
		Path kept = Path.of("target", "faults-it");
		java.nio.file.Files.createDirectories(kept);
		for (Path log : this.logs) {
			java.nio.file.Files.copy(log, kept.resolve(log.getFileName()),
					java.nio.file.StandardCopyOption.REPLACE_EXISTING);
		}
	}

	@Test
	void aDatabaseServerDownForAWhileUnderLoadLosesNoAcceptedOrder() throws Exception {
		int dbPort = SampleProcess.freePort();
		Server server = h2Server(dbPort);
		String url = "jdbc:h2:tcp://localhost:" + dbPort + "/orders";
		int port = SampleProcess.freePort();
		Path log = this.dir.resolve("outage.log");
		Process process = start(log, port, url, "--spring.datasource.hikari.connection-timeout=1000",
				"--sample.store-probe-interval=200ms");
		SampleProcess.awaitUp(this.client, port, process);

		outageUnderLoad(process, port, log, "db", server::stop, () -> h2Server(dbPort));
	}

	@Test
	void aFullDiskUnderLoadLosesNoAcceptedOrder() throws Exception {
		assumeTrue(Files.isExecutable(Path.of("/usr/bin/prlimit")),
				"needs prlimit (util-linux) to limit the size of the service's files; not run");
		int port = SampleProcess.freePort();
		Path log = this.dir.resolve("disk-full.log");
		Process process = start(log, port, SampleProcess.h2Url(this.dir, "orders"),
				"--sample.store-probe-interval=200ms");
		SampleProcess.awaitUp(this.client, port, process);

		// the disk fills up: no file of the service grows past the database's size (a
		// file-size limit: writes past it fail as on a full disk, with "File too large");
		// then it has room again, and the service resumes by itself, without a restart
		Path database = this.dir.resolve("orders.mv.db");
		outageUnderLoad(process, port, log, "full",
				() -> prlimit(process, "--fsize=" + Math.max(Files.size(database), Files.size(log) + 1_000_000) + ":"),
				() -> prlimit(process, "--fsize=unlimited:"));
	}

	/**
	 * The statuses from an index on, from a copy: a sublist of the list itself fails with
	 * a ConcurrentModificationException when a client adds a status while it is read.
	 */
	private static List<Integer> since(List<Integer> statuses, int from) {
		List<Integer> copy = List.copyOf(statuses);
		return copy.subList(from, copy.size());
	}

	/**
	 * Two clients load the service; the database fails under load and comes back: while
	 * it is down health is DOWN and orders are refused, afterwards everything resumes,
	 * every accepted order ends stored, dead-lettered or a duplicate, and an outage is
	 * not poison (the store takes three failures in a row for an outage, so at most the
	 * two chunks that failed before were dead-lettered).
	 */
	private void outageUnderLoad(Process process, int port, Path log, String prefix, Action fail, Action recover)
			throws Exception {
		AtomicLong accepted = new AtomicLong();
		AtomicBoolean loading = new AtomicBoolean(true);
		List<Integer> statuses = new CopyOnWriteArrayList<>();
		List<Thread> clients = new ArrayList<>();
		for (int c = 0; c < 2; c++) {
			int client = c;
			Thread thread = new Thread(() -> load(port, prefix + "-" + client, loading, accepted, statuses));
			thread.start();
			clients.add(thread);
		}
		await().atMost(Duration.ofSeconds(60)).until(() -> accepted.get() > 2_000);
		fail.run();
		awaitHealth(port, "DOWN", log);
		int before = statuses.size();
		await().atMost(Duration.ofSeconds(60))
			.until(() -> since(statuses, before).stream().filter((status) -> status != 202).count() >= 5);
		recover.run();
		awaitHealth(port, "UP", log);
		int after = statuses.size();
		await().atMost(Duration.ofSeconds(60))
			.until(() -> since(statuses, after).stream().filter((status) -> status == 202).count() >= 5);
		loading.set(false);
		for (Thread thread : clients) {
			thread.join(60_000);
		}
		await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
			JsonNode stats = getJson(port, "/orders/stats");
			assertThat(stats.get("stored").asLong() + stats.get("deadLettered").asLong()
					+ stats.get("duplicates").asLong())
				.as(SampleProcess.log(log))
				.isEqualTo(accepted.get());
		});
		assertThat(getJson(port, "/orders/stats").get("deadLettered").asLong()).isLessThanOrEqualTo(200);
		process.destroy();
		assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
	}

	/** Something done to the service's database. */
	@FunctionalInterface
	private interface Action {

		void run() throws Exception;

	}

	@Test
	void sigkillUnderLoadLosesNoAcknowledgedOrder() throws Exception {
		// no WRITE_DELAY=0 in the URL: the service makes H2 write each commit at once
		// itself
		String url = SampleProcess.h2Url(this.dir, "orders");
		int port = SampleProcess.freePort();
		Path log = this.dir.resolve("kill.log");
		Process process = start(log, port, url);
		SampleProcess.awaitUp(this.client, port, process);

		Set<String> acknowledged = ConcurrentHashMap.newKeySet();
		AtomicBoolean loading = new AtomicBoolean(true);
		List<Thread> clients = new ArrayList<>();
		for (int c = 0; c < 3; c++) {
			int client = c;
			Thread thread = new Thread(() -> acknowledgedLoad(port, "kill-" + client, loading, acknowledged));
			thread.start();
			clients.add(thread);
		}
		await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() > 1_000);
		process.destroyForcibly();
		assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
		loading.set(false);
		for (Thread thread : clients) {
			thread.join(60_000);
		}
		try (Connection connection = DriverManager.getConnection(SampleProcess.h2Url(this.dir, "orders"), "sa", "")) {
			List<String> missing = new ArrayList<>();
			for (String id : acknowledged) {
				if (!stored(connection, id)) {
					missing.add(id);
				}
			}
			assertThat(missing).as("acknowledged orders missing after SIGKILL, of %d", acknowledged.size()).isEmpty();
		}
	}

	@Test
	void aPoisonMemberOfAChunkIsDeadLetteredAloneAndItsGoodNeighboursStoredOnce() throws Exception {
		int port = SampleProcess.freePort();
		Path log = this.dir.resolve("poison.log");
		Process process = start(log, port, SampleProcess.h2Url(this.dir, "orders"));
		SampleProcess.awaitUp(this.client, port, process);
		List<String> lines = new ArrayList<>();
		for (int i = 0; i < 49; i++) {
			lines.add(OrdersServiceTests.order("poison-" + i));
		}
		// too large for the amount column: the chunk's transaction fails because of this
		// one
		lines.add(25, "{\"id\":\"poison-bad\",\"customer\":\"c-1\",\"amount\":\"1e20\",\"currency\":\"USD\"}");
		HttpResponse<String> response = post(port, String.join("\n", lines) + "\n", true);
		assertThat(response.statusCode()).as(SampleProcess.log(log)).isEqualTo(200);
		JsonNode outcome = json.readTree(response.body());
		assertThat(outcome.get("accepted").asLong()).isEqualTo(50);
		assertThat(outcome.get("stored").asLong()).isEqualTo(49);
		assertThat(outcome.get("deadLettered").asLong()).isEqualTo(1);
		JsonNode stats = getJson(port, "/orders/stats");
		assertThat(stats.get("stored").asLong()).isEqualTo(49);
		assertThat(stats.get("deadLettered").asLong()).isEqualTo(1);
		assertThat(stats.get("duplicates").asLong()).isZero();
	}

	@Test
	void aReadOnlyDatabaseAtStartMakesHealthDownAndRefusesOrders() throws Exception {
		// a database with the sample's tables, then opened read-only
		String file = SampleProcess.h2Url(this.dir, "read-only");
		try (Connection connection = DriverManager.getConnection(file, "sa", "")) {
			org.h2.tools.RunScript.execute(connection, new java.io.InputStreamReader(
					FaultsIT.class.getResourceAsStream("/schema.sql"), java.nio.charset.StandardCharsets.UTF_8));
			connection.createStatement().execute("SHUTDOWN");
		}
		int port = SampleProcess.freePort();
		Path log = this.dir.resolve("read-only.log");
		Process process = start(log, port, file + ";ACCESS_MODE_DATA=r");
		SampleProcess.awaitAnswering(this.client, port, process);
		awaitHealth(port, "DOWN", log);
		HttpResponse<String> response = post(port, batch("read-only"), false);
		assertThat(response.statusCode()).as(SampleProcess.log(log)).isEqualTo(503);
		assertThat(json.readTree(response.body()).get("accepted").asLong()).isZero();
		JsonNode health = json
			.readTree(this.client
				.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/health/databaseWrites"))
					.build(), HttpResponse.BodyHandlers.ofString())
				.body());
		assertThat(health.get("details").get("problem").asText()).contains("read only");
		assertThat(getJson(port, "/orders/stats").get("stored").asLong()).isZero();
	}

	/**
	 * Changes a resource limit of the running service (soft limits only; the hard ones
	 * stay).
	 */
	private static void prlimit(Process process, String limit) throws Exception {
		Process prlimit = new ProcessBuilder("/usr/bin/prlimit", "--pid", String.valueOf(process.pid()), limit)
			.redirectErrorStream(true)
			.start();
		String output = new String(prlimit.getInputStream().readAllBytes());
		assertThat(prlimit.waitFor(30, TimeUnit.SECONDS)).isTrue();
		assertThat(prlimit.exitValue()).as("prlimit %s: %s", limit, output).isZero();
	}

	private Server h2Server(int port) throws SQLException {
		Server server = Server
			.createTcpServer("-tcpPort", String.valueOf(port), "-baseDir", this.dir.resolve("h2").toString(),
					"-ifNotExists")
			.start();
		this.servers.add(server);
		return server;
	}

	private Process start(Path log, int port, String url, String... more) throws Exception {
		List<String> args = new ArrayList<>(List.of("--server.port=" + port, "--spring.datasource.url=" + url,
				"--paipa.pipelines.orders.outage.max-backoff=500ms"));
		args.addAll(List.of(more));
		Process process = SampleProcess.start(log, args.toArray(new String[0]));
		this.processes.add(process);
		this.logs.add(log);
		return process;
	}

	/** Posts batches of 50 orders until told to stop, counting what the service took. */
	private void load(int port, String prefix, AtomicBoolean loading, AtomicLong accepted, List<Integer> statuses) {
		int batch = 0;
		while (loading.get()) {
			try {
				HttpResponse<String> response = post(port, batch(prefix + "-" + batch++), false);
				statuses.add(response.statusCode());
				accepted.addAndGet(json.readTree(response.body()).get("accepted").asLong());
			}
			catch (Exception ex) {
				statuses.add(-1);
			}
		}
	}

	/**
	 * Posts batches of 50 orders with wait=true, keeping the ids of every batch stored in
	 * full.
	 */
	private void acknowledgedLoad(int port, String prefix, AtomicBoolean loading, Set<String> acknowledged) {
		int batch = 0;
		while (loading.get()) {
			String name = prefix + "-" + batch++;
			try {
				HttpResponse<String> response = post(port, batch(name), true);
				JsonNode outcome = json.readTree(response.body());
				if (response.statusCode() == 200 && outcome.get("stored").asLong() == 50) {
					for (int i = 0; i < 50; i++) {
						acknowledged.add(name + "-" + i);
					}
				}
			}
			catch (Exception ex) {
				// the service was killed: what was not acknowledged would be resent
				return;
			}
		}
	}

	private static String batch(String name) {
		List<String> lines = new ArrayList<>();
		for (int i = 0; i < 50; i++) {
			lines.add(OrdersServiceTests.order(name + "-" + i));
		}
		return String.join("\n", lines) + "\n";
	}

	private HttpResponse<String> post(int port, String body, boolean wait) throws Exception {
		return this.client.send(
				HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/orders" + (wait ? "?wait=true" : "")))
					.timeout(Duration.ofSeconds(90))
					.header("Content-Type", "application/x-ndjson")
					.POST(HttpRequest.BodyPublishers.ofString(body))
					.build(),
				HttpResponse.BodyHandlers.ofString());
	}

	private void awaitHealth(int port, String status, Path log) throws Exception {
		try {
			await().atMost(Duration.ofSeconds(90)).until(() -> health(port).equals(status));
		}
		catch (org.awaitility.core.ConditionTimeoutException ex) {
			String body = this.client
				.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/health")).build(),
						HttpResponse.BodyHandlers.ofString())
				.body();
			String output = SampleProcess.log(log);
			throw new AssertionError("health never " + status + ": " + body + "\n--- log tail:\n"
					+ output.substring(Math.max(0, output.length() - 20_000)), ex);
		}
	}

	private String health(int port) {
		try {
			return getJson(port, "/actuator/health").get("status").asString();
		}
		catch (Exception ex) {
			return "UNREACHABLE";
		}
	}

	private JsonNode getJson(int port, String path) throws Exception {
		return json.readTree(
				this.client
					.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
						.timeout(Duration.ofSeconds(30))
						.build(), HttpResponse.BodyHandlers.ofString())
					.body());
	}

	private static boolean stored(Connection connection, String id) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement("SELECT COUNT(*) FROM orders WHERE id = ?")) {
			statement.setString(1, id);
			try (ResultSet rs = statement.executeQuery()) {
				rs.next();
				return rs.getLong(1) == 1;
			}
		}
	}

}
