package io.paipa.sample;

import java.util.Arrays;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;

import io.paipa.boot.EnablePaipaPipeline;

/**
 * The order ingestion service. With {@code --import=<file>} it runs the batch pipeline
 * {@code import} over the file instead, without a web server, and exits with 0 on success
 * and 1 when the pipeline failed.
 */
@SpringBootApplication
@EnablePaipaPipeline
public class SampleApplication {

	public static void main(String[] args) {
		boolean importMode = Arrays.stream(args).anyMatch((arg) -> arg.startsWith("--import="));
		SpringApplication application = new SpringApplication(SampleApplication.class);
		if (importMode) {
			application.setWebApplicationType(WebApplicationType.NONE);
		}
		ConfigurableApplicationContext context = application.run(args);
		if (importMode) {
			System.exit(SpringApplication.exit(context));
		}
	}

}
