package io.paipa.boot.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.context.LifecycleAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.paipa.boot.autoconfigure.PipelineAssemblyTests.EnableConfig;
import io.paipa.core.Pipeline;
import io.paipa.core.PipelineInput;
import io.paipa.core.PipelineState;
import io.paipa.core.StepHandler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * How the continuous pipelines start and stop with the context: a stop with a callback
 * returns at once and calls back when drained, so Boot's shutdown-phase timeout bounds
 * it; {@code auto-startup: false} leaves the start to the application.
 */
@Timeout(60)
class PipelineLifecycleTests {

	private static final Duration WAIT = Duration.ofSeconds(20);

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LifecycleAutoConfiguration.class))
		.withUserConfiguration(EnableConfig.class, HeldConfig.class)
		.withPropertyValues("paipa.pipelines.p.definition=held", "paipa.pipelines.p.progress-interval=0",
				"paipa.pipelines.p.shutdown-timeout=45s");

	@Test
	void stopWithACallbackReturnsAtOnceAndCallsBackOnceDrained() {
		this.contextRunner.run((context) -> {
			Held held = context.getBean(Held.class);
			input(context).put("a");
			assertThat(held.entered.await(20, TimeUnit.SECONDS)).isTrue();
			SmartLifecycle lifecycle = context.getBean(PipelineAssembler.LIFECYCLE_BEAN_NAME, SmartLifecycle.class);
			CountDownLatch calledBack = new CountDownLatch(1);

			lifecycle.stop(calledBack::countDown);

			// the item is still in the handler: the stop is under way, not done
			assertThat(calledBack.getCount()).isEqualTo(1);
			assertThat(lifecycle.isRunning()).isFalse();
			held.release.countDown();
			assertThat(calledBack.await(20, TimeUnit.SECONDS)).isTrue();
			assertThat(held.done).containsExactly("a");
			Pipeline<?> pipeline = context.getBean("p", Pipeline.class);
			assertThat(pipeline.snapshot().state()).isEqualTo(PipelineState.STOPPED);
			assertThat(pipeline.snapshot().completed()).isEqualTo(1);
		});
	}

	@Test
	void theShutdownPhaseTimeoutBoundsHowLongClosingWaitsForADrainingPipeline() {
		AtomicBoolean closed = new AtomicBoolean();
		Held[] held = new Held[1];
		this.contextRunner.withPropertyValues("spring.lifecycle.timeout-per-shutdown-phase=200ms").run((context) -> {
			held[0] = context.getBean(Held.class);
			input(context).put("a");
			assertThat(held[0].entered.await(20, TimeUnit.SECONDS)).isTrue();
			// closing the context (after this lambda) must not wait for the 45 s drain
		});
		closed.set(true);
		// the pipeline still drains after the context gave up waiting: let it finish
		held[0].release.countDown();
		await().atMost(WAIT).untilAsserted(() -> assertThat(held[0].done).containsExactly("a"));
		assertThat(closed).isTrue();
	}

	@Test
	void aContextStoppedAndStartedAgainRunsItsPipelinesAgain() {
		this.contextRunner.run((context) -> {
			Held held = context.getBean(Held.class);
			held.release.countDown();
			input(context).put("a");
			await().atMost(WAIT).untilAsserted(() -> assertThat(held.done).containsExactly("a"));
			Pipeline<?> pipeline = context.getBean("p", Pipeline.class);

			context.stop();

			assertThat(pipeline.snapshot().state()).isEqualTo(PipelineState.STOPPED);
			context.start();
			assertThat(pipeline.isRunning()).isTrue();
			input(context).put("b");
			await().atMost(WAIT).untilAsserted(() -> assertThat(held.done).containsExactly("a", "b"));
		});
	}

	@Test
	void autoStartupFalseLeavesTheStartToTheApplicationAndStillStopsThePipeline() {
		Pipeline<?>[] started = new Pipeline<?>[1];
		this.contextRunner.withPropertyValues("paipa.pipelines.p.auto-startup=false").run((context) -> {
			Pipeline<?> pipeline = context.getBean("p", Pipeline.class);
			assertThat(pipeline.isRunning()).isFalse();
			assertThat(pipeline.snapshot().state()).isEqualTo(PipelineState.NEW);
			pipeline.start();
			context.getBean(Held.class).release.countDown();
			input(context).put("b");
			await().atMost(WAIT).untilAsserted(() -> assertThat(context.getBean(Held.class).done).containsExactly("b"));
			started[0] = pipeline;
		});
		assertThat(started[0].snapshot().state()).isEqualTo(PipelineState.STOPPED);
	}

	@SuppressWarnings("unchecked")
	private static PipelineInput<String> input(org.springframework.context.ApplicationContext context) {
		return context.getBean("pInput", PipelineInput.class);
	}

	@Configuration(proxyBeanMethods = false)
	static class HeldConfig {

		@Bean
		Held held() {
			return new Held();
		}

	}

	/** Holds each item until released. */
	static class Held implements StepHandler<String, String> {

		final CountDownLatch entered = new CountDownLatch(1);

		final CountDownLatch release = new CountDownLatch(1);

		final List<String> done = new CopyOnWriteArrayList<>();

		@Override
		public String process(String item) throws InterruptedException {
			this.entered.countDown();
			this.release.await();
			this.done.add(item);
			return item;
		}

	}

}
