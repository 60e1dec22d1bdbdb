package io.paipa.boot.autoconfigure;

/**
 * Thrown at start-up when a step emits a type that the next step does not take.
 */
public class StepTypeMismatchException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	/** The pipeline's name. */
	private final String pipeline;

	/** The emitting step. */
	private final String fromStep;

	/** What it emits. */
	private final String fromType;

	/** The next step. */
	private final String toStep;

	/** What the next step takes. */
	private final String toType;

	/**
	 * Creates the exception.
	 * @param pipeline the pipeline's name
	 * @param fromStep the emitting step
	 * @param fromType what it emits
	 * @param toStep the next step
	 * @param toType what the next step takes
	 */
	public StepTypeMismatchException(String pipeline, String fromStep, String fromType, String toStep, String toType) {
		super("Pipeline '" + pipeline + "': step '" + fromStep + "' emits " + fromType + ", but the next step '"
				+ toStep + "' takes " + toType);
		this.pipeline = pipeline;
		this.fromStep = fromStep;
		this.fromType = fromType;
		this.toStep = toStep;
		this.toType = toType;
	}

	public String getPipeline() {
		return this.pipeline;
	}

	public String getFromStep() {
		return this.fromStep;
	}

	public String getFromType() {
		return this.fromType;
	}

	public String getToStep() {
		return this.toStep;
	}

	public String getToType() {
		return this.toType;
	}

}
