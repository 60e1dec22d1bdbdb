package io.paipa.boot.autoconfigure;

import java.util.List;

import org.jspecify.annotations.Nullable;
import org.springframework.aot.AotDetector;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.AbstractBeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.Ordered;
import org.springframework.core.ResolvableType;
import org.springframework.core.env.Environment;

import io.paipa.core.Pipeline;
import io.paipa.core.PipelineInput;

/**
 * Turns {@code paipa.pipelines} into bean definitions once every other bean definition is
 * known (it runs after the configuration classes were parsed): a {@link Pipeline} bean
 * per pipeline, typed by its input where the first step's type is known, a
 * {@link PipelineInput} bean {@code <name>Input} per continuous pipeline, and the
 * lifecycle that starts and stops the continuous ones. Configuration mistakes fail here,
 * before any bean is created.
 */
final class PipelineAssembler implements BeanDefinitionRegistryPostProcessor, EnvironmentAware, Ordered {

	static final String LIFECYCLE_BEAN_NAME = "io.paipa.boot.autoconfigure.internalPipelineLifecycle";

	private @Nullable Environment environment;

	@Override
	public void setEnvironment(Environment environment) {
		this.environment = environment;
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

	@Override
	public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) {
		if (AotDetector.useGeneratedArtifacts()) {
			// an AOT-processed application: the generated code registered the beans below
			return;
		}
		if (!(registry instanceof ConfigurableListableBeanFactory beanFactory)) {
			throw new IllegalStateException("paipa needs a ConfigurableListableBeanFactory, not " + registry);
		}
		List<PipelinePlan> plans = PipelinePlans.plan(beanFactory, this.environment);
		if (!registry.containsBeanDefinition(PipelinePlans.BEAN_NAME)) {
			RootBeanDefinition definition = new RootBeanDefinition(PipelinePlans.class);
			definition.setRole(BeanDefinition.ROLE_INFRASTRUCTURE);
			registry.registerBeanDefinition(PipelinePlans.BEAN_NAME, definition);
		}
		for (PipelinePlan plan : plans) {
			registerPipeline(registry, plan);
		}
		if (plans.stream().anyMatch(PipelinePlan::isContinuous)
				&& !registry.containsBeanDefinition(LIFECYCLE_BEAN_NAME)) {
			RootBeanDefinition lifecycle = new RootBeanDefinition(PaipaPipelineLifecycle.class);
			lifecycle.setRole(BeanDefinition.ROLE_INFRASTRUCTURE);
			registry.registerBeanDefinition(LIFECYCLE_BEAN_NAME, lifecycle);
		}
	}

	/**
	 * Registers a pipeline (and its input) as beans made by a static factory method with
	 * the pipeline's name as argument, which Spring AOT can write as code.
	 */
	private void registerPipeline(BeanDefinitionRegistry registry, PipelinePlan plan) {
		boolean typed = plan.inputType() != ResolvableType.NONE;
		RootBeanDefinition pipeline = new RootBeanDefinition(PipelinePlans.class);
		pipeline.setFactoryMethodName("pipeline");
		pipeline.getConstructorArgumentValues().addIndexedArgumentValue(0, plan.name());
		pipeline.setAutowireMode(AbstractBeanDefinition.AUTOWIRE_CONSTRUCTOR);
		pipeline.setTargetType(typed ? ResolvableType.forClassWithGenerics(Pipeline.class, plan.inputType())
				: ResolvableType.forClass(Pipeline.class));
		registry.registerBeanDefinition(plan.name(), pipeline);
		if (plan.isContinuous()) {
			RootBeanDefinition input = new RootBeanDefinition(PipelinePlans.class);
			input.setFactoryMethodName("input");
			input.getConstructorArgumentValues().addIndexedArgumentValue(0, plan.name());
			input.setAutowireMode(AbstractBeanDefinition.AUTOWIRE_CONSTRUCTOR);
			input.setTargetType(typed ? ResolvableType.forClassWithGenerics(PipelineInput.class, plan.inputType())
					: ResolvableType.forClass(PipelineInput.class));
			input.setDependsOn(plan.name());
			registry.registerBeanDefinition(plan.name() + "Input", input);
		}
	}

	@Override
	public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
	}

}
