package io.paipa.boot.health;

import java.util.List;

/**
 * Problems of a pipeline that its own snapshot cannot show, such as a Kafka broker its
 * source cannot reach. Every bean of this type is asked by the pipeline's health
 * indicator: any problem makes the pipeline DOWN and is listed in the health details
 * under {@code problems}.
 *
 * <p>
 * Called on every health request: answer from what is already known, never by calling out
 * to another system.
 */
@FunctionalInterface
public interface PipelineProblems {

	/**
	 * Returns what is wrong with a pipeline now.
	 * @param pipeline the pipeline's name
	 * @return the problems, each a sentence saying what and why; empty when none
	 */
	List<String> problemsOf(String pipeline);

}
