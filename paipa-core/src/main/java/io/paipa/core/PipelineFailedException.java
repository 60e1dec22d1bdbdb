package io.paipa.core;

/**
 * Thrown by {@link Pipeline#run(Iterable)} (and kept in the {@link PipelineResult} of a
 * continuous pipeline) when the pipeline failed: a step's handler failed under
 * {@link ErrorPolicy#FAIL}, a worker could not be opened, a step's workers died more
 * often than the restart limit allows, or the source threw. The cause is the first
 * failure. Failures of other workers that happened before the pipeline had stopped them
 * are attached as suppressed exceptions (interrupts caused by the stop are not), and so
 * is a note naming the worker threads that did not end within the shutdown timeout.
 * {@link Pipeline#snapshot()} still shows the failed run's counts.
 */
public class PipelineFailedException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private static final int MAX_SUMMARY = 200;

	/** The pipeline's name. */
	private final String pipeline;

	/** The failing step's name. */
	private final String step;

	/** The item's summary, or {@code null}. */
	private final String itemSummary;

	/**
	 * Creates the exception.
	 * @param pipeline the pipeline's name
	 * @param step the failing step's name
	 * @param item the item being processed, or {@code null} when the failure concerns no
	 * item
	 * @param message what happened, without the pipeline, step and item (they are added)
	 * @param cause the failure
	 */
	public PipelineFailedException(String pipeline, String step, Object item, String message, Throwable cause) {
		super(buildMessage(pipeline, step, item, message, cause), cause);
		this.pipeline = pipeline;
		this.step = step;
		this.itemSummary = (item != null) ? summarize(item) : null;
	}

	private static String buildMessage(String pipeline, String step, Object item, String message, Throwable cause) {
		StringBuilder sb = new StringBuilder("Pipeline '").append(pipeline)
			.append("' failed in step '")
			.append(step)
			.append("': ")
			.append(message);
		if (cause != null) {
			sb.append(": ").append(cause);
		}
		if (item != null) {
			sb.append(" (item: ").append(summarize(item)).append(')');
		}
		return sb.toString();
	}

	/**
	 * Returns the name of the pipeline that failed.
	 * @return the pipeline's name
	 */
	public String getPipeline() {
		return this.pipeline;
	}

	/**
	 * Returns the name of the step where the failure happened.
	 * @return the step's name
	 */
	public String getStep() {
		return this.step;
	}

	/**
	 * Returns the item being processed, as its {@code toString} cut to a readable length.
	 * @return the item's summary, or {@code null} when the failure concerns no item
	 */
	public String getItemSummary() {
		return this.itemSummary;
	}

	/**
	 * Returns an item's {@code toString}, cut to at most 200 characters, never throwing.
	 * @param item the item
	 * @return a summary fit for a log line
	 */
	public static String summarize(Object item) {
		String text;
		try {
			text = String.valueOf(item);
		}
		catch (RuntimeException ex) {
			text = item.getClass().getName() + " (toString failed: " + ex + ")";
		}
		if (text.length() <= MAX_SUMMARY) {
			return text;
		}
		return text.substring(0, MAX_SUMMARY) + "... (" + text.length() + " chars)";
	}

}
