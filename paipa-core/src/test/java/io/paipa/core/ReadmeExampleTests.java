package io.paipa.core;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Compiles and runs the core example of the README, so the README cannot drift from the
 * API.
 */
@Timeout(120)
class ReadmeExampleTests {

	private static final Pattern EXAMPLE = Pattern.compile("<!-- core-example[^>]*-->\\s*```java\\n(.*?)```",
			Pattern.DOTALL);

	@Test
	void readmeCoreExampleCompilesAndRuns(@TempDir Path dir) throws Exception {
		String readme = Files.readString(findReadme(), StandardCharsets.UTF_8);
		Matcher matcher = EXAMPLE.matcher(readme);
		assertThat(matcher.find()).as("README has a core example block").isTrue();
		String source = matcher.group(1);
		Path file = dir.resolve("WordCount.java");
		Files.writeString(file, source, StandardCharsets.UTF_8);

		JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
		assertThat(compiler).as("a JDK with javac").isNotNull();
		String classpath = Paths.get(Pipeline.class.getProtectionDomain().getCodeSource().getLocation().toURI())
			.toString();
		ByteArrayOutputStream errors = new ByteArrayOutputStream();
		int status = compiler.run(null, null, errors, "-d", dir.toString(), "-classpath", classpath, file.toString());
		assertThat(status).as("javac output: %s", errors).isZero();

		PrintStream originalOut = System.out;
		ByteArrayOutputStream captured = new ByteArrayOutputStream();
		try (URLClassLoader loader = new URLClassLoader(new URL[] { dir.toUri().toURL() },
				getClass().getClassLoader())) {
			Method main = loader.loadClass("WordCount").getMethod("main", String[].class);
			System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
			main.invoke(null, (Object) new String[0]);
		}
		finally {
			System.setOut(originalOut);
		}
		List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
		assertThat(lines).hasSize(2);
		assertThat(lines.get(0)).startsWith("Pipeline 'words' COMPLETED").contains("in=10000");
		assertThat(lines.get(1)).isEqualTo("'the' counted 20000 times");
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
