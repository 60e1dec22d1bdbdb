package io.paipa.core;

import java.util.List;

/**
 * An item that could not be processed, as handed to a {@link DeadLetterHandler}.
 *
 * @param pipeline the pipeline's name
 * @param step the name of the step that could not process the item
 * @param item the item as that step received it
 * @param cause why: the handler's last exception, or a {@link PipelineClosedException}
 * for an item that a stopping pipeline could not finish in time (its cause is the
 * handler's exception when the handler failed during the cut-off)
 * @param attempts how many times the handler was called with the item (0 when it never
 * was)
 * @param origins the completion callbacks of the input items this item derives from (one
 * for a 1:1 or fan-out chain, the members' for a chunk, the items its handler held for
 * another stream step's output), in no particular order; empty for items put without one.
 * A source that acknowledges its input recognises its own callbacks here to find the
 * original input, for example a Kafka record.
 */
public record DeadLetter(String pipeline, String step, Object item, Throwable cause, int attempts,
		List<CompletionCallback> origins) {

	/**
	 * Creates a dead letter, copying the origins.
	 * @param pipeline the pipeline's name
	 * @param step the step's name
	 * @param item the item as that step received it
	 * @param cause why
	 * @param attempts how many times the handler was called with the item
	 * @param origins the completion callbacks of the inputs it derives from
	 */
	public DeadLetter {
		origins = List.copyOf(origins);
	}

	/**
	 * Creates a dead letter of an item that derives from no tracked input.
	 * @param pipeline the pipeline's name
	 * @param step the step's name
	 * @param item the item as that step received it
	 * @param cause why
	 * @param attempts how many times the handler was called with the item
	 */
	public DeadLetter(String pipeline, String step, Object item, Throwable cause, int attempts) {
		this(pipeline, step, item, cause, attempts, List.of());
	}

	@Override
	public String toString() {
		return "DeadLetter[pipeline=" + this.pipeline + ", step=" + this.step + ", attempts=" + this.attempts
				+ ", cause=" + this.cause + ", item=" + PipelineFailedException.summarize(this.item) + "]";
	}

}
