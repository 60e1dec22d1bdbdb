package io.paipa.core;

/**
 * An item that could not be processed, as handed to a {@link DeadLetterHandler}.
 *
 * @param pipeline the pipeline's name
 * @param step the name of the step that could not process the item
 * @param item the item as that step received it
 * @param cause why: the handler's last exception, or a {@link PipelineClosedException}
 * for an item that a stopping pipeline could not drain in time
 * @param attempts how many times the handler was called with the item (0 when it never
 * was)
 */
public record DeadLetter(String pipeline, String step, Object item, Throwable cause, int attempts) {

	@Override
	public String toString() {
		return "DeadLetter[pipeline=" + this.pipeline + ", step=" + this.step + ", attempts=" + this.attempts
				+ ", cause=" + this.cause + ", item=" + PipelineFailedException.summarize(this.item) + "]";
	}

}
