package io.paipa.boot.autoconfigure;

import java.util.List;

import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.Ordered;
import org.springframework.core.ResolvableType;
import org.springframework.core.env.Environment;

import io.paipa.core.Pipeline;
import io.paipa.core.PipelineInput;

/**
 * Turns {@code paipa.pipelines} into bean definitions once every other bean definition
 * is known (it runs after the configuration classes were parsed): a {@link Pipeline}
 * bean per pipeline, typed by its input where the first step's type is known, a
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
		if (!(registry instanceof ConfigurableListableBeanFactory beanFactory)) {
			throw new IllegalStateException("paipa needs a ConfigurableListableBeanFactory, not " + registry);
		}
		PaipaProperties properties = (this.environment != null)
				? Binder.get(this.environment).bind("paipa", PaipaProperties.class).orElseGet(PaipaProperties::new)
				: new PaipaProperties();
		List<PipelinePlan> plans = new PipelinePlanner(beanFactory, properties).plan();
		for (PipelinePlan plan : plans) {
			registerPipeline(registry, beanFactory, plan);
		}
		List<PipelinePlan> continuous = plans.stream().filter(PipelinePlan::isContinuous).toList();
		if (!continuous.isEmpty() && !registry.containsBeanDefinition(LIFECYCLE_BEAN_NAME)) {
			RootBeanDefinition lifecycle = new RootBeanDefinition(PaipaPipelineLifecycle.class);
			lifecycle.setRole(BeanDefinition.ROLE_INFRASTRUCTURE);
			lifecycle.setInstanceSupplier(() -> new PaipaPipelineLifecycle(beanFactory, continuous));
			registry.registerBeanDefinition(LIFECYCLE_BEAN_NAME, lifecycle);
		}
	}

	private void registerPipeline(BeanDefinitionRegistry registry, ConfigurableListableBeanFactory beanFactory,
			PipelinePlan plan) {
		boolean typed = plan.inputType() != ResolvableType.NONE;
		RootBeanDefinition pipeline = new RootBeanDefinition(Pipeline.class);
		pipeline.setTargetType(typed ? ResolvableType.forClassWithGenerics(Pipeline.class, plan.inputType())
				: ResolvableType.forClass(Pipeline.class));
		pipeline.setInstanceSupplier(() -> new PipelineFactory(beanFactory).create(plan));
		registry.registerBeanDefinition(plan.name(), pipeline);
		if (plan.isContinuous()) {
			RootBeanDefinition input = new RootBeanDefinition(PipelineInput.class);
			input.setTargetType(typed ? ResolvableType.forClassWithGenerics(PipelineInput.class, plan.inputType())
					: ResolvableType.forClass(PipelineInput.class));
			input.setInstanceSupplier(() -> beanFactory.getBean(plan.name(), Pipeline.class).input());
			input.setDependsOn(plan.name());
			registry.registerBeanDefinition(plan.name() + "Input", input);
		}
	}

	@Override
	public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
	}

}
