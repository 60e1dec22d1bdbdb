package io.paipa.core.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.paipa.core.OutagePolicy;

/**
 * An outage of what a step depends on, as its failures tell: several different items in a
 * row failed with no success in between, or the dead-letter handler could not take the
 * step's dead letters. Shared by the step's workers; read without locks.
 */
final class Outage {

	private static final Logger logger = LoggerFactory.getLogger(Outage.class);

	/** What to tell when an outage begins or ends. */
	interface Observer {

		void outageStarted(String step, Throwable cause);

		void outageEnded(String step, Duration lasted);

	}

	private final String pipeline;

	private final String step;

	private final String what;

	private final OutagePolicy policy;

	private final Observer observer;

	private final AtomicInteger inARow = new AtomicInteger();

	/** {@code System.nanoTime()} when the outage began, 0 when there is none. */
	private long since;

	private volatile Instant began;

	private volatile String error;

	/**
	 * @param what what failed, for the log: "step" or "dead-letter handler"
	 */
	Outage(String pipeline, String step, String what, OutagePolicy policy, Observer observer) {
		this.pipeline = pipeline;
		this.step = step;
		this.what = what;
		this.policy = policy;
		this.observer = observer;
	}

	/** How many items failing in a row make an outage. */
	int threshold() {
		return this.policy.afterFailures();
	}

	/** Whether items failing in a row are taken for an outage at all. */
	boolean detects() {
		return this.policy.afterFailures() > 0;
	}

	boolean isActive() {
		return this.began != null;
	}

	/** When the outage began, or {@code null}. */
	Instant began() {
		return this.began;
	}

	/** The last failure of the outage, or {@code null}. */
	String error() {
		return (this.began != null) ? this.error : null;
	}

	/**
	 * An item failed after its retries.
	 * @return whether the step is now in an outage (the item is held, not dead-lettered)
	 */
	boolean failed(Throwable cause) {
		this.error = String.valueOf(cause);
		int after = this.policy.afterFailures();
		if (after > 0 && this.inARow.incrementAndGet() >= after) {
			begin(cause);
		}
		return isActive();
	}

	/** What the step depends on failed for sure (the dead-letter handler threw). */
	void failedNow(Throwable cause) {
		this.error = String.valueOf(cause);
		begin(cause);
	}

	/** An item went through: any outage is over. */
	void succeeded() {
		// a read, not a write, on the path every item takes: a write per item would
		// bounce the counter's cache line between the step's workers
		if (this.inARow.get() != 0) {
			this.inARow.set(0);
		}
		if (isActive()) {
			end();
		}
	}

	/** The pause before the held item's next try. */
	long backoffNanos(int round) {
		return this.policy.backoffNanos(round);
	}

	/** Whether the outage has lasted longer than the policy lets it. */
	boolean givenUp() {
		Duration limit = this.policy.giveUpAfter();
		long since = since();
		return limit != null && since != 0 && System.nanoTime() - since > limit.toNanos();
	}

	Duration giveUpAfter() {
		return this.policy.giveUpAfter();
	}

	private synchronized long since() {
		return this.since;
	}

	private void begin(Throwable cause) {
		synchronized (this) {
			if (this.since != 0) {
				return;
			}
			this.since = Math.max(1, System.nanoTime());
			this.began = Instant.now();
		}
		logger.warn(
				"Pipeline '{}', step '{}': outage: the {} keeps failing ({}); holding what failed and "
						+ "retrying it, taking no input until it goes through",
				this.pipeline, this.step, this.what, String.valueOf(cause));
		this.observer.outageStarted(this.step, cause);
	}

	private void end() {
		long lasted;
		synchronized (this) {
			if (this.since == 0) {
				return;
			}
			lasted = System.nanoTime() - this.since;
			this.since = 0;
			this.began = null;
		}
		logger.info("Pipeline '{}', step '{}': the outage of the {} is over after {} ms", this.pipeline, this.step,
				this.what, lasted / 1_000_000);
		this.observer.outageEnded(this.step, Duration.ofNanos(lasted));
	}

}
