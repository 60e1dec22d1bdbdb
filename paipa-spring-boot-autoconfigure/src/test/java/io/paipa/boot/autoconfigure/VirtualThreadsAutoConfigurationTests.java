package io.paipa.boot.autoconfigure;

import java.lang.reflect.Method;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.paipa.boot.autoconfigure.PipelineAssemblyTests.EnableConfig;
import io.paipa.boot.autoconfigure.PipelineAssemblyTests.StringSink;
import io.paipa.boot.autoconfigure.PipelineAssemblyTests.StringsConfig;
import io.paipa.boot.autoconfigure.PipelineAssemblyTests.UpperHandler;
import io.paipa.core.PipelineInput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Steps on virtual threads: per step with {@code virtual-threads}, and every step that
 * does not say otherwise with {@code spring.threads.virtual.enabled=true}. Most of these
 * need Java 21; the build runs them again on a newer JDK when the machine has one.
 */
@Timeout(60)
class VirtualThreadsAutoConfigurationTests {

	private static final Duration WAIT = Duration.ofSeconds(20);

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withUserConfiguration(EnableConfig.class, StringsConfig.class);

	@Test
	void aStepOnVirtualThreadsOnJavaBefore21FailsWithAnalysis() {
		assumeTrue(Runtime.version().feature() < 21, "virtual threads exist on this Java");
		this.contextRunner
			.withPropertyValues("paipa.pipelines.p.definition=upper|sink",
					"paipa.pipelines.p.steps.upper.virtual-threads=true")
			.run((context) -> PipelineAssemblyTests.assertInvalidProperty(context,
					"paipa.pipelines.p.steps.upper.virtual-threads", true, "Java 21",
					String.valueOf(Runtime.version().feature())));
	}

	@Test
	void aStepOnVirtualThreadsRunsOnVirtualWorkersAndTheOthersOnPlatformThreads() {
		assumeTrue(Runtime.version().feature() >= 21, "virtual threads need Java 21");
		this.contextRunner
			.withPropertyValues("paipa.pipelines.p.definition=upper|sink",
					"paipa.pipelines.p.steps.upper.virtual-threads=true", "paipa.pipelines.p.steps.upper.workers=4")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(
						context.getBean("p", io.paipa.core.Pipeline.class).snapshot().step("upper").workersConfigured())
					.isEqualTo(4);
				assertThat(virtual(context, UpperHandler.class)).isTrue();
				assertThat(virtual(context, StringSink.class)).isFalse();
			});
	}

	@Test
	void springThreadsVirtualEnabledPutsEveryStepOnVirtualThreadsUnlessItSaysNo() {
		assumeTrue(Runtime.version().feature() >= 21, "virtual threads need Java 21");
		this.contextRunner
			.withPropertyValues("spring.threads.virtual.enabled=true", "paipa.pipelines.p.definition=upper|sink",
					"paipa.pipelines.p.steps.sink.virtual-threads=false")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(virtual(context, UpperHandler.class)).isTrue();
				assertThat(virtual(context, StringSink.class)).isFalse();
			});
	}

	@Test
	void springThreadsVirtualEnabledOnJavaBefore21KeepsPlatformThreadsAsBootDoes() {
		assumeTrue(Runtime.version().feature() < 21, "virtual threads exist on this Java");
		this.contextRunner
			.withPropertyValues("spring.threads.virtual.enabled=true", "paipa.pipelines.p.definition=upper|sink")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				feed(context);
				assertThat(context.getBean(UpperHandler.class).threads.get(0).getName()).startsWith("paipa-");
			});
	}

	/** Whether the handler ran on a virtual thread, for one item put through. */
	private static boolean virtual(AssertableApplicationContext context, Class<?> handler) throws Exception {
		feed(context);
		Object bean = context.getBean(handler);
		Thread thread = (bean instanceof UpperHandler upper) ? upper.threads.get(0)
				: ((StringSink) bean).threads.get(0);
		Method isVirtual = Thread.class.getMethod("isVirtual");
		return (Boolean) isVirtual.invoke(thread);
	}

	@SuppressWarnings("unchecked")
	private static void feed(AssertableApplicationContext context) throws InterruptedException {
		StringSink sink = context.getBean(StringSink.class);
		if (sink.received.isEmpty()) {
			context.getBean("pInput", PipelineInput.class).put("v");
			await().atMost(WAIT).untilAsserted(() -> assertThat(sink.received).containsExactly("V"));
		}
	}

}
