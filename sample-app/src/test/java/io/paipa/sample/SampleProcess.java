package io.paipa.sample;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import tools.jackson.databind.json.JsonMapper;

/** The packaged jar, started as a separate JVM for the integration tests. */
final class SampleProcess {

	static final Path JAR = Path.of("target", "sample-app.jar");

	private SampleProcess() {
	}

	static Process start(Path log, String... args) throws IOException {
		return start(log, List.of(), args);
	}

	/**
	 * Starts the jar with options for the JVM (say {@code -Dspring.aot.enabled=true}).
	 */
	static Process start(Path log, List<String> jvmOptions, String... args) throws IOException {
		if (!Files.isRegularFile(JAR)) {
			throw new IllegalStateException(JAR.toAbsolutePath() + " is missing: run 'mvn verify' (it packages first)");
		}
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.add("-Xmx512m");
		command.addAll(jvmOptions);
		command.add("-jar");
		command.add(JAR.toString());
		command.addAll(List.of(args));
		return new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
			.start();
	}

	/**
	 * An H2 file database in {@code dir}, kept open until the application has drained.
	 */
	static String h2Url(Path dir, String name) {
		return "jdbc:h2:file:" + dir.toAbsolutePath().resolve(name) + ";DB_CLOSE_ON_EXIT=FALSE";
	}

	static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

	static void awaitUp(HttpClient client, int port, Process process) {
		await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() -> {
			if (!process.isAlive()) {
				throw new IllegalStateException("the application exited with " + process.exitValue());
			}
			HttpResponse<String> response = client.send(
					HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/health")).build(),
					HttpResponse.BodyHandlers.ofString());
			return response.statusCode() == 200
					&& JsonMapper.builder().build().readTree(response.body()).get("status").asString().equals("UP");
		});
	}

	/** Waits until the application answers its health endpoint, whatever the status. */
	static void awaitAnswering(HttpClient client, int port, Process process) {
		await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() -> {
			if (!process.isAlive()) {
				throw new IllegalStateException("the application exited with " + process.exitValue());
			}
			return client
				.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/health")).build(),
						HttpResponse.BodyHandlers.ofString())
				.statusCode() > 0;
		});
	}

	static void stop(Process process) throws InterruptedException {
		if (process != null && process.isAlive()) {
			process.destroy();
			if (!process.waitFor(60, TimeUnit.SECONDS)) {
				process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
			}
		}
	}

	static String log(Path log) {
		try {
			return Files.readString(log);
		}
		catch (IOException ex) {
			return "(no log: " + ex + ")";
		}
	}

}
