package io.paipa.core.internal;

import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.paipa.core.CompletionCallback;
import io.paipa.core.DeadLetter;
import io.paipa.core.DeadLetterHandler;
import io.paipa.core.PipelineFailedException;

/** Hands items to a pipeline's dead-letter handler, shielding the engine from its failures. */
final class DeadLetters {

	private static final Logger logger = LoggerFactory.getLogger(DeadLetters.class);

	private DeadLetters() {
	}

	/**
	 * Calls the handler; an exception it throws is logged, and the item still counts as
	 * dead-lettered.
	 */
	static void hand(DeadLetterHandler handler, String pipeline, String step, Object item, Throwable cause,
			int attempts, List<CompletionCallback> origins) {
		// a cut-off's interrupt was for a handler's blocking call, not for the dead letters
		boolean interrupted = Thread.interrupted();
		try {
			handler.handle(new DeadLetter(pipeline, step, item, cause, attempts, origins));
		}
		catch (Throwable ex) {
			logger.error("Pipeline '{}', step '{}': the dead-letter handler failed; the item still counts as "
					+ "dead-lettered: {}", pipeline, step, PipelineFailedException.summarize(item), ex);
		}
		finally {
			if (interrupted) {
				Thread.currentThread().interrupt();
			}
		}
	}

}
