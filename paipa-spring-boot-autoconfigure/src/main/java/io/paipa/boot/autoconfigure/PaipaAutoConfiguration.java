package io.paipa.boot.autoconfigure;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/**
 * Auto-configuration for paipa, active once {@link io.paipa.boot.EnablePaipaPipeline} has
 * turned pipeline assembly on: exposes {@link PaipaProperties} as a bean.
 */
@AutoConfiguration
@ConditionalOnBean(name = PaipaPipelineRegistrar.ASSEMBLER_BEAN_NAME)
@EnableConfigurationProperties(PaipaProperties.class)
public final class PaipaAutoConfiguration {

	/** The name of the bean that {@code @EnablePaipaPipeline} registers. */
	public static final String ASSEMBLER_BEAN_NAME = PaipaPipelineRegistrar.ASSEMBLER_BEAN_NAME;

}
