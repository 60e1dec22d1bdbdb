package io.paipa.core.internal;

import java.util.function.LongPredicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.paipa.core.DeadLetter;
import io.paipa.core.DeadLetterHandler;

/**
 * Hands dead letters to a pipeline's dead-letter handler so that none is lost: a handler
 * that throws is tried again with the step's outage backoff, and the step is in an outage
 * until it takes the letter. Only when waiting is over (a stop's cut-off, a failure, or
 * an outage longer than the policy allows) does the letter go to the log instead, in
 * full, at ERROR.
 */
final class DeadLetters {

	private static final Logger logger = LoggerFactory.getLogger(DeadLetters.class);

	private DeadLetters() {
	}

	/**
	 * Hands one letter over, trying again while the handler throws.
	 * @param handler the dead-letter handler
	 * @param letter the letter
	 * @param outage the step's dead-letter outage
	 * @param pause waits the given nanoseconds before a retry; false when waiting is over
	 */
	static void deliver(DeadLetterHandler handler, DeadLetter letter, Outage outage, LongPredicate pause) {
		for (int round = 0;; round++) {
			Throwable failure = handOnce(handler, letter);
			if (failure == null) {
				outage.succeeded();
				return;
			}
			outage.failedNow(failure);
			if (outage.givenUp() || !pause.test(outage.backoffNanos(round))) {
				lastResort(letter, failure);
				return;
			}
		}
	}

	/** Calls the handler once; returns what it threw, or {@code null}. */
	private static Throwable handOnce(DeadLetterHandler handler, DeadLetter letter) {
		// a cut-off's interrupt was for a handler's blocking call, not for the dead
		// letters
		boolean interrupted = Thread.interrupted();
		try {
			handler.handle(letter);
			return null;
		}
		catch (Throwable ex) {
			return ex;
		}
		finally {
			if (interrupted) {
				Thread.currentThread().interrupt();
			}
		}
	}

	private static void lastResort(DeadLetter letter, Throwable failure) {
		logger.error(
				"Pipeline '{}', step '{}': the dead-letter handler could not take a dead letter ({}); here it is "
						+ "in full instead: attempts={}, origins={}, cause={}, item={}",
				letter.pipeline(), letter.step(), failure, letter.attempts(), letter.origins().size(), letter.cause(),
				full(letter.item()), failure);
	}

	private static String full(Object item) {
		try {
			return String.valueOf(item);
		}
		catch (RuntimeException ex) {
			return item.getClass().getName() + " (toString failed: " + ex + ")";
		}
	}

}
