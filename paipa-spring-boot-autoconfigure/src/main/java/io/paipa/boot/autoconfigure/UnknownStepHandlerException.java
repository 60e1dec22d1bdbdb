package io.paipa.boot.autoconfigure;

import java.util.List;

/**
 * Thrown at start-up when a pipeline's definition names a step that is neither a handler
 * bean nor a configured built-in step.
 */
public class UnknownStepHandlerException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	/** The pipeline's name. */
	private final String pipeline;

	/** The unknown step. */
	private final String step;

	/** The handler beans there are. */
	private final List<String> knownHandlers;

	/**
	 * Creates the exception.
	 * @param pipeline the pipeline's name
	 * @param step the unknown step name
	 * @param knownHandlers the names of the handler beans there are
	 */
	public UnknownStepHandlerException(String pipeline, String step, List<String> knownHandlers) {
		super("Pipeline '" + pipeline + "' names step '" + step
				+ "', but there is no StepHandler, FanOutHandler or StreamHandler bean of that name "
				+ "and no built-in step configured under that name; known handler beans: " + knownHandlers);
		this.pipeline = pipeline;
		this.step = step;
		this.knownHandlers = List.copyOf(knownHandlers);
	}

	public String getPipeline() {
		return this.pipeline;
	}

	public String getStep() {
		return this.step;
	}

	public List<String> getKnownHandlers() {
		return this.knownHandlers;
	}

}
