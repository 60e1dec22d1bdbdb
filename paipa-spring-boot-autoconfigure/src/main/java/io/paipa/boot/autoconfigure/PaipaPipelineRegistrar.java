package io.paipa.boot.autoconfigure;

import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.type.AnnotationMetadata;

/**
 * Imported by {@link io.paipa.boot.EnablePaipaPipeline}: registers the
 * {@link PipelineAssembler} that turns {@code paipa.pipelines} into beans, once, however
 * often the annotation appears.
 */
public class PaipaPipelineRegistrar implements ImportBeanDefinitionRegistrar {

	static final String ASSEMBLER_BEAN_NAME = "io.paipa.boot.autoconfigure.internalPipelineAssembler";

	@Override
	public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
		if (!registry.containsBeanDefinition(ASSEMBLER_BEAN_NAME)) {
			RootBeanDefinition definition = new RootBeanDefinition(PipelineAssembler.class);
			definition.setRole(BeanDefinition.ROLE_INFRASTRUCTURE);
			registry.registerBeanDefinition(ASSEMBLER_BEAN_NAME, definition);
		}
	}

}
