package io.paipa.core;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives the items that a pipeline could not process: under {@link ErrorPolicy#SKIP}
 * after the retries are used up, and at a {@link Pipeline#stop() stop} for the items that
 * could not be finished in time.
 *
 * <p>
 * Called from the pipeline's worker threads, possibly concurrently; implementations must
 * be thread-safe. An exception thrown here is logged; the item still counts as
 * dead-lettered.
 */
@FunctionalInterface
public interface DeadLetterHandler {

	/**
	 * Handles one dead letter.
	 * @param letter the item, its step and the cause
	 */
	void handle(DeadLetter letter);

	/**
	 * Returns the default handler, which logs each dead letter at WARN with the pipeline,
	 * the step, the cause and the item cut to a readable length.
	 * @return the logging handler
	 */
	static DeadLetterHandler logging() {
		return LoggingDeadLetterHandler.INSTANCE;
	}

}

final class LoggingDeadLetterHandler implements DeadLetterHandler {

	static final LoggingDeadLetterHandler INSTANCE = new LoggingDeadLetterHandler();

	private static final Logger logger = LoggerFactory.getLogger(DeadLetterHandler.class);

	@Override
	public void handle(DeadLetter letter) {
		logger.warn("Pipeline '{}', step '{}': dead letter after {} attempt(s): {}; item: {}", letter.pipeline(),
				letter.step(), letter.attempts(), letter.cause(), PipelineFailedException.summarize(letter.item()));
	}

}
