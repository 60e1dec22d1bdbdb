package io.paipa.boot;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.context.annotation.Import;

import io.paipa.boot.autoconfigure.PaipaPipelineRegistrar;

/**
 * Turns on pipeline assembly: every pipeline configured under {@code paipa.pipelines} is
 * assembled from {@code StepHandler}, {@code FanOutHandler} and {@code StreamHandler}
 * beans and registered as a {@link io.paipa.core.Pipeline} bean named after it, with a
 * {@link io.paipa.core.PipelineInput} bean named {@code <name>Input} for continuous
 * pipelines. Continuous pipelines start when the context has refreshed and stop,
 * draining, when it closes. With no pipeline configured, one continuous pipeline named
 * {@code pipeline} is assembled from every handler bean in {@code @Order} order.
 *
 * <pre class="code">
 * &#064;SpringBootApplication
 * &#064;EnablePaipaPipeline
 * public class Application { ... }
 * </pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Import(PaipaPipelineRegistrar.class)
public @interface EnablePaipaPipeline {

}
