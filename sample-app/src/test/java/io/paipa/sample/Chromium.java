package io.paipa.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Headless Chromium for the live page's browser tests: Debian's {@code chromium} driven
 * through {@code chromium-driver}, or the browser and driver named in {@code CHROME_BIN}
 * and {@code CHROMEDRIVER}. A test class that needs it is enabled only when both are
 * there ({@code @EnabledIf("io.paipa.sample.Chromium#installed")}), so that without them
 * its tests are reported as skipped, with {@link #MISSING} as the reason, before its
 * application starts.
 */
final class Chromium {

	/** Why the tests are skipped. */
	static final String MISSING = "the browser tests need Debian's chromium and chromium-driver: "
			+ "apt-get install chromium chromium-driver, or name a browser and its driver in CHROME_BIN and CHROMEDRIVER";

	private static final Path BROWSER = Path.of(System.getenv().getOrDefault("CHROME_BIN", "/usr/bin/chromium"));

	private static final Path DRIVER = Path.of(System.getenv().getOrDefault("CHROMEDRIVER", "/usr/bin/chromedriver"));

	private Chromium() {
	}

	/**
	 * Tells whether the browser and its driver are there, saying so on the console when
	 * they are not.
	 * @return whether both are executable
	 */
	static boolean installed() {
		boolean installed = Files.isExecutable(BROWSER) && Files.isExecutable(DRIVER);
		if (!installed) {
			System.out.println("Skipped: " + MISSING + " (looked for " + BROWSER + " and " + DRIVER + ")");
		}
		return installed;
	}

	/**
	 * Starts the browser, headless, with a 1280×800 window.
	 * @return its driver
	 */
	static ChromeDriver start() {
		ChromeOptions options = new ChromeOptions();
		options.setBinary(BROWSER.toFile());
		options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
				"--window-size=1280,800");
		ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
			.usingAnyFreePort()
			.build();
		ChromeDriver browser = new ChromeDriver(service, options);
		browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
		return browser;
	}

	/**
	 * Sizes the window so that the page gets {@code width} × {@code height} pixels.
	 * @param browser the browser
	 * @param width the page's width
	 * @param height the page's height
	 */
	static void window(ChromeDriver browser, int width, int height) {
		browser.manage().window().setSize(new Dimension(width, height));
		long innerWidth = (Long) browser.executeScript("return window.innerWidth");
		long innerHeight = (Long) browser.executeScript("return window.innerHeight");
		browser.manage()
			.window()
			.setSize(new Dimension((int) (2 * width - innerWidth), (int) (2 * height - innerHeight)));
		assertThat((Long) browser.executeScript("return window.innerWidth")).isEqualTo(width);
		assertThat((Long) browser.executeScript("return window.innerHeight")).isEqualTo(height);
	}

	/**
	 * Saves what the window shows under {@code target/}.
	 * @param browser the browser
	 * @param name the file's name
	 * @throws IOException when it cannot be written
	 */
	static void screenshot(ChromeDriver browser, String name) throws IOException {
		Path target = Path.of("target", name);
		Files.createDirectories(target.getParent());
		Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), target, StandardCopyOption.REPLACE_EXISTING);
	}

}
