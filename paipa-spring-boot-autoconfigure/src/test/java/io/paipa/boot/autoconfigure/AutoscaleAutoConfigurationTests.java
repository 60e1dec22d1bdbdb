package io.paipa.boot.autoconfigure;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ByteArrayResource;

import io.paipa.boot.autoconfigure.PipelineAssemblyTests.EnableConfig;
import io.paipa.boot.autoconfigure.PipelineAssemblyTests.LambdaParseConfig;
import io.paipa.boot.autoconfigure.PipelineAssemblyTests.SquareAndSinkConfig;
import io.paipa.core.AutoscalePolicy;
import io.paipa.core.Pipeline;
import io.paipa.core.PipelineSnapshot;

import static io.paipa.boot.autoconfigure.PipelineAssemblyTests.assertInvalidProperty;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Autoscaling from {@code paipa.pipelines.<name>.autoscale.*} and the steps'
 * {@code min-workers} and {@code max-workers}: what binds, the defaults, and every
 * mistake that stops start-up with the key to change.
 */
@Timeout(60)
class AutoscaleAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withUserConfiguration(EnableConfig.class, LambdaParseConfig.class, SquareAndSinkConfig.class)
		.withPropertyValues("paipa.pipelines.p.definition=parse|square|sink", "paipa.pipelines.p.auto-startup=false");

	@Test
	void autoscaleBindsFromYamlAndSizesOnlyTheStepsWithBounds() {
		this.contextRunner.withInitializer((context) -> yaml(context, """
				paipa:
				  pipelines:
				    p:
				      autoscale:
				        enabled: true
				        max-threads: 16
				        interval: 250ms
				      steps:
				        parse: {workers: 2}
				        square: {min-workers: 2, max-workers: 8}
				""")).run((context) -> {
			assertThat(context).hasNotFailed();
			Pipeline<?> pipeline = context.getBean("p", Pipeline.class);
			AutoscalePolicy policy = pipeline.autoscalePolicy().orElseThrow();
			assertThat(policy.maxThreads()).isEqualTo(16);
			assertThat(policy.interval()).isEqualTo(Duration.ofMillis(250));
			assertThat(policy.steps()).containsOnlyKeys("square");
			assertThat(policy.steps().get("square")).isEqualTo(new AutoscalePolicy.Bounds("square", 2, 8));
			PipelineSnapshot snapshot = pipeline.snapshot();
			assertThat(snapshot.step("parse").workersConfigured()).isEqualTo(2);
			assertThat(snapshot.step("parse").isAutoscaled()).isFalse();
			assertThat(snapshot.step("square").workersConfigured()).as("starts at its min-workers").isEqualTo(2);
			assertThat(snapshot.step("square").autoscale().maxWorkers()).isEqualTo(8);
			assertThat(snapshot.step("sink").isAutoscaled()).isFalse();
		});
	}

	@Test
	void anAutoscaledStepStartsWithItsWorkersWhenTheyAreSet() {
		this.contextRunner
			.withPropertyValues("paipa.pipelines.p.autoscale.enabled=true",
					"paipa.pipelines.p.steps.square.min-workers=2", "paipa.pipelines.p.steps.square.max-workers=8",
					"paipa.pipelines.p.steps.square.workers=5")
			.run((context) -> assertThat(
					context.getBean("p", Pipeline.class).snapshot().step("square").workersConfigured())
				.isEqualTo(5));
	}

	@Test
	void autoscaleIsOffByDefaultAndBoundsAloneChangeNothing() {
		this.contextRunner
			.withPropertyValues("paipa.pipelines.p.steps.square.min-workers=2",
					"paipa.pipelines.p.steps.square.max-workers=8")
			.run((context) -> {
				Pipeline<?> pipeline = context.getBean("p", Pipeline.class);
				assertThat(pipeline.autoscalePolicy()).isEmpty();
				assertThat(pipeline.snapshot().step("square").workersConfigured()).isEqualTo(1);
				assertThat(pipeline.snapshot().step("square").isAutoscaled()).isFalse();
			});
	}

	@Test
	void withoutMaxThreadsTheBudgetIsEveryStepsMostAndMaxWorkersDefaultsToTheMaximumPerStep() {
		this.contextRunner
			.withPropertyValues("paipa.pipelines.p.autoscale.enabled=true", "paipa.pipelines.p.steps.parse.workers=3",
					"paipa.pipelines.p.steps.square.max-workers=20", "paipa.pipelines.p.steps.sink.min-workers=2",
					"paipa.max-workers-per-step=50")
			.run((context) -> {
				AutoscalePolicy policy = policy(context);
				assertThat(policy.steps().get("square")).isEqualTo(new AutoscalePolicy.Bounds("square", 1, 20));
				assertThat(policy.steps().get("sink")).isEqualTo(new AutoscalePolicy.Bounds("sink", 2, 50));
				assertThat(policy.maxThreads()).isEqualTo(3 + 20 + 50);
				assertThat(policy.interval()).isEqualTo(Duration.ofSeconds(1));
			});
	}

	@Test
	void maxWorkersDefaultsToMaxThreads() {
		this.contextRunner
			.withPropertyValues("paipa.pipelines.p.autoscale.enabled=true",
					"paipa.pipelines.p.autoscale.max-threads=12", "paipa.pipelines.p.steps.square.min-workers=3")
			.run((context) -> assertThat(policy(context).steps().get("square"))
				.isEqualTo(new AutoscalePolicy.Bounds("square", 3, 12)));
	}

	// ---- mistakes

	@Test
	void autoscaleWhenMinWorkersIsAboveMaxWorkersShouldFailWithAnalysis() {
		this.contextRunner
			.withPropertyValues("paipa.pipelines.p.autoscale.enabled=true",
					"paipa.pipelines.p.steps.square.min-workers=4", "paipa.pipelines.p.steps.square.max-workers=2")
			.run((context) -> assertInvalidProperty(context, "paipa.pipelines.p.steps.square.max-workers", 2,
					"Must be at least the step's min-workers (4)"));
	}

	@Test
	void autoscaleWhenMaxThreadsIsBelowTheStepsMinimumsShouldFailWithAnalysis() {
		this.contextRunner
			.withPropertyValues("paipa.pipelines.p.autoscale.enabled=true", "paipa.pipelines.p.autoscale.max-threads=5",
					"paipa.pipelines.p.steps.parse.workers=2", "paipa.pipelines.p.steps.square.min-workers=3",
					"paipa.pipelines.p.steps.square.max-workers=8")
			.run((context) -> assertInvalidProperty(context, "paipa.pipelines.p.autoscale.max-threads", 5,
					"Must be at least 6, the workers the steps start with (parse 2, square 3 (its min-workers), "
							+ "sink 1); raise it, or lower the steps' workers or min-workers"));
	}

	@Test
	void autoscaleWhenAStepStartsOutsideItsBoundsShouldFailWithAnalysis() {
		this.contextRunner
			.withPropertyValues("paipa.pipelines.p.autoscale.enabled=true", "paipa.pipelines.p.steps.square.workers=10",
					"paipa.pipelines.p.steps.square.max-workers=8")
			.run((context) -> assertInvalidProperty(context, "paipa.pipelines.p.steps.square.workers", 10,
					"Must be within the step's min-workers and max-workers (1 to 8)", "leave it unset"));
	}

	@Test
	void autoscaleWhenNoStepHasBoundsShouldFailWithAnalysis() {
		this.contextRunner.withPropertyValues("paipa.pipelines.p.autoscale.enabled=true")
			.run((context) -> assertInvalidProperty(context, "paipa.pipelines.p.autoscale.enabled", true,
					"No step of pipeline 'p' has min-workers or max-workers",
					"paipa.pipelines.p.steps.<step>.max-workers", "turn autoscaling off"));
	}

	@Test
	void autoscaleWhenMinWorkersIsZeroShouldFailWithAnalysis() {
		this.contextRunner
			.withPropertyValues("paipa.pipelines.p.autoscale.enabled=true",
					"paipa.pipelines.p.steps.square.min-workers=0")
			.run((context) -> assertInvalidProperty(context, "paipa.pipelines.p.steps.square.min-workers", 0,
					"at least 1"));
	}

	@Test
	void autoscaleWhenMaxWorkersIsAboveTheMaximumPerStepShouldFailWithAnalysis() {
		this.contextRunner
			.withPropertyValues("paipa.pipelines.p.autoscale.enabled=true",
					"paipa.pipelines.p.steps.square.max-workers=2000")
			.run((context) -> assertInvalidProperty(context, "paipa.pipelines.p.steps.square.max-workers", 2000,
					"at most 1024 (paipa.max-workers-per-step)"));
	}

	@Test
	void autoscaleWhenIntervalIsZeroOrMaxThreadsBelowOneShouldFailWithAnalysis() {
		this.contextRunner
			.withPropertyValues("paipa.pipelines.p.autoscale.enabled=true", "paipa.pipelines.p.autoscale.interval=0s",
					"paipa.pipelines.p.steps.square.max-workers=8")
			.run((context) -> assertInvalidProperty(context, "paipa.pipelines.p.autoscale.interval", Duration.ZERO,
					"Must be positive"));
		this.contextRunner
			.withPropertyValues("paipa.pipelines.p.autoscale.enabled=true", "paipa.pipelines.p.autoscale.max-threads=0",
					"paipa.pipelines.p.steps.square.max-workers=8")
			.run((context) -> assertInvalidProperty(context, "paipa.pipelines.p.autoscale.max-threads", 0,
					"at least 1"));
	}

	@Test
	void boundsFollowTheStepsSpellingLikeEveryStepSetting() {
		this.contextRunner
			.withPropertyValues("paipa.pipelines.p.autoscale.enabled=true",
					"paipa.pipelines.p.steps.SQUARE.max-workers=6")
			.run((context) -> assertThat(policy(context).steps().keySet()).isEqualTo(java.util.Set.of("square")));
	}

	private static AutoscalePolicy policy(ApplicationContext context) {
		Pipeline<?> pipeline = context.getBean("p", Pipeline.class);
		return pipeline.autoscalePolicy().orElseThrow();
	}

	private static void yaml(ConfigurableApplicationContext context, String yaml) {
		try {
			List<PropertySource<?>> sources = new YamlPropertySourceLoader().load("test.yml",
					new ByteArrayResource(yaml.getBytes(StandardCharsets.UTF_8)));
			sources.forEach(context.getEnvironment().getPropertySources()::addLast);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
