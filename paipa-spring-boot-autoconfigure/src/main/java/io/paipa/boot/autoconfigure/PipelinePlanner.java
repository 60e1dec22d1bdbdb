package io.paipa.boot.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;

import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.AnnotatedBeanDefinition;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.system.JavaVersion;
import org.springframework.core.Ordered;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.Order;
import org.springframework.core.annotation.OrderUtils;
import org.springframework.core.type.MethodMetadata;

import io.paipa.boot.autoconfigure.PipelinePlan.Kind;
import io.paipa.boot.autoconfigure.PipelinePlan.StepPlan;
import io.paipa.core.AutoscalePolicy;
import io.paipa.core.DeadLetterHandler;
import io.paipa.core.FanOutHandler;
import io.paipa.core.OutagePolicy;
import io.paipa.core.RetryPolicy;
import io.paipa.core.StepHandler;
import io.paipa.core.StreamHandler;

/**
 * Plans every configured pipeline from its properties and the bean definitions, and
 * checks everything that can be checked before a bean is created: names, counts,
 * built-ins, and the types between neighbouring steps. Works on bean definitions only, so
 * nothing is instantiated early.
 */
final class PipelinePlanner {

	static final String DEFAULT_PIPELINE = "pipeline";

	private static final List<Class<?>> HANDLER_TYPES = List.of(StepHandler.class, FanOutHandler.class,
			StreamHandler.class);

	private final ConfigurableListableBeanFactory beanFactory;

	private final PaipaProperties properties;

	private final List<String> handlerBeans;

	PipelinePlanner(ConfigurableListableBeanFactory beanFactory, PaipaProperties properties) {
		this.beanFactory = beanFactory;
		this.properties = properties;
		this.handlerBeans = findHandlerBeans();
	}

	List<PipelinePlan> plan() {
		Map<String, PaipaProperties.Pipeline> pipelines = mergeSpellings(this.properties.getPipelines());
		if (pipelines.isEmpty()) {
			pipelines.put(DEFAULT_PIPELINE, new PaipaProperties.Pipeline());
		}
		List<PipelinePlan> plans = new ArrayList<>();
		pipelines.forEach((name, pipeline) -> plans.add(plan(name, pipeline, pipelines.size())));
		return plans;
	}

	/**
	 * Keeps one entry per pipeline when the binder saw its name spelled two ways (YAML's
	 * {@code slow-orders} and an environment variable's {@code sloworders}): the binder
	 * gives both entries the same values, and the written spelling is the name.
	 */
	private static Map<String, PaipaProperties.Pipeline> mergeSpellings(
			Map<String, PaipaProperties.Pipeline> pipelines) {
		Map<String, String> chosen = new LinkedHashMap<>();
		for (String key : pipelines.keySet()) {
			String normalized = normalize(key);
			String current = chosen.get(normalized);
			if (current == null || (current.equals(normalized) && !key.equals(normalized))) {
				chosen.put(normalized, key);
			}
		}
		Map<String, PaipaProperties.Pipeline> merged = new LinkedHashMap<>();
		for (String key : chosen.values()) {
			merged.put(key, pipelines.get(key));
		}
		return merged;
	}

	private PipelinePlan plan(String name, PaipaProperties.Pipeline pipeline, int pipelineCount) {
		String prefix = "paipa.pipelines." + name;
		atLeast(prefix + ".input-capacity", pipeline.getInputCapacity(), 1);
		atLeast(prefix + ".queue-capacity", pipeline.getQueueCapacity(), 1);
		atLeast(prefix + ".max-restarts", pipeline.getMaxRestarts(), 0);
		notNegative(prefix + ".shutdown-timeout", pipeline.getShutdownTimeout());
		notNegative(prefix + ".progress-interval", pipeline.getProgressInterval());
		RetryPolicy pipelineRetry = retry(prefix + ".retry", pipeline.getRetry(), null);
		List<String> stepNames = stepNames(name, prefix, pipeline, pipelineCount);
		List<StepPlan> steps = new ArrayList<>();
		ResolvableType previousOutput = ResolvableType.NONE;
		for (String stepName : stepNames) {
			StepPlan step = planStep(name, prefix, pipeline, stepName, previousOutput, pipelineRetry);
			if (!steps.isEmpty()) {
				checkTypes(name, steps.get(steps.size() - 1), step);
			}
			steps.add(step);
			previousOutput = step.outputType();
		}
		checkSourceQueue(prefix, pipeline);
		checkDeadLetterHandler(prefix, pipeline);
		KafkaSettings.check(this.beanFactory, prefix, pipeline);
		AutoscalePolicy autoscale = AutoscaleSettings.policy(name, prefix, pipeline, steps,
				this.properties.getMaxWorkersPerStep());
		ResolvableType input = steps.get(0).inputType();
		return new PipelinePlan(name, pipeline, List.copyOf(steps), known(input) ? input : ResolvableType.NONE,
				autoscale);
	}

	private List<String> stepNames(String name, String prefix, PaipaProperties.Pipeline pipeline, int pipelineCount) {
		String definition = pipeline.getDefinition();
		List<String> names;
		if (definition == null || definition.isBlank()) {
			if (pipelineCount > 1) {
				throw new InvalidConfigurationPropertyValueException(prefix + ".definition", null,
						"Several pipelines are configured, so each needs a definition: its steps separated by '|'");
			}
			names = this.handlerBeans;
		}
		else {
			names = Arrays.stream(definition.split("\\|")).map(String::trim).toList();
			if (names.stream().anyMatch(String::isEmpty)) {
				throw new InvalidConfigurationPropertyValueException(prefix + ".definition", definition,
						"A step name is empty; separate step names with single '|'");
			}
		}
		if (names.isEmpty()) {
			throw new InvalidConfigurationPropertyValueException(prefix + ".definition", definition, "Pipeline '" + name
					+ "' has no steps; declare StepHandler beans or list step names " + "separated by '|'");
		}
		Set<String> seen = new LinkedHashSet<>();
		for (String step : names) {
			if (!seen.add(step)) {
				throw new InvalidConfigurationPropertyValueException(prefix + ".definition", definition,
						"Step '" + step + "' appears twice; step names must be unique in a pipeline");
			}
		}
		return names;
	}

	private StepPlan planStep(String pipeline, String prefix, PaipaProperties.Pipeline pipelineProperties,
			String stepName, ResolvableType previousOutput, RetryPolicy pipelineRetry) {
		String key = stepKey(pipelineProperties.getSteps(), stepName);
		PaipaProperties.Step step = (key != null) ? pipelineProperties.getSteps().get(key) : new PaipaProperties.Step();
		String stepPrefix = prefix + ".steps." + ((key != null) ? key : stepName);
		if (step.getWorkers() != null) {
			atLeast(stepPrefix + ".workers", step.getWorkers(), 1);
			atMostMaxWorkers(stepPrefix + ".workers", step.getWorkers());
		}
		if (step.getQueueCapacity() != null) {
			atLeast(stepPrefix + ".queue-capacity", step.getQueueCapacity(), 1);
		}
		if (Boolean.TRUE.equals(step.getVirtualThreads()) && !virtualThreadsSupported()) {
			throw new InvalidConfigurationPropertyValueException(stepPrefix + ".virtual-threads", true,
					"Virtual threads need Java 21 or later, but this application runs on Java "
							+ Runtime.version().feature() + "; run it on Java 21 or later, or set this to false");
		}
		if (step.getRetry().isSet()) {
			retry(stepPrefix + ".retry", step.getRetry(), pipelineRetry);
		}
		if (step.getType() != null) {
			return planBuiltIn(stepName, stepPrefix, step, previousOutput);
		}
		String beanName = beanNameFor(stepName);
		if (beanName == null) {
			throw new UnknownStepHandlerException(pipeline, stepName, this.handlerBeans);
		}
		ResolvableType beanType = beanType(beanName);
		for (Class<?> handlerType : HANDLER_TYPES) {
			ResolvableType as = beanType.as(handlerType);
			if (as != ResolvableType.NONE || this.beanFactory.isTypeMatch(beanName, handlerType)) {
				Kind kind = (handlerType == StepHandler.class) ? Kind.ONE_TO_ONE
						: (handlerType == FanOutHandler.class) ? Kind.FAN_OUT : Kind.STREAM;
				return new StepPlan(stepName, stepPrefix, step, kind, beanName, this.beanFactory.isPrototype(beanName),
						as.getGeneric(0), as.getGeneric(1));
			}
		}
		throw new UnknownStepHandlerException(pipeline, stepName, this.handlerBeans);
	}

	private StepPlan planBuiltIn(String stepName, String stepPrefix, PaipaProperties.Step step,
			ResolvableType previousOutput) {
		String type = step.getType().trim().toLowerCase(Locale.ROOT);
		switch (type) {
			case "chunk" -> {
				if (step.getSize() == null) {
					throw new InvalidConfigurationPropertyValueException(stepPrefix + ".size", null,
							"A chunk step needs a size: the most items per list, at least 1");
				}
				atLeast(stepPrefix + ".size", step.getSize(), 1);
				if (step.getMaxWait() != null && (step.getMaxWait().isNegative() || step.getMaxWait().isZero())) {
					throw new InvalidConfigurationPropertyValueException(stepPrefix + ".max-wait", step.getMaxWait(),
							"Must be positive, or unset to wait until a list is full");
				}
				ResolvableType output = known(previousOutput)
						? ResolvableType.forClassWithGenerics(List.class, previousOutput)
						: ResolvableType.forClass(List.class);
				return new StepPlan(stepName, stepPrefix, step, Kind.CHUNK, null, false, previousOutput, output);
			}
			case "flatten" -> {
				ResolvableType element = previousOutput.as(Iterable.class).getGeneric(0);
				return new StepPlan(stepName, stepPrefix, step, Kind.FLATTEN, null, false,
						ResolvableType.forClass(Iterable.class), element);
			}
			default -> throw new InvalidConfigurationPropertyValueException(stepPrefix + ".type", step.getType(),
					"Unknown built-in step type; use 'chunk' or 'flatten', or remove the type to use a handler bean "
							+ "named '" + stepName + "'");
		}
	}

	private void checkTypes(String pipeline, StepPlan previous, StepPlan next) {
		ResolvableType emitted = previous.outputType();
		ResolvableType taken = next.inputType();
		if (!known(emitted) || !known(taken)) {
			return;
		}
		if (!taken.isAssignableFrom(emitted)) {
			throw new StepTypeMismatchException(pipeline, previous.name(), emitted.toString(), next.name(),
					taken.toString());
		}
	}

	private void checkSourceQueue(String prefix, PaipaProperties.Pipeline pipeline) {
		String queue = pipeline.getSourceQueue();
		if (queue == null) {
			return;
		}
		if (!this.beanFactory.containsBean(queue) || !this.beanFactory.isTypeMatch(queue, BlockingQueue.class)) {
			throw new InvalidConfigurationPropertyValueException(prefix + ".source-queue", queue,
					"There is no BlockingQueue bean named '" + queue + "'" + (this.beanFactory.containsBean(queue)
							? " (the bean of that name is a " + this.beanFactory.getType(queue) + ")" : ""));
		}
	}

	private void checkDeadLetterHandler(String prefix, PaipaProperties.Pipeline pipeline) {
		String handler = pipeline.getDeadLetterHandler();
		if (handler != null && (!this.beanFactory.containsBean(handler)
				|| !this.beanFactory.isTypeMatch(handler, DeadLetterHandler.class))) {
			throw new InvalidConfigurationPropertyValueException(prefix + ".dead-letter-handler", handler,
					"There is no DeadLetterHandler bean named '" + handler + "'");
		}
	}

	static OutagePolicy outage(String key, PaipaProperties.Outage outage, OutagePolicy defaults) {
		Integer after = outage.getAfterFailures();
		if (after != null && after < 0) {
			throw new InvalidConfigurationPropertyValueException(key + ".after-failures", after,
					"Must be 0 (off) or more");
		}
		Duration initial = (outage.getInitialBackoff() != null) ? outage.getInitialBackoff()
				: defaults.initialBackoff();
		Duration max = (outage.getMaxBackoff() != null) ? outage.getMaxBackoff() : defaults.maxBackoff();
		if (initial.isNegative() || initial.isZero()) {
			throw new InvalidConfigurationPropertyValueException(key + ".initial-backoff", initial, "Must be positive");
		}
		if (max.compareTo(initial) < 0) {
			throw new InvalidConfigurationPropertyValueException(key + ".max-backoff", max,
					"Must be at least the initial backoff (" + initial + ")");
		}
		Duration giveUp = (outage.getGiveUpAfter() != null) ? outage.getGiveUpAfter() : defaults.giveUpAfter();
		if (giveUp != null && (giveUp.isNegative() || giveUp.isZero())) {
			throw new InvalidConfigurationPropertyValueException(key + ".give-up-after", giveUp, "Must be positive");
		}
		return new OutagePolicy((after != null) ? after : defaults.afterFailures(), initial, max, giveUp);
	}

	static RetryPolicy retry(String key, PaipaProperties.Retry retry, @Nullable RetryPolicy defaults) {
		RetryPolicy base = (defaults != null) ? defaults : RetryPolicy.none();
		Integer attempts = retry.getMaxAttempts();
		if (attempts != null) {
			atLeast(key + ".max-attempts", attempts, 1);
		}
		Duration backoff = retry.getBackoff();
		if (backoff != null) {
			notNegative(key + ".backoff", backoff);
		}
		Double multiplier = retry.getMultiplier();
		if (multiplier != null && !(multiplier >= 1.0 && !multiplier.isInfinite())) {
			throw new InvalidConfigurationPropertyValueException(key + ".multiplier", multiplier,
					"Must be at least 1.0");
		}
		return RetryPolicy.of((attempts != null) ? attempts : base.maxAttempts(),
				(backoff != null) ? backoff : base.backoff(), (multiplier != null) ? multiplier : base.multiplier());
	}

	private @Nullable String beanNameFor(String stepName) {
		if (this.handlerBeans.contains(stepName)) {
			return stepName;
		}
		String normalized = normalize(stepName);
		for (String bean : this.handlerBeans) {
			if (normalize(bean).equals(normalized)) {
				return bean;
			}
		}
		return null;
	}

	/** Finds a step's settings: by exact name, else ignoring case, '-' and '_'. */
	static @Nullable String stepKey(Map<String, PaipaProperties.Step> steps, String stepName) {
		if (steps.containsKey(stepName)) {
			return stepName;
		}
		String normalized = normalize(stepName);
		for (String key : steps.keySet()) {
			if (normalize(key).equals(normalized)) {
				return key;
			}
		}
		return null;
	}

	static String normalize(String name) {
		return name.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
	}

	private ResolvableType beanType(String beanName) {
		// getType() resolves a @Bean method's return type, generics included, and caches
		// it
		Class<?> type = this.beanFactory.getType(beanName);
		BeanDefinition definition = this.beanFactory.getMergedBeanDefinition(beanName);
		ResolvableType resolvable = definition.getResolvableType();
		if (resolvable.resolve() == null && type != null) {
			resolvable = ResolvableType.forClass(type);
		}
		return resolvable;
	}

	private List<String> findHandlerBeans() {
		Set<String> names = new LinkedHashSet<>();
		for (Class<?> type : HANDLER_TYPES) {
			names.addAll(Arrays.asList(this.beanFactory.getBeanNamesForType(type, true, false)));
		}
		List<String> registrationOrder = Arrays.asList(this.beanFactory.getBeanDefinitionNames());
		List<String> sorted = new ArrayList<>(names);
		sorted.sort(Comparator.comparingInt(this::orderOf).thenComparingInt(registrationOrder::indexOf));
		return List.copyOf(sorted);
	}

	private int orderOf(String beanName) {
		if (this.beanFactory.containsBeanDefinition(beanName)
				&& this.beanFactory.getBeanDefinition(beanName) instanceof AnnotatedBeanDefinition annotated) {
			MethodMetadata method = annotated.getFactoryMethodMetadata();
			if (method != null) {
				Map<String, @Nullable Object> order = method.getAnnotationAttributes(Order.class.getName());
				if (order != null && order.get("value") instanceof Integer value) {
					return value;
				}
			}
		}
		Class<?> type = this.beanFactory.getType(beanName);
		Integer order = (type != null) ? OrderUtils.getOrder(type) : null;
		return (order != null) ? order : Ordered.LOWEST_PRECEDENCE;
	}

	private static boolean known(ResolvableType type) {
		Class<?> resolved = type.resolve();
		return resolved != null && resolved != Object.class;
	}

	private void atMostMaxWorkers(String key, int value) {
		int max = this.properties.getMaxWorkersPerStep();
		if (value > max) {
			throw new InvalidConfigurationPropertyValueException(key, value,
					"Must be at most " + max + " (paipa.max-workers-per-step)");
		}
	}

	/** Whether this JVM has virtual threads (Java 21 and later). */
	static boolean virtualThreadsSupported() {
		return JavaVersion.getJavaVersion().isEqualOrNewerThan(JavaVersion.TWENTY_ONE);
	}

	static void atLeast(String key, int value, int minimum) {
		if (value < minimum) {
			throw new InvalidConfigurationPropertyValueException(key, value, "Must be at least " + minimum);
		}
	}

	static void notNegative(String key, Duration value) {
		if (value.isNegative()) {
			throw new InvalidConfigurationPropertyValueException(key, value, "Must not be negative");
		}
	}

}
