package io.paipa.boot.autoconfigure;

import java.util.function.Consumer;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.ResolvableType;
import org.springframework.core.env.Environment;

import io.paipa.boot.autoconfigure.PipelinePlan.StepPlan;
import io.paipa.core.DeadLetterHandler;
import io.paipa.core.FanOutHandler;
import io.paipa.core.OutagePolicy;
import io.paipa.core.Pipeline;
import io.paipa.core.PipelineListener;
import io.paipa.core.RetryPolicy;
import io.paipa.core.StepHandler;
import io.paipa.core.StepSpec;
import io.paipa.core.Steps;
import io.paipa.core.StreamHandler;
import io.paipa.core.Weigher;

/**
 * Builds a planned pipeline from its handler beans: singletons are shared by a step's
 * workers, prototypes give each worker its own instance.
 */
final class PipelineFactory {

	private final ConfigurableListableBeanFactory beanFactory;

	PipelineFactory(ConfigurableListableBeanFactory beanFactory) {
		this.beanFactory = beanFactory;
	}

	/**
	 * Whether steps that do not say are on virtual threads: with
	 * {@code spring.threads.virtual.enabled=true} on Java 21 and later, as Boot's own
	 * executors are.
	 */
	private boolean virtualThreadsByDefault() {
		Environment environment = this.beanFactory.getBeanProvider(Environment.class).getIfAvailable();
		return environment != null && environment.getProperty("spring.threads.virtual.enabled", Boolean.class, false)
				&& PipelinePlanner.virtualThreadsSupported();
	}

	@SuppressWarnings({ "unchecked", "rawtypes" })
	Pipeline<?> create(PipelinePlan plan) {
		PaipaProperties.Pipeline properties = plan.properties();
		String prefix = "paipa.pipelines." + plan.name();
		RetryPolicy pipelineRetry = PipelinePlanner.retry(prefix + ".retry", properties.getRetry(), null);
		OutagePolicy pipelineOutage = PipelinePlanner.outage(prefix + ".outage", properties.getOutage(),
				OutagePolicy.off());
		Pipeline.Builder builder = Pipeline.builder(plan.name())
			.outage(pipelineOutage)
			.queueCapacity(properties.getQueueCapacity())
			.inputCapacity(properties.getInputCapacity())
			.shutdownTimeout(properties.getShutdownTimeout())
			.progressInterval(properties.getProgressInterval())
			.maxRestarts(properties.getMaxRestarts())
			.retry(pipelineRetry)
			.deadLetterHandler(deadLetterHandler(properties));
		if (properties.getOnError() != null) {
			builder.onError(properties.getOnError());
		}
		if (plan.autoscale() != null) {
			builder.autoscale(plan.autoscale());
		}
		if (properties.getInputMaxWeight() != null) {
			builder.inputMaxWeight(properties.getInputMaxWeight().toBytes(), weigher(properties));
		}
		this.beanFactory.getBeanProvider(PipelineListener.class).orderedStream().forEach(builder::listener);
		for (StepPlan step : plan.steps()) {
			Consumer<StepSpec> spec = (s) -> configure(s, step, pipelineRetry, pipelineOutage);
			switch (step.kind()) {
				case ONE_TO_ONE -> builder.step(step.name(), (StepHandler) handler(step, StepHandler.class), spec);
				case FAN_OUT -> builder.fanOut(step.name(), (FanOutHandler) handler(step, FanOutHandler.class), spec);
				case STREAM -> builder.stream(step.name(), (StreamHandler) handler(step, StreamHandler.class), spec);
				case CHUNK -> builder.stream(step.name(),
						Steps.chunk(step.properties().getSize(), step.properties().getMaxWait()), spec);
				case FLATTEN -> builder.fanOut(step.name(), Steps.flatten(), spec);
			}
		}
		Pipeline.Builder<?, ?> custom = builder;
		this.beanFactory.getBeanProvider(PipelineBuilderCustomizer.class)
			.orderedStream()
			.forEach((customizer) -> customizer.customize(plan.name(), custom));
		return builder.build();
	}

	private void configure(StepSpec spec, StepPlan step, RetryPolicy pipelineRetry, OutagePolicy pipelineOutage) {
		PaipaProperties.Step properties = step.properties();
		spec.workers((properties.getWorkers() != null) ? properties.getWorkers() : 1);
		if (properties.getQueueCapacity() != null) {
			spec.queueCapacity(properties.getQueueCapacity());
		}
		if (properties.getOnError() != null) {
			spec.onError(properties.getOnError());
		}
		if (properties.getRetry().isSet()) {
			spec.retry(PipelinePlanner.retry(step.propertyPrefix() + ".retry", properties.getRetry(), pipelineRetry));
		}
		if (properties.getOutage().isSet()) {
			spec.outage(
					PipelinePlanner.outage(step.propertyPrefix() + ".outage", properties.getOutage(), pipelineOutage));
		}
		spec.isolateFailures(properties.isIsolateFailures());
		spec.options(properties.getOptions());
		spec.virtualThreads(
				(properties.getVirtualThreads() != null) ? properties.getVirtualThreads() : virtualThreadsByDefault());
		if (step.inputType().resolve() != null && step.outputType().resolve() != null) {
			spec.types(step.inputType().getType(), step.outputType().getType());
		}
		else if (step.inputType() != ResolvableType.NONE && step.outputType() == ResolvableType.NONE) {
			spec.types(step.inputType().getType(), Object.class);
		}
	}

	@SuppressWarnings({ "unchecked", "rawtypes" })
	private Object handler(StepPlan step, Class<?> type) {
		String beanName = step.beanName();
		if (!step.prototype()) {
			return this.beanFactory.getBean(beanName, type);
		}
		if (type == StepHandler.class) {
			return StepHandler.perWorker(() -> this.beanFactory.getBean(beanName, StepHandler.class));
		}
		if (type == FanOutHandler.class) {
			return FanOutHandler.perWorker(() -> this.beanFactory.getBean(beanName, FanOutHandler.class));
		}
		return StreamHandler.perWorker(() -> this.beanFactory.getBean(beanName, StreamHandler.class));
	}

	@SuppressWarnings("unchecked")
	private Weigher<Object> weigher(PaipaProperties.Pipeline properties) {
		if (properties.getWeigher() != null) {
			return this.beanFactory.getBean(properties.getWeigher(), Weigher.class);
		}
		return this.beanFactory.getBeanProvider(Weigher.class).getIfUnique(Weigher::ofSize);
	}

	private DeadLetterHandler deadLetterHandler(PaipaProperties.Pipeline properties) {
		if (properties.getDeadLetterHandler() != null) {
			return this.beanFactory.getBean(properties.getDeadLetterHandler(), DeadLetterHandler.class);
		}
		return this.beanFactory.getBeanProvider(DeadLetterHandler.class).getIfUnique(DeadLetterHandler::logging);
	}

}
