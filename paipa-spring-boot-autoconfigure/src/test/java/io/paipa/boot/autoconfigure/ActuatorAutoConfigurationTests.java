package io.paipa.boot.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;

import io.paipa.boot.EnablePaipaPipeline;
import io.paipa.boot.actuate.PaipaEndpoint;
import io.paipa.boot.autoconfigure.endpoint.PaipaEndpointAutoConfiguration;
import io.paipa.boot.autoconfigure.health.PaipaHealthContributorAutoConfiguration;
import io.paipa.boot.autoconfigure.metrics.PaipaMetricsAutoConfiguration;
import io.paipa.boot.health.PipelineHealthIndicator;
import io.paipa.boot.metrics.PaipaMetrics;
import io.paipa.core.Pipeline;
import io.paipa.core.PipelineInput;
import io.paipa.core.PipelineListener;
import io.paipa.core.PipelineResult;
import io.paipa.core.StepHandler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The actuator auto-configurations: the {@link PaipaMetrics} binder with its meters in
 * the application's registry, the {@code paipaHealthContributor} with a child per
 * pipeline, and the conditions that turn them off (no {@code @EnablePaipaPipeline}, no
 * registry, Micrometer or the health module missing, the health indicator disabled).
 */
@Timeout(60)
class ActuatorAutoConfigurationTests {

	private static final Duration WAIT = Duration.ofSeconds(20);

	private static final String CONTRIBUTOR = "paipaHealthContributor";

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class, PaipaAutoConfiguration.class,
				PaipaMetricsAutoConfiguration.class, PaipaHealthContributorAutoConfiguration.class,
				PaipaEndpointAutoConfiguration.class))
		.withPropertyValues("management.metrics.use-global-registry=false",
				"paipa.pipelines.orders.definition=parse|store", "paipa.pipelines.orders.shutdown-timeout=2s");

	@AfterEach
	void releaseBlockedHandlers() {
		BlockingStore.release.countDown();
	}

	// ---- metrics

	@Test
	void metricsBinderIsABeanAndItsMetersAreInTheApplicationsRegistry() {
		this.contextRunner.withUserConfiguration(EnabledConfig.class, RegistryConfig.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).hasSingleBean(PaipaMetrics.class);
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			for (String step : List.of("parse", "store")) {
				assertThat(registry.find("paipa.step.queue.depth").tag("pipeline", "orders").tag("step", step).gauge())
					.as("queue depth of %s", step)
					.isNotNull();
				assertThat(registry.find("paipa.step.workers").tag("pipeline", "orders").tag("step", step).gauges())
					.hasSize(3);
				assertThat(registry.find("paipa.step.process").tag("pipeline", "orders").tag("step", step).timer())
					.isNotNull();
			}
			assertThat(registry.find("paipa.pipeline.items").tag("pipeline", "orders").functionCounters()).hasSize(4);
			// a continuous pipeline's first queue is its input, bounded by input-capacity
			assertThat(registry.get("paipa.step.queue.capacity").tag("step", "parse").gauge().value()).isEqualTo(1024);
			assertThat(registry.get("paipa.step.queue.capacity").tag("step", "store").gauge().value()).isEqualTo(64);
			assertThat(registry.get("paipa.step.workers").tag("step", "parse").tag("state", "alive").gauge().value())
				.isEqualTo(1);
		});
	}

	@Test
	void metricsBinderListensToThePipelinesSoTheTimerSamplesTheItems() {
		this.contextRunner.withUserConfiguration(EnabledConfig.class, RegistryConfig.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBeanProvider(PipelineListener.class).stream())
				.contains(context.getBean(PaipaMetrics.class));
			@SuppressWarnings("unchecked")
			PipelineInput<String> input = context.getBean("ordersInput", PipelineInput.class);
			for (int i = 1; i <= 5; i++) {
				input.put(Integer.toString(i));
			}
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			await().atMost(WAIT)
				.untilAsserted(() -> assertThat(registry.get("paipa.pipeline.items")
					.tag("pipeline", "orders")
					.tag("outcome", "completed")
					.functionCounter()
					.count()).isEqualTo(5));
			// the handler timer is sampled at most once per batch: one sample at least,
			// and at
			// most one per item
			assertThat(
					registry.get("paipa.step.process").tag("pipeline", "orders").tag("step", "parse").timer().count())
				.isBetween(1L, 5L);
			assertThat(
					registry.get("paipa.step.process").tag("pipeline", "orders").tag("step", "store").timer().count())
				.isBetween(1L, 5L);
		});
	}

	@Test
	void closingTheContextRemovesThePipelineMetersButNoOthers() {
		SimpleMeterRegistry[] registry = new SimpleMeterRegistry[1];
		Counter[] unrelated = new Counter[1];
		this.contextRunner.withUserConfiguration(EnabledConfig.class, RegistryConfig.class).run((context) -> {
			assertThat(context).hasNotFailed();
			registry[0] = context.getBean(SimpleMeterRegistry.class);
			unrelated[0] = registry[0].counter("app.unrelated");
			assertThat(registry[0].find("paipa.step.queue.depth").gauges()).hasSize(2);
		});
		assertThat(registry[0].getMeters()).containsExactly(unrelated[0]);
	}

	@Test
	void batchPipelinesGetMetersToo() {
		this.contextRunner.withUserConfiguration(EnabledConfig.class, RegistryConfig.class)
			.withPropertyValues("paipa.pipelines.report.definition=parse|store", "paipa.pipelines.report.mode=batch")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				@SuppressWarnings("unchecked")
				Pipeline<String> report = context.getBean("report", Pipeline.class);
				PipelineResult result = report.run(List.of("1", "2", "3"));
				assertThat(result.completed()).isEqualTo(3);
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				assertThat(registry.get("paipa.pipeline.items")
					.tag("pipeline", "report")
					.tag("outcome", "completed")
					.functionCounter()
					.count()).isEqualTo(3);
				assertThat(registry.get("paipa.step.process")
					.tag("pipeline", "report")
					.tag("step", "parse")
					.timer()
					.count()).isBetween(1L, 3L);
				assertThat(registry.find("paipa.step.queue.depth").tag("pipeline", "orders").gauges()).hasSize(2);
			});
	}

	@Test
	void withoutAMeterRegistryThereIsNoMetricsBinder() {
		this.contextRunner.withUserConfiguration(EnabledConfig.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(PaipaMetrics.class);
			assertThat(context).hasBean("orders").hasBean(CONTRIBUTOR);
		});
	}

	@Test
	void withoutMicrometerThereIsNoMetricsBinderAndTheContextStillStarts() {
		this.contextRunner.withUserConfiguration(EnabledConfig.class, RegistryConfig.class)
			.withClassLoader(new FilteredClassLoader("io.micrometer.core"))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).doesNotHaveBean(PaipaMetrics.class);
				assertThat(context).hasBean("orders").hasBean(CONTRIBUTOR);
				@SuppressWarnings("unchecked")
				Pipeline<String> orders = context.getBean("orders", Pipeline.class);
				orders.input().put("7");
				await().atMost(WAIT).until(() -> orders.snapshot().completed() == 1);
				assertThat(context.getBean(MeterRegistry.class).find("paipa.step.queue.depth").gauges()).isEmpty();
			});
	}

	// ---- health

	@Test
	void healthContributorIsABeanWithAChildPerPipeline() {
		this.contextRunner.withUserConfiguration(EnabledConfig.class, RegistryConfig.class)
			.withPropertyValues("paipa.pipelines.report.definition=parse|store", "paipa.pipelines.report.mode=batch")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).hasBean(CONTRIBUTOR);
				HealthContributor contributor = context.getBean(CONTRIBUTOR, HealthContributor.class);
				assertThat(contributor).isInstanceOf(CompositeHealthContributor.class);
				CompositeHealthContributor composite = (CompositeHealthContributor) contributor;
				assertThat(composite.stream().map((entry) -> entry.name())).containsExactlyInAnyOrder("orders",
						"report");
				assertThat(composite.getContributor("orders")).isInstanceOf(PipelineHealthIndicator.class);
				Health orders = ((HealthIndicator) composite.getContributor("orders")).health();
				assertThat(orders.getStatus()).isEqualTo(Status.UP);
				assertThat(orders.getDetails()).containsKeys("state", "steps");
				Health report = ((HealthIndicator) composite.getContributor("report")).health();
				assertThat(report.getStatus()).isEqualTo(Status.UP);

				context.close();
				assertThat(((HealthIndicator) composite.getContributor("orders")).health().getStatus())
					.isEqualTo(Status.OUT_OF_SERVICE);
			});
	}

	@Test
	void stallTimeoutPropertyReachesThePipelinesHealthIndicator() throws Exception {
		BlockingStore.reset();
		this.contextRunner.withUserConfiguration(EnabledConfig.class, BlockingConfig.class)
			.withPropertyValues("paipa.pipelines.slow.definition=parse|blockingStore",
					"paipa.pipelines.slow.stall-timeout=200ms", "paipa.pipelines.slow.shutdown-timeout=2s")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				CompositeHealthContributor composite = context.getBean(CONTRIBUTOR, CompositeHealthContributor.class);
				HealthIndicator slow = (HealthIndicator) composite.getContributor("slow");
				HealthIndicator orders = (HealthIndicator) composite.getContributor("orders");
				assertThat(slow.health().getStatus()).isEqualTo(Status.UP);

				@SuppressWarnings("unchecked")
				PipelineInput<String> input = context.getBean("slowInput", PipelineInput.class);
				input.put("1");
				assertThat(BlockingStore.entered.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

				await().atMost(WAIT).until(() -> slow.health().getStatus().equals(Status.DOWN));
				assertThat(slow.health().getDetails().get("problems")).asString().contains("stall timeout");
				// the other pipeline keeps the default of one minute
				assertThat(orders.health().getStatus()).isEqualTo(Status.UP);
				BlockingStore.release.countDown();
				await().atMost(WAIT).until(() -> slow.health().getStatus().equals(Status.UP));
			});
	}

	@Test
	void withoutTheHealthModuleThereIsNoHealthContributorAndTheContextStillStarts() {
		this.contextRunner.withUserConfiguration(EnabledConfig.class, RegistryConfig.class)
			.withClassLoader(new FilteredClassLoader("org.springframework.boot.health"))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).doesNotHaveBean(CONTRIBUTOR);
				assertThat(context).hasBean("orders").hasSingleBean(PaipaMetrics.class);
			});
	}

	@Test
	void withoutTheHealthModuleAnAutoConfigurationImportedByNameIsSkippedAndTheContextStarts() {
		// the way applications get it: imported by name, read with ASM, so the missing
		// module's annotations are not resolved
		new ApplicationContextRunner().withUserConfiguration(EnabledConfig.class, ImportedByNameConfig.class)
			.withPropertyValues("paipa.pipelines.orders.definition=parse|store")
			.withClassLoader(new FilteredClassLoader("org.springframework.boot.health"))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).doesNotHaveBean(CONTRIBUTOR);
				assertThat(context).hasBean("orders");
			});
	}

	@Test
	void healthIndicatorCanBeDisabled() {
		this.contextRunner.withUserConfiguration(EnabledConfig.class, RegistryConfig.class)
			.withPropertyValues("management.health.paipa.enabled=false")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).doesNotHaveBean(CONTRIBUTOR);
				assertThat(context.getBeansOfType(CompositeHealthContributor.class)).isEmpty();
				assertThat(context).hasBean("orders").hasSingleBean(PaipaMetrics.class);
			});
	}

	@Test
	void userDefinedContributorNamedPaipaHealthContributorWins() {
		this.contextRunner.withUserConfiguration(EnabledConfig.class, OwnContributorConfig.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(CONTRIBUTOR)).isSameAs(OwnContributorConfig.OWN);
		});
	}

	// ---- without @EnablePaipaPipeline

	@Test
	void withoutEnablePaipaPipelineNoneOfTheActuatorBeansExist() {
		this.contextRunner.withUserConfiguration(HandlersConfig.class, RegistryConfig.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(PaipaMetrics.class)
				.doesNotHaveBean(CONTRIBUTOR)
				.doesNotHaveBean(PaipaProperties.class)
				.doesNotHaveBean(PaipaEndpoint.class)
				.doesNotHaveBean("orders");
			assertThat(context.getBeansOfType(Pipeline.class)).isEmpty();
			assertThat(context.getBean(MeterRegistry.class).find("paipa.step.queue.depth").gauges()).isEmpty();
		});
	}

	// ---- configurations

	@Configuration(proxyBeanMethods = false)
	@EnablePaipaPipeline
	static class EnabledConfig extends HandlersConfig {

	}

	@Configuration(proxyBeanMethods = false)
	static class HandlersConfig {

		@Bean
		@Order(1)
		ParseHandler parse() {
			return new ParseHandler();
		}

		@Bean
		@Order(2)
		StoreHandler store() {
			return new StoreHandler();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class RegistryConfig {

		@Bean
		SimpleMeterRegistry simpleMeterRegistry() {
			return new SimpleMeterRegistry();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ PaipaAutoConfiguration.class, PaipaHealthContributorAutoConfiguration.class })
	static class ImportedByNameConfig {

	}

	@Configuration(proxyBeanMethods = false)
	static class BlockingConfig {

		@Bean
		BlockingStore blockingStore() {
			return new BlockingStore();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class OwnContributorConfig {

		static final HealthIndicator OWN = () -> Health.up().withDetail("own", true).build();

		@Bean
		HealthIndicator paipaHealthContributor() {
			return OWN;
		}

	}

	static class ParseHandler implements StepHandler<String, Integer> {

		@Override
		public Integer process(String item) {
			return Integer.valueOf(item);
		}

	}

	static class StoreHandler implements StepHandler<Integer, Integer> {

		@Override
		public Integer process(Integer item) {
			return item;
		}

	}

	/** Blocks on its first item until released. */
	static class BlockingStore implements StepHandler<Integer, Integer> {

		static volatile CountDownLatch entered = new CountDownLatch(1);

		static volatile CountDownLatch release = new CountDownLatch(1);

		static void reset() {
			entered = new CountDownLatch(1);
			release = new CountDownLatch(1);
		}

		@Override
		public Integer process(Integer item) throws InterruptedException {
			entered.countDown();
			release.await();
			return item;
		}

	}

}
