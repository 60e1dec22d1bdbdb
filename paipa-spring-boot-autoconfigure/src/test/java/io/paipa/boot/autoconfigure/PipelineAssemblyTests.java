package io.paipa.boot.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.context.annotation.Scope;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.ByteArrayResource;

import io.paipa.boot.EnablePaipaPipeline;
import io.paipa.core.DeadLetter;
import io.paipa.core.DeadLetterHandler;
import io.paipa.core.Emitter;
import io.paipa.core.FanOutHandler;
import io.paipa.core.ItemOutcome;
import io.paipa.core.Pipeline;
import io.paipa.core.PipelineInput;
import io.paipa.core.PipelineListener;
import io.paipa.core.PipelineResult;
import io.paipa.core.PipelineSnapshot;
import io.paipa.core.PipelineState;
import io.paipa.core.StepContext;
import io.paipa.core.StepHandler;
import io.paipa.core.StepInput;
import io.paipa.core.StepSnapshot;
import io.paipa.core.StreamHandler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Assembly of pipelines from {@code paipa.*} properties and handler beans by
 * {@link EnablePaipaPipeline @EnablePaipaPipeline}: the beans it registers, their types,
 * the step order, every start-up check, property overrides, handler scopes, dead letters,
 * listeners, built-in steps and step options.
 */
@Timeout(60)
class PipelineAssemblyTests {

	private static final Duration WAIT = Duration.ofSeconds(20);

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withUserConfiguration(EnableConfig.class);

	@BeforeEach
	void resetCounters() {
		CountingPrototype.created.set(0);
		CountingPrototype.opened.clear();
		CountingSingleton.created.set(0);
		CountingSingleton.opens.set(0);
	}

	// ---- without @EnablePaipaPipeline

	@Test
	void withoutEnablePaipaPipelineNoPipelineBeanIsCreated() {
		new ApplicationContextRunner().withUserConfiguration(LambdaParseConfig.class, SquareAndSinkConfig.class)
			.withPropertyValues("paipa.pipelines.p.definition=parse|square|sink",
					"paipa.pipelines.p.steps.square.workers=2")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).hasBean("parse").hasBean("square").hasBean("sink");
				assertThat(context).doesNotHaveBean("p").doesNotHaveBean("pInput").doesNotHaveBean("pipeline");
				assertThat(context.getBeansOfType(Pipeline.class)).isEmpty();
				assertThat(context.getBeansOfType(PipelineInput.class)).isEmpty();
				assertThat(context).doesNotHaveBean(PipelineAssembler.LIFECYCLE_BEAN_NAME);
				assertThat(context).doesNotHaveBean(PaipaPipelineRegistrar.ASSEMBLER_BEAN_NAME);
			});
	}

	// ---- beans, names and generic types

	@Test
	void continuousPipelineIsRegisteredByNameWithAnInputBeanAndRunsUntilTheContextCloses() {
		this.contextRunner.withUserConfiguration(LambdaParseConfig.class, SquareAndSinkConfig.class)
			.withPropertyValues("paipa.pipelines.p.definition=parse|square|sink")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				Pipeline<?> pipeline = context.getBean("p", Pipeline.class);
				assertThat(pipeline.name()).isEqualTo("p");
				assertThat(pipeline.stepNames()).containsExactly("parse", "square", "sink");
				@SuppressWarnings("unchecked")
				PipelineInput<String> input = context.getBean("pInput", PipelineInput.class);
				assertThat(input).isSameAs(pipeline.input());
				assertThat(context.getBeansOfType(Pipeline.class)).containsOnlyKeys("p");
				assertThat(context.getBeansOfType(PipelineInput.class)).containsOnlyKeys("pInput");
				assertThat(pipeline.state()).isEqualTo(PipelineState.RUNNING);
				assertThat(input.isAccepting()).isTrue();

				input.put("3");
				input.put("4");
				IntSink sink = context.getBean(IntSink.class);
				await().atMost(WAIT).untilAsserted(() -> assertThat(sink.received).containsExactlyInAnyOrder(9, 16));

				context.close();
				assertThat(pipeline.state()).isEqualTo(PipelineState.STOPPED);
				assertThat(input.isAccepting()).isFalse();
				PipelineSnapshot snapshot = pipeline.snapshot();
				assertThat(snapshot.in()).isEqualTo(2);
				assertThat(snapshot.completed()).isEqualTo(2);
				assertThat(snapshot.dropped() + snapshot.deadLettered() + snapshot.abandoned()).isZero();
			});
	}

	@Test
	void batchPipelineHasNoInputBeanDoesNotStartAndRunsWhenAsked() {
		this.contextRunner.withUserConfiguration(LambdaParseConfig.class, SquareAndSinkConfig.class)
			.withPropertyValues("paipa.pipelines.p.definition=parse|square|sink", "paipa.pipelines.p.mode=batch")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).hasBean("p").doesNotHaveBean("pInput");
				assertThat(context.getBeansOfType(PipelineInput.class)).isEmpty();
				assertThat(context).doesNotHaveBean(PipelineAssembler.LIFECYCLE_BEAN_NAME);
				@SuppressWarnings("unchecked")
				Pipeline<String> pipeline = context.getBean("p", Pipeline.class);
				assertThat(pipeline.state()).isEqualTo(PipelineState.NEW);

				PipelineResult first = pipeline.run(List.of("1", "2", "3"));
				PipelineResult second = pipeline.run(List.of("5"));
				assertThat(first.state()).isEqualTo(PipelineState.COMPLETED);
				assertThat(first.in()).isEqualTo(3);
				assertThat(first.completed()).isEqualTo(3);
				assertThat(second.in()).isEqualTo(1);
				assertThat(second.completed()).isEqualTo(1);
				assertThat(context.getBean(IntSink.class).received).containsExactlyInAnyOrder(1, 4, 9, 25);
			});
	}

	@Test
	void pipelineAndInputAreInjectableByGenericTypeWhenTheFirstStepIsALambdaBean() {
		this.contextRunner
			.withUserConfiguration(LambdaParseConfig.class, SquareAndSinkConfig.class, InjectionConfig.class)
			.withPropertyValues("paipa.pipelines.p.definition=parse|square|sink",
					"paipa.pipelines.q.definition=square|sink")
			.run((context) -> assertGenericInjection(context));
	}

	@Test
	void pipelineAndInputAreInjectableByGenericTypeWhenTheFirstStepIsAHandlerClass() {
		this.contextRunner.withBean("parse", ParseHandler.class)
			.withUserConfiguration(SquareAndSinkConfig.class, InjectionConfig.class)
			.withPropertyValues("paipa.pipelines.p.definition=parse|square|sink",
					"paipa.pipelines.q.definition=square|sink")
			.run((context) -> assertGenericInjection(context));
	}

	private static void assertGenericInjection(AssertableApplicationContext context) throws Exception {
		assertThat(context).hasNotFailed();
		Pipeline<?> p = context.getBean("p", Pipeline.class);
		Pipeline<?> q = context.getBean("q", Pipeline.class);
		InjectionTarget target = context.getBean(InjectionTarget.class);
		assertThat(target.strings).isSameAs(p);
		assertThat(target.stringInput).isSameAs(p.input()).isSameAs(context.getBean("pInput"));
		assertThat(target.integers).isSameAs(q);
		assertThat(target.integerInput).isSameAs(q.input()).isSameAs(context.getBean("qInput"));
		assertThat(context.getBeanNamesForType(ResolvableType.forClassWithGenerics(Pipeline.class, String.class)))
			.containsExactly("p");
		assertThat(context.getBeanNamesForType(ResolvableType.forClassWithGenerics(Pipeline.class, Integer.class)))
			.containsExactly("q");
		assertThat(context.getBeanNamesForType(ResolvableType.forClassWithGenerics(Pipeline.class, Long.class)))
			.isEmpty();
		assertThat(context.getBeanNamesForType(ResolvableType.forClassWithGenerics(PipelineInput.class, String.class)))
			.containsExactly("pInput");

		target.stringInput.put("7");
		target.integerInput.put(5);
		IntSink sink = context.getBean(IntSink.class);
		await().atMost(WAIT).untilAsserted(() -> assertThat(sink.received).containsExactlyInAnyOrder(49, 25));
	}

	@Test
	void snapshotShowsStepsInDefinitionOrderWithTheirConfiguredWorkers() {
		this.contextRunner.withUserConfiguration(ReversedNumbersConfig.class)
			.withPropertyValues("paipa.pipelines.p.definition=parse | square | sink",
					"paipa.pipelines.p.steps.parse.workers=2", "paipa.pipelines.p.steps.square.workers=3",
					"paipa.pipelines.p.steps.square.queue-capacity=7", "paipa.pipelines.p.queue-capacity=16",
					"paipa.pipelines.p.input-capacity=100")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				Pipeline<?> pipeline = context.getBean("p", Pipeline.class);
				PipelineSnapshot snapshot = pipeline.snapshot();
				assertThat(snapshot.steps()).extracting(StepSnapshot::name).containsExactly("parse", "square", "sink");
				assertThat(snapshot.steps()).extracting(StepSnapshot::workersConfigured).containsExactly(2, 3, 1);
				// a continuous pipeline's first queue is its input queue
				assertThat(snapshot.steps()).extracting(StepSnapshot::queueCapacity).containsExactly(100, 7, 16);
				// the lambda's types come from its @Bean method, the classes' from their
				// declarations
				assertThat(snapshot.step("parse").inputType()).isEqualTo("String");
				assertThat(snapshot.step("parse").outputType()).isEqualTo("Integer");
				assertThat(snapshot.step("square").inputType()).isEqualTo("Integer");
				await().atMost(WAIT)
					.untilAsserted(() -> assertThat(pipeline.snapshot().steps()).extracting(StepSnapshot::workersAlive)
						.containsExactly(2, 3, 1));
			});
	}

	// ---- no definition: every handler bean in @Order order

	@Test
	void withoutDefinitionOnePipelineNamedPipelineTakesEveryHandlerBeanInOrderOrder() {
		// registered first, but without @Order: last
		this.contextRunner.withBean("sink", StringSink.class)
			// class-level @Order(30), registered before the configuration's beans
			.withBean("shout", ShoutHandler.class)
			.withUserConfiguration(OrderedHandlersConfig.class)
			.withPropertyValues("paipa.pipelines.pipeline.steps.upper.workers=2")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBeansOfType(Pipeline.class)).containsOnlyKeys("pipeline");
				Pipeline<?> pipeline = context.getBean("pipeline", Pipeline.class);
				assertThat(pipeline.stepNames()).containsExactly("split", "upper", "shout", "sink");
				assertThat(pipeline.snapshot().step("upper").workersConfigured()).isEqualTo(2);
				@SuppressWarnings("unchecked")
				PipelineInput<String> input = context.getBean("pipelineInput", PipelineInput.class);
				input.put("a b");
				input.put("c");
				StringSink sink = context.getBean("sink", StringSink.class);
				await().atMost(WAIT)
					.untilAsserted(() -> assertThat(sink.received).containsExactlyInAnyOrder("A!", "B!", "C!"));
			});
	}

	@Test
	void withoutDefinitionAndWithoutPropertiesThePipelineIsStillAssembled() {
		this.contextRunner.withUserConfiguration(LambdaParseConfig.class, SquareAndSinkConfig.class).run((context) -> {
			assertThat(context).hasNotFailed();
			Pipeline<?> pipeline = context.getBean("pipeline", Pipeline.class);
			assertThat(pipeline.stepNames()).containsExactly("parse", "square", "sink");
			assertThat(context).hasBean("pipelineInput");
		});
	}

	// ---- start-up failures

	@Test
	void pipelineWhenStepBeanIsUnknownShouldFailWithAnalysisListingKnownHandlers() {
		this.contextRunner.withUserConfiguration(LambdaParseConfig.class, SquareAndSinkConfig.class)
			.withPropertyValues("paipa.pipelines.p.definition=parse|sqaure|sink")
			.run((context) -> {
				UnknownStepHandlerException ex = startupFailure(context, UnknownStepHandlerException.class);
				assertThat(ex.getPipeline()).isEqualTo("p");
				assertThat(ex.getStep()).isEqualTo("sqaure");
				assertThat(ex.getKnownHandlers()).containsExactlyInAnyOrder("parse", "square", "sink");
				FailureAnalysis analysis = new UnknownStepHandlerFailureAnalyzer().analyze(context.getStartupFailure());
				assertThat(analysis).isNotNull();
				assertThat(analysis.getDescription()).contains("'p'", "'sqaure'", "parse", "square", "sink");
				assertThat(analysis.getAction()).contains("'sqaure'", "paipa.pipelines.p.definition");
				assertThat(analysis.getCause()).isSameAs(ex);
			});
	}

	@Test
	void pipelineWhenNeighbouringStepTypesDoNotFitShouldFailWithAnalysisNamingBothSteps() {
		this.contextRunner.withUserConfiguration(LambdaParseConfig.class, StringsConfig.class)
			.withPropertyValues("paipa.pipelines.p.definition=parse|upper")
			.run((context) -> {
				StepTypeMismatchException ex = startupFailure(context, StepTypeMismatchException.class);
				assertThat(ex.getPipeline()).isEqualTo("p");
				assertThat(ex.getFromStep()).isEqualTo("parse");
				assertThat(ex.getToStep()).isEqualTo("upper");
				assertThat(ex.getFromType()).contains("Integer");
				assertThat(ex.getToType()).contains("String");
				FailureAnalysis analysis = new StepTypeMismatchFailureAnalyzer().analyze(context.getStartupFailure());
				assertThat(analysis).isNotNull();
				assertThat(analysis.getDescription()).contains("'p'", "'parse'", "'upper'", "java.lang.Integer",
						"java.lang.String");
				assertThat(analysis.getAction()).contains("paipa.pipelines.p.definition");
			});
	}

	@Test
	void pipelineWhenWorkersIsZeroShouldFailWithAnalysis() {
		this.contextRunner.withUserConfiguration(LambdaParseConfig.class, SquareAndSinkConfig.class)
			.withPropertyValues("paipa.pipelines.p.definition=parse|square|sink",
					"paipa.pipelines.p.steps.square.workers=0")
			.run((context) -> assertInvalidProperty(context, "paipa.pipelines.p.steps.square.workers", 0,
					"at least 1"));
	}

	@Test
	void pipelineWhenWorkersAreAboveTheMaximumPerStepShouldFailWithAnalysis() {
		this.contextRunner.withUserConfiguration(LambdaParseConfig.class, SquareAndSinkConfig.class)
			.withPropertyValues("paipa.pipelines.p.definition=parse|square|sink",
					"paipa.pipelines.p.steps.square.workers=2000")
			.run((context) -> assertInvalidProperty(context, "paipa.pipelines.p.steps.square.workers", 2000,
					"at most 1024 (paipa.max-workers-per-step)"));
		this.contextRunner.withUserConfiguration(LambdaParseConfig.class, SquareAndSinkConfig.class)
			.withPropertyValues("paipa.pipelines.p.definition=parse|square|sink",
					"paipa.pipelines.p.steps.square.workers=1030", "paipa.max-workers-per-step=1030")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void pipelineWhenQueueCapacityIsZeroShouldFailWithAnalysis() {
		this.contextRunner.withUserConfiguration(LambdaParseConfig.class, SquareAndSinkConfig.class)
			.withPropertyValues("paipa.pipelines.p.definition=parse|square|sink", "paipa.pipelines.p.queue-capacity=0")
			.run((context) -> assertInvalidProperty(context, "paipa.pipelines.p.queue-capacity", 0, "at least 1"));
	}

	@Test
	void stepWhenQueueCapacityIsZeroShouldFailWithAnalysis() {
		this.contextRunner.withUserConfiguration(LambdaParseConfig.class, SquareAndSinkConfig.class)
			.withPropertyValues("paipa.pipelines.p.definition=parse|square|sink",
					"paipa.pipelines.p.steps.sink.queue-capacity=0")
			.run((context) -> assertInvalidProperty(context, "paipa.pipelines.p.steps.sink.queue-capacity", 0,
					"at least 1"));
	}

	@Test
	void pipelineWhenInputCapacityIsZeroShouldFailWithAnalysis() {
		this.contextRunner.withUserConfiguration(LambdaParseConfig.class, SquareAndSinkConfig.class)
			.withPropertyValues("paipa.pipelines.p.definition=parse|square|sink", "paipa.pipelines.p.input-capacity=0")
			.run((context) -> assertInvalidProperty(context, "paipa.pipelines.p.input-capacity", 0, "at least 1"));
	}

	@Test
	void pipelineWhenDefinitionNamesAStepTwiceShouldFailWithAnalysis() {
		this.contextRunner.withUserConfiguration(LambdaParseConfig.class, SquareAndSinkConfig.class)
			.withPropertyValues("paipa.pipelines.p.definition=parse|square|square|sink")
			.run((context) -> assertInvalidProperty(context, "paipa.pipelines.p.definition", "parse|square|square|sink",
					"'square'", "twice"));
	}

	@Test
	void pipelineWhenThereAreNoHandlerBeansAndNoDefinitionShouldFailWithAnalysis() {
		this.contextRunner.run((context) -> assertInvalidProperty(context, "paipa.pipelines.pipeline.definition", null,
				"no steps", "StepHandler"));
	}

	@Test
	void pipelineWhenBuiltInTypeIsUnknownShouldFailWithAnalysis() {
		this.contextRunner.withUserConfiguration(StringsConfig.class)
			.withPropertyValues("paipa.pipelines.p.definition=upper|window|sink",
					"paipa.pipelines.p.steps.window.type=window", "paipa.pipelines.p.steps.window.size=3")
			.run((context) -> assertInvalidProperty(context, "paipa.pipelines.p.steps.window.type", "window", "chunk",
					"flatten"));
	}

	@Test
	void pipelineWhenChunkHasNoSizeShouldFailWithAnalysis() {
		this.contextRunner.withUserConfiguration(StringsConfig.class)
			.withPropertyValues("paipa.pipelines.p.definition=upper|batch", "paipa.pipelines.p.steps.batch.type=chunk")
			.run((context) -> assertInvalidProperty(context, "paipa.pipelines.p.steps.batch.size", null, "size"));
	}

	@Test
	void pipelineWhenSourceQueueBeanIsMissingShouldFailWithAnalysis() {
		this.contextRunner.withUserConfiguration(StringsConfig.class)
			.withPropertyValues("paipa.pipelines.p.definition=upper|sink", "paipa.pipelines.p.source-queue=orders")
			.run((context) -> assertInvalidProperty(context, "paipa.pipelines.p.source-queue", "orders",
					"BlockingQueue", "'orders'"));
	}

	@Test
	void pipelineWhenSourceQueueBeanIsNotABlockingQueueShouldFailWithAnalysis() {
		this.contextRunner.withUserConfiguration(StringsConfig.class)
			.withUserConfiguration(ListOrdersConfig.class)
			.withPropertyValues("paipa.pipelines.p.definition=upper|sink", "paipa.pipelines.p.source-queue=orders")
			.run((context) -> assertInvalidProperty(context, "paipa.pipelines.p.source-queue", "orders",
					"BlockingQueue", "'orders'", "ArrayList"));
	}

	@Test
	void pipelineWhenDeadLetterHandlerBeanIsMissingShouldFailWithAnalysis() {
		this.contextRunner.withUserConfiguration(StringsConfig.class)
			.withPropertyValues("paipa.pipelines.p.definition=upper|sink",
					"paipa.pipelines.p.dead-letter-handler=auditLetters")
			.run((context) -> assertInvalidProperty(context, "paipa.pipelines.p.dead-letter-handler", "auditLetters",
					"DeadLetterHandler", "'auditLetters'"));
	}

	@Test
	void pipelineWhenDeadLetterHandlerNamesABeanOfAnotherTypeShouldFailWithAnalysis() {
		this.contextRunner.withUserConfiguration(StringsConfig.class)
			.withPropertyValues("paipa.pipelines.p.definition=upper|sink",
					"paipa.pipelines.p.dead-letter-handler=upper")
			.run((context) -> assertInvalidProperty(context, "paipa.pipelines.p.dead-letter-handler", "upper",
					"DeadLetterHandler"));
	}

	@Test
	void stepWhenRetryMaxAttemptsIsZeroShouldFailNamingThatKey() {
		this.contextRunner.withUserConfiguration(SlowSinkConfig.class)
			.withPropertyValues("paipa.pipelines.p.definition=upper|slowSink",
					"paipa.pipelines.p.steps.slow-sink.retry.max-attempts=0")
			.run((context) -> assertInvalidProperty(context, "paipa.pipelines.p.steps.slow-sink.retry.max-attempts", 0,
					"at least 1"));
	}

	@Test
	void severalPipelinesWithoutDefinitionShouldFailWithAnalysis() {
		this.contextRunner.withUserConfiguration(StringsConfig.class)
			.withPropertyValues("paipa.pipelines.p.steps.upper.workers=2", "paipa.pipelines.q.steps.sink.workers=2")
			.run((context) -> {
				InvalidConfigurationPropertyValueException ex = startupFailure(context,
						InvalidConfigurationPropertyValueException.class);
				assertThat(ex.getName()).isIn("paipa.pipelines.p.definition", "paipa.pipelines.q.definition");
				assertThat(ex.getReason()).contains("Several pipelines", "definition");
			});
	}

	@Test
	void severalPipelinesWhereOneHasNoDefinitionShouldFailNamingThatOne() {
		this.contextRunner.withUserConfiguration(StringsConfig.class)
			.withPropertyValues("paipa.pipelines.p.definition=upper|sink", "paipa.pipelines.q.steps.sink.workers=2")
			.run((context) -> assertInvalidProperty(context, "paipa.pipelines.q.definition", null, "Several pipelines",
					"'|'"));
	}

	@Test
	void failureAnalyzersAreRegisteredInSpringFactories() throws IOException {
		List<String> analyzers = new ArrayList<>();
		Enumeration<URL> resources = getClass().getClassLoader().getResources("META-INF/spring.factories");
		while (resources.hasMoreElements()) {
			Properties properties = new Properties();
			try (InputStream in = resources.nextElement().openStream()) {
				properties.load(in);
			}
			String value = properties.getProperty(FailureAnalyzer.class.getName());
			if (value != null) {
				Arrays.stream(value.split(",")).map(String::trim).forEach(analyzers::add);
			}
		}
		assertThat(analyzers).as("FailureAnalyzer entries of every META-INF/spring.factories on the classpath")
			.contains(UnknownStepHandlerFailureAnalyzer.class.getName(),
					StepTypeMismatchFailureAnalyzer.class.getName());
	}

	// ---- property overrides

	@Test
	void commandLinePropertyOverridesTheWorkersOfBeanSlowSink() {
		this.contextRunner.withUserConfiguration(SlowSinkConfig.class)
			.withInitializer(PipelineAssemblyTests::applicationYaml)
			.withPropertyValues("paipa.pipelines.p.steps.slowSink.workers=4")
			.run((context) -> assertSlowSinkWorkers(context, 4));
	}

	@Test
	void environmentVariableOverridesTheWorkersOfBeanSlowSink() {
		this.contextRunner.withUserConfiguration(SlowSinkConfig.class)
			.withInitializer(PipelineAssemblyTests::applicationYaml)
			.withInitializer(
					(context) -> systemEnvironment(context, Map.of("PAIPA_PIPELINES_P_STEPS_SLOWSINK_WORKERS", "4")))
			.run((context) -> assertSlowSinkWorkers(context, 4));
	}

	@Test
	void applicationYamlAloneSetsTheWorkersOfBeanSlowSink() {
		this.contextRunner.withUserConfiguration(SlowSinkConfig.class)
			.withInitializer(PipelineAssemblyTests::applicationYaml)
			.run((context) -> assertSlowSinkWorkers(context, 2));
	}

	@Test
	void environmentVariableOverrideOfAKebabCasePipelineDoesNotCreateASecondPipeline() {
		// PAIPA_PIPELINES_SLOWORDERS_... is the only way to reach pipeline 'slow-orders'
		// from the environment
		this.contextRunner.withUserConfiguration(SlowSinkConfig.class)
			.withInitializer((context) -> addYaml(context, "application.yml", """
					paipa:
					  pipelines:
					    slow-orders:
					      definition: upper|slowSink
					      steps:
					        slowSink:
					          workers: 2
					"""))
			.withInitializer((context) -> systemEnvironment(context,
					Map.of("PAIPA_PIPELINES_SLOWORDERS_STEPS_SLOWSINK_WORKERS", "4")))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBeansOfType(Pipeline.class)).as("pipeline beans").containsOnlyKeys("slow-orders");
				Pipeline<?> pipeline = context.getBean("slow-orders", Pipeline.class);
				assertThat(pipeline.snapshot().step("slowSink").workersConfigured()).isEqualTo(4);
			});
	}

	@Test
	void stepNamesAndStepKeysMatchBeanNamesIgnoringCaseDashesAndUnderscores() {
		this.contextRunner.withUserConfiguration(SlowSinkConfig.class)
			.withPropertyValues("paipa.pipelines.p.definition=UPPER|slow-sink",
					"paipa.pipelines.p.steps.SLOW_SINK.workers=3")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				Pipeline<?> pipeline = context.getBean("p", Pipeline.class);
				assertThat(pipeline.stepNames()).containsExactly("UPPER", "slow-sink");
				assertThat(pipeline.snapshot().step("slow-sink").workersConfigured()).isEqualTo(3);
				@SuppressWarnings("unchecked")
				PipelineInput<String> input = context.getBean("pInput", PipelineInput.class);
				input.put("quiet");
				UpperHandler upper = context.getBean(UpperHandler.class);
				await().atMost(WAIT).untilAsserted(() -> {
					assertThat(upper.threads).hasSize(1);
					assertThat(pipeline.snapshot().completed()).isEqualTo(1);
				});
			});
	}

	/** Adds the equivalent of an application.yml, below the environment variables. */
	private static void applicationYaml(ConfigurableApplicationContext context) {
		addYaml(context, "application.yml", """
				paipa:
				  pipelines:
				    p:
				      definition: upper|slowSink
				      steps:
				        slow-sink:
				          workers: 2
				          queue-capacity: 5
				""");
	}

	private static void assertSlowSinkWorkers(AssertableApplicationContext context, int workers) {
		assertThat(context).hasNotFailed();
		Pipeline<?> pipeline = context.getBean("p", Pipeline.class);
		PipelineSnapshot snapshot = pipeline.snapshot();
		assertThat(snapshot.step("slowSink").workersConfigured()).isEqualTo(workers);
		// the other settings of the same step in application.yml still apply
		assertThat(snapshot.step("slowSink").queueCapacity()).isEqualTo(5);
		assertThat(snapshot.step("upper").workersConfigured()).isEqualTo(1);
		await().atMost(WAIT)
			.untilAsserted(() -> assertThat(pipeline.snapshot().step("slowSink").workersAlive()).isEqualTo(workers));
	}

	// ---- handler scopes

	@Test
	void prototypeHandlerIsInstantiatedOncePerWorker() {
		this.contextRunner.withUserConfiguration(ScopesConfig.class)
			.withPropertyValues("paipa.pipelines.p.definition=prototype|singleton",
					"paipa.pipelines.p.steps.prototype.workers=3", "paipa.pipelines.p.steps.singleton.workers=3")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				// start() returns once every worker has opened its handler
				assertThat(CountingPrototype.created).hasValue(3);
				assertThat(CountingPrototype.opened).hasSize(3);
				Pipeline<?> pipeline = context.getBean("p", Pipeline.class);
				pipeline.scale("prototype", 5);
				await().atMost(WAIT).untilAsserted(() -> assertThat(CountingPrototype.opened).hasSize(5));
				assertThat(CountingPrototype.created).hasValue(5);
			});
	}

	@Test
	void singletonHandlerIsInstantiatedOnceAndSharedByItsWorkers() {
		this.contextRunner.withUserConfiguration(ScopesConfig.class)
			.withPropertyValues("paipa.pipelines.p.definition=prototype|singleton",
					"paipa.pipelines.p.steps.singleton.workers=3")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(CountingSingleton.created).hasValue(1);
				assertThat(CountingSingleton.opens).hasValue(3);
				assertThat(context.getBean("singleton")).isInstanceOf(CountingSingleton.class);
				assertThat(CountingPrototype.created).hasValue(1);
			});
	}

	// ---- dead letters and listeners

	@Test
	void deadLetterHandlerBeanReceivesDeadLetters() {
		this.contextRunner.withUserConfiguration(StringsConfig.class)
			.withBean("letters", RecordingDeadLetters.class)
			.withPropertyValues("paipa.pipelines.p.definition=upper|failOnBad|sink")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				@SuppressWarnings("unchecked")
				PipelineInput<String> input = context.getBean("pInput", PipelineInput.class);
				input.put("bad one");
				input.put("good");
				RecordingDeadLetters letters = context.getBean(RecordingDeadLetters.class);
				StringSink sink = context.getBean(StringSink.class);
				await().atMost(WAIT).untilAsserted(() -> {
					assertThat(letters.letters).hasSize(1);
					assertThat(sink.received).containsExactly("GOOD");
				});
				DeadLetter letter = letters.letters.get(0);
				assertThat(letter.pipeline()).isEqualTo("p");
				assertThat(letter.step()).isEqualTo("failOnBad");
				assertThat(letter.item()).isEqualTo("BAD ONE");
				assertThat(letter.cause()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("BAD ONE");
				assertThat(letter.attempts()).isEqualTo(1);
				PipelineSnapshot snapshot = context.getBean("p", Pipeline.class).snapshot();
				assertThat(snapshot.in()).isEqualTo(2);
				assertThat(snapshot.completed()).isEqualTo(1);
				assertThat(snapshot.deadLettered()).isEqualTo(1);
			});
	}

	@Test
	void pipelinesOwnDeadLetterHandlerWinsOverTheApplicationsDefault() {
		this.contextRunner.withUserConfiguration(StringsConfig.class, TwoDeadLetterHandlersConfig.class)
			.withPropertyValues("paipa.pipelines.p.definition=failOnBad",
					"paipa.pipelines.p.dead-letter-handler=special", "paipa.pipelines.q.definition=failOnBad")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				@SuppressWarnings("unchecked")
				PipelineInput<String> p = context.getBean("pInput", PipelineInput.class);
				@SuppressWarnings("unchecked")
				PipelineInput<String> q = context.getBean("qInput", PipelineInput.class);
				p.put("bad p");
				q.put("bad q");
				RecordingDeadLetters special = context.getBean("special", RecordingDeadLetters.class);
				RecordingDeadLetters general = context.getBean("general", RecordingDeadLetters.class);
				await().atMost(WAIT).untilAsserted(() -> {
					assertThat(special.letters).extracting(DeadLetter::item).containsExactly("bad p");
					assertThat(general.letters).extracting(DeadLetter::item).containsExactly("bad q");
				});
				assertThat(special.letters).extracting(DeadLetter::pipeline).containsExactly("p");
				assertThat(general.letters).extracting(DeadLetter::pipeline).containsExactly("q");
			});
	}

	@Test
	void pipelineListenerBeanReceivesEvents() {
		this.contextRunner.withUserConfiguration(StringsConfig.class)
			.withBean("listener", RecordingListener.class)
			.withPropertyValues("paipa.pipelines.p.definition=upper|failOnBad|sink",
					"paipa.pipelines.p.steps.upper.workers=2")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				RecordingListener listener = context.getBean(RecordingListener.class);
				assertThat(listener.states).containsExactly("p:RUNNING");
				assertThat(listener.workersStarted).containsExactlyInAnyOrder("p:upper", "p:upper", "p:failOnBad",
						"p:sink");
				@SuppressWarnings("unchecked")
				PipelineInput<String> input = context.getBean("pInput", PipelineInput.class);
				input.put("x");
				input.put("bad");
				await().atMost(WAIT)
					.untilAsserted(() -> assertThat(listener.items).contains("p:upper:PROCESSED",
							"p:failOnBad:PROCESSED", "p:sink:PROCESSED", "p:failOnBad:FAILED"));
				context.close();
				assertThat(listener.states).containsExactly("p:RUNNING", "p:DRAINING", "p:STOPPED");
				assertThat(listener.workersStopped).hasSize(4);
			});
	}

	@Test
	void retryFromPropertiesRetriesFailedItemsInPlaceWithUnsetFieldsFromThePipeline() {
		this.contextRunner.withUserConfiguration(StringsConfig.class)
			.withBean("flaky", FailsTwice.class)
			.withBean("letters", RecordingDeadLetters.class)
			.withBean("listener", RecordingListener.class)
			.withPropertyValues("paipa.pipelines.p.definition=flaky|sink", "paipa.pipelines.p.retry.max-attempts=3",
					"paipa.pipelines.p.steps.flaky.retry.backoff=5ms")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				@SuppressWarnings("unchecked")
				PipelineInput<String> input = context.getBean("pInput", PipelineInput.class);
				input.put("a");
				input.put("b");
				StringSink sink = context.getBean(StringSink.class);
				await().atMost(WAIT).untilAsserted(() -> assertThat(sink.received).containsExactlyInAnyOrder("a", "b"));
				assertThat(context.getBean(FailsTwice.class).attempts).containsOnly(entry("a", 3), entry("b", 3));
				assertThat(context.getBean(RecordingDeadLetters.class).letters).isEmpty();
				RecordingListener listener = context.getBean(RecordingListener.class);
				assertThat(listener.items.stream().filter("p:flaky:RETRIED"::equals)).hasSize(4);
				assertThat(context.getBean("p", Pipeline.class).snapshot().step("flaky").stats().retried())
					.isEqualTo(4);
			});
	}

	// ---- built-in steps, options, source queue

	@Test
	void builtInChunkAndFlattenFromYamlWorkInABatchRun() {
		this.contextRunner.withUserConfiguration(StringsConfig.class, ChunkSizesConfig.class)
			.withInitializer((context) -> addYaml(context, "application.yml", """
					paipa:
					  pipelines:
					    batch:
					      mode: batch
					      definition: upper | by-three | sizes | flat | sink
					      steps:
					        by-three:
					          type: chunk
					          size: 3
					        flat:
					          type: flatten
					"""))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).doesNotHaveBean("batchInput");
				@SuppressWarnings("unchecked")
				Pipeline<String> pipeline = context.getBean("batch", Pipeline.class);
				assertThat(pipeline.stepNames()).containsExactly("upper", "by-three", "sizes", "flat", "sink");
				List<String> source = List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j");
				PipelineResult result = pipeline.run(source);
				assertThat(result.state()).isEqualTo(PipelineState.COMPLETED);
				assertThat(result.in()).isEqualTo(10);
				assertThat(result.completed()).isEqualTo(10);
				assertThat(result.deadLettered() + result.abandoned() + result.dropped()).isZero();
				assertThat(result.step("by-three").in()).isEqualTo(10);
				assertThat(result.step("by-three").emitted()).isEqualTo(4);
				assertThat(result.step("flat").in()).isEqualTo(4);
				assertThat(result.step("flat").emitted()).isEqualTo(10);
				assertThat(context.getBean(ChunkSizes.class).sizes).containsExactlyInAnyOrder(3, 3, 3, 1);
				assertThat(context.getBean(StringSink.class).received).containsExactlyInAnyOrder("A", "B", "C", "D",
						"E", "F", "G", "H", "I", "J");
			});
	}

	@Test
	void stepOptionsFromPropertiesReachStepContextInOpen() {
		this.contextRunner.withUserConfiguration(StringsConfig.class)
			.withBean("options", OptionsRecorder.class)
			.withPropertyValues("paipa.pipelines.p.definition=upper|options",
					"paipa.pipelines.p.steps.options.workers=2",
					"paipa.pipelines.p.steps.options.options.greeting=hello",
					"paipa.pipelines.p.steps.options.options.retry-after=5s")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				OptionsRecorder recorder = context.getBean(OptionsRecorder.class);
				assertThat(recorder.seen).hasSize(2);
				for (Map<String, Object> options : recorder.seen) {
					assertThat(options).containsOnly(entry("greeting", "hello"), entry("retry-after", "5s"));
				}
				assertThat(recorder.steps).containsExactly("p/options", "p/options");
			});
	}

	@Test
	void sourceQueueBeanIsDrainedByTheContinuousPipeline() {
		this.contextRunner.withUserConfiguration(StringsConfig.class)
			.withUserConfiguration(QueueOrdersConfig.class)
			.withPropertyValues("paipa.pipelines.p.definition=upper|sink", "paipa.pipelines.p.source-queue=orders")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				@SuppressWarnings("unchecked")
				BlockingQueue<String> orders = context.getBean("orders", BlockingQueue.class);
				orders.put("from queue");
				@SuppressWarnings("unchecked")
				PipelineInput<String> input = context.getBean("pInput", PipelineInput.class);
				input.put("from input");
				StringSink sink = context.getBean(StringSink.class);
				await().atMost(WAIT)
					.untilAsserted(
							() -> assertThat(sink.received).containsExactlyInAnyOrder("FROM QUEUE", "FROM INPUT"));
				assertThat(orders).isEmpty();
			});
	}

	// ---- helpers

	private static <T extends Throwable> T startupFailure(AssertableApplicationContext context, Class<T> type) {
		assertThat(context).hasFailed();
		Throwable failure = context.getStartupFailure();
		for (Throwable candidate = failure; candidate != null; candidate = candidate.getCause()) {
			if (type.isInstance(candidate)) {
				return type.cast(candidate);
			}
		}
		throw new AssertionError("No " + type.getName() + " in the cause chain of " + failure, failure);
	}

	static void assertInvalidProperty(AssertableApplicationContext context, String name, Object value,
			String... reasonContains) {
		InvalidConfigurationPropertyValueException ex = startupFailure(context,
				InvalidConfigurationPropertyValueException.class);
		assertThat(ex.getName()).isEqualTo(name);
		assertThat(ex.getValue()).isEqualTo(value);
		assertThat(ex.getReason()).isNotBlank().contains(reasonContains);
		assertThat(context.getStartupFailure()).hasMessageContaining(name);
	}

	private static void addYaml(ConfigurableApplicationContext context, String name, String yaml) {
		try {
			List<PropertySource<?>> sources = new YamlPropertySourceLoader().load(name,
					new ByteArrayResource(yaml.getBytes(StandardCharsets.UTF_8)));
			sources.forEach(context.getEnvironment().getPropertySources()::addLast);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Replaces the system environment with the given variables, as the OS would pass
	 * them.
	 */
	private static void systemEnvironment(ConfigurableApplicationContext context, Map<String, Object> variables) {
		MutablePropertySources sources = context.getEnvironment().getPropertySources();
		SystemEnvironmentPropertySource environment = new SystemEnvironmentPropertySource(
				StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, new LinkedHashMap<>(variables));
		if (sources.contains(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME)) {
			sources.replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, environment);
		}
		else {
			sources.addFirst(environment);
		}
	}

	// ---- configurations

	@Configuration(proxyBeanMethods = false)
	@EnablePaipaPipeline
	static class EnableConfig {

	}

	@Configuration(proxyBeanMethods = false)
	static class LambdaParseConfig {

		@Bean
		StepHandler<String, Integer> parse() {
			return (item) -> Integer.valueOf(item.trim());
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class SquareAndSinkConfig {

		@Bean
		SquareHandler square() {
			return new SquareHandler();
		}

		@Bean
		IntSink sink() {
			return new IntSink();
		}

	}

	/** The same steps, declared in the reverse order of the definition. */
	@Configuration(proxyBeanMethods = false)
	static class ReversedNumbersConfig {

		@Bean
		IntSink sink() {
			return new IntSink();
		}

		@Bean
		SquareHandler square() {
			return new SquareHandler();
		}

		@Bean
		StepHandler<String, Integer> parse() {
			return (item) -> Integer.valueOf(item.trim());
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class InjectionConfig {

		@Bean
		InjectionTarget injectionTarget(Pipeline<String> strings, PipelineInput<String> stringInput,
				Pipeline<Integer> integers, PipelineInput<Integer> integerInput) {
			return new InjectionTarget(strings, stringInput, integers, integerInput);
		}

	}

	static class InjectionTarget {

		final Pipeline<String> strings;

		final PipelineInput<String> stringInput;

		final Pipeline<Integer> integers;

		final PipelineInput<Integer> integerInput;

		InjectionTarget(Pipeline<String> strings, PipelineInput<String> stringInput, Pipeline<Integer> integers,
				PipelineInput<Integer> integerInput) {
			this.strings = strings;
			this.stringInput = stringInput;
			this.integers = integers;
			this.integerInput = integerInput;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class StringsConfig {

		@Bean
		UpperHandler upper() {
			return new UpperHandler();
		}

		@Bean
		FailOnBad failOnBad() {
			return new FailOnBad();
		}

		@Bean
		StringSink sink() {
			return new StringSink();
		}

	}

	/** Declared out of order; "upper" is ordered by its class, "split" by its method. */
	@Configuration(proxyBeanMethods = false)
	static class OrderedHandlersConfig {

		@Bean
		UpperStream upper() {
			return new UpperStream();
		}

		@Bean
		@Order(10)
		FanOutHandler<String, String> split() {
			return (line, out) -> {
				for (String word : line.split(" ")) {
					out.emit(word);
				}
			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class SlowSinkConfig {

		@Bean
		UpperHandler upper() {
			return new UpperHandler();
		}

		@Bean
		StepHandler<String, String> slowSink() {
			return (item) -> item;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ScopesConfig {

		@Bean
		@Scope("prototype")
		CountingPrototype prototype() {
			return new CountingPrototype();
		}

		@Bean
		CountingSingleton singleton() {
			return new CountingSingleton();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class TwoDeadLetterHandlersConfig {

		@Bean
		@Primary
		RecordingDeadLetters general() {
			return new RecordingDeadLetters();
		}

		@Bean
		RecordingDeadLetters special() {
			return new RecordingDeadLetters();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ListOrdersConfig {

		@Bean
		ArrayList<String> orders() {
			return new ArrayList<>();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class QueueOrdersConfig {

		@Bean
		LinkedBlockingQueue<String> orders() {
			return new LinkedBlockingQueue<>();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ChunkSizesConfig {

		@Bean
		ChunkSizes sizes() {
			return new ChunkSizes();
		}

	}

	// ---- handlers

	static class ParseHandler implements StepHandler<String, Integer> {

		@Override
		public Integer process(String item) {
			return Integer.valueOf(item.trim());
		}

	}

	static class SquareHandler implements StepHandler<Integer, Integer> {

		@Override
		public Integer process(Integer item) {
			return item * item;
		}

	}

	static class IntSink implements StepHandler<Integer, Integer> {

		final List<Integer> received = new CopyOnWriteArrayList<>();

		@Override
		public Integer process(Integer item) {
			this.received.add(item);
			return item;
		}

	}

	static class UpperHandler implements StepHandler<String, String> {

		final List<Thread> threads = new CopyOnWriteArrayList<>();

		@Override
		public String process(String item) {
			this.threads.add(Thread.currentThread());
			return item.toUpperCase(Locale.ROOT);
		}

	}

	static class FailOnBad implements StepHandler<String, String> {

		@Override
		public String process(String item) {
			if (item.toLowerCase(Locale.ROOT).startsWith("bad")) {
				throw new IllegalArgumentException("Cannot take " + item);
			}
			return item;
		}

	}

	static class StringSink implements StepHandler<String, String> {

		final List<String> received = new CopyOnWriteArrayList<>();

		final List<Thread> threads = new CopyOnWriteArrayList<>();

		@Override
		public String process(String item) {
			this.threads.add(Thread.currentThread());
			this.received.add(item);
			return item;
		}

	}

	@Order(20)
	static class UpperStream implements StreamHandler<String, String> {

		@Override
		public void process(StepInput<String> input, Emitter<String> out) {
			while (input.hasNext()) {
				out.emit(input.next().toUpperCase(Locale.ROOT));
			}
		}

	}

	@Order(30)
	static class ShoutHandler implements StepHandler<String, String> {

		@Override
		public String process(String item) {
			return item + "!";
		}

	}

	static class ChunkSizes implements StepHandler<List<String>, List<String>> {

		final List<Integer> sizes = new CopyOnWriteArrayList<>();

		@Override
		public List<String> process(List<String> item) {
			this.sizes.add(item.size());
			return item;
		}

	}

	static class CountingPrototype implements StepHandler<String, String> {

		static final AtomicInteger created = new AtomicInteger();

		static final Set<Object> opened = Collections
			.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));

		CountingPrototype() {
			created.incrementAndGet();
		}

		@Override
		public void open(StepContext context) {
			opened.add(this);
		}

		@Override
		public String process(String item) {
			return item;
		}

	}

	static class CountingSingleton implements StepHandler<String, String> {

		static final AtomicInteger created = new AtomicInteger();

		static final AtomicInteger opens = new AtomicInteger();

		CountingSingleton() {
			created.incrementAndGet();
		}

		@Override
		public void open(StepContext context) {
			opens.incrementAndGet();
		}

		@Override
		public String process(String item) {
			return item;
		}

	}

	static class FailsTwice implements StepHandler<String, String> {

		final Map<String, Integer> attempts = new ConcurrentHashMap<>();

		@Override
		public String process(String item) {
			if (this.attempts.merge(item, 1, Integer::sum) <= 2) {
				throw new IllegalStateException("Not yet: " + item);
			}
			return item;
		}

	}

	static class OptionsRecorder implements StepHandler<String, String> {

		final List<Map<String, Object>> seen = new CopyOnWriteArrayList<>();

		final List<String> steps = new CopyOnWriteArrayList<>();

		@Override
		public void open(StepContext context) {
			this.seen.add(context.options());
			this.steps.add(context.pipelineName() + "/" + context.stepName());
		}

		@Override
		public String process(String item) {
			return item;
		}

	}

	static class RecordingDeadLetters implements DeadLetterHandler {

		final List<DeadLetter> letters = new CopyOnWriteArrayList<>();

		@Override
		public void handle(DeadLetter letter) {
			this.letters.add(letter);
		}

	}

	static class RecordingListener implements PipelineListener {

		final List<String> states = new CopyOnWriteArrayList<>();

		final List<String> items = new CopyOnWriteArrayList<>();

		final List<String> workersStarted = new CopyOnWriteArrayList<>();

		final List<String> workersStopped = new CopyOnWriteArrayList<>();

		@Override
		public void stateChanged(String pipeline, PipelineState from, PipelineState to) {
			this.states.add(pipeline + ":" + to);
		}

		@Override
		public void itemProcessed(String pipeline, String step, ItemOutcome outcome, long handlerNanos) {
			this.items.add(pipeline + ":" + step + ":" + outcome);
		}

		@Override
		public void workerStarted(String pipeline, String step, String worker) {
			this.workersStarted.add(pipeline + ":" + step);
		}

		@Override
		public void workerStopped(String pipeline, String step, String worker) {
			this.workersStopped.add(pipeline + ":" + step);
		}

	}

}
