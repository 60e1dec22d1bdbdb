package io.paipa.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Grafana dashboard and the Prometheus alerts in {@code docs/} use only series the
 * sample exports, and the alerts pass {@code promtool check rules} and their
 * {@code promtool test rules} cases (skipped, with a message, where promtool is not
 * installed: the Debian package {@code prometheus} has it, and {@code .ci/run} installs
 * it).
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.datasource.url=jdbc:h2:mem:dashboard;DB_CLOSE_DELAY=-1",
				"paipa.pipelines.orders.progress-interval=0" })
@Timeout(120)
class DashboardAndAlertsTests {

	private static final Path DOCS = Path.of("..", "docs");

	private static final Path DASHBOARD = DOCS.resolve("grafana/paipa-dashboard.json");

	private static final Path ALERTS = DOCS.resolve("prometheus/paipa-alerts.yml");

	private static final Path ALERT_TESTS = DOCS.resolve("prometheus/paipa-alerts-test.yml");

	private static final Pattern SERIES = Pattern.compile("\\bpaipa_[a-z_]+\\b");

	private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@LocalServerPort
	private int port;

	@Test
	void everyQueryOfTheDashboardNamesOnlySeriesTheSampleExports() throws Exception {
		Set<String> exported = exported();
		JsonNode dashboard = JsonMapper.builder().build().readTree(Files.readString(DASHBOARD));
		List<String> queries = new ArrayList<>();
		collect(dashboard, queries);
		assertThat(queries).hasSizeGreaterThan(10);
		Set<String> used = series(String.join("\n", queries));
		assertThat(used).contains("paipa_step_queue_depth", "paipa_step_utilization", "paipa_step_workers",
				"paipa_step_process_seconds_bucket", "paipa_pipeline_items_total", "paipa_step_worker_restarts_total",
				"paipa_step_autoscale_decisions_total", "paipa_step_autoscale_max_workers");
		assertThat(exported).as("series the sample exports").containsAll(used);
	}

	@Test
	void everyAlertAndItsTestCasesNameOnlySeriesTheSampleExports() throws Exception {
		Set<String> exported = exported();
		Set<String> used = series(Files.readString(ALERTS) + "\n" + Files.readString(ALERT_TESTS));
		assertThat(used).contains("paipa_pipeline_state", "paipa_step_outage", "paipa_step_queue_capacity");
		assertThat(exported).as("series the sample exports").containsAll(used);
	}

	@Test
	void theAlertsPassPromtool() throws Exception {
		String promtool = promtool();
		assumeTrue(promtool != null, "promtool is not installed (Debian package 'prometheus'): alerts not checked");
		assertThat(run(promtool, "check", "rules", ALERTS.toAbsolutePath().normalize().toString())).contains("SUCCESS");
		assertThat(run(promtool, "test", "rules", ALERT_TESTS.toAbsolutePath().normalize().toString()))
			.contains("SUCCESS");
	}

	/**
	 * The metric names of the sample's Prometheus scrape, after one order went through.
	 */
	private Set<String> exported() throws Exception {
		HttpResponse<String> posted = this.client
			.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + "/orders?wait=true"))
				.header("Content-Type", "application/x-ndjson")
				.POST(HttpRequest.BodyPublishers.ofString(OrdersServiceTests.order("dash-1") + "\n"))
				.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(posted.statusCode()).isEqualTo(200);
		String scrape = this.client
			.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + "/actuator/prometheus")).build(),
					HttpResponse.BodyHandlers.ofString())
			.body();
		Set<String> names = new TreeSet<>();
		scrape.lines()
			.filter((line) -> line.startsWith("paipa_"))
			.forEach((line) -> names.add(line.split("[{ ]", 2)[0]));
		return names;
	}

	private static void collect(JsonNode node, List<String> queries) {
		if (node.isObject()) {
			for (String field : List.of("expr", "definition")) {
				JsonNode value = node.get(field);
				if (value != null && value.isString()) {
					queries.add(value.asString());
				}
			}
			node.values().forEach((child) -> collect(child, queries));
		}
		else if (node.isArray()) {
			node.values().forEach((child) -> collect(child, queries));
		}
	}

	private static Set<String> series(String text) {
		Set<String> names = new TreeSet<>();
		Matcher matcher = SERIES.matcher(text);
		while (matcher.find()) {
			names.add(matcher.group());
		}
		return names;
	}

	private static String promtool() {
		for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
			Path candidate = Path.of(dir, "promtool");
			if (Files.isExecutable(candidate)) {
				return candidate.toString();
			}
		}
		return null;
	}

	private static String run(String... command) throws Exception {
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		String output = new String(process.getInputStream().readAllBytes());
		assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
		assertThat(process.exitValue()).as(String.join(" ", command) + ":\n" + output).isZero();
		return output;
	}

}
