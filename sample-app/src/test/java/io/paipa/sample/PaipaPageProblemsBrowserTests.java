package io.paipa.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIf;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.annotation.DirtiesContext;

import io.paipa.core.Pipeline;
import io.paipa.core.PipelineFailedException;
import io.paipa.core.StepHandler;

/**
 * The live pipeline page in a real browser when things go wrong, with two pipelines of
 * the test's own beside the sample's: a step whose worker holds its item past the stall
 * timeout is framed in red and says "stalled", and a failed pipeline is framed in red and
 * shows its last error. Without a browser ({@link Chromium}) the test is skipped, saying
 * so.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.datasource.url=jdbc:h2:mem:paipa-page-problems;DB_CLOSE_DELAY=-1",
				// a pipeline whose one step holds its item past the stall timeout
				"paipa.pipelines.held.definition=hold", "paipa.pipelines.held.stall-timeout=200ms",
				"paipa.pipelines.held.shutdown-timeout=2s", "paipa.pipelines.held.progress-interval=0s",
				// a batch pipeline that fails on its first item
				"paipa.pipelines.broken.definition=explode", "paipa.pipelines.broken.mode=batch",
				"paipa.pipelines.broken.progress-interval=0s" })
@DirtiesContext
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@EnabledIf(value = "io.paipa.sample.Chromium#installed", disabledReason = Chromium.MISSING)
class PaipaPageProblemsBrowserTests {

	private static final Duration WAIT = Duration.ofSeconds(60);

	/** The red of a stalled step's and a failed pipeline's frame. */
	private static final String RED = "rgba(179, 38, 30, 1)";

	private static ChromeDriver browser;

	@LocalServerPort
	private int port;

	@BeforeAll
	static void startBrowser() {
		browser = Chromium.start();
	}

	@AfterAll
	static void quitBrowser() {
		Problems.release.countDown();
		if (browser != null) {
			browser.quit();
		}
	}

	@Test
	void marksAStalledStepAndAFailedPipelineWithItsLastError(@Autowired @Qualifier("held") Pipeline<String> held,
			@Autowired @Qualifier("broken") Pipeline<String> broken) throws Exception {
		held.input().put("the one item");
		assertThatExceptionOfType(PipelineFailedException.class).isThrownBy(() -> broken.run(List.of("x")));
		Chromium.window(browser, 1280, 800);
		browser.get("http://localhost:" + this.port + "/paipa/");
		await().atMost(WAIT).until(() -> browser.findElements(By.cssSelector("li[data-step='hold']")).size() == 1);

		WebElement hold = pipeline("held").findElement(By.cssSelector("li[data-step='hold'] .step"));
		await().atMost(WAIT)
			.untilAsserted(() -> assertThat(hold.findElements(By.cssSelector(".flag.stalled"))).singleElement()
				.extracting(WebElement::getText)
				.asString()
				.startsWith("stalled: busy ")
				.endsWith(" on one item"));
		assertThat(hold.getCssValue("border-top-color")).isEqualTo(RED);

		WebElement failed = pipeline("broken");
		await().atMost(WAIT)
			.untilAsserted(() -> assertThat(failed.findElement(By.className("state")).getText()).isEqualTo("failed"));
		assertThat(failed.getCssValue("border-top-color")).isEqualTo(RED);
		assertThat(failed.findElement(By.className("error")).getText()).startsWith("Failed: ")
			.contains("explode")
			.contains("no good: x");
		browser.executeScript("arguments[0].scrollIntoView()", pipeline("held"));
		Chromium.screenshot(browser, "paipa-page-problems.png");
	}

	private static WebElement pipeline(String name) {
		return browser.findElement(By.cssSelector("section[data-pipeline='" + name + "']"));
	}

	/**
	 * The steps of the test's own pipelines: {@code hold} keeps its item until the tests
	 * end, {@code explode} fails on every item.
	 */
	@TestConfiguration(proxyBeanMethods = false)
	static class Problems {

		static final CountDownLatch release = new CountDownLatch(1);

		@Bean
		StepHandler<String, String> hold() {
			return (item) -> {
				release.await(60, TimeUnit.SECONDS);
				return item;
			};
		}

		@Bean
		StepHandler<String, String> explode() {
			return (item) -> {
				throw new IllegalStateException("no good: " + item);
			};
		}

	}

}
