package io.paipa.boot.kafka;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

import io.paipa.boot.EnablePaipaPipeline;
import io.paipa.core.StepHandler;

/**
 * The application of the Kafka tests: a pipeline 'relay' that reads a topic, upper-cases
 * each value (slowly if asked) and fails on values starting with "poison". Its
 * {@link #main} runs it in a process of its own, for the crash test.
 */
@Configuration(proxyBeanMethods = false)
@EnableAutoConfiguration
@EnablePaipaPipeline
public class KafkaRelayApp {

	@Bean
	StepHandler<String, String> upper(Environment environment) {
		long latencyMicros = environment.getProperty("test.latency-micros", Long.class, 0L);
		return (value) -> {
			if (value.startsWith("poison")) {
				throw new IllegalArgumentException("cannot relay " + value);
			}
			if (latencyMicros > 0) {
				LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(latencyMicros));
			}
			return value.toUpperCase();
		};
	}

	static ConfigurableApplicationContext run(String... args) {
		return new SpringApplicationBuilder(KafkaRelayApp.class).web(WebApplicationType.NONE)
			.logStartupInfo(false)
			.run(args);
	}

	/**
	 * Runs the application until the process is killed.
	 * @param args {@code --name=value} properties
	 */
	public static void main(String[] args) {
		run(args);
	}

}
