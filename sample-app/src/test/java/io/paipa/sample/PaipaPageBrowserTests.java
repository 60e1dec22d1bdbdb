package io.paipa.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIf;
import org.openqa.selenium.By;
import org.openqa.selenium.Rectangle;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The live pipeline page in a real browser (headless Chromium through chromium-driver),
 * against the sample as it is configured, on a random port: the orders pipeline's four
 * steps and their queues, the figures and charts moving under load, a step's details, a
 * rescale of {@code enrich} through the page after the login it asks for, and a rescale
 * the endpoint refuses; at 1280×800 and on a phone-sized window. Screenshots go to
 * {@code target/}. Without a browser ({@link Chromium}) the tests are skipped, saying so.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.datasource.url=jdbc:h2:mem:paipa-page;DB_CLOSE_DELAY=-1",
				// enrich keeps the 8 workers it starts with, whatever the load: no
				// autoscaling
				"paipa.pipelines.orders.autoscale.enabled=false", "paipa.pipelines.orders.steps.enrich.workers=8",
				// one worker more for enrich is allowed; a second one is refused (400)
				"paipa.max-workers-per-step=9" })
@DirtiesContext
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@EnabledIf(value = "io.paipa.sample.Chromium#installed", disabledReason = Chromium.MISSING)
class PaipaPageBrowserTests {

	private static final Duration WAIT = Duration.ofSeconds(60);

	private static final List<String> STEPS = List.of("parse", "enrich", "batch", "store");

	private static final ObjectMapper json = JsonMapper.builder().build();

	private static ChromeDriver browser;

	private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

	@LocalServerPort
	private int port;

	@BeforeAll
	static void startBrowser() {
		browser = Chromium.start();
	}

	@AfterAll
	static void quitBrowser() {
		if (browser != null) {
			browser.quit();
		}
	}

	@Test
	void showsTheOrdersPipelineMovingUnderLoadAndRescalesEnrichAfterALogin() throws Exception {
		Chromium.window(browser, 1280, 800);
		browser.get("http://localhost:" + this.port + "/paipa");
		await().atMost(WAIT).until(() -> steps().size() == 4);

		assertThat(steps()).extracting((step) -> step.getDomAttribute("data-step")).containsExactlyElementsOf(STEPS);
		int[] capacities = { 1024, 64, 64, 16 };
		for (int i = 0; i < STEPS.size(); i++) {
			WebElement bar = step(STEPS.get(i)).findElement(By.cssSelector(".queue [role=progressbar]"));
			assertThat(bar.isDisplayed()).isTrue();
			assertThat(bar.getDomAttribute("aria-valuemax")).isEqualTo(Integer.toString(capacities[i]));
			assertThat(step(STEPS.get(i)).findElement(By.className("queue-label")).getText())
				.isEqualTo("queue 0 / " + String.format("%,d", capacities[i]));
		}
		assertVisibleInTheWindow();
		assertThat(browser.findElement(By.id("status")).getText()).startsWith("Live");

		Load load = new Load();
		try {
			// the figures and the chart move
			await().atMost(WAIT).untilAsserted(() -> {
				assertThat(number(step("enrich").findElement(By.cssSelector("dd.in")), "data-value")).isPositive();
				assertThat(number(step("enrich").findElement(By.cssSelector("dd.out")), "data-value")).isPositive();
				assertThat(number(chart("enrich"), "data-peak")).isPositive();
				assertThat(number(chart("enrich"), "data-points")).isGreaterThanOrEqualTo(2);
				assertThat(chart("enrich").findElement(By.tagName("polyline")).getDomAttribute("points")).contains(" ");
			});
			assertThat(orders().findElement(By.className("totals")).getText()).doesNotStartWith("in 0 ");
			// enrich (a 5 ms call) cannot keep up with the posts
			await().atMost(WAIT)
				.untilAsserted(() -> assertThat(step("enrich").findElements(By.cssSelector(".flag.bottleneck")))
					.singleElement()
					.extracting(WebElement::getText)
					.isEqualTo("bottleneck"));

			// a step's details
			WebElement name = step("enrich").findElement(By.cssSelector("button.name"));
			name.click();
			WebElement details = orders().findElement(By.className("details"));
			await().atMost(WAIT).until(details::isDisplayed);
			assertThat(name.getDomAttribute("aria-expanded")).isEqualTo("true");
			// the page's refreshes leave the keyboard's focus where it was
			await().during(Duration.ofSeconds(3))
				.atMost(WAIT)
				.until(() -> name.equals(browser.switchTo().activeElement()));
			assertThat(detail("kind")).isEqualTo("one-to-one");
			assertThat(detail("takes")).isEqualTo("Order");
			assertThat(detail("emits")).isEqualTo("EnrichedOrder");
			assertThat(detail("options")).isEqualTo("latency = 5ms");
			await().atMost(WAIT).untilAsserted(() -> assertThat(detail("handler time")).contains("ms per item"));

			// rescaling asks for the login, refuses a wrong one, then goes through
			assertThat(configured("enrich")).isEqualTo(8);
			step("enrich").findElement(By.cssSelector("button.plus")).click();
			WebElement login = browser.findElement(By.id("login"));
			await().atMost(WAIT).until(login::isDisplayed);
			signIn(login, "ops", "wrong");
			await().atMost(WAIT)
				.untilAsserted(() -> assertThat(login.findElement(By.className("login-error")).getText())
					.contains("not accepted"));
			assertThat(login.isDisplayed()).isTrue();
			signIn(login, "ops", "ops");
			await().atMost(WAIT)
				.untilAsserted(() -> assertThat(
						number(step("enrich").findElement(By.cssSelector("dd.workers")), "data-configured"))
					.isEqualTo(9));
			assertThat(login.isDisplayed()).isFalse();
			assertThat(configured("enrich")).isEqualTo(9);
			assertThat(orders().findElement(By.className("message")).getText())
				.isEqualTo("Step enrich now has 9 workers configured.");

			await().atMost(WAIT)
				.untilAsserted(() -> assertThat(number(chart("enrich"), "data-points")).isGreaterThan(10));
			browser.executeScript("window.scrollTo(0, 0)");
			Chromium.screenshot(browser, "paipa-page.png");

			// the endpoint's refusal, shown as it came
			WebElement plus = step("enrich").findElement(By.cssSelector("button.plus"));
			await().atMost(WAIT).until(plus::isEnabled);
			plus.click();
			await().atMost(WAIT)
				.untilAsserted(() -> assertThat(orders().findElement(By.className("message")).getText())
					.startsWith("Refused (400): ")
					.contains("at most 9"));
			assertThat(configured("enrich")).isEqualTo(9);
		}
		finally {
			load.stop();
		}
	}

	@Test
	void everyStepFitsAPhoneSizedWindow() throws Exception {
		Chromium.window(browser, 390, 844);
		browser.get("http://localhost:" + this.port + "/paipa/");
		await().atMost(WAIT).until(() -> steps().size() == 4);

		long width = (Long) browser.executeScript("return document.documentElement.clientWidth");
		long scrollWidth = (Long) browser.executeScript("return document.documentElement.scrollWidth");
		assertThat(width).isLessThanOrEqualTo(390);
		assertThat(scrollWidth).as("nothing sticks out sideways").isLessThanOrEqualTo(width);
		for (String name : STEPS) {
			WebElement box = step(name).findElement(By.className("step"));
			browser.executeScript("arguments[0].scrollIntoView()", box);
			Rectangle rect = box.getRect();
			assertThat(box.isDisplayed()).as(name).isTrue();
			assertThat(rect.getX()).as("left of %s", name).isGreaterThanOrEqualTo(0);
			assertThat(rect.getX() + rect.getWidth()).as("right of %s", name).isLessThanOrEqualTo((int) width);
		}
		browser.executeScript("window.scrollTo(0, 0)");
		Chromium.screenshot(browser, "paipa-page-phone.png");
	}

	/** Every step of orders lies within the window, without scrolling. */
	private void assertVisibleInTheWindow() {
		long width = (Long) browser.executeScript("return window.innerWidth");
		long height = (Long) browser.executeScript("return window.innerHeight");
		for (String name : STEPS) {
			Rectangle rect = step(name).findElement(By.className("step")).getRect();
			assertThat(rect.getX()).as("left of %s", name).isGreaterThanOrEqualTo(0);
			assertThat(rect.getX() + rect.getWidth()).as("right of %s", name).isLessThanOrEqualTo((int) width);
			assertThat(rect.getY() + rect.getHeight()).as("bottom of %s", name).isLessThanOrEqualTo((int) height);
		}
	}

	private static void signIn(WebElement login, String user, String password) {
		WebElement userField = login.findElement(By.name("user"));
		userField.clear();
		userField.sendKeys(user);
		login.findElement(By.name("password")).sendKeys(password);
		login.findElement(By.cssSelector("button[type=submit]")).click();
	}

	private static WebElement orders() {
		return browser.findElement(By.cssSelector("section[data-pipeline='orders']"));
	}

	private static List<WebElement> steps() {
		return browser.findElements(By.cssSelector("section[data-pipeline='orders'] li[data-step]"));
	}

	private static WebElement step(String name) {
		return orders().findElement(By.cssSelector("li[data-step='" + name + "']"));
	}

	private static WebElement chart(String name) {
		return step(name).findElement(By.cssSelector("svg.chart"));
	}

	private static String detail(String field) {
		return orders().findElement(By.cssSelector(".details [data-field='" + field + "'] dd")).getText();
	}

	private static double number(WebElement element, String attribute) {
		String value = element.getDomAttribute(attribute);
		return (value == null || value.isEmpty()) ? Double.NaN : Double.parseDouble(value);
	}

	/** The workers a step has configured, as the endpoint says. */
	private int configured(String step) throws IOException, InterruptedException {
		HttpResponse<String> response = this.client.send(
				HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + "/actuator/paipa/orders")).build(),
				HttpResponse.BodyHandlers.ofString());
		for (JsonNode node : json.readTree(response.body()).get("steps")) {
			if (node.get("name").asString().equals(step)) {
				return node.get("workers").get("configured").asInt();
			}
		}
		throw new AssertionError("no step " + step + " in " + response.body());
	}

	/**
	 * Posts orders, 200 a request, until stopped: what the service does not take is let
	 * go.
	 */
	private final class Load {

		private final AtomicBoolean running = new AtomicBoolean(true);

		private final Thread thread = new Thread(this::post, "page-test-load");

		Load() {
			this.thread.setDaemon(true);
			this.thread.start();
		}

		private void post() {
			URI orders = URI.create("http://localhost:" + PaipaPageBrowserTests.this.port + "/orders");
			int next = 0;
			while (this.running.get()) {
				StringBuilder body = new StringBuilder();
				for (int i = 0; i < 200; i++, next++) {
					body.append("{\"id\":\"page-")
						.append(next)
						.append("\",\"customer\":\"c-")
						.append(next % 50)
						.append("\",\"amount\":\"")
						.append(1 + next % 90)
						.append(".50\",\"currency\":\"EUR\"}\n");
				}
				try {
					PaipaPageBrowserTests.this.client.send(HttpRequest.newBuilder(orders)
						.header("Content-Type", "application/x-ndjson")
						.timeout(Duration.ofSeconds(10))
						.POST(HttpRequest.BodyPublishers.ofString(body.toString()))
						.build(), HttpResponse.BodyHandlers.discarding());
				}
				catch (IOException ex) {
					// a refused or slow request: the next one goes on loading
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return;
				}
			}
		}

		void stop() throws InterruptedException {
			this.running.set(false);
			this.thread.join(30_000);
		}

	}

}
