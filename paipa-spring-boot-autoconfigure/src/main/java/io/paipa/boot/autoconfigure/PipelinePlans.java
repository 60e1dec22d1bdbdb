package io.paipa.boot.autoconfigure;

import java.util.List;

import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

import io.paipa.core.Pipeline;
import io.paipa.core.PipelineInput;

/**
 * The planned pipelines of an application context, planned once, when first asked, and
 * the factory methods of the pipeline beans. The pipelines' bean definitions name these
 * methods and the pipeline by its name (no instance suppliers), so that Spring AOT can
 * turn them into code: in an AOT-processed application the plan is made again at run time
 * from the same properties and bean definitions.
 */
final class PipelinePlans {

	/** The name of this bean. */
	static final String BEAN_NAME = "io.paipa.boot.autoconfigure.internalPipelinePlans";

	private final ConfigurableListableBeanFactory beanFactory;

	private final Environment environment;

	private volatile @Nullable List<PipelinePlan> plans;

	PipelinePlans(ConfigurableListableBeanFactory beanFactory, Environment environment) {
		this.beanFactory = beanFactory;
		this.environment = environment;
	}

	/**
	 * Plans every configured pipeline.
	 * @param beanFactory the bean factory with the handlers' bean definitions
	 * @param environment where {@code paipa.*} is bound from (may be {@code null})
	 * @return the plans, checked
	 */
	static List<PipelinePlan> plan(ConfigurableListableBeanFactory beanFactory, @Nullable Environment environment) {
		PaipaProperties properties = (environment != null)
				? Binder.get(environment).bind("paipa", PaipaProperties.class).orElseGet(PaipaProperties::new)
				: new PaipaProperties();
		return new PipelinePlanner(beanFactory, properties).plan();
	}

	List<PipelinePlan> plans() {
		List<PipelinePlan> plans = this.plans;
		if (plans == null) {
			synchronized (this) {
				plans = this.plans;
				if (plans == null) {
					plans = plan(this.beanFactory, this.environment);
					this.plans = plans;
				}
			}
		}
		return plans;
	}

	/** The plans of the continuous pipelines, which the lifecycle starts and stops. */
	List<PipelinePlan> continuous() {
		return plans().stream().filter(PipelinePlan::isContinuous).toList();
	}

	PipelinePlan plan(String name) {
		return plans().stream()
			.filter((plan) -> plan.name().equals(name))
			.findFirst()
			.orElseThrow(() -> new IllegalStateException("No paipa pipeline '" + name + "' is configured"));
	}

	/**
	 * Creates a pipeline bean: the factory method of its bean definition.
	 * @param name the pipeline's name
	 * @param plans the plans
	 * @return the pipeline, not started
	 */
	static Pipeline<?> pipeline(String name, PipelinePlans plans) {
		return new PipelineFactory(plans.beanFactory).create(plans.plan(name));
	}

	/**
	 * Creates a pipeline's input bean: the factory method of its bean definition.
	 * @param name the pipeline's name
	 * @param beanFactory the bean factory holding the pipeline
	 * @return the pipeline's input
	 */
	static PipelineInput<?> input(String name, BeanFactory beanFactory) {
		return beanFactory.getBean(name, Pipeline.class).input();
	}

}
