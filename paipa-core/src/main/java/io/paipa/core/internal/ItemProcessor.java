package io.paipa.core.internal;

import java.util.List;
import java.util.Objects;

import io.paipa.core.ContextPropagation;
import io.paipa.core.Emitter;
import io.paipa.core.ErrorPolicy;
import io.paipa.core.FanOutHandler;
import io.paipa.core.ItemOutcome;
import io.paipa.core.PipelineFailedException;
import io.paipa.core.RetryPolicy;
import io.paipa.core.StepHandler;

/**
 * The one way an item goes through a one-to-one or fan-out step, on a worker thread and
 * in {@code runInline} alike: attempts with retries in place, the outcome, the dead
 * letter or the failure, the listener events, and the item's settlement.
 *
 * <p>
 * {@link #process(Object)} returns once the item is accounted for (processed, dropped or
 * dead-lettered). It throws {@link Abort} when the run failed: the item is then not
 * accounted for, and the caller counts it with the rest of what it held.
 */
final class ItemProcessor {

	/** Where the processor runs: a worker thread, or the inline runner. */
	interface Env {

		/** Whether the run failed: the item is given up at once. */
		boolean failed();

		/** Whether a stop's timeout ran out: no further attempt is made. */
		boolean cutOff();

		/**
		 * Called after each attempt: a worker abandoned meanwhile throws {@link Abort}.
		 */
		void attempted();

		/**
		 * Waits out a retry's backoff; false when a failure or a cut-off ended it early.
		 */
		boolean pause(long nanos);

		/** Hands an output on. */
		void emit(Object raw);

		/** Hands an item to the dead-letter handler, then settles it. */
		void deadLetter(Object item, Throwable cause, int attempts, Object raw);

		/** Deals with an item that a stop did not let the step finish. */
		void stopped(Object raw, Throwable failure, int attempts);

		/** Fails the run; the returned exception is thrown by the processor. */
		RuntimeException fail(PipelineFailedException failure);

		/**
		 * Items entered the step in place of one: a chunk taken apart into its members.
		 */
		void entered(int n);

		/** Starts timing an attempt, only when listeners want each item's time. */
		long startAttempt();

		/** Ends timing an attempt; returns the handler time. */
		long endAttempt(long start);

	}

	private final String pipeline;

	private final String step;

	private final boolean fanOut;

	private final boolean last;

	private final RetryPolicy retry;

	private final ErrorPolicy policy;

	private final Listeners listeners;

	private final LocalCounts counts;

	private final Env env;

	private final FanOutEmitter emitter;

	/** Whether each attempt is timed. */
	private final boolean timed;

	private final Outage outage;

	private final boolean isolate;

	private Object handler;

	private ContextPropagation propagation;

	/**
	 * Whether the next item's handler time is sampled: without a context of its own, it
	 * is observed only then.
	 */
	boolean sampled;

	private Object result;

	/** The attempt under way, for the dead letter of a worker that dies in it. */
	int attempt;

	/** The handler time of the last attempt, -1 when it was not timed. */
	long lastNanos = -1;

	ItemProcessor(String pipeline, String step, boolean fanOut, boolean last, RetryPolicy retry, ErrorPolicy policy,
			Listeners listeners, LocalCounts counts, Env env, boolean timed, Outage outage, boolean isolate) {
		this.pipeline = pipeline;
		this.step = step;
		this.fanOut = fanOut;
		this.last = last;
		this.retry = retry;
		this.policy = policy;
		this.listeners = listeners;
		this.counts = counts;
		this.env = env;
		this.emitter = fanOut ? new FanOutEmitter() : null;
		this.timed = timed;
		this.outage = outage;
		this.isolate = isolate;
	}

	void handler(Object handler) {
		this.handler = handler;
	}

	void propagation(ContextPropagation propagation) {
		this.propagation = propagation;
	}

	/**
	 * Processes one item to its end.
	 * @param raw the item, in its envelope when it is tracked
	 * @return whether the handler got through it on its first attempt (processed or
	 * dropped), the items whose handler time is sampled
	 */
	boolean process(Object raw) {
		return process(raw, true);
	}

	private boolean process(Object raw, boolean mayIsolate) {
		Exception failure = attempts(raw);
		if (failure == null) {
			return this.attempt == 1;
		}
		ended(raw, Tracked.unwrap(raw), failure, this.attempt, mayIsolate);
		return false;
	}

	/**
	 * Tries the item, again as the retry policy says.
	 * @return {@code null} once it went through (and is accounted for), else its last
	 * failure (the item is not accounted for yet)
	 */
	private Exception attempts(Object raw) {
		Tracked envelope = (raw instanceof Tracked tracked) ? tracked : null;
		Object item = (envelope != null) ? envelope.item : raw;
		for (int attempt = 1;; attempt++) {
			Exception failure = attempt(item, envelope, attempt);
			if (failure == null) {
				succeeded(raw, envelope, this.lastNanos);
				return null;
			}
			if (!retrying(attempt)) {
				return failure;
			}
		}
	}

	/** Calls the handler once; returns what it threw, or {@code null}. */
	private Exception attempt(Object item, Tracked envelope, int attempt) {
		this.attempt = attempt;
		long start = this.timed ? this.env.startAttempt() : 0;
		Exception failure = invoke(item, envelope);
		this.lastNanos = this.timed ? this.env.endAttempt(start) : -1;
		this.env.attempted();
		return failure;
	}

	@SuppressWarnings({ "unchecked", "rawtypes" })
	private Exception invoke(Object item, Tracked envelope) {
		ContextPropagation.Scope scope = openScope(envelope);
		try {
			if (this.fanOut) {
				this.emitter.envelope = envelope;
				((FanOutHandler) this.handler).process(item, this.emitter);
			}
			else {
				this.result = ((StepHandler) this.handler).process(item);
			}
			return null;
		}
		catch (Abort ex) {
			throw ex;
		}
		catch (Exception ex) {
			if (scope != null) {
				scope.failed(ex);
			}
			return ex;
		}
		finally {
			if (scope != null) {
				scope.close();
			}
		}
	}

	/** The item's context, restored and observed: for items with one, and for samples. */
	private ContextPropagation.Scope openScope(Tracked envelope) {
		if (this.propagation == null) {
			return null;
		}
		Object context = (envelope != null) ? envelope.tracker.context() : null;
		return (context != null || this.sampled) ? this.propagation.open(this.pipeline, this.step, context) : null;
	}

	private void succeeded(Object raw, Tracked envelope, long nanos) {
		this.outage.succeeded();
		if (this.fanOut) {
			this.counts.processed++;
			Tracked.settle(envelope);
			event(ItemOutcome.PROCESSED, nanos);
			return;
		}
		Object output = this.result;
		this.result = null;
		if (output == null && !this.last) {
			this.counts.dropped++;
			Tracked.settle(envelope);
			event(ItemOutcome.DROPPED, nanos);
			return;
		}
		// counted once handed on: an abort in the hand-off leaves the item to the caller
		if (envelope != null) {
			envelope.item = output;
			this.env.emit(envelope);
		}
		else {
			this.env.emit(output);
		}
		this.counts.processed++;
		event(ItemOutcome.PROCESSED, nanos);
	}

	/** After a failed attempt: true to try again. */
	private boolean retrying(int attempt) {
		if (this.env.failed()) {
			throw Abort.INSTANCE;
		}
		if (this.env.cutOff() || attempt >= this.retry.maxAttempts()) {
			return false;
		}
		this.counts.retried++;
		event(ItemOutcome.RETRIED, this.lastNanos);
		if (this.env.pause(this.retry.backoffNanos(attempt))) {
			return true;
		}
		if (this.env.failed()) {
			throw Abort.INSTANCE;
		}
		return false;
	}

	/**
	 * The item's attempts are used up: it is dead-lettered at a cut-off, taken apart when
	 * it is a chunk to isolate, held through an outage, or else dead-lettered or failing
	 * the run as the policy says.
	 */
	private void ended(Object raw, Object item, Exception failure, int attempt, boolean mayIsolate) {
		if (this.env.cutOff()) {
			failed();
			this.env.stopped(raw, failure, this.attempt);
			return;
		}
		if (mayIsolate && this.isolate && item instanceof List<?> list && list.size() > 1) {
			isolate(raw, list, failure);
			return;
		}
		Exception last = failure;
		if (this.outage.failed(failure)) {
			// held until it goes through; when the outage ends without it, it fails alone
			last = hold(raw, item, failure);
			if (last == null) {
				return;
			}
		}
		failed();
		if (this.policy == ErrorPolicy.SKIP) {
			this.env.deadLetter(item, last, this.attempt, raw);
			return;
		}
		throw this.env.fail(new PipelineFailedException(this.pipeline, this.step, item,
				"handler failed after " + this.attempt + " attempt(s)", last));
	}

	/**
	 * In an outage: tries the item again with a growing pause until it goes through (or a
	 * stop cuts it off).
	 * @return {@code null} when the item is dealt with; its failure when the outage ended
	 * meanwhile (another item went through) and the item still fails: then it fails alone
	 */
	private Exception hold(Object raw, Object item, Exception failure) {
		Tracked envelope = (raw instanceof Tracked tracked) ? tracked : null;
		// the latest failure is the one a stop or a give-up reports
		Exception last = failure;
		for (int round = 0;; round++) {
			if (this.outage.givenUp()) {
				failed();
				throw this.env.fail(new PipelineFailedException(this.pipeline, this.step, item,
						"the outage lasted longer than " + this.outage.giveUpAfter(), last));
			}
			if (!this.env.pause(this.outage.backoffNanos(round))) {
				if (this.env.failed()) {
					throw Abort.INSTANCE;
				}
				failed();
				this.env.stopped(raw, last, this.attempt);
				return null;
			}
			boolean over = !this.outage.isActive();
			this.counts.retried++;
			event(ItemOutcome.RETRIED, -1);
			Exception again = attempt(item, envelope, this.attempt + 1);
			if (again == null) {
				succeeded(raw, envelope, this.lastNanos);
				return null;
			}
			if (over) {
				return again;
			}
			last = again;
			this.outage.failed(again);
		}
	}

	/**
	 * A chunk that failed is taken apart: each member goes through the step on its own,
	 * as a one-member list, with its own completion tracking where the chunk's tracker is
	 * aligned with its members. A cut-off stops the members not tried yet without trying
	 * them.
	 */
	private void isolate(Object raw, List<?> list, Exception failure) {
		Tracked envelope = (raw instanceof Tracked tracked) ? tracked : null;
		this.env.entered(list.size() - 1);
		Object[] members = new Object[list.size()];
		for (int i = 0; i < members.length; i++) {
			Tracker tracker = memberTracker(envelope, i, list.size());
			Object member = List.of(list.get(i));
			members[i] = (tracker != null) ? tracker.wrap(member) : member;
		}
		Exception[] failures = new Exception[members.length];
		int[] tries = new int[members.length];
		int tried = tryAlone(members, failures, tries);
		// no member went through alone: rather what the step depends on is down than each
		// one bad
		boolean down = failures[0] != null && failures[tried - 1] != null && noneWentThrough(failures, tried)
				&& this.outage.detects() && !this.env.cutOff();
		for (int i = 0; i < members.length; i++) {
			if (i >= tried && this.env.cutOff()) {
				failed();
				this.env.stopped(members[i], failure, 0);
			}
			else if (i >= tried) {
				process(members[i], false);
			}
			else if (failures[i] != null) {
				isolated(members[i], failures[i], tries[i], down, i == 0);
			}
		}
		Tracked.settle(envelope);
	}

	/**
	 * Tries the members one by one, stopping early when as many as make an outage failed
	 * in a row before any went through.
	 * @return how many were tried
	 */
	private int tryAlone(Object[] members, Exception[] failures, int[] tries) {
		int threshold = Math.max(1, this.outage.threshold());
		boolean wentThrough = false;
		for (int i = 0; i < members.length; i++) {
			if (i > 0 && this.env.cutOff()) {
				return i;
			}
			failures[i] = attempts(members[i]);
			tries[i] = this.attempt;
			wentThrough |= failures[i] == null;
			if (!wentThrough && i + 1 >= threshold && this.outage.detects()) {
				return i + 1;
			}
		}
		return members.length;
	}

	private static boolean noneWentThrough(Exception[] failures, int tried) {
		for (int i = 0; i < tried; i++) {
			if (failures[i] == null) {
				return false;
			}
		}
		return true;
	}

	/**
	 * A member that failed alone: dead-lettered, or, when all did, held through the
	 * outage.
	 */
	private void isolated(Object member, Exception failure, int tries, boolean down, boolean first) {
		Exception last = failure;
		this.attempt = tries;
		if (down && first) {
			this.outage.failedNow(last);
			last = hold(member, Tracked.unwrap(member), last);
		}
		else if (down) {
			// the outage is over: the member gets its chance again
			last = attempts(member);
		}
		if (last != null) {
			ended(member, Tracked.unwrap(member), last, this.attempt, false);
		}
	}

	private static Tracker memberTracker(Tracked envelope, int index, int size) {
		if (envelope == null) {
			return null;
		}
		Tracker tracker = envelope.tracker;
		Tracker member = (tracker instanceof Tracker.Group group && group.isAlignedWith(size)) ? group.member(index)
				: tracker;
		if (member != null) {
			member.retain();
		}
		return member;
	}

	private void failed() {
		this.counts.failed++;
		event(ItemOutcome.FAILED, this.lastNanos);
	}

	/**
	 * The worker died of an unexpected error on this item: it is dead-lettered with it.
	 */
	void died(Object raw, Throwable error) {
		this.counts.failed++;
		event(ItemOutcome.FAILED, -1);
		this.env.deadLetter(Tracked.unwrap(raw), error, Math.max(1, this.attempt), raw);
	}

	private void event(ItemOutcome outcome, long nanos) {
		if (this.listeners.perItem) {
			this.listeners.itemProcessed(this.step, outcome, nanos);
		}
	}

	/** Wraps each output in the input's tracker, when the input is tracked. */
	private final class FanOutEmitter implements Emitter<Object> {

		Tracked envelope;

		@Override
		public void emit(Object item) {
			Objects.requireNonNull(item, () -> "Step '" + ItemProcessor.this.step + "' emitted null");
			Tracked envelope = this.envelope;
			if (envelope != null) {
				envelope.tracker.retain();
				ItemProcessor.this.env.emit(envelope.tracker.wrap(item));
			}
			else {
				ItemProcessor.this.env.emit(item);
			}
		}

	}

}
