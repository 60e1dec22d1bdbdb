package io.paipa.core.internal;

/**
 * A marker on its way through the steps: the user's control object, and the tracker of
 * its completion callback ({@code null} when it has none). Never counted as an item.
 */
final class MarkerEntry implements BatchQueue.Marker {

	final Object value;

	final Tracker tracker;

	MarkerEntry(Object value, Tracker tracker) {
		this.value = value;
		this.tracker = tracker;
	}

	/**
	 * The same marker's tracker on another control object, for a step that passes on
	 * another.
	 */
	MarkerEntry passOn(Object marker) {
		if (this.tracker != null) {
			this.tracker.retain();
		}
		return new MarkerEntry(marker, this.tracker);
	}

	/**
	 * Gives back this entry's reference: it has left the pipeline, or a step ended it.
	 */
	void release() {
		if (this.tracker != null) {
			this.tracker.release();
		}
	}

	@Override
	public String toString() {
		return "marker " + this.value;
	}

}
