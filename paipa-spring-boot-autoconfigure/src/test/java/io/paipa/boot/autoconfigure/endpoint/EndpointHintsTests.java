package io.paipa.boot.autoconfigure.endpoint;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;

import io.paipa.boot.actuate.PaipaEndpoint;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The endpoint's answers can be written as JSON in a native image: its records are
 * registered for reflection.
 */
class EndpointHintsTests {

	@Test
	void everyRecordOfTheEndpointsAnswersIsRegisteredForReflection() {
		RuntimeHints hints = new RuntimeHints();
		new PaipaEndpointAutoConfiguration.EndpointHints().registerHints(hints, getClass().getClassLoader());
		for (Class<?> type : List.of(PaipaEndpoint.PipelineDescriptor.class, PaipaEndpoint.StepDescriptor.class,
				PaipaEndpoint.Workers.class, PaipaEndpoint.Queue.class, PaipaEndpoint.Counts.class,
				PaipaEndpoint.Outage.class, PaipaEndpoint.PipelineAutoscale.class, PaipaEndpoint.StepAutoscale.class)) {
			assertThat(RuntimeHintsPredicates.reflection().onType(type)).as(type.getSimpleName()).accepts(hints);
		}
	}

}
