package io.paipa.core.internal;

import java.util.Arrays;

import io.paipa.core.ItemOutcome;

/**
 * What a stream handler holds: the items it took and has not finished, for the settlement
 * of their completion callbacks, for the dead letters of a failure, and for its step's
 * counts. One per stream worker (and per stream step of the inline runner).
 *
 * <p>
 * An output covers every item held when it is emitted: it carries a reference on each
 * one's tracker, so that no item settles before an output that may be made of it. An item
 * leaves the list when the handler says it is {@code done} with it, when the handler's
 * call ends, or at a failure; it is counted then (processed, or failed).
 *
 * <p>
 * A handler that never calls {@code done} says nothing of what it holds. So that its list
 * stays short, the items already covered by an output are folded, once there are
 * {@link #FOLD_AT} of them, into one group that settles when the call ends (and counted
 * as processed); and of the items taken since the last output, those a failure
 * dead-letters, at most {@link #RETAINED} are kept.
 */
final class HeldItems {

	/** Without {@code done}, how many covered items are kept before they are folded. */
	static final int FOLD_AT = 32;

	/** Without {@code done}, the most items taken since the last output that are kept. */
	static final int RETAINED = 4096;

	private final String step;

	private final LocalCounts counts;

	private final Listeners listeners;

	private Object[] items = new Object[16];

	private Tracker[] trackers = new Tracker[16];

	private int size;

	/** The items before this index are covered by an output. */
	private int covered;

	/** One reference on a group of folded items' trackers, or {@code null}. */
	private Tracker chain;

	/** Whether the handler says what it holds. */
	private boolean explicit;

	/** The item taken last. */
	Object current;

	HeldItems(String step, LocalCounts counts, Listeners listeners) {
		this.step = step;
		this.counts = counts;
		this.listeners = listeners;
	}

	/** The handler took an item, in its envelope when it is tracked. */
	void took(Object raw) {
		if (!this.explicit) {
			if (this.covered >= FOLD_AT) {
				fold(this.covered);
			}
			else if (this.size - this.covered >= RETAINED) {
				fold(this.covered + RETAINED / 2);
			}
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

	/** The number of items held. */
	int size() {
		return this.size;
	}

	/**
	 * The tracker an output emitted now carries, with one reference for the output. When
	 * the output is a list of exactly the held items, in order (a chunk), the tracker is
	 * aligned with it, so that a later step can take the list apart.
	 * @param output the output
	 * @return the tracker, or {@code null} when no held item is tracked
	 */
	Tracker cover(Object output) {
		this.covered = this.size;
		boolean aligned = this.chain == null && holdsExactly(output);
		Tracker[] members = null;
		int n = 0;
		for (int i = -1; i < this.size; i++) {
			Tracker tracker = (i < 0) ? this.chain : this.trackers[i];
			if (tracker != null) {
				members = (members != null) ? members : new Tracker[this.size + 1];
				tracker.retain();
				members[aligned ? i : n] = tracker;
				n++;
			}
		}
		if (n == 0) {
			return null;
		}
		if (aligned) {
			return new Tracker.Group(Arrays.copyOf(members, this.size), true);
		}
		return (n == 1) ? members[0] : new Tracker.Group(Arrays.copyOf(members, n));
	}

	private boolean holdsExactly(Object output) {
		if (!(output instanceof java.util.List<?> list) || list.size() != this.size) {
			return false;
		}
		for (int i = 0; i < this.size; i++) {
			if (list.get(i) != this.items[i]) {
				return false;
			}
		}
		return true;
	}

	/** Moves the first {@code n} items into the chain: they settle when the call ends. */
	private void fold(int n) {
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
		remove(0, n);
		processed(n);
	}

	/** The handler is done with one item (matched by identity); others are ignored. */
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
		release(this.size);
		releaseChain();
		this.current = null;
	}

	/**
	 * Takes the first {@code n} items out as processed and gives back their references.
	 */
	private void release(int n) {
		Tracker[] released = Arrays.copyOf(this.trackers, n);
		remove(0, n);
		processed(n);
		for (Tracker tracker : released) {
			if (tracker != null) {
				tracker.release();
			}
		}
	}

	/**
	 * The handler failed: the items it held and had not finished are lost with its state.
	 * They are taken out, as envelopes that still hold their reference, for the caller to
	 * dead-letter or abandon: every item held when the handler says what it holds,
	 * otherwise those taken since its last output. The others settle with their outputs.
	 * @return the lost items, in the order taken
	 */
	Object[] failed() {
		int from = this.explicit ? 0 : this.covered;
		Object[] lost = new Object[this.size - from];
		for (int i = from; i < this.size; i++) {
			Tracker tracker = this.trackers[i];
			lost[i - from] = (tracker != null) ? tracker.wrap(this.items[i]) : this.items[i];
		}
		this.size = from;
		Arrays.fill(this.items, from, this.items.length, null);
		Arrays.fill(this.trackers, from, this.trackers.length, null);
		end();
		return lost;
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
		this.covered = (this.covered >= to) ? this.covered - (to - from) : Math.min(this.covered, from);
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
