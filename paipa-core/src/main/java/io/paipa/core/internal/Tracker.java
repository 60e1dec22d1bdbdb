package io.paipa.core.internal;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.paipa.core.CompletionCallback;

/**
 * A reference count over an input item and everything derived from it. Every envelope in
 * flight holds one reference; fan-out adds references, a chunk holds its members'
 * references through a {@link Group}, and an item that completes, is dropped or is
 * dead-lettered gives its reference back. At zero the item has settled.
 */
public abstract class Tracker {

	private static final Logger logger = LoggerFactory.getLogger(Tracker.class);

	private final AtomicInteger refs = new AtomicInteger(1);

	/** Adds one reference. */
	public final void retain() {
		this.refs.incrementAndGet();
	}

	/**
	 * Gives one reference back; the last one settles the tracker. A group settling gives
	 * back its members' references in a loop, not by recursion, so that a long chain of
	 * groups cannot overflow the stack.
	 */
	public final void release() {
		if (this.refs.decrementAndGet() != 0) {
			return;
		}
		ArrayDeque<Tracker> settling = null;
		Tracker next = this;
		while (next != null) {
			if (next instanceof Group group) {
				for (Tracker member : group.members) {
					if (member != null && member.refs.decrementAndGet() == 0) {
						settling = (settling != null) ? settling : new ArrayDeque<>();
						settling.add(member);
					}
				}
			}
			else {
				next.settled();
			}
			next = (settling != null) ? settling.poll() : null;
		}
	}

	/**
	 * Called once, when the last reference was given back (groups settle their members).
	 */
	protected void settled() {
	}

	/** Adds the callbacks of the input items this tracker stands for. */
	abstract void collectOrigins(List<CompletionCallback> into);

	/**
	 * The context captured with the input item this tracker stands for: a group's is its
	 * first member's.
	 * @return the context, or {@code null}
	 */
	Object context() {
		return null;
	}

	/**
	 * The context an item carries.
	 * @param raw an item, wrapped or not
	 * @return its context, or {@code null}
	 */
	static Object contextOf(Object raw) {
		return (raw instanceof Tracked tracked) ? tracked.tracker.context() : null;
	}

	/**
	 * The callbacks of the input items that the item in an envelope derives from.
	 * @param raw an item, wrapped or not
	 * @return the callbacks, empty for an untracked item
	 */
	static List<CompletionCallback> originsOf(Object raw) {
		if (!(raw instanceof Tracked tracked)) {
			return List.of();
		}
		return tracked.tracker.origins();
	}

	/**
	 * The callbacks of the input items this tracker stands for.
	 * @return the callbacks
	 */
	final List<CompletionCallback> origins() {
		List<CompletionCallback> origins = new java.util.ArrayList<>(1);
		collectOrigins(origins);
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

	/**
	 * The tracker of one input item, which calls the source back when it settles, and
	 * holds the context captured when it was put.
	 */
	public static final class Input extends Tracker {

		private final CompletionCallback callback;

		private final String pipeline;

		private final Object context;

		public Input(CompletionCallback callback, String pipeline) {
			this(callback, pipeline, null);
		}

		/**
		 * A tracker of an item with a callback, a context, or both.
		 * @param callback the callback, or {@code null}
		 * @param pipeline the pipeline's name
		 * @param context the captured context, or {@code null}
		 */
		Input(CompletionCallback callback, String pipeline, Object context) {
			this.callback = callback;
			this.pipeline = pipeline;
			this.context = context;
		}

		@Override
		Object context() {
			return this.context;
		}

		@Override
		protected void settled() {
			if (this.callback == null) {
				return;
			}
			// a cut-off's interrupt was for a handler's blocking call, not for the
			// callback
			boolean interrupted = Thread.interrupted();
			try {
				this.callback.completed();
			}
			catch (Throwable ex) {
				logger.warn("Pipeline '{}': a completion callback threw; ignored", this.pipeline, ex);
			}
			finally {
				if (interrupted) {
					Thread.currentThread().interrupt();
				}
			}
		}

		@Override
		void collectOrigins(List<CompletionCallback> into) {
			if (this.callback != null) {
				into.add(this.callback);
			}
		}

	}

	/**
	 * The tracker of an item derived from several inputs: settles them all. It takes over
	 * one reference of each member from its creator. An aligned group is a list's: its
	 * members stand for the list's elements by position ({@code null} for an element that
	 * is not tracked), so that the list can be taken apart again.
	 */
	public static final class Group extends Tracker {

		private final Tracker[] members;

		private final boolean aligned;

		public Group(Tracker[] members) {
			this(members, false);
		}

		Group(Tracker[] members, boolean aligned) {
			this.members = members;
			this.aligned = aligned;
		}

		int size() {
			return this.members.length;
		}

		/**
		 * Whether the members stand for the elements of a list of this size, by position.
		 */
		boolean isAlignedWith(int size) {
			return this.aligned && this.members.length == size;
		}

		/** The tracker of the list's element at {@code index}, or {@code null}. */
		Tracker member(int index) {
			return this.members[index];
		}

		@Override
		Object context() {
			// a loop, not recursion: groups may chain deep
			Tracker first = this;
			while (first instanceof Group group) {
				first = firstMember(group.members);
			}
			return (first != null) ? first.context() : null;
		}

		private static Tracker firstMember(Tracker[] members) {
			for (Tracker member : members) {
				if (member != null) {
					return member;
				}
			}
			return null;
		}

		@Override
		void collectOrigins(List<CompletionCallback> into) {
			// a loop, not recursion: groups may chain deep
			ArrayDeque<Tracker> open = new ArrayDeque<>();
			addAll(open, this.members);
			while (!open.isEmpty()) {
				Tracker tracker = open.poll();
				if (tracker instanceof Group group) {
					addAll(open, group.members);
				}
				else {
					tracker.collectOrigins(into);
				}
			}
		}

		private static void addAll(ArrayDeque<Tracker> open, Tracker[] members) {
			for (Tracker member : members) {
				if (member != null) {
					open.add(member);
				}
			}
		}

	}

}
