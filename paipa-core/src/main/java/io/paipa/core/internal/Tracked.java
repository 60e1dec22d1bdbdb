package io.paipa.core.internal;

/**
 * An item travelling with its completion tracker. Only items whose source asked for
 * tracking are wrapped, so pipelines without tracking carry bare items. The envelope
 * belongs to one item in flight at a time; a one-to-one step reuses it for its output.
 */
public final class Tracked {

	Object item;

	final Tracker tracker;

	Tracked(Object item, Tracker tracker) {
		this.item = item;
		this.tracker = tracker;
	}

	static Object unwrap(Object raw) {
		return (raw instanceof Tracked tracked) ? tracked.item : raw;
	}

	static Tracker trackerOf(Object raw) {
		return (raw instanceof Tracked tracked) ? tracked.tracker : null;
	}

	/** Gives back the reference of an envelope that leaves the pipeline. */
	static void settle(Object raw) {
		if (raw instanceof Tracked tracked) {
			tracked.tracker.release();
		}
	}

}
