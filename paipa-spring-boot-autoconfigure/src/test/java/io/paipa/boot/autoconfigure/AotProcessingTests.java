package io.paipa.boot.autoconfigure;

import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.springframework.aot.generate.ClassNameGenerator;
import org.springframework.aot.generate.DefaultGenerationContext;
import org.springframework.aot.generate.GeneratedFiles.Kind;
import org.springframework.aot.generate.InMemoryGeneratedFiles;
import org.springframework.context.annotation.AnnotationConfigUtils;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.aot.ApplicationContextAotGenerator;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.javapoet.ClassName;

import io.paipa.boot.EnablePaipaPipeline;
import io.paipa.core.StepHandler;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spring AOT processes an application with paipa pipelines: their bean definitions become
 * code (a factory method named with the pipeline), with no instance supplier left that
 * AOT would refuse.
 */
class AotProcessingTests {

	@Test
	void pipelinesOfAnApplicationAreWrittenAsCode() {
		GenericApplicationContext context = new GenericApplicationContext();
		context.getEnvironment()
			.getPropertySources()
			.addFirst(new MapPropertySource("test", Map.of("paipa.pipelines.numbers.definition", "parse|twice",
					"paipa.pipelines.once.definition", "parse", "paipa.pipelines.once.mode", "batch")));
		AnnotationConfigUtils.registerAnnotationConfigProcessors(context);
		context.registerBean(App.class);
		InMemoryGeneratedFiles files = new InMemoryGeneratedFiles();
		DefaultGenerationContext generation = new DefaultGenerationContext(
				new ClassNameGenerator(ClassName.get(App.class)), files);

		new ApplicationContextAotGenerator().processAheadOfTime(context, generation);
		generation.writeGeneratedContent();

		String code = files.getGeneratedFiles(Kind.SOURCE).values().stream().map((source) -> {
			try (var in = source.getInputStream()) {
				return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
			}
			catch (java.io.IOException ex) {
				throw new IllegalStateException(ex);
			}
		}).collect(Collectors.joining("\n"));
		assertThat(code).contains("PipelinePlans.pipeline(").contains("\"numbers\"").contains("\"once\"");
		assertThat(code).contains("PipelinePlans.input(").contains("numbersInput");
		assertThat(code).contains("PaipaPipelineLifecycle");
	}

	@Configuration(proxyBeanMethods = false)
	@EnablePaipaPipeline
	static class App {

		@Bean
		StepHandler<String, Integer> parse() {
			return (line) -> Integer.valueOf(line.trim());
		}

		@Bean
		StepHandler<Integer, Integer> twice() {
			return (number) -> number * 2;
		}

	}

}
