package io.paipa.core;

import java.time.Duration;
import java.util.Objects;

/**
 * When a step's failures are taken for an outage of what it depends on (a database, a
 * service), and how it waits for it to come back.
 *
 * <p>
 * Items fail one by one for reasons of their own (bad input): those are retried and then
 * dead-lettered. But when {@code afterFailures} different items in a row fail (after
 * their retries) with no success in between, the step is in an outage: it stops
 * dead-lettering, holds the item that failed last and tries it again with a backoff that
 * doubles from {@code initialBackoff} up to {@code maxBackoff}, until it succeeds. While
 * any step is in an outage, the pipeline's input takes nothing ({@code put} waits,
 * {@code offer} times out), its health is down, and its listeners are told. The first
 * success, in any worker of the step, ends the outage and everything resumes by itself. A
 * stop during an outage still returns within its timeout: the held item is then
 * dead-lettered.
 *
 * <p>
 * The same applies to the dead-letter handler: a handler that throws is retried with the
 * same backoff, and the step whose dead letter it is counts as in an outage until the
 * handler takes the letter.
 *
 * @param afterFailures how many different items in a row must fail for an outage; 0 turns
 * outage detection off (failed items are dead-lettered however many fail)
 * @param initialBackoff the pause before the first retry of the held item
 * @param maxBackoff the longest pause between retries
 * @param giveUpAfter how long an outage may last before the pipeline fails, or
 * {@code null} to wait for as long as it takes (until a stop)
 */
public record OutagePolicy(int afterFailures, Duration initialBackoff, Duration maxBackoff, Duration giveUpAfter) {

	private static final OutagePolicy DEFAULTS = new OutagePolicy(5, Duration.ofMillis(100), Duration.ofSeconds(30),
			null);

	private static final OutagePolicy OFF = new OutagePolicy(0, Duration.ofMillis(100), Duration.ofSeconds(30), null);

	/**
	 * Validates the arguments.
	 * @param afterFailures how many items in a row must fail
	 * @param initialBackoff the first pause
	 * @param maxBackoff the longest pause
	 * @param giveUpAfter the longest outage, or {@code null}
	 */
	public OutagePolicy {
		Objects.requireNonNull(initialBackoff, "initialBackoff must not be null");
		Objects.requireNonNull(maxBackoff, "maxBackoff must not be null");
		if (afterFailures < 0) {
			throw new IllegalArgumentException("Outage after-failures must not be negative but was " + afterFailures);
		}
		if (initialBackoff.isNegative() || initialBackoff.isZero()) {
			throw new IllegalArgumentException("Outage initial backoff must be positive but was " + initialBackoff);
		}
		if (maxBackoff.compareTo(initialBackoff) < 0) {
			throw new IllegalArgumentException("Outage max backoff must be at least the initial backoff ("
					+ initialBackoff + ") but was " + maxBackoff);
		}
		if (giveUpAfter != null && (giveUpAfter.isNegative() || giveUpAfter.isZero())) {
			throw new IllegalArgumentException("Outage give-up-after must be positive but was " + giveUpAfter);
		}
	}

	/**
	 * Returns the default: an outage after 5 items in a row failed, retried from 100 ms
	 * up to every 30 s, for as long as it takes.
	 * @return the default policy
	 */
	public static OutagePolicy defaults() {
		return DEFAULTS;
	}

	/**
	 * Returns the policy that never takes failures for an outage: failed items are
	 * dead-lettered however many fail in a row. A dead-letter handler that throws is
	 * still retried.
	 * @return the policy without outage detection
	 */
	public static OutagePolicy off() {
		return OFF;
	}

	/**
	 * Returns a policy that takes {@code afterFailures} items failing in a row for an
	 * outage, with the default backoff.
	 * @param afterFailures at least 1
	 * @return the policy
	 */
	public static OutagePolicy afterFailures(int afterFailures) {
		return new OutagePolicy(afterFailures, DEFAULTS.initialBackoff, DEFAULTS.maxBackoff, null);
	}

	/**
	 * Returns a copy with other backoff bounds.
	 * @param initial the pause before the first retry
	 * @param max the longest pause
	 * @return the policy
	 */
	public OutagePolicy withBackoff(Duration initial, Duration max) {
		return new OutagePolicy(this.afterFailures, initial, max, this.giveUpAfter);
	}

	/**
	 * Returns a copy that fails the pipeline when an outage lasts longer than the given
	 * time (a batch import that should not wait forever).
	 * @param giveUpAfter the longest outage
	 * @return the policy
	 */
	public OutagePolicy withGiveUpAfter(Duration giveUpAfter) {
		return new OutagePolicy(this.afterFailures, this.initialBackoff, this.maxBackoff, giveUpAfter);
	}

	/**
	 * Returns the pause before a retry of the held item.
	 * @param round the retry's number, from 0
	 * @return the pause in nanoseconds
	 */
	public long backoffNanos(int round) {
		long initial = this.initialBackoff.toNanos();
		long max = this.maxBackoff.toNanos();
		if (round >= 62) {
			return max;
		}
		long nanos = initial << Math.max(0, round);
		// past the max, or so far that the shift overflowed
		return (nanos <= 0 || (nanos >> Math.max(0, round)) != initial) ? max : Math.min(nanos, max);
	}

}
