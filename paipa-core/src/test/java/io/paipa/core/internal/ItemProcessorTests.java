package io.paipa.core.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.paipa.core.Emitter;
import io.paipa.core.ErrorPolicy;
import io.paipa.core.FanOutHandler;
import io.paipa.core.ItemOutcome;
import io.paipa.core.OutagePolicy;
import io.paipa.core.PipelineFailedException;
import io.paipa.core.PipelineListener;
import io.paipa.core.RetryPolicy;
import io.paipa.core.StepHandler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * How one item goes through a one-to-one or fan-out step: its attempts with retries, the
 * outcome (processed, dropped, dead-lettered, stopped, failing the run), the listener
 * events and counts, its settlement, a chunk taken apart into its members, and an item
 * held through an outage. The processor runs on the test's thread against an environment
 * that records what it is told; nothing waits.
 */
@Timeout(30)
class ItemProcessorTests {

	private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

	/** What the environment's {@code fail} returns, for the processor to throw. */
	private static final RuntimeException RUN_FAILED = new IllegalStateException("run failed");

	private final List<String> log = new ArrayList<>();

	private final List<String> events = new ArrayList<>();

	private final List<String> outages = new ArrayList<>();

	private final LocalCounts counts = new LocalCounts();

	private final FakeEnv env = new FakeEnv();

	private final PipelineListener listener = new PipelineListener() {

		@Override
		public void itemProcessed(String pipeline, String step, ItemOutcome outcome, long handlerNanos) {
			ItemProcessorTests.this.events.add(pipeline + "/" + step + ":" + outcome + "@" + handlerNanos);
		}

	};

	private boolean fanOut;

	private boolean last;

	private RetryPolicy retry = RetryPolicy.none();

	private ErrorPolicy policy = ErrorPolicy.SKIP;

	private OutagePolicy outagePolicy = OutagePolicy.off();

	private boolean timed;

	private boolean isolate;

	private boolean withListener = true;

	private Outage outage;

	private ItemProcessor processor(Object handler) {
		this.outage = new Outage("p", "s", "step", this.outagePolicy, new Outage.Observer() {

			@Override
			public void outageStarted(String step, Throwable cause) {
				ItemProcessorTests.this.outages.add("started:" + step + ":" + cause.getMessage());
			}

			@Override
			public void outageEnded(String step, Duration lasted) {
				ItemProcessorTests.this.outages.add("ended:" + step);
			}

		});
		Listeners listeners = new Listeners("p", this.withListener ? List.of(this.listener) : List.of());
		ItemProcessor processor = new ItemProcessor("p", "s", this.fanOut, this.last, this.retry, this.policy,
				listeners, this.counts, this.env, this.timed, this.outage, this.isolate);
		processor.handler(handler);
		return processor;
	}

	/**
	 * A one-to-one handler that logs each try and fails while {@code failing} says so.
	 */
	private StepHandler<Object, Object> handler(java.util.function.Predicate<Object> failing) {
		int[] tries = new int[1];
		return (item) -> {
			tries[0]++;
			this.log.add("try:" + item);
			if (failing.test(item)) {
				throw new IllegalArgumentException("bad " + item + " #" + tries[0]);
			}
			return (item instanceof List<?> list) ? list : item + "!";
		};
	}

	private static String ev(ItemOutcome outcome, long nanos) {
		return "p/s:" + outcome + "@" + nanos;
	}

	// ---- going through

	@Test
	void anItemThatGoesThroughIsHandedOnAndCountedProcessed() {
		ItemProcessor processor = processor(handler((item) -> false));
		assertThat(processor.process("a")).as("first attempt").isTrue();
		assertThat(this.env.emitted).containsExactly("a!");
		assertThat(this.counts.processed).isEqualTo(1);
		assertThat(this.counts.dropped + this.counts.failed + this.counts.retried).isZero();
		assertThat(this.events).containsExactly(ev(ItemOutcome.PROCESSED, -1));
		assertThat(this.env.attempted).isEqualTo(1);
		assertThat(this.env.starts).as("not timed").isZero();
		assertThat(processor.attempt).isEqualTo(1);
		assertThat(processor.lastNanos).isEqualTo(-1);
		assertThat(this.env.deadLetters).isEmpty();
	}

	@Test
	void withoutPerItemListenersNoEventIsReported() {
		this.withListener = false;
		ItemProcessor processor = processor(handler((item) -> false));
		assertThat(processor.process("a")).isTrue();
		assertThat(this.counts.processed).isEqualTo(1);
		assertThat(this.events).isEmpty();
	}

	@Test
	void aTrackedItemTravelsOnInItsEnvelopeUnsettled() {
		Runs.Settling tracker = new Runs.Settling();
		Tracked envelope = tracker.wrap("a");
		ItemProcessor processor = processor(handler((item) -> false));
		assertThat(processor.process(envelope)).isTrue();
		assertThat(this.env.emitted).hasSize(1);
		assertThat(this.env.emitted.get(0)).isSameAs(envelope);
		assertThat(envelope.item).isEqualTo("a!");
		assertThat(tracker.settled).as("still on its way").isZero();
		tracker.release();
		assertThat(tracker.settled).isEqualTo(1);
	}

	@Test
	void anAttemptIsTimedOnlyWhenAsked() {
		this.timed = true;
		ItemProcessor processor = processor(handler((item) -> false));
		assertThat(processor.process("a")).isTrue();
		assertThat(this.env.starts).isEqualTo(1);
		assertThat(processor.lastNanos).as("endAttempt of the start").isEqualTo(1007);
		assertThat(this.events).containsExactly(ev(ItemOutcome.PROCESSED, 1007));
	}

	@Test
	void aNullOutputDropsTheItemAndSettlesIt() {
		Runs.Settling tracker = new Runs.Settling();
		ItemProcessor processor = processor((StepHandler<Object, Object>) (item) -> null);
		assertThat(processor.process(tracker.wrap("a"))).isTrue();
		assertThat(this.env.emitted).isEmpty();
		assertThat(this.counts.dropped).isEqualTo(1);
		assertThat(this.counts.processed).isZero();
		assertThat(tracker.settled).isEqualTo(1);
		assertThat(this.events).containsExactly(ev(ItemOutcome.DROPPED, -1));
	}

	@Test
	void atTheLastStepANullOutputIsHandedOnAsProcessed() {
		this.last = true;
		ItemProcessor processor = processor((StepHandler<Object, Object>) (item) -> null);
		assertThat(processor.process("a")).isTrue();
		assertThat(this.env.emitted).containsExactly((Object) null);
		assertThat(this.counts.processed).isEqualTo(1);
		assertThat(this.counts.dropped).isZero();
		assertThat(this.events).containsExactly(ev(ItemOutcome.PROCESSED, -1));
	}

	@Test
	void anItemThatGoesThroughEndsAFailureStreakAndAnOutage() {
		this.outagePolicy = OutagePolicy.afterFailures(2);
		ItemProcessor processor = processor(handler((item) -> false));
		this.outage.failed(new IllegalStateException("one"));
		assertThat(processor.process("a")).isTrue();
		assertThat(this.outage.failed(new IllegalStateException("two"))).as("the streak began again").isFalse();
		this.outage.failedNow(new IllegalStateException("down"));
		assertThat(processor.process("b")).isTrue();
		assertThat(this.outage.isActive()).isFalse();
		assertThat(this.outages).containsExactly("started:s:down", "ended:s");
	}

	// ---- fan-out

	@Test
	void aFanOutItemEmitsEachOutputAndIsProcessedOnce() {
		this.fanOut = true;
		ItemProcessor processor = processor((FanOutHandler<Object, Object>) (item, out) -> {
			out.emit(item + "1");
			out.emit(item + "2");
		});
		assertThat(processor.process("a")).isTrue();
		assertThat(this.env.emitted).containsExactly("a1", "a2");
		assertThat(this.counts.processed).isEqualTo(1);
		assertThat(this.events).containsExactly(ev(ItemOutcome.PROCESSED, -1));
	}

	@Test
	void theOutputsOfATrackedFanOutItemCarryItsTrackerEachWithAReference() {
		this.fanOut = true;
		ItemProcessor processor = processor((FanOutHandler<Object, Object>) (item, out) -> {
			out.emit(item + "1");
			out.emit(item + "2");
		});
		Runs.Settling tracker = new Runs.Settling();
		assertThat(processor.process(tracker.wrap("a"))).isTrue();
		assertThat(this.env.emitted).hasSize(2).allSatisfy((raw) -> {
			assertThat(raw).isInstanceOf(Tracked.class);
			assertThat(((Tracked) raw).tracker).isSameAs(tracker);
		});
		assertThat(this.env.emitted).extracting(Tracked::unwrap).containsExactly("a1", "a2");
		assertThat(tracker.settled).as("the input's reference was given back, the outputs' not").isZero();
		Tracked.settle(this.env.emitted.get(0));
		assertThat(tracker.settled).isZero();
		Tracked.settle(this.env.emitted.get(1));
		assertThat(tracker.settled).isEqualTo(1);
		// an untracked item after a tracked one: bare outputs
		this.env.emitted.clear();
		assertThat(processor.process("b")).isTrue();
		assertThat(this.env.emitted).containsExactly("b1", "b2");
	}

	@Test
	void aTrackedFanOutItemWithoutOutputsSettles() {
		this.fanOut = true;
		ItemProcessor processor = processor((FanOutHandler<Object, Object>) (item, out) -> {
		});
		Runs.Settling tracker = new Runs.Settling();
		assertThat(processor.process(tracker.wrap("a"))).isTrue();
		assertThat(this.env.emitted).isEmpty();
		assertThat(tracker.settled).isEqualTo(1);
		assertThat(this.counts.processed).isEqualTo(1);
	}

	@Test
	void aFanOutHandlerEmittingNullFailsTheItem() {
		this.fanOut = true;
		ItemProcessor processor = processor((FanOutHandler<Object, Object>) (item, out) -> out.emit(null));
		assertThat(processor.process("a")).isFalse();
		assertThat(this.env.deadLetters).singleElement().satisfies((letter) -> {
			assertThat(letter.cause()).isInstanceOf(NullPointerException.class).hasMessage("Step 's' emitted null");
			assertThat(letter.item()).isEqualTo("a");
		});
		assertThat(this.counts.failed).isEqualTo(1);
	}

	// ---- retries

	@Test
	void aFailedAttemptIsRetriedAfterTheBackoff() {
		this.retry = RetryPolicy.of(4, Duration.ofMillis(10), 2.0);
		this.timed = true;
		int[] calls = new int[1];
		ItemProcessor processor = processor((StepHandler<Object, Object>) (item) -> {
			if (++calls[0] < 3) {
				throw new IllegalStateException("not yet");
			}
			return "done";
		});
		assertThat(processor.process("a")).as("not on its first attempt").isFalse();
		assertThat(this.env.emitted).containsExactly("done");
		assertThat(this.env.pauses).containsExactly(10 * MS, 20 * MS);
		assertThat(this.counts.retried).isEqualTo(2);
		assertThat(this.counts.processed).isEqualTo(1);
		assertThat(this.counts.failed).isZero();
		assertThat(this.env.attempted).isEqualTo(3);
		assertThat(processor.attempt).isEqualTo(3);
		assertThat(this.events).containsExactly(ev(ItemOutcome.RETRIED, 1007), ev(ItemOutcome.RETRIED, 2007),
				ev(ItemOutcome.PROCESSED, 3007));
	}

	@Test
	void anItemFailingEveryAttemptIsDeadLetteredWithItsLastFailureUnderSkip() {
		this.retry = RetryPolicy.of(3, Duration.ofMillis(5));
		Runs.Settling tracker = new Runs.Settling();
		Tracked envelope = tracker.wrap("a");
		ItemProcessor processor = processor(handler((item) -> true));
		assertThat(processor.process(envelope)).isFalse();
		assertThat(this.log).containsExactly("try:a", "pause:" + 5 * MS, "try:a", "pause:" + 5 * MS, "try:a", "dead:a");
		assertThat(this.env.deadLetters).singleElement().satisfies((letter) -> {
			assertThat(letter.item()).isEqualTo("a");
			assertThat(letter.raw()).isSameAs(envelope);
			assertThat(letter.attempts()).isEqualTo(3);
			assertThat(letter.cause()).hasMessage("bad a #3");
		});
		assertThat(this.env.pauses).containsExactly(5 * MS, 5 * MS);
		assertThat(this.counts.retried).isEqualTo(2);
		assertThat(this.counts.failed).isEqualTo(1);
		assertThat(this.counts.processed).isZero();
		assertThat(this.env.emitted).isEmpty();
		assertThat(this.events).containsExactly(ev(ItemOutcome.RETRIED, -1), ev(ItemOutcome.RETRIED, -1),
				ev(ItemOutcome.FAILED, -1));
	}

	@Test
	void anItemFailingEveryAttemptFailsTheRunUnderFail() {
		this.policy = ErrorPolicy.FAIL;
		this.retry = RetryPolicy.of(2, Duration.ZERO);
		ItemProcessor processor = processor(handler((item) -> true));
		assertThatThrownBy(() -> processor.process("a")).isSameAs(RUN_FAILED);
		assertThat(this.env.failures).singleElement().satisfies((failure) -> {
			assertThat(failure.getPipeline()).isEqualTo("p");
			assertThat(failure.getStep()).isEqualTo("s");
			assertThat(failure.getItemSummary()).isEqualTo("a");
			assertThat(failure.getMessage())
				.startsWith("Pipeline 'p' failed in step 's': handler failed after 2 attempt(s)");
			assertThat(failure.getCause()).hasMessage("bad a #2");
		});
		assertThat(this.env.deadLetters).isEmpty();
		assertThat(this.counts.failed).isEqualTo(1);
		assertThat(this.counts.retried).isEqualTo(1);
		assertThat(this.events).containsExactly(ev(ItemOutcome.RETRIED, -1), ev(ItemOutcome.FAILED, -1));
	}

	@Test
	void aRunThatFailedGivesTheItemUpAtOnce() {
		this.retry = RetryPolicy.of(3, Duration.ZERO);
		ItemProcessor processor = processor(handler((item) -> {
			this.env.failed = true;
			return true;
		}));
		assertThatThrownBy(() -> processor.process("a")).isSameAs(Abort.INSTANCE);
		assertThat(this.log).containsExactly("try:a");
		assertThat(this.env.deadLetters).isEmpty();
		assertThat(this.env.stops).isEmpty();
		assertThat(this.counts.failed + this.counts.retried).isZero();
		assertThat(this.events).isEmpty();
	}

	@Test
	void aRunThatFailedDuringTheBackoffGivesTheItemUp() {
		this.retry = RetryPolicy.of(3, Duration.ofMillis(1));
		this.env.onPause = (nanos) -> {
			this.env.failed = true;
			return false;
		};
		ItemProcessor processor = processor(handler((item) -> true));
		assertThatThrownBy(() -> processor.process("a")).isSameAs(Abort.INSTANCE);
		assertThat(this.log).containsExactly("try:a", "pause:" + MS);
		assertThat(this.counts.retried).isEqualTo(1);
		assertThat(this.counts.failed).isZero();
		assertThat(this.env.deadLetters).isEmpty();
	}

	@Test
	void aBackoffEndedEarlyWithoutAFailureEndsTheAttempts() {
		this.retry = RetryPolicy.of(3, Duration.ofMillis(1));
		this.env.onPause = (nanos) -> false;
		ItemProcessor processor = processor(handler((item) -> true));
		assertThat(processor.process("a")).isFalse();
		assertThat(this.log).containsExactly("try:a", "pause:" + MS, "dead:a");
		assertThat(this.env.deadLetters).singleElement().satisfies((letter) -> assertThat(letter.attempts()).isOne());
		assertThat(this.counts.retried).isEqualTo(1);
		assertThat(this.counts.failed).isEqualTo(1);
	}

	@Test
	void afterACutOffNoFurtherAttemptIsMadeAndTheItemIsStopped() {
		this.retry = RetryPolicy.of(3, Duration.ZERO);
		Tracked envelope = new Runs.Settling().wrap("a");
		ItemProcessor processor = processor(handler((item) -> {
			this.env.cutOff = true;
			return true;
		}));
		assertThat(processor.process(envelope)).isFalse();
		assertThat(this.log).containsExactly("try:a", "stop:a");
		assertThat(this.env.stops).singleElement().satisfies((stop) -> {
			assertThat(stop.raw()).isSameAs(envelope);
			assertThat(stop.failure()).hasMessage("bad a #1");
			assertThat(stop.attempts()).isEqualTo(1);
		});
		assertThat(this.env.deadLetters).isEmpty();
		assertThat(this.counts.failed).isEqualTo(1);
		assertThat(this.counts.retried).isZero();
		assertThat(this.events).containsExactly(ev(ItemOutcome.FAILED, -1));
	}

	@Test
	void aCutOffDuringTheBackoffStopsTheItem() {
		this.retry = RetryPolicy.of(3, Duration.ofMillis(1));
		this.env.onPause = (nanos) -> {
			this.env.cutOff = true;
			return false;
		};
		ItemProcessor processor = processor(handler((item) -> true));
		assertThat(processor.process("a")).isFalse();
		assertThat(this.env.stops).singleElement().satisfies((stop) -> assertThat(stop.attempts()).isOne());
		assertThat(this.env.deadLetters).isEmpty();
		assertThat(this.counts.failed).isEqualTo(1);
	}

	@Test
	void anAbortInTheHandlerOrAfterTheAttemptUnwinds() {
		this.retry = RetryPolicy.of(3, Duration.ZERO);
		ItemProcessor aborting = processor((StepHandler<Object, Object>) (item) -> {
			throw Abort.INSTANCE;
		});
		assertThatThrownBy(() -> aborting.process("a")).isSameAs(Abort.INSTANCE);
		assertThat(this.env.attempted).as("the attempt did not end").isZero();
		this.env.abandonOnAttempt = true;
		ItemProcessor abandoned = processor(handler((item) -> true));
		assertThatThrownBy(() -> abandoned.process("b")).isSameAs(Abort.INSTANCE);
		assertThat(this.log).containsExactly("try:b");
		assertThat(this.counts.failed + this.counts.retried + this.counts.processed).isZero();
		assertThat(this.env.deadLetters).isEmpty();
	}

	// ---- a worker that dies

	@Test
	void anItemWhoseWorkerDiedIsDeadLetteredWithTheError() {
		ItemProcessor processor = processor(handler((item) -> false));
		Error error = new OutOfMemoryError("boom");
		Tracked envelope = new Runs.Settling().wrap("a");
		processor.died(envelope, error);
		processor.attempt = 3;
		processor.died("b", error);
		assertThat(this.env.deadLetters).hasSize(2);
		assertThat(this.env.deadLetters.get(0)).satisfies((letter) -> {
			assertThat(letter.item()).isEqualTo("a");
			assertThat(letter.raw()).isSameAs(envelope);
			assertThat(letter.cause()).isSameAs(error);
			assertThat(letter.attempts()).as("at least one").isEqualTo(1);
		});
		assertThat(this.env.deadLetters.get(1).attempts()).isEqualTo(3);
		assertThat(this.counts.failed).isEqualTo(2);
		assertThat(this.events).containsExactly(ev(ItemOutcome.FAILED, -1), ev(ItemOutcome.FAILED, -1));
	}

	// ---- an outage

	@Test
	void anItemFailingInAnOutageIsHeldAndTriedAgainWithAGrowingPauseUntilItGoesThrough() {
		this.outagePolicy = OutagePolicy.afterFailures(1).withBackoff(Duration.ofMillis(10), Duration.ofMillis(25));
		int[] rounds = new int[1];
		List<String> errors = new ArrayList<>();
		this.env.onPause = (nanos) -> {
			errors.add(this.outage.error());
			return ++rounds[0] < 10;
		};
		boolean[] down = { true };
		int[] tries = new int[1];
		ItemProcessor processor = processor((StepHandler<Object, Object>) (item) -> {
			tries[0]++;
			if (rounds[0] == 3) {
				down[0] = false;
			}
			if (down[0]) {
				throw new IllegalStateException("down #" + tries[0]);
			}
			return "ok";
		});
		Tracked envelope = new Runs.Settling().wrap("a");
		assertThat(processor.process(envelope)).isFalse();
		assertThat(this.env.pauses).containsExactly(10 * MS, 20 * MS, 25 * MS);
		assertThat(errors).containsExactly("java.lang.IllegalStateException: down #1",
				"java.lang.IllegalStateException: down #2", "java.lang.IllegalStateException: down #3");
		assertThat(tries[0]).isEqualTo(4);
		assertThat(this.env.emitted).containsExactly(envelope);
		assertThat(envelope.item).isEqualTo("ok");
		assertThat(processor.attempt).isEqualTo(4);
		assertThat(this.counts.retried).isEqualTo(3);
		assertThat(this.counts.processed).isEqualTo(1);
		assertThat(this.counts.failed).isZero();
		assertThat(this.env.deadLetters).isEmpty();
		assertThat(this.outages).containsExactly("started:s:down #1", "ended:s");
		assertThat(this.events).containsExactly(ev(ItemOutcome.RETRIED, -1), ev(ItemOutcome.RETRIED, -1),
				ev(ItemOutcome.RETRIED, -1), ev(ItemOutcome.PROCESSED, -1));
	}

	@Test
	void aHeldItemStillFailingWhenTheOutageEndedFailsAlone() {
		this.outagePolicy = OutagePolicy.afterFailures(1);
		this.env.onPause = (nanos) -> {
			// another item went through meanwhile
			this.outage.succeeded();
			return true;
		};
		ItemProcessor processor = processor(handler((item) -> true));
		assertThat(processor.process("a")).isFalse();
		assertThat(this.log).containsExactly("try:a", "pause:" + 100 * MS, "try:a", "dead:a");
		assertThat(this.env.deadLetters).singleElement().satisfies((letter) -> {
			assertThat(letter.cause()).hasMessage("bad a #2");
			assertThat(letter.attempts()).isEqualTo(2);
		});
		assertThat(this.counts.retried).isEqualTo(1);
		assertThat(this.counts.failed).isEqualTo(1);
		assertThat(this.outages).containsExactly("started:s:bad a #1", "ended:s");
		assertThat(this.events).containsExactly(ev(ItemOutcome.RETRIED, -1), ev(ItemOutcome.FAILED, -1));
	}

	@Test
	void aHeldItemStillFailingWhenTheOutageEndedFailsTheRunUnderFail() {
		this.policy = ErrorPolicy.FAIL;
		this.outagePolicy = OutagePolicy.afterFailures(1);
		this.env.onPause = (nanos) -> {
			this.outage.succeeded();
			return true;
		};
		ItemProcessor processor = processor(handler((item) -> true));
		assertThatThrownBy(() -> processor.process("a")).isSameAs(RUN_FAILED);
		assertThat(this.env.failures).singleElement().satisfies((failure) -> {
			assertThat(failure.getMessage()).contains("handler failed after 2 attempt(s)");
			assertThat(failure.getCause()).hasMessage("bad a #2");
		});
		assertThat(this.counts.failed).isEqualTo(1);
	}

	@Test
	void aStopEndingTheOutagePauseStopsTheHeldItem() {
		this.outagePolicy = OutagePolicy.afterFailures(1);
		this.env.onPause = (nanos) -> {
			this.env.cutOff = true;
			return false;
		};
		Tracked envelope = new Runs.Settling().wrap("a");
		ItemProcessor processor = processor(handler((item) -> true));
		assertThat(processor.process(envelope)).isFalse();
		assertThat(this.log).containsExactly("try:a", "pause:" + 100 * MS, "stop:a");
		assertThat(this.env.stops).singleElement().satisfies((stop) -> {
			assertThat(stop.raw()).isSameAs(envelope);
			assertThat(stop.failure()).hasMessage("bad a #1");
			assertThat(stop.attempts()).isEqualTo(1);
		});
		assertThat(this.env.deadLetters).isEmpty();
		assertThat(this.counts.failed).isEqualTo(1);
		assertThat(this.counts.retried).isZero();
		assertThat(this.events).containsExactly(ev(ItemOutcome.FAILED, -1));
	}

	@Test
	void aStopEndingALaterOutagePauseReportsTheLatestFailure() {
		this.outagePolicy = OutagePolicy.afterFailures(1);
		int[] pauses = new int[1];
		this.env.onPause = (nanos) -> {
			if (pauses[0]++ == 0) {
				return true;
			}
			this.env.cutOff = true;
			return false;
		};
		ItemProcessor processor = processor(handler((item) -> true));
		assertThat(processor.process("a")).isFalse();
		assertThat(this.env.stops).singleElement().satisfies((stop) -> {
			assertThat(stop.failure()).hasMessage("bad a #2");
			assertThat(stop.attempts()).isEqualTo(2);
		});
	}

	@Test
	void aFailureEndingTheOutagePauseGivesTheHeldItemUp() {
		this.outagePolicy = OutagePolicy.afterFailures(1);
		this.env.onPause = (nanos) -> {
			this.env.failed = true;
			return false;
		};
		ItemProcessor processor = processor(handler((item) -> true));
		assertThatThrownBy(() -> processor.process("a")).isSameAs(Abort.INSTANCE);
		assertThat(this.env.stops).isEmpty();
		assertThat(this.env.deadLetters).isEmpty();
		assertThat(this.counts.failed).isZero();
	}

	@Test
	void anOutageLastingLongerThanThePolicyLetsFailsTheRunEvenUnderSkip() {
		this.outagePolicy = OutagePolicy.afterFailures(1).withGiveUpAfter(Duration.ofNanos(1));
		ItemProcessor processor = processor(handler((item) -> true));
		assertThatThrownBy(() -> processor.process("a")).isSameAs(RUN_FAILED);
		assertThat(this.env.failures).singleElement().satisfies((failure) -> {
			assertThat(failure.getMessage()).contains("the outage lasted longer than PT0.000000001S");
			assertThat(failure.getCause()).hasMessage("bad a #1");
			assertThat(failure.getItemSummary()).isEqualTo("a");
		});
		assertThat(this.env.deadLetters).isEmpty();
		assertThat(this.counts.failed).isEqualTo(1);
	}

	@Test
	void belowTheOutageThresholdAFailedItemIsDeadLettered() {
		this.outagePolicy = OutagePolicy.afterFailures(2);
		ItemProcessor processor = processor(handler((item) -> true));
		assertThat(processor.process("a")).isFalse();
		assertThat(this.env.deadLetters).hasSize(1);
		assertThat(this.env.pauses).isEmpty();
		assertThat(this.outages).isEmpty();
	}

	// ---- chunks taken apart

	@Test
	void aFailedChunkIsTakenApartAndOnlyItsBadMembersFail() {
		this.isolate = true;
		ItemProcessor processor = processor(handler((item) -> ((List<?>) item).contains("bad")));
		Runs.Settling tracker = new Runs.Settling();
		Tracked chunk = tracker.wrap(List.of("a", "bad", "c"));
		assertThat(processor.process(chunk)).isFalse();
		assertThat(this.log).containsExactly("try:[a, bad, c]", "try:[a]", "emit:[a]", "try:[bad]", "try:[c]",
				"emit:[c]", "dead:[bad]");
		assertThat(this.env.entered).isEqualTo(2);
		assertThat(this.env.emitted).extracting(Tracked::unwrap).containsExactly(List.of("a"), List.of("c"));
		assertThat(this.env.emitted).allSatisfy(
				(raw) -> assertThat(((Tracked) raw).tracker).as("the chunk's tracker, not aligned").isSameAs(tracker));
		assertThat(this.env.deadLetters).singleElement().satisfies((letter) -> {
			assertThat(letter.item()).isEqualTo(List.of("bad"));
			assertThat(letter.attempts()).isEqualTo(1);
			assertThat(letter.cause()).hasMessage("bad [bad] #3");
		});
		assertThat(this.counts.processed).isEqualTo(2);
		assertThat(this.counts.failed).isEqualTo(1);
		assertThat(this.events).containsExactly(ev(ItemOutcome.PROCESSED, -1), ev(ItemOutcome.PROCESSED, -1),
				ev(ItemOutcome.FAILED, -1));
		assertThat(tracker.settled).as("two outputs still on their way").isZero();
		this.env.emitted.forEach(Tracked::settle);
		assertThat(tracker.settled).isEqualTo(1);
	}

	@Test
	void theMembersOfAChunkWithAnAlignedGroupTakeTheirOwnTrackers() {
		this.isolate = true;
		ItemProcessor processor = processor(handler((item) -> ((List<?>) item).contains("bad")));
		Runs.Settling a = new Runs.Settling();
		Runs.Settling bad = new Runs.Settling();
		Tracker.Group group = new Tracker.Group(new Tracker[] { a, null, bad }, true);
		assertThat(processor.process(group.wrap(List.of("a", "b", "bad")))).isFalse();
		assertThat(this.env.emitted).hasSize(2);
		assertThat(this.env.emitted.get(0)).isInstanceOf(Tracked.class);
		assertThat(((Tracked) this.env.emitted.get(0)).tracker).isSameAs(a);
		assertThat(this.env.emitted.get(1)).as("an untracked member").isEqualTo(List.of("b"));
		assertThat(this.env.deadLetters).singleElement()
			.satisfies((letter) -> assertThat(((Tracked) letter.raw()).tracker).isSameAs(bad));
		assertThat(bad.settled).as("dead-lettered, and the group gave its reference back").isEqualTo(1);
		assertThat(a.settled).isZero();
		Tracked.settle(this.env.emitted.get(0));
		assertThat(a.settled).isEqualTo(1);
	}

	@Test
	void aGroupNotAlignedWithTheChunkStaysTheMembersTracker() {
		this.isolate = true;
		ItemProcessor processor = processor(handler((item) -> ((List<?>) item).contains("bad")));
		Runs.Settling a = new Runs.Settling();
		Tracker.Group group = new Tracker.Group(new Tracker[] { a }, true);
		assertThat(processor.process(group.wrap(List.of("a", "bad")))).isFalse();
		assertThat(this.env.emitted).singleElement()
			.satisfies((raw) -> assertThat(((Tracked) raw).tracker).isSameAs(group));
		assertThat(this.env.deadLetters).singleElement()
			.satisfies((letter) -> assertThat(((Tracked) letter.raw()).tracker).isSameAs(group));
		assertThat(a.settled).isZero();
		Tracked.settle(this.env.emitted.get(0));
		assertThat(a.settled).isEqualTo(1);
	}

	@Test
	void withoutIsolationOrForASingleMemberTheChunkFailsWhole() {
		ItemProcessor whole = processor(handler((item) -> ((List<?>) item).contains("bad")));
		assertThat(whole.process(List.of("a", "bad"))).isFalse();
		this.isolate = true;
		ItemProcessor isolating = processor(handler((item) -> true));
		assertThat(isolating.process(List.of("bad"))).isFalse();
		assertThat(isolating.process("notAList")).isFalse();
		assertThat(this.log).containsExactly("try:[a, bad]", "dead:[a, bad]", "try:[bad]", "dead:[bad]", "try:notAList",
				"dead:notAList");
		assertThat(this.env.entered).isZero();
	}

	@Test
	void withoutOutageDetectionEveryFailingMemberIsDeadLettered() {
		this.isolate = true;
		ItemProcessor processor = processor(handler((item) -> true));
		assertThat(processor.process(List.of("x", "y", "z"))).isFalse();
		assertThat(this.log).containsExactly("try:[x, y, z]", "try:[x]", "try:[y]", "try:[z]", "dead:[x]", "dead:[y]",
				"dead:[z]");
		assertThat(this.env.pauses).isEmpty();
		assertThat(this.outages).isEmpty();
		assertThat(this.counts.failed).isEqualTo(3);
	}

	@Test
	void whenAsManyMembersAsMakeAnOutageFailAloneTheFirstIsHeldAndTheRestGetTheirChanceAfter() {
		this.isolate = true;
		this.outagePolicy = OutagePolicy.afterFailures(2);
		boolean[] down = { true };
		this.env.onPause = (nanos) -> {
			down[0] = false;
			return true;
		};
		ItemProcessor processor = processor(handler((item) -> down[0]));
		assertThat(processor.process(List.of("x", "y", "z", "w"))).isFalse();
		assertThat(this.log).containsExactly("try:[x, y, z, w]", "try:[x]", "try:[y]", "pause:" + 100 * MS, "try:[x]",
				"emit:[x]", "try:[y]", "emit:[y]", "try:[z]", "emit:[z]", "try:[w]", "emit:[w]");
		assertThat(this.env.entered).isEqualTo(3);
		assertThat(this.outages).containsExactly("started:s:bad [x] #2", "ended:s");
		assertThat(this.counts.processed).isEqualTo(4);
		assertThat(this.counts.retried).isEqualTo(1);
		assertThat(this.counts.failed).isZero();
		assertThat(this.env.deadLetters).isEmpty();
	}

	@Test
	void aMemberThatWentThroughAloneMeansNoOutage() {
		this.isolate = true;
		this.outagePolicy = OutagePolicy.afterFailures(3);
		ItemProcessor processor = processor(
				handler((item) -> ((List<?>) item).size() > 1 || !((List<?>) item).contains("good")));
		assertThat(processor.process(List.of("x", "good", "z"))).isFalse();
		assertThat(this.log).containsExactly("try:[x, good, z]", "try:[x]", "try:[good]", "emit:[good]", "try:[z]",
				"dead:[x]", "dead:[z]");
		assertThat(this.outages).isEmpty();
		assertThat(this.env.pauses).isEmpty();
	}

	@Test
	void aMemberThatWentThroughFirstKeepsTheOthersFromBeingLeftForLater() {
		this.isolate = true;
		this.outagePolicy = OutagePolicy.afterFailures(2);
		this.env.onPause = (nanos) -> false;
		ItemProcessor processor = processor(
				handler((item) -> ((List<?>) item).size() > 1 || !((List<?>) item).contains("good")));
		assertThat(processor.process(List.of("good", "y", "z"))).isFalse();
		assertThat(this.log).startsWith("try:[good, y, z]", "try:[good]", "emit:[good]", "try:[y]", "try:[z]",
				"dead:[y]");
	}

	@Test
	void aCutOffWhileTheMembersAreTriedIsNoOutage() {
		this.isolate = true;
		this.outagePolicy = OutagePolicy.afterFailures(2);
		ItemProcessor processor = processor(handler((item) -> {
			if (item.equals(List.of("y"))) {
				this.env.cutOff = true;
			}
			return true;
		}));
		assertThat(processor.process(List.of("x", "y", "z"))).isFalse();
		assertThat(this.outages).isEmpty();
		assertThat(this.env.pauses).isEmpty();
		// no attempt after the cut-off: the member not tried yet is stopped untried
		assertThat(this.log).containsExactly("try:[x, y, z]", "try:[x]", "try:[y]", "stop:[x]", "stop:[y]", "stop:[z]");
		assertThat(this.env.stops).extracting((stop) -> Tracked.unwrap(stop.raw()))
			.containsExactly(List.of("x"), List.of("y"), List.of("z"));
		assertThat(this.env.deadLetters).isEmpty();
		assertThat(this.counts.failed).isEqualTo(3);
	}

	/** Records what the processor tells its environment. */
	private final class FakeEnv implements ItemProcessor.Env {

		record Letter(Object item, Throwable cause, int attempts, Object raw) {
		}

		record Stop(Object raw, Throwable failure, int attempts) {
		}

		boolean failed;

		boolean cutOff;

		boolean abandonOnAttempt;

		int attempted;

		int starts;

		int entered;

		LongPredicate onPause = (nanos) -> true;

		final List<Long> pauses = new ArrayList<>();

		final List<Object> emitted = new ArrayList<>();

		final List<Letter> deadLetters = new ArrayList<>();

		final List<Stop> stops = new ArrayList<>();

		final List<PipelineFailedException> failures = new ArrayList<>();

		@Override
		public boolean failed() {
			return this.failed;
		}

		@Override
		public boolean cutOff() {
			return this.cutOff;
		}

		@Override
		public void attempted() {
			this.attempted++;
			if (this.abandonOnAttempt) {
				throw Abort.INSTANCE;
			}
		}

		@Override
		public boolean pause(long nanos) {
			this.pauses.add(nanos);
			ItemProcessorTests.this.log.add("pause:" + nanos);
			return this.onPause.test(nanos);
		}

		@Override
		public void emit(Object raw) {
			this.emitted.add(raw);
			ItemProcessorTests.this.log.add("emit:" + Tracked.unwrap(raw));
		}

		@Override
		public void deadLetter(Object item, Throwable cause, int attempts, Object raw) {
			this.deadLetters.add(new Letter(item, cause, attempts, raw));
			ItemProcessorTests.this.log.add("dead:" + item);
			Tracked.settle(raw);
		}

		@Override
		public void stopped(Object raw, Throwable failure, int attempts) {
			this.stops.add(new Stop(raw, failure, attempts));
			ItemProcessorTests.this.log.add("stop:" + Tracked.unwrap(raw));
		}

		@Override
		public RuntimeException fail(PipelineFailedException failure) {
			this.failures.add(failure);
			return RUN_FAILED;
		}

		@Override
		public void entered(int n) {
			this.entered += n;
		}

		@Override
		public long startAttempt() {
			return 1000L * ++this.starts;
		}

		@Override
		public long endAttempt(long start) {
			return start + 7;
		}

	}

	// ---- the item's context around the handler call

	/** Records each scope it opens and how it ends. */
	private final io.paipa.core.ContextPropagation propagation = new io.paipa.core.ContextPropagation() {
		@Override
		public Object capture() {
			return null;
		}

		@Override
		public Scope open(String pipeline, String step, Object context) {
			ItemProcessorTests.this.log.add("open:" + pipeline + "/" + step + "/" + context);
			return new Scope() {
				@Override
				public void failed(Throwable error) {
					ItemProcessorTests.this.log.add("failed:" + error.getMessage());
				}

				@Override
				public void close() {
					ItemProcessorTests.this.log.add("close");
				}
			};
		}
	};

	/** The log without what the environment was told. */
	private List<String> callsAndScopes() {
		return this.log.stream().filter((line) -> !line.startsWith("emit:") && !line.startsWith("dead:")).toList();
	}

	private static Tracked withContext(Object item, Object context) {
		return new Tracked(item, new Tracker.Input(null, "p", context));
	}

	@Test
	void theHandlerRunsInsideItsItemsContext() {
		ItemProcessor processor = processor(handler((item) -> false));
		processor.propagation(this.propagation);
		processor.process(withContext("a", "trace-1"));
		assertThat(callsAndScopes()).containsExactly("open:p/s/trace-1", "try:a", "close");
	}

	@Test
	void anItemWithoutAContextIsObservedOnlyWhenSampled() {
		ItemProcessor processor = processor(handler((item) -> false));
		processor.propagation(this.propagation);
		processor.process("a");
		processor.sampled = true;
		processor.process("b");
		processor.process(new Tracked("c", new Tracker.Input(() -> {
		}, "p")));
		assertThat(callsAndScopes()).containsExactly("try:a", "open:p/s/null", "try:b", "close", "open:p/s/null",
				"try:c", "close");
	}

	@Test
	void aFailedCallTellsItsScopeBeforeClosingIt() {
		ItemProcessor processor = processor(handler((item) -> true));
		processor.propagation(this.propagation);
		processor.process(withContext("a", "trace-1"));
		assertThat(callsAndScopes()).containsExactly("open:p/s/trace-1", "try:a", "failed:bad a #1", "close");
		assertThat(this.env.deadLetters).hasSize(1);
	}

	@Test
	void withoutPropagationNothingIsOpened() {
		ItemProcessor processor = processor(handler((item) -> false));
		processor.sampled = true;
		processor.process(withContext("a", "trace-1"));
		assertThat(callsAndScopes()).containsExactly("try:a");
	}

}
