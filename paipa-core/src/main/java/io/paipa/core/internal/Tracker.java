package io.paipa.core.internal;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.paipa.core.CompletionCallback;

/**
 * A reference count over an input item and everything derived from it. Every envelope
 * in flight holds one reference; fan-out adds references, a chunk holds its members'
 * references through a {@link Group}, and an item that completes, is dropped or is
 * dead-lettered gives its reference back. At zero the item has settled.
 */
public abstract class Tracker {

	private final AtomicInteger refs = new AtomicInteger(1);

	/** Adds one reference. */
	public final void retain() {
		this.refs.incrementAndGet();
	}

	/** Gives one reference back; the last one settles the tracker. */
	public final void release() {
		if (this.refs.decrementAndGet() == 0) {
			settled();
		}
	}

	/** Called once, when the last reference was given back. */
	protected abstract void settled();

	/** Adds the callbacks of the input items this tracker stands for. */
	abstract void collectOrigins(List<CompletionCallback> into);

	/**
	 * The callbacks of the input items that the item in an envelope derives from.
	 * @param raw an item, wrapped or not
	 * @return the callbacks, empty for an untracked item
	 */
	static List<CompletionCallback> originsOf(Object raw) {
		if (!(raw instanceof Tracked tracked)) {
			return List.of();
		}
		List<CompletionCallback> origins = new java.util.ArrayList<>(1);
		tracked.tracker.collectOrigins(origins);
		return origins;
	}

	/**
	 * Wraps an item in an envelope holding a reference of this tracker (the caller's).
	 * @param item the item
	 * @return the envelope
	 */
	public final Tracked wrap(Object item) {
		return new Tracked(item, this);
	}

	/** The tracker of one input item, which calls the source back when it settles. */
	public static final class Input extends Tracker {

		private final CompletionCallback callback;

		private final Execution execution;

		public Input(CompletionCallback callback, Execution execution) {
			this.callback = callback;
			this.execution = execution;
		}

		@Override
		protected void settled() {
			try {
				this.callback.completed();
			}
			catch (Throwable ex) {
				this.execution.callbackFailed(ex);
			}
		}

		@Override
		void collectOrigins(List<CompletionCallback> into) {
			into.add(this.callback);
		}

	}

	/** The tracker of an item derived from several inputs: settles them all. */
	public static final class Group extends Tracker {

		private final Tracker[] members;

		public Group(Tracker[] members) {
			this.members = members;
		}

		@Override
		protected void settled() {
			for (Tracker member : this.members) {
				member.release();
			}
		}

		@Override
		void collectOrigins(List<CompletionCallback> into) {
			for (Tracker member : this.members) {
				member.collectOrigins(into);
			}
		}

	}

}
