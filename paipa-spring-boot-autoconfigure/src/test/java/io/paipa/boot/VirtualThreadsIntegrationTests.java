package io.paipa.boot;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.core.NestedExceptionUtils;

import io.paipa.core.Pipeline;
import io.paipa.core.PipelineInput;
import io.paipa.core.PipelineState;
import io.paipa.core.StepHandler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code virtual-threads: true} on a step: virtual worker threads on Java 21 and later, a
 * configuration error naming the property on Java 17.
 */
@Timeout(60)
class VirtualThreadsIntegrationTests {

	private static final int ITEMS = 200;

	private final ApplicationContextRunner runner = new ApplicationContextRunner().withUserConfiguration(Config.class)
		.withPropertyValues("paipa.pipelines.vt.definition=fetch|collect", "paipa.pipelines.vt.progress-interval=0s",
				"paipa.pipelines.vt.steps.fetch.workers=4", "paipa.pipelines.vt.steps.fetch.virtual-threads=true");

	@Test
	void stepWorkersAreVirtualThreadsOnJava21AndLater() {
		assumeTrue(Runtime.version().feature() >= 21, "virtual threads need Java 21 or later");
		this.runner.run((context) -> {
			assertThat(context).hasNotFailed();
			Threads threads = context.getBean(Threads.class);
			@SuppressWarnings("unchecked")
			PipelineInput<Integer> input = context.getBean("vtInput", PipelineInput.class);
			Pipeline<?> pipeline = context.getBean("vt", Pipeline.class);
			assertThat(pipeline.state()).isEqualTo(PipelineState.RUNNING);
			for (int i = 0; i < ITEMS; i++) {
				input.put(i);
			}
			assertThat(threads.collected.await(30, TimeUnit.SECONDS)).as("every item collected").isTrue();

			assertThat(threads.fetch).isNotEmpty().allSatisfy((name, virtual) -> {
				assertThat(name).matches("paipa-vt-fetch-[0-3]");
				assertThat(virtual).as("%s is virtual", name).isTrue();
			});
			assertThat(threads.collect).containsOnlyKeys("paipa-vt-collect-0")
				.allSatisfy((name, virtual) -> assertThat(virtual).as("%s is virtual", name).isFalse());
			assertThat(pipeline.snapshot().steps().get(0).workersAlive()).isEqualTo(4);
			assertThat(pipeline.snapshot().completed()).isEqualTo(ITEMS);
		});
	}

	@Test
	void virtualThreadsOnJava17FailTheStartWithThePropertyNamed() {
		assumeTrue(Runtime.version().feature() < 21, "virtual threads are supported from Java 21");
		this.runner.run((context) -> {
			assertThat(context).hasFailed();
			Throwable failure = context.getStartupFailure();
			InvalidConfigurationPropertyValueException invalid = findCause(failure,
					InvalidConfigurationPropertyValueException.class);
			assertThat(invalid).as("InvalidConfigurationPropertyValueException in %s", failure).isNotNull();
			assertThat(invalid.getName()).endsWith(".virtual-threads")
				.isEqualTo("paipa.pipelines.vt.steps.fetch.virtual-threads");
			assertThat(invalid.getValue()).isEqualTo(true);
			assertThat(invalid.getMessage()).contains("Java 21");
			assertThat(NestedExceptionUtils.getMostSpecificCause(failure)).isSameAs(invalid);
		});
	}

	private static <T extends Throwable> T findCause(Throwable failure, Class<T> type) {
		for (Throwable candidate = failure; candidate != null; candidate = candidate.getCause()) {
			if (type.isInstance(candidate)) {
				return type.cast(candidate);
			}
		}
		return null;
	}

	/** {@code Thread.isVirtual()}, looked up reflectively: the build targets Java 17. */
	static boolean isVirtual(Thread thread) {
		try {
			Method isVirtual = Thread.class.getMethod("isVirtual");
			return (Boolean) isVirtual.invoke(thread);
		}
		catch (NoSuchMethodException ex) {
			return false;
		}
		catch (ReflectiveOperationException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** The threads each step's handler ran in, with whether they were virtual. */
	static class Threads {

		final Map<String, Boolean> fetch = new ConcurrentHashMap<>();

		final Map<String, Boolean> collect = new ConcurrentHashMap<>();

		final CountDownLatch collected = new CountDownLatch(ITEMS);

		final Set<Integer> items = ConcurrentHashMap.newKeySet();

	}

	@SpringBootConfiguration
	@EnablePaipaPipeline
	static class Config {

		@Bean
		Threads threads() {
			return new Threads();
		}

		@Bean
		StepHandler<Integer, Integer> fetch(Threads threads) {
			return (item) -> {
				Thread current = Thread.currentThread();
				threads.fetch.put(current.getName(), isVirtual(current));
				// simulates waiting on I/O
				Thread.sleep(1);
				return item;
			};
		}

		@Bean
		StepHandler<Integer, Integer> collect(Threads threads) {
			return (item) -> {
				Thread current = Thread.currentThread();
				threads.collect.put(current.getName(), isVirtual(current));
				if (threads.items.add(item)) {
					threads.collected.countDown();
				}
				return item;
			};
		}

	}

}
