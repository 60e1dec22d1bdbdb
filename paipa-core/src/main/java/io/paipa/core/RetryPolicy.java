package io.paipa.core;

import java.time.Duration;
import java.util.Objects;

/**
 * How often, and after what pause, a worker tries a failed item again. Retries happen in
 * place, in the worker that took the item, so items are not reordered and a full queue
 * cannot block a retry.
 *
 * @param maxAttempts the number of attempts in all, the first one included; at least 1
 * @param backoff the pause before the first retry; zero or more
 * @param multiplier the factor applied to the pause before each further retry; at least
 * 1.0
 */
public record RetryPolicy(int maxAttempts, Duration backoff, double multiplier) {

	private static final RetryPolicy NONE = new RetryPolicy(1, Duration.ZERO, 1.0);

	/**
	 * Validates the arguments.
	 * @param maxAttempts the number of attempts in all
	 * @param backoff the first pause
	 * @param multiplier the pause's growth factor
	 */
	public RetryPolicy {
		Objects.requireNonNull(backoff, "backoff must not be null");
		if (maxAttempts < 1) {
			throw new IllegalArgumentException("Retry max attempts must be at least 1 but was " + maxAttempts);
		}
		if (backoff.isNegative()) {
			throw new IllegalArgumentException("Retry backoff must not be negative but was " + backoff);
		}
		if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
			throw new IllegalArgumentException("Retry multiplier must be at least 1.0 but was " + multiplier);
		}
	}

	/**
	 * Returns the policy that never retries.
	 * @return a policy with one attempt
	 */
	public static RetryPolicy none() {
		return NONE;
	}

	/**
	 * Returns a policy with a fixed pause between attempts.
	 * @param maxAttempts the number of attempts in all
	 * @param backoff the pause before each retry
	 * @return the policy
	 */
	public static RetryPolicy of(int maxAttempts, Duration backoff) {
		return new RetryPolicy(maxAttempts, backoff, 1.0);
	}

	/**
	 * Returns a policy with a growing pause between attempts.
	 * @param maxAttempts the number of attempts in all
	 * @param backoff the pause before the first retry
	 * @param multiplier the factor applied to the pause before each further retry
	 * @return the policy
	 */
	public static RetryPolicy of(int maxAttempts, Duration backoff, double multiplier) {
		return new RetryPolicy(maxAttempts, backoff, multiplier);
	}

	/**
	 * Returns the pause before the given retry.
	 * @param retry the retry's number, 1 for the first retry
	 * @return the pause in nanoseconds
	 */
	public long backoffNanos(int retry) {
		double nanos = this.backoff.toNanos() * Math.pow(this.multiplier, Math.max(0, retry - 1));
		return (nanos >= Long.MAX_VALUE) ? Long.MAX_VALUE : (long) nanos;
	}

}
