package io.paipa.core.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.paipa.core.CompletionCallback;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Completion tracking's reference counts: an input item settles once, when its last
 * reference is given back; a group holds one reference of each member and gives them back
 * when it settles itself; envelopes carry an item with its tracker.
 */
@Timeout(30)
class TrackerTests {

	@AfterEach
	void clearInterrupt() {
		Thread.interrupted();
	}

	private static Tracker.Input input(AtomicInteger calls) {
		return new Tracker.Input(calls::incrementAndGet, "test");
	}

	@Test
	void anItemSettlesOnceWhenItsLastReferenceIsGivenBack() {
		AtomicInteger calls = new AtomicInteger();
		Tracker tracker = input(calls);
		tracker.retain();
		tracker.retain();
		tracker.release();
		tracker.release();
		assertThat(calls).as("one of three references is still out").hasValue(0);
		tracker.release();
		assertThat(calls).hasValue(1);
	}

	@Test
	void aTrackerWithoutRetainsSettlesAtItsFirstRelease() {
		Runs.Settling tracker = new Runs.Settling();
		tracker.release();
		assertThat(tracker.settled).isEqualTo(1);
	}

	@Test
	void aPlainTrackerSettlesSilently() {
		Tracker tracker = new Tracker() {
			@Override
			void collectOrigins(List<CompletionCallback> into) {
			}
		};
		tracker.release();
		assertThat(tracker.origins()).isEmpty();
	}

	@Test
	void aGroupSettlesItsMembersWhenItSettles() {
		AtomicInteger first = new AtomicInteger();
		AtomicInteger second = new AtomicInteger();
		Tracker.Group group = new Tracker.Group(new Tracker[] { input(first), input(second) });
		group.retain();
		group.release();
		assertThat(first).hasValue(0);
		assertThat(second).hasValue(0);
		group.release();
		assertThat(first).hasValue(1);
		assertThat(second).hasValue(1);
	}

	@Test
	void aGroupGivesBackOnlyTheReferenceItHolds() {
		AtomicInteger shared = new AtomicInteger();
		AtomicInteger alone = new AtomicInteger();
		Tracker.Input sharedInput = input(shared);
		// the item also went elsewhere (a fan-out): one more reference
		sharedInput.retain();
		Tracker.Group group = new Tracker.Group(new Tracker[] { sharedInput, null, input(alone) });
		group.release();
		assertThat(alone).hasValue(1);
		assertThat(shared).as("its other reference is still out").hasValue(0);
		sharedInput.release();
		assertThat(shared).hasValue(1);
	}

	@Test
	void aGroupOfGroupsSettlesEveryInputOnce() {
		AtomicInteger calls = new AtomicInteger();
		Tracker.Input a = input(calls);
		Tracker.Input b = input(calls);
		Tracker.Input c = input(calls);
		Tracker.Group inner = new Tracker.Group(new Tracker[] { a, b });
		Tracker.Group outer = new Tracker.Group(new Tracker[] { inner, c });
		outer.release();
		assertThat(calls).hasValue(3);
	}

	@Test
	void aLongChainOfGroupsSettlesWithoutOverflowingTheStack() {
		AtomicInteger calls = new AtomicInteger();
		Tracker tracker = input(calls);
		for (int i = 0; i < 200_000; i++) {
			tracker = new Tracker.Group(new Tracker[] { tracker });
		}
		tracker.release();
		assertThat(calls).hasValue(1);
	}

	@Test
	void theOriginsOfAGroupAreItsInputsCallbacksInOrder() {
		CompletionCallback a = () -> {
		};
		CompletionCallback b = () -> {
		};
		CompletionCallback c = () -> {
		};
		Tracker.Group inner = new Tracker.Group(new Tracker[] { new Tracker.Input(b, "test"), null });
		Tracker.Group outer = new Tracker.Group(
				new Tracker[] { new Tracker.Input(a, "test"), inner, null, new Tracker.Input(c, "test") });
		assertThat(outer.origins()).containsExactly(a, c, b);
		assertThat(inner.origins()).containsExactly(b);
	}

	@Test
	void theOriginsOfALongChainOfGroupsAreCollectedWithoutOverflowingTheStack() {
		CompletionCallback callback = () -> {
		};
		Tracker tracker = new Tracker.Input(callback, "test");
		for (int i = 0; i < 200_000; i++) {
			tracker = new Tracker.Group(new Tracker[] { tracker });
		}
		assertThat(tracker.origins()).containsExactly(callback);
	}

	@Test
	void anEnvelopeCarriesTheItemAndItsTracker() {
		CompletionCallback callback = () -> {
		};
		Tracker.Input tracker = new Tracker.Input(callback, "test");
		Tracked tracked = tracker.wrap("item");
		assertThat(tracked.item).isEqualTo("item");
		assertThat(tracked.tracker).isSameAs(tracker);
		assertThat(Tracked.unwrap(tracked)).isEqualTo("item");
		assertThat(Tracked.trackerOf(tracked)).isSameAs(tracker);
		assertThat(Tracker.originsOf(tracked)).containsExactly(callback);
	}

	@Test
	void aBareItemHasNoTrackerAndNoOrigins() {
		assertThat(Tracked.unwrap("item")).isEqualTo("item");
		assertThat(Tracked.trackerOf("item")).isNull();
		assertThat(Tracker.originsOf("item")).isEmpty();
		assertThat(Tracker.originsOf(null)).isEmpty();
		// settling a bare item does nothing
		Tracked.settle("item");
	}

	@Test
	void settlingAnEnvelopeGivesBackItsReference() {
		AtomicInteger calls = new AtomicInteger();
		Tracker.Input tracker = input(calls);
		tracker.retain();
		Tracked first = tracker.wrap(1);
		Tracked second = tracker.wrap(2);
		Tracked.settle(first);
		assertThat(calls).hasValue(0);
		Tracked.settle(second);
		assertThat(calls).hasValue(1);
	}

	@Test
	void aGroupTellsItsMembersByPosition() {
		Tracker.Input a = input(new AtomicInteger());
		Tracker.Group group = new Tracker.Group(new Tracker[] { a, null }, true);
		assertThat(group.size()).isEqualTo(2);
		assertThat(group.member(0)).isSameAs(a);
		assertThat(group.member(1)).isNull();
		assertThat(group.isAlignedWith(2)).isTrue();
		assertThat(group.isAlignedWith(3)).isFalse();
		Tracker.Group unaligned = new Tracker.Group(new Tracker[] { a, null });
		assertThat(unaligned.isAlignedWith(2)).as("a chunk's group, not a list's").isFalse();
	}

	@Test
	void aCallbackThatThrowsIsIgnored() {
		AtomicInteger calls = new AtomicInteger();
		Tracker.Input throwing = new Tracker.Input(() -> {
			throw new IllegalStateException("boom");
		}, "test");
		Tracker.Group group = new Tracker.Group(new Tracker[] { throwing, input(calls) });
		group.release();
		assertThat(calls).as("the next member settles all the same").hasValue(1);
	}

	@Test
	void theCallbackRunsWithoutTheInterruptOfACutOffWhichIsSetAgainAfterwards() {
		AtomicBoolean interruptedInCallback = new AtomicBoolean(true);
		Tracker.Input tracker = new Tracker.Input(
				() -> interruptedInCallback.set(Thread.currentThread().isInterrupted()), "test");
		Thread.currentThread().interrupt();
		tracker.release();
		assertThat(interruptedInCallback).isFalse();
		assertThat(Thread.interrupted()).isTrue();
	}

	@Test
	void theCallbackOfAnUninterruptedThreadLeavesItUninterrupted() {
		List<Boolean> seen = new ArrayList<>();
		Tracker.Input tracker = new Tracker.Input(() -> seen.add(Thread.currentThread().isInterrupted()), "test");
		tracker.release();
		assertThat(seen).containsExactly(false);
		assertThat(Thread.currentThread().isInterrupted()).isFalse();
	}

	// ---- contexts

	@Test
	void anInputHoldsTheContextCapturedWithIt() {
		Tracker.Input traced = new Tracker.Input(null, "test", "trace-1");
		assertThat(traced.context()).isEqualTo("trace-1");
		assertThat(Tracker.contextOf(traced.wrap("a"))).isEqualTo("trace-1");
		assertThat(Tracker.contextOf("a")).as("a bare item").isNull();
		assertThat(input(new AtomicInteger()).context()).isNull();
	}

	@Test
	void aGroupsContextIsItsFirstMembersEvenDeepDown() {
		Tracker first = new Tracker.Input(null, "test", "first");
		Tracker second = new Tracker.Input(null, "test", "second");
		assertThat(new Tracker.Group(new Tracker[] { first, second }).context()).isEqualTo("first");
		assertThat(new Tracker.Group(new Tracker[] { null, second, first }, true).context())
			.as("an element without tracker is skipped")
			.isEqualTo("second");
		Tracker inner = new Tracker.Group(new Tracker[] { null, second });
		assertThat(new Tracker.Group(new Tracker[] { inner, first }).context()).isEqualTo("second");
		assertThat(new Tracker.Group(new Tracker[] { null, null }, true).context()).isNull();
	}

	@Test
	void anItemTrackedForItsContextAloneSettlesWithoutCallbackAndHasNoOrigin() {
		Tracker.Input traced = new Tracker.Input(null, "test", "trace-1");
		assertThat(traced.origins()).isEmpty();
		AtomicInteger calls = new AtomicInteger();
		Tracker.Input withCallback = input(calls);
		assertThat(new Tracker.Group(new Tracker[] { traced, withCallback }).origins()).hasSize(1);
		traced.release();
		withCallback.release();
		assertThat(calls).hasValue(1);
	}

}
