package io.paipa.boot.autoconfigure;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import org.springframework.beans.factory.ListableBeanFactory;

import io.paipa.core.Pipeline;

/**
 * Looks up the pipeline beans by name, each time it is asked, so that meters, health and
 * the endpoint see the pipelines without creating them early.
 */
public final class PaipaPipelines implements Supplier<Map<String, Pipeline<?>>> {

	private final ListableBeanFactory beanFactory;

	/**
	 * Creates the lookup.
	 * @param beanFactory the bean factory holding the pipelines
	 */
	public PaipaPipelines(ListableBeanFactory beanFactory) {
		this.beanFactory = beanFactory;
	}

	@Override
	@SuppressWarnings({ "rawtypes", "unchecked" })
	public Map<String, Pipeline<?>> get() {
		Map<String, Pipeline> found = this.beanFactory.getBeansOfType(Pipeline.class);
		return new LinkedHashMap<>((Map) found);
	}

}
