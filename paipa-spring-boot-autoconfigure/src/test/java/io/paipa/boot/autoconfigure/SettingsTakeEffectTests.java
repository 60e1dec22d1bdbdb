package io.paipa.boot.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.paipa.boot.autoconfigure.PipelineAssemblyTests.EnableConfig;
import io.paipa.core.Pipeline;
import io.paipa.core.PipelineFailedException;
import io.paipa.core.PipelineInput;
import io.paipa.core.PipelineResult;
import io.paipa.core.StepHandler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Settings that only the metadata mentioned before: each test fails when its setting
 * stops reaching the pipeline ({@code max-restarts}, a step's {@code on-error}, a chunk's
 * {@code max-wait}, {@code retry.multiplier}, a {@link PipelineBuilderCustomizer} bean).
 */
@Timeout(60)
class SettingsTakeEffectTests {

	private static final Duration WAIT = Duration.ofSeconds(20);

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withUserConfiguration(EnableConfig.class, Handlers.class);

	@Test
	void maxRestartsIsTheNumberOfWorkerDeathsAStepSurvives() {
		this.contextRunner
			.withPropertyValues("paipa.pipelines.p.definition=killer", "paipa.pipelines.p.mode=batch",
					"paipa.pipelines.p.max-restarts=2", "paipa.pipelines.p.progress-interval=0")
			.run((context) -> {
				Pipeline<String> pipeline = pipeline(context.getBean("p", Pipeline.class));
				assertThatExceptionOfType(PipelineFailedException.class)
					.isThrownBy(() -> pipeline.run(List.of("a", "b", "c", "d", "e")))
					.withMessageContaining("restart limit of 2");
				assertThat(context.getBean(Handlers.class).killed).hasSize(3);
			});
	}

	@Test
	void aStepsOnErrorOverridesThePipelines() {
		this.contextRunner
			.withPropertyValues("paipa.pipelines.p.definition=picky|sink", "paipa.pipelines.p.mode=batch",
					"paipa.pipelines.p.on-error=fail", "paipa.pipelines.p.steps.picky.on-error=skip",
					"paipa.pipelines.p.progress-interval=0")
			.run((context) -> {
				Pipeline<String> pipeline = pipeline(context.getBean("p", Pipeline.class));
				PipelineResult result = pipeline.run(List.of("1", "bad", "2"));
				assertThat(result.deadLettered()).isEqualTo(1);
				assertThat(result.completed()).isEqualTo(2);
			});
	}

	@Test
	void aChunksMaxWaitSendsOnAPartialList() {
		this.contextRunner
			.withPropertyValues("paipa.pipelines.p.definition=sink|batch|lists",
					"paipa.pipelines.p.steps.batch.type=chunk", "paipa.pipelines.p.steps.batch.size=100",
					"paipa.pipelines.p.steps.batch.max-wait=50ms", "paipa.pipelines.p.progress-interval=0")
			.run((context) -> {
				@SuppressWarnings("unchecked")
				PipelineInput<String> input = context.getBean("pInput", PipelineInput.class);
				for (String item : List.of("x", "y", "z")) {
					input.put(item);
				}
				// without max-wait a list of 100 would wait for 97 more items
				await().atMost(WAIT)
					.untilAsserted(() -> assertThat(context.getBean(Handlers.class).lists)
						.containsExactly(List.of("x", "y", "z")));
			});
	}

	@Test
	void retryMultiplierGrowsThePauseBetweenAttempts() {
		this.contextRunner
			.withPropertyValues("paipa.pipelines.p.definition=flaky", "paipa.pipelines.p.mode=batch",
					"paipa.pipelines.p.retry.max-attempts=3", "paipa.pipelines.p.retry.backoff=20ms",
					"paipa.pipelines.p.retry.multiplier=40", "paipa.pipelines.p.progress-interval=0")
			.run((context) -> {
				Pipeline<String> pipeline = pipeline(context.getBean("p", Pipeline.class));
				PipelineResult result = pipeline.run(List.of("a"));
				assertThat(result.completed()).isEqualTo(1);
				List<Long> attempts = context.getBean(Handlers.class).attempts;
				assertThat(attempts).hasSize(3);
				// pauses of 20 ms, then 20 x 40 = 800 ms: a lower bound, never shorter
				assertThat(attempts.get(2) - attempts.get(1)).isGreaterThanOrEqualTo(Duration.ofMillis(700).toNanos());
			});
	}

	@Test
	void aPipelineBuilderCustomizerBeanShapesEveryPipeline() {
		this.contextRunner.withBean(PipelineBuilderCustomizer.class, () -> (name, builder) -> {
			@SuppressWarnings("unchecked")
			Pipeline.Builder<String, String> strings = (Pipeline.Builder<String, String>) builder;
			strings.step("tagged", (String item) -> name + ":" + item);
		})
			.withPropertyValues("paipa.pipelines.p.definition=picky", "paipa.pipelines.p.mode=batch",
					"paipa.pipelines.p.progress-interval=0")
			.run((context) -> {
				Pipeline<String> pipeline = pipeline(context.getBean("p", Pipeline.class));
				assertThat(pipeline.stepNames()).containsExactly("picky", "tagged");
				pipeline.run(IntStream.range(0, 3).mapToObj(Integer::toString).toList());
				assertThat(pipeline.snapshot().completed()).isEqualTo(3);
				assertThat(context.getBean(Handlers.class).picked).containsExactlyInAnyOrder("0", "1", "2");
			});
	}

	@SuppressWarnings("unchecked")
	private static Pipeline<String> pipeline(Pipeline<?> pipeline) {
		return (Pipeline<String>) pipeline;
	}

	@Configuration(proxyBeanMethods = false)
	static class Handlers {

		final List<String> killed = new CopyOnWriteArrayList<>();

		final List<String> picked = new CopyOnWriteArrayList<>();

		final List<List<String>> lists = new CopyOnWriteArrayList<>();

		final List<Long> attempts = new CopyOnWriteArrayList<>();

		@Bean
		StepHandler<String, String> killer() {
			return (item) -> {
				this.killed.add(item);
				throw new AssertionError("worker killer: " + item);
			};
		}

		@Bean
		StepHandler<String, String> picky() {
			return (item) -> {
				if (item.equals("bad")) {
					throw new IllegalArgumentException("cannot take " + item);
				}
				this.picked.add(item);
				return item;
			};
		}

		@Bean
		StepHandler<String, String> sink() {
			return (item) -> item;
		}

		@Bean
		StepHandler<List<String>, List<String>> lists() {
			return (list) -> {
				this.lists.add(list);
				return list;
			};
		}

		@Bean
		StepHandler<String, String> flaky() {
			return (item) -> {
				this.attempts.add(System.nanoTime());
				if (this.attempts.size() < 3) {
					throw new IllegalStateException("not yet");
				}
				return item;
			};
		}

	}

}
