package io.paipa.boot;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.io.DefaultResourceLoader;

import io.paipa.core.Pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Compiles the README's Spring Boot example, runs it with the README's YAML, and checks
 * that the pipeline greets everybody, so the README cannot drift from the starter.
 */
@Timeout(120)
class ReadmeSpringExampleTests {

	private static final Pattern JAVA = Pattern.compile("<!-- spring-example:[^>]*-->\\s*```java\\n(.*?)```",
			Pattern.DOTALL);

	private static final Pattern YAML = Pattern.compile("<!-- spring-example-yaml -->\\s*```yaml\\n(.*?)```",
			Pattern.DOTALL);

	@Test
	void readmeSpringExampleRunsTheGreetingsPipeline(@TempDir Path dir) throws Exception {
		String readme = Files.readString(findReadme(), StandardCharsets.UTF_8);
		String source = extract(JAVA, readme);
		String yaml = extract(YAML, readme);
		assertThat(yaml.lines().count()).as("five lines of YAML").isEqualTo(5);

		Path sourceFile = dir.resolve("GreetingApplication.java");
		Files.writeString(sourceFile, source, StandardCharsets.UTF_8);
		Path classes = Files.createDirectories(dir.resolve("classes"));
		JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
		ByteArrayOutputStream errors = new ByteArrayOutputStream();
		int status = compiler.run(null, null, errors, "-proc:none", "-d", classes.toString(), "-classpath",
				System.getProperty("java.class.path") + java.io.File.pathSeparator
						+ classpathOf(EnablePaipaPipeline.class) + java.io.File.pathSeparator
						+ classpathOf(Pipeline.class),
				sourceFile.toString());
		assertThat(status).as("javac output: %s", errors).isZero();
		Path config = dir.resolve("application.yml");
		Files.writeString(config, yaml, StandardCharsets.UTF_8);

		PrintStream originalOut = System.out;
		ByteArrayOutputStream captured = new ByteArrayOutputStream();
		try (URLClassLoader loader = new URLClassLoader(new URL[] { classes.toUri().toURL() },
				getClass().getClassLoader())) {
			Class<?> application = loader.loadClass("com.example.greetings.GreetingApplication");
			System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
			try (ConfigurableApplicationContext context = new SpringApplicationBuilder(application)
				.resourceLoader(new DefaultResourceLoader(loader))
				.web(WebApplicationType.NONE)
				.properties("spring.config.location=file:" + config, "spring.main.banner-mode=off")
				.run()) {
				await().atMost(Duration.ofSeconds(30))
					.untilAsserted(() -> assertThat(captured.toString(StandardCharsets.UTF_8)).contains("Hello, Ada!",
							"Hello, Grace!", "Hello, Barbara!"));
				Pipeline<?> pipeline = context.getBean("greetings", Pipeline.class);
				assertThat(pipeline.snapshot().step("greet").workersConfigured()).isEqualTo(4);
				assertThat(context.getBean("greetingsInput")).isNotNull();
			}
		}
		finally {
			System.setOut(originalOut);
		}
	}

	private static String extract(Pattern pattern, String readme) {
		Matcher matcher = pattern.matcher(readme);
		assertThat(matcher.find()).as("README has a block matching %s", pattern).isTrue();
		return matcher.group(1);
	}

	private static String classpathOf(Class<?> type) throws Exception {
		return Paths.get(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
	}

	private static Path findReadme() {
		for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
			Path readme = dir.resolve("README.md");
			if (Files.exists(readme) && Files.exists(dir.resolve("paipa-core"))) {
				return readme;
			}
		}
		throw new IllegalStateException("README.md not found above " + Paths.get("").toAbsolutePath());
	}

}
