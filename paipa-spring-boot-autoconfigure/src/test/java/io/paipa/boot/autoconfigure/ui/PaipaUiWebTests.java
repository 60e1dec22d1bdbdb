package io.paipa.boot.autoconfigure.ui;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.core.io.ClassPathResource;

import io.paipa.boot.EnablePaipaPipeline;
import io.paipa.core.StepHandler;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The live pipeline page over HTTP, under a context path: the page and its files, its
 * settings, and the endpoint at the address the settings give, relative to the page; and
 * the page's files themselves: small, and with nothing fetched from elsewhere.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "paipa.pipelines.orders.definition=upper", "paipa.pipelines.orders.progress-interval=0s",
				"management.endpoints.web.exposure.include=paipa", "management.endpoint.paipa.access=unrestricted",
				"paipa.ui.enabled=true", "server.servlet.context-path=/app" })
@Timeout(60)
class PaipaUiWebTests {

	/** The page's files, as the browser loads them. */
	private static final List<String> FILES = List.of("index.html", "paipa.css", "paipa.js");

	private static final int MAX_BYTES = 50 * 1024;

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

	@LocalServerPort
	private int port;

	@Test
	void pageItsFilesAndTheEndpointAreReachableFromThePagesAddress() throws Exception {
		HttpResponse<String> redirect = get(URI.create(base() + "/app/paipa"));
		assertThat(redirect.statusCode()).isEqualTo(302);
		URI page = URI.create(base() + "/app/paipa").resolve(redirect.headers().firstValue("Location").orElseThrow());
		assertThat(page.getPath()).isEqualTo("/app/paipa/");

		HttpResponse<String> html = get(page);
		assertThat(html.statusCode()).isEqualTo(200);
		assertThat(html.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
		for (String file : List.of("paipa.css", "paipa.js")) {
			assertThat(html.body()).contains("\"" + file + "\"");
			HttpResponse<String> response = get(page.resolve(file));
			assertThat(response.statusCode()).as(file).isEqualTo(200);
			assertThat(response.body()).as(file).isEqualTo(classpath(file));
		}

		HttpResponse<String> settings = get(page.resolve("settings.json"));
		assertThat(settings.statusCode()).isEqualTo(200);
		assertThat(settings.body()).isEqualTo("{\"endpoint\":\"../actuator/paipa\",\"write\":true,\"problem\":null}");
		HttpResponse<String> endpoint = get(page.resolve("../actuator/paipa"));
		assertThat(endpoint.statusCode()).isEqualTo(200);
		assertThat(endpoint.body()).contains("\"orders\"").contains("\"upper\"");
	}

	@Test
	void pageWeighsLessThanFiftyKilobytes() throws IOException {
		long total = 0;
		for (String file : FILES) {
			total += classpath(file).getBytes(StandardCharsets.UTF_8).length;
		}
		assertThat(total).as("bytes of %s", FILES).isLessThan(MAX_BYTES);
	}

	@Test
	void pageFetchesNothingFromElsewhere() throws IOException {
		Pattern address = Pattern.compile("(https?:)?//[\\w.-]+\\.[a-z]{2,}[^\\s'\")]*");
		for (String file : FILES) {
			String text = classpath(file);
			Matcher matcher = address.matcher(text);
			while (matcher.find()) {
				// the SVG namespace names elements; nothing is fetched from it
				assertThat(matcher.group()).as("address in %s", file).isEqualTo("http://www.w3.org/2000/svg");
			}
			assertThat(text).as(file).doesNotContain("@import").doesNotContain("import(");
		}
	}

	private String base() {
		return "http://localhost:" + this.port;
	}

	private HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
		return this.http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
				HttpResponse.BodyHandlers.ofString());
	}

	private static String classpath(String file) throws IOException {
		try (InputStream in = new ClassPathResource(PaipaUiRoutes.LOCATION + file).getInputStream()) {
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@EnablePaipaPipeline
	static class Config {

		@Bean
		StepHandler<String, String> upper() {
			return String::toUpperCase;
		}

	}

}
