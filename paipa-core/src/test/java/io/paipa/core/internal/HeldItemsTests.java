package io.paipa.core.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.paipa.core.ItemOutcome;
import io.paipa.core.PipelineListener;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a stream handler holds: an output covers every item held when it is emitted; an
 * item settles once the handler is done with it and the outputs covering it have settled;
 * a failure gives back the items not finished; a handler that never says it is done keeps
 * a short list (covered items folded, at most {@link HeldItems#RETAINED} uncovered ones).
 */
@Timeout(30)
class HeldItemsTests {

	private final LocalCounts counts = new LocalCounts();

	private final List<Object> settledItems = new ArrayList<>();

	private final HeldItems held = new HeldItems("step0", this.counts, new Listeners("test", List.of()));

	/** A tracked item that records itself in {@link #settledItems} when it settles. */
	private Tracked tracked(Object item) {
		return new Tracker.Input(() -> this.settledItems.add(item), "test").wrap(item);
	}

	@Test
	void remembersWhatItTookAndTheLastItem() {
		assertThat(this.held.size()).isZero();
		this.held.took("a");
		Tracked b = tracked("b");
		this.held.took(b);
		assertThat(this.held.size()).isEqualTo(2);
		assertThat(this.held.current).as("unwrapped").isEqualTo("b");
		for (int i = 0; i < 40; i++) {
			this.held.took("more" + i);
		}
		assertThat(this.held.size()).isEqualTo(42);
		assertThat(this.held.current).isEqualTo("more39");
		this.held.end();
		assertThat(this.held.size()).isZero();
		assertThat(this.held.current).isNull();
		assertThat(this.counts.processed).isEqualTo(42);
		assertThat(this.settledItems).containsExactly("b");
	}

	@Test
	void anOutputOfUntrackedItemsCarriesNoTracker() {
		this.held.took("a");
		assertThat(this.held.cover("out")).isNull();
		assertThat(new HeldItems("s", this.counts, new Listeners("test", List.of())).cover("out")).isNull();
	}

	@Test
	void anOutputOfOneTrackedItemCarriesItsTrackerWithAReferenceOfItsOwn() {
		Tracked a = tracked("a");
		this.held.took(a);
		this.held.took("b");
		Tracker output = this.held.cover("out");
		assertThat(output).isSameAs(a.tracker);
		this.held.done("a");
		assertThat(this.counts.processed).isEqualTo(1);
		assertThat(this.held.size()).isEqualTo(1);
		assertThat(this.settledItems).as("the output is still on its way").isEmpty();
		output.release();
		assertThat(this.settledItems).containsExactly("a");
	}

	@Test
	void anOutputOfSeveralTrackedItemsCarriesAGroup() {
		this.held.took(tracked("a"));
		this.held.took(tracked("b"));
		this.held.took("c");
		Tracker output = this.held.cover("out");
		assertThat(output).isInstanceOf(Tracker.Group.class);
		assertThat(((Tracker.Group) output).size()).isEqualTo(2);
		assertThat(((Tracker.Group) output).isAlignedWith(2)).isFalse();
		this.held.doneAll();
		assertThat(this.settledItems).isEmpty();
		assertThat(this.counts.processed).isEqualTo(3);
		output.release();
		assertThat(this.settledItems).containsExactlyInAnyOrder("a", "b");
	}

	@Test
	void aListOfExactlyTheHeldItemsCarriesAGroupAlignedWithIt() {
		Tracked a = tracked("a");
		Tracked c = tracked("c");
		String b = "b";
		this.held.took(a);
		this.held.took(b);
		this.held.took(c);
		Tracker output = this.held.cover(List.of("a", b, "c"));
		assertThat(output).isInstanceOf(Tracker.Group.class);
		Tracker.Group group = (Tracker.Group) output;
		assertThat(group.isAlignedWith(3)).isTrue();
		assertThat(group.member(0)).isSameAs(a.tracker);
		assertThat(group.member(1)).isNull();
		assertThat(group.member(2)).isSameAs(c.tracker);
		this.held.end();
		output.release();
		assertThat(this.settledItems).containsExactlyInAnyOrder("a", "c");
	}

	@Test
	void onlyTheSameItemsInTheSameOrderAreAList() {
		String a = "a";
		String b = "b";
		this.held.took(tracked(a));
		this.held.took(tracked(b));
		assertThat(aligned(this.held.cover(List.of(b, a)))).as("another order").isFalse();
		assertThat(aligned(this.held.cover(List.of(a)))).as("fewer").isFalse();
		assertThat(aligned(this.held.cover(List.of(a, b, a)))).as("more").isFalse();
		assertThat(aligned(this.held.cover(List.of(a, new String("b"))))).as("an equal, not the same").isFalse();
		assertThat(aligned(this.held.cover(new Object[] { a, b }))).as("no list").isFalse();
		assertThat(aligned(this.held.cover(List.of(a, b)))).isTrue();
	}

	private static boolean aligned(Tracker tracker) {
		return tracker instanceof Tracker.Group group && group.isAlignedWith(group.size());
	}

	@Test
	void doneMatchesByIdentityAndIgnoresWhatIsNotHeld() {
		String a = new String("a");
		this.held.took(tracked(a));
		this.held.took(tracked("b"));
		this.held.done(new String("a"));
		this.held.done("z");
		this.held.done(null);
		assertThat(this.held.size()).isEqualTo(2);
		assertThat(this.counts.processed).isZero();
		this.held.done(a);
		assertThat(this.held.size()).isEqualTo(1);
		assertThat(this.counts.processed).isEqualTo(1);
		assertThat(this.settledItems).containsExactly("a");
		this.held.done("b");
		assertThat(this.settledItems).containsExactly("a", "b");
		assertThat(this.held.size()).isZero();
	}

	@Test
	void doneWithAnItemInTheMiddleKeepsTheOthersInOrder() {
		String a = "a";
		String b = "b";
		String c = "c";
		this.held.took(a);
		this.held.took(tracked(b));
		this.held.took(tracked(c));
		this.held.done(b);
		assertThat(this.settledItems).containsExactly("b");
		Tracker output = this.held.cover(List.of(a, c));
		assertThat(aligned(output)).isTrue();
		assertThat(((Tracker.Group) output).member(1)).isNotNull();
		assertThat(((Tracker.Group) output).member(0)).isNull();
	}

	@Test
	void aFailureGivesBackWhatWasTakenSinceTheLastOutputAndSettlesTheRest() {
		this.held.took(tracked("a"));
		this.held.took("b");
		Tracker output = this.held.cover("out");
		this.held.took(tracked("c"));
		this.held.took("d");
		Object[] lost = this.held.failed();
		assertThat(lost).hasSize(2);
		assertThat(lost[0]).isInstanceOf(Tracked.class);
		assertThat(Tracked.unwrap(lost[0])).isEqualTo("c");
		assertThat(lost[1]).isEqualTo("d");
		assertThat(this.counts.processed).as("the covered ones").isEqualTo(2);
		assertThat(this.held.size()).isZero();
		assertThat(this.held.current).isNull();
		output.release();
		assertThat(this.settledItems).containsExactly("a");
		// the lost items still hold their reference, for the dead letter to give back
		Tracked.settle(lost[0]);
		assertThat(this.settledItems).containsExactly("a", "c");
	}

	@Test
	void aFailureOfAHandlerThatSaysWhatItHoldsGivesBackEverythingHeld() {
		this.held.took("a");
		this.held.took(tracked("b"));
		this.held.cover("out").release();
		this.held.took("c");
		this.held.done("c");
		Object[] lost = this.held.failed();
		assertThat(lost).extracting(Tracked::unwrap).containsExactly("a", "b");
		assertThat(this.counts.processed).as("only c").isEqualTo(1);
		assertThat(this.settledItems).isEmpty();
	}

	@Test
	void aFailureWithNothingHeldLosesNothing() {
		assertThat(this.held.failed()).isEmpty();
		this.held.took("a");
		this.held.cover("out");
		assertThat(this.held.failed()).isEmpty();
		assertThat(this.counts.processed).isEqualTo(1);
	}

	@Test
	void coveredItemsAreFoldedAndSettleWhenTheCallEnds() {
		List<Tracker> outputs = new ArrayList<>();
		for (int i = 0; i < HeldItems.FOLD_AT; i++) {
			this.held.took(tracked(i));
		}
		outputs.add(this.held.cover("first"));
		this.held.took(tracked("next"));
		assertThat(this.held.size()).as("the covered ones folded").isEqualTo(1);
		assertThat(this.counts.processed).isEqualTo(HeldItems.FOLD_AT);
		for (int i = 1; i < HeldItems.FOLD_AT; i++) {
			this.held.took(tracked("more" + i));
		}
		outputs.add(this.held.cover("second"));
		this.held.took("last");
		assertThat(this.held.size()).isEqualTo(1);
		assertThat(this.counts.processed).isEqualTo(2L * HeldItems.FOLD_AT);
		outputs.forEach(Tracker::release);
		assertThat(this.settledItems).as("held until the call ends").isEmpty();
		this.held.end();
		assertThat(this.settledItems).hasSize(2 * HeldItems.FOLD_AT);
		assertThat(this.counts.processed).isEqualTo(2L * HeldItems.FOLD_AT + 1);
	}

	@Test
	void foldedItemsSettleOnlyWithTheirOutputs() {
		for (int i = 0; i < HeldItems.FOLD_AT; i++) {
			this.held.took(tracked(i));
		}
		Tracker output = this.held.cover("out");
		this.held.took("next");
		this.held.end();
		assertThat(this.settledItems).isEmpty();
		output.release();
		assertThat(this.settledItems).hasSize(HeldItems.FOLD_AT);
	}

	@Test
	void foldingUntrackedItemsKeepsNoChain() {
		for (int i = 0; i < HeldItems.FOLD_AT; i++) {
			this.held.took(i);
		}
		assertThat(this.held.cover("out")).isNull();
		Tracked u = tracked("u");
		this.held.took(u);
		assertThat(this.held.size()).isEqualTo(1);
		Tracker output = this.held.cover(List.of("u"));
		assertThat(aligned(output)).as("nothing folded to settle at the end: the list is the held items").isTrue();
		assertThat(((Tracker.Group) output).member(0)).isSameAs(u.tracker);
	}

	@Test
	void aSingleTrackedFoldedItemIsTheChainItself() {
		this.held.took(tracked("t"));
		for (int i = 1; i < HeldItems.FOLD_AT; i++) {
			this.held.took(i);
		}
		this.held.cover("out").release();
		this.held.took("u");
		assertThat(this.settledItems).isEmpty();
		this.held.end();
		assertThat(this.settledItems).containsExactly("t");
	}

	@Test
	void aHandlerThatSaysWhatItHoldsIsNotFolded() {
		this.held.took("first");
		this.held.done("first");
		for (int i = 0; i < HeldItems.FOLD_AT; i++) {
			this.held.took(i);
		}
		this.held.cover("out");
		this.held.took("next");
		assertThat(this.held.size()).isEqualTo(HeldItems.FOLD_AT + 1);
	}

	@Test
	void ofTheItemsTakenSinceTheLastOutputAtMostRetainedAreKept() {
		for (int i = 0; i < HeldItems.RETAINED; i++) {
			this.held.took(i);
		}
		assertThat(this.held.size()).isEqualTo(HeldItems.RETAINED);
		this.held.took("one more");
		assertThat(this.held.size()).isEqualTo(HeldItems.RETAINED / 2 + 1);
		assertThat(this.counts.processed).isEqualTo(HeldItems.RETAINED / 2);
		Object[] lost = this.held.failed();
		assertThat(lost).hasSize(HeldItems.RETAINED / 2 + 1);
		assertThat(lost[0]).isEqualTo(HeldItems.RETAINED / 2);
		assertThat(lost[lost.length - 1]).isEqualTo("one more");
	}

	@Test
	void theRetainedCountStartsAtTheLastOutput() {
		for (int i = 0; i < 10; i++) {
			this.held.took(i);
		}
		this.held.cover("out");
		for (int i = 0; i < HeldItems.RETAINED; i++) {
			this.held.took(i);
		}
		assertThat(this.held.size()).isEqualTo(10 + HeldItems.RETAINED);
		this.held.took("one more");
		assertThat(this.counts.processed).as("the covered ones and half the retained")
			.isEqualTo(10 + HeldItems.RETAINED / 2);
		assertThat(this.held.size()).isEqualTo(HeldItems.RETAINED / 2 + 1);
		assertThat(this.held.failed()).hasSize(HeldItems.RETAINED / 2 + 1);
	}

	@Test
	void eachProcessedItemIsToldToListenersThatWantEachItem() {
		List<ItemOutcome> told = new CopyOnWriteArrayList<>();
		PipelineListener listener = new PipelineListener() {
			@Override
			public void itemProcessed(String pipeline, String step, ItemOutcome outcome, long handlerNanos) {
				assertThat(step).isEqualTo("step0");
				assertThat(handlerNanos).isEqualTo(-1);
				told.add(outcome);
			}
		};
		HeldItems held = new HeldItems("step0", this.counts, new Listeners("test", List.of(listener)));
		held.took("a");
		held.took("b");
		held.took("c");
		held.done("b");
		assertThat(told).containsExactly(ItemOutcome.PROCESSED);
		held.end();
		assertThat(told).hasSize(3).containsOnly(ItemOutcome.PROCESSED);
	}

}
