package io.paipa.core.internal;

import java.util.Arrays;

import io.paipa.core.ItemOutcome;

/**
 * What a stream handler holds: the items it took and has not finished, for the
 * settlement of their completion callbacks, for the dead letters of a failure, and for
 * its step's counts. One per stream worker (and per stream step of the inline runner).
 *
 * <p>An output covers every item held when it is emitted: it carries a reference on
 * each one's tracker, so that no item settles before an output that may be made of it.
 * Until the handler first calls {@code done} it says nothing of what it holds: the items
 * covered by an output are then chained into one group that settles when the handler's
 * call ends, and the list keeps only the items taken since the last output (those a
 * failure dead-letters), at most {@link #RETAINED} of them. Once the handler calls
 * {@code done}, the list holds every item it has not said it is done with.
 *
 * <p>Counts: an item is processed when an output first covers it, when the handler is
 * done with it, or when the handler's call ends; failed and dead-lettered (or abandoned)
 * when a failure finds it in the list.
 */
final class HeldItems {

	/** Without {@code done}, the most items taken since the last output that are kept. */
	static final int RETAINED = 4096;

	private final String step;

	private final LocalCounts counts;

	private final Listeners listeners;

	private Object[] items = new Object[16];

	private Tracker[] trackers = new Tracker[16];

	private int size;

	/** One reference on a group of the covered items' trackers, or {@code null}. */
	private Tracker chain;

	/** Whether the handler says what it holds. */
	private boolean explicit;

	/** The item taken last, while the handler works on it. */
	Object current;

	HeldItems(String step, LocalCounts counts, Listeners listeners) {
		this.step = step;
		this.counts = counts;
		this.listeners = listeners;
	}

	/** The handler took an item, in its envelope when it is tracked. */
	void took(Object raw) {
		if (!this.explicit && this.size == RETAINED) {
			fold(RETAINED / 2);
		}
		if (this.size == this.items.length) {
			this.items = Arrays.copyOf(this.items, this.size * 2);
			this.trackers = Arrays.copyOf(this.trackers, this.size * 2);
		}
		Tracked tracked = (raw instanceof Tracked t) ? t : null;
		Object item = (tracked != null) ? tracked.item : raw;
		this.items[this.size] = item;
		this.trackers[this.size++] = (tracked != null) ? tracked.tracker : null;
		this.current = item;
	}

	/** The number of items in the list. */
	int size() {
		return this.size;
	}

	/**
	 * The tracker an output emitted now carries, with one reference for the output.
	 * @return the tracker, or {@code null} when no held item is tracked
	 */
	Tracker cover() {
		if (!this.explicit) {
			fold(this.size);
			if (this.chain != null) {
				this.chain.retain();
			}
			return this.chain;
		}
		Tracker[] members = new Tracker[this.size + 1];
		int n = 0;
		for (int i = 0; i < this.size; i++) {
			if (this.trackers[i] != null) {
				members[n++] = retained(this.trackers[i]);
			}
		}
		if (this.chain != null) {
			members[n++] = retained(this.chain);
		}
		return (n == 0) ? null : (n == 1) ? members[0] : new Tracker.Group(Arrays.copyOf(members, n));
	}

	private static Tracker retained(Tracker tracker) {
		tracker.retain();
		return tracker;
	}

	/** Chains the trackers of the oldest {@code n} items and counts the items processed. */
	private void fold(int n) {
		if (n == 0) {
			return;
		}
		Tracker[] members = new Tracker[n + 1];
		int m = 0;
		if (this.chain != null) {
			members[m++] = this.chain;
		}
		for (int i = 0; i < n; i++) {
			if (this.trackers[i] != null) {
				members[m++] = this.trackers[i];
			}
		}
		if (m > 1 || (m == 1 && this.chain == null)) {
			this.chain = (m == 1) ? members[0] : new Tracker.Group(Arrays.copyOf(members, m));
		}
		processed(n);
		remove(0, n);
	}

	/** The handler is done with one item (matched by identity). */
	void done(Object item) {
		this.explicit = true;
		for (int i = 0; i < this.size; i++) {
			if (this.items[i] == item) {
				Tracker tracker = this.trackers[i];
				remove(i, i + 1);
				processed(1);
				if (tracker != null) {
					tracker.release();
				}
				return;
			}
		}
	}

	/** The handler holds nothing any more. */
	void doneAll() {
		this.explicit = true;
		end();
	}

	/** The handler's call ended normally: everything held settles with its outputs. */
	void end() {
		int n = this.size;
		Tracker[] released = Arrays.copyOf(this.trackers, n);
		processed(n);
		remove(0, n);
		for (Tracker tracker : released) {
			if (tracker != null) {
				tracker.release();
			}
		}
		releaseChain();
		this.current = null;
	}

	/**
	 * The handler failed: the items in the list are lost with its state. They are taken
	 * out, as envelopes that still hold their reference; the caller dead-letters or
	 * abandons them. The covered items settle with their outputs.
	 * @return the lost items, in the order taken
	 */
	Object[] failed() {
		Object[] lost = new Object[this.size];
		for (int i = 0; i < this.size; i++) {
			lost[i] = (this.trackers[i] != null) ? this.trackers[i].wrap(this.items[i]) : this.items[i];
		}
		remove(0, this.size);
		releaseChain();
		return lost;
	}

	/** Whether the item taken last is among what a failure would dead-letter. */
	boolean holdsCurrent() {
		return this.size > 0 && this.items[this.size - 1] == this.current && this.current != null;
	}

	private void releaseChain() {
		Tracker chain = this.chain;
		this.chain = null;
		if (chain != null) {
			chain.release();
		}
	}

	private void remove(int from, int to) {
		int n = this.size - to;
		System.arraycopy(this.items, to, this.items, from, n);
		System.arraycopy(this.trackers, to, this.trackers, from, n);
		Arrays.fill(this.items, from + n, this.size, null);
		Arrays.fill(this.trackers, from + n, this.size, null);
		this.size = from + n;
	}

	private void processed(int n) {
		this.counts.processed += n;
		if (this.listeners.perItem) {
			for (int i = 0; i < n; i++) {
				this.listeners.itemProcessed(this.step, ItemOutcome.PROCESSED, -1);
			}
		}
	}

}
