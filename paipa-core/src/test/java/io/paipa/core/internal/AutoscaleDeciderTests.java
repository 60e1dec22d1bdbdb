package io.paipa.core.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

import org.junit.jupiter.api.Test;

import io.paipa.core.AutoscalePolicy.Bounds;
import io.paipa.core.PipelineSnapshot;
import io.paipa.core.PipelineState;
import io.paipa.core.StepKind;
import io.paipa.core.StepSnapshot;
import io.paipa.core.StepStats;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The autoscaling decisions, from scripted snapshots and a scripted clock: no threads.
 * Each test scripts what every step did over each interval (its workers, the items it
 * handled per second, its utilization, the items waiting in its queue of 64) and checks
 * what the {@link AutoscaleDecider} decides.
 */
class AutoscaleDeciderTests {

	private static final IntPredicate NONE_PINNED = (step) -> false;

	// ---- growing the bottleneck

	@Test
	void growsTheBusyStepWithItemsWaitingByDoublingIt() {
		Script script = new Script(2, 64, null, new Bounds("enrich", 1, 32));
		script.start(fixed(1), step(2));

		List<AutoscaleDecision> decisions = script.tick(idle(1, 400), busy(2, 400, 64));

		assertThat(decisions).singleElement().satisfies((decision) -> {
			assertThat(decision.name()).isEqualTo("enrich");
			assertThat(decision.from()).isEqualTo(2);
			assertThat(decision.to()).isEqualTo(4);
			assertThat(decision.up()).isTrue();
			assertThat(decision.reason()).contains("bottleneck")
				.contains("64 of 64 waiting")
				.contains("5 of 64 threads");
		});
	}

	@Test
	void growsAStepWhoseQueueIsRisingBeforeItIsHalfFull() {
		Script script = new Script(1, 64, new Bounds("enrich", 1, 32));
		script.start(step(2));
		assertThat(script.tick(busy(2, 400, 10))).isEmpty();

		assertThat(script.tick(busy(2, 400, 20))).singleElement()
			.satisfies((decision) -> assertThat(decision.to()).isEqualTo(4));
	}

	@Test
	void leavesABusyStepAloneWhileItsQueueIsNotFilling() {
		Script script = new Script(1, 64, new Bounds("enrich", 1, 32));
		script.start(step(2));
		for (int i = 0; i < 20; i++) {
			assertThat(script.tick(busy(2, 400, 3))).isEmpty();
		}
	}

	@Test
	void leavesAStepWhoseOutputIsFullAloneForTheNextStepIsTheBottleneck() {
		Script script = new Script(2, 64, new Bounds("enrich", 1, 32), null);
		script.start(step(2), fixed(1));
		for (int i = 0; i < 20; i++) {
			assertThat(script.tick(busy(2, 400, 64), busy(1, 400, 60))).isEmpty();
		}
	}

	@Test
	void growsTheStepThatLimitsThePipelineWhenTwoAreBusy() {
		Script script = new Script(2, 64, new Bounds("a", 1, 32), new Bounds("b", 1, 32));
		script.start(step(4), step(4));

		// a could handle 800/s at full utilization, b only 420/s: b limits
		List<AutoscaleDecision> decisions = script.tick(busy(4, 800, 64).utilization(1.0),
				busy(4, 400, 40).utilization(0.95));

		assertThat(decisions).singleElement().satisfies((decision) -> assertThat(decision.name()).isEqualTo("b"));
	}

	@Test
	void neverGrowsAStepPastItsMax() {
		Script script = new Script(1, 64, new Bounds("enrich", 1, 12));
		script.start(step(8));

		assertThat(script.tick(busy(8, 1600, 64))).singleElement()
			.satisfies((decision) -> assertThat(decision.to()).isEqualTo(12));
		assertThat(script.tick(busy(12, 2400, 64))).isEmpty();
		assertThat(script.tick(busy(12, 2400, 64))).isEmpty();
	}

	@Test
	void growsOnlyAsFarAsTheFreeBudget() {
		Script script = new Script(2, 10, null, new Bounds("enrich", 1, 32));
		script.start(fixed(4), step(4));

		assertThat(script.tick(idle(4, 800), busy(4, 800, 64))).singleElement()
			.satisfies((decision) -> assertThat(decision.to()).isEqualTo(6));
	}

	// ---- judging a move

	@Test
	void keepsAMoveThatRaisedThroughputAndGrowsAgainWhileItIsStillTheBottleneck() {
		Script script = new Script(1, 64, new Bounds("enrich", 1, 32));
		script.start(step(2));
		assertThat(script.tick(busy(2, 400, 64))).singleElement()
			.satisfies((decision) -> assertThat(decision.to()).isEqualTo(4));

		assertThat(script.tick(busy(4, 800, 64))).singleElement().satisfies((decision) -> {
			assertThat(decision.from()).isEqualTo(4);
			assertThat(decision.to()).isEqualTo(8);
		});
	}

	@Test
	void undoesAMoveThatDidNotRaiseThroughputAndDoesNotTryItAgainForTenIntervals() {
		Script script = new Script(1, 64, new Bounds("crunch", 1, 64));
		script.start(step(2));
		assertThat(script.tick(busy(2, 2000, 64))).singleElement()
			.satisfies((decision) -> assertThat(decision.to()).isEqualTo(4));

		// a CPU-bound step on two cores: four workers handle what two did
		assertThat(script.tick(busy(4, 2020, 64))).as("one interval may be noise").isEmpty();
		assertThat(script.tick(busy(4, 2010, 64))).as("two may be too").isEmpty();
		List<AutoscaleDecision> undo = script.tick(busy(4, 1990, 64));

		assertThat(undo).singleElement().satisfies((decision) -> {
			assertThat(decision.from()).isEqualTo(4);
			assertThat(decision.to()).isEqualTo(2);
			assertThat(decision.up()).isFalse();
			assertThat(decision.reason()).startsWith("undoes the last move")
				.contains("while items kept waiting")
				.contains("not above 2 for 10 intervals");
		});
		for (int i = 0; i < AutoscaleDecider.CEILING_TICKS - 1; i++) {
			assertThat(script.tick(busy(2, 2000, 64))).as("interval %d after the undo", i + 1).isEmpty();
		}
		assertThat(script.tick(busy(2, 2000, 64))).as("tried again after the back-off")
			.singleElement()
			.satisfies((decision) -> assertThat(decision.to()).isEqualTo(4));
	}

	@Test
	void triesAMoveThatFailedAgainAfterTwiceTheBackOff() {
		Script script = new Script(1, 64, new Bounds("crunch", 1, 64));
		script.start(step(2));
		for (int round = 0; round < 2; round++) {
			assertThat(script.tick(busy(2, 2000, 64))).singleElement()
				.satisfies((decision) -> assertThat(decision.to()).isEqualTo(4));
			script.tick(busy(4, 2000, 64));
			script.tick(busy(4, 2000, 64));
			assertThat(script.tick(busy(4, 2000, 64))).singleElement()
				.satisfies((decision) -> assertThat(decision.to()).isEqualTo(2));
			int backOff = AutoscaleDecider.CEILING_TICKS << round;
			for (int i = 0; i < backOff - 1; i++) {
				assertThat(script.tick(busy(2, 2000, 64))).isEmpty();
			}
		}
	}

	@Test
	void keepsAMoveAfterWhichItsQueueRanEmptyForTheBottleneckMovedUpstream() {
		Script script = new Script(1, 64, new Bounds("enrich", 1, 32));
		script.start(step(8));
		assertThat(script.tick(busy(8, 1600, 64))).hasSize(1);

		// the step before cannot feed more than 1,700/s
		for (int i = 0; i < 5; i++) {
			assertThat(script.tick(busy(16, 1700, 0).utilization(0.53))).isEmpty();
		}
	}

	@Test
	void undoesAMoveAfterWhichThePipelinesOutputFellByMoreThanHalf() {
		Script script = new Script(2, 64, new Bounds("a", 1, 32), null);
		script.start(step(2), fixed(2));
		assertThat(script.tick(busy(2, 1000, 64), idle(2, 1000))).hasSize(1);

		// a handles more, but took the CPU its neighbour needed
		script.tick(busy(4, 2000, 0), busy(2, 400, 64));
		script.tick(busy(4, 2000, 0), busy(2, 400, 64));
		List<AutoscaleDecision> decisions = script.tick(busy(4, 2000, 0), busy(2, 400, 64));

		assertThat(decisions).singleElement().satisfies((decision) -> {
			assertThat(decision.to()).isEqualTo(2);
			assertThat(decision.reason()).contains("output fell from");
		});
	}

	@Test
	void judgesAMoveOfASlowStepOnlyOnceItHandledEnoughItems() {
		Script script = new Script(1, 64, new Bounds("slow", 1, 32));
		script.start(step(1));
		assertThat(script.tick(busy(1, 2, 64))).hasSize(1);

		// two items per interval: the first intervals tell nothing
		for (int i = 0; i < AutoscaleDecider.TRIAL_MAX_TICKS - 1; i++) {
			assertThat(script.tick(busy(2, 2, 64))).isEmpty();
		}
		assertThat(script.tick(busy(2, 2, 64))).singleElement()
			.satisfies((decision) -> assertThat(decision.to()).isEqualTo(1));
	}

	// ---- budget

	@Test
	void takesWorkersFromAStepWithSomeToSpareWhenTheBudgetIsSpent() {
		Script script = new Script(2, 40, new Bounds("fast", 1, 64), new Bounds("slow", 1, 64));
		script.start(step(20), step(20));

		// fast needs 20 * 0.3 / 0.75 = 8 workers; slow is the bottleneck
		List<AutoscaleDecision> decisions = script.tick(busy(20, 1000, 0).utilization(0.3), busy(20, 1000, 64));

		assertThat(decisions).hasSize(2);
		assertThat(decisions.get(0).name()).isEqualTo("fast");
		assertThat(decisions.get(0).from()).isEqualTo(20);
		assertThat(decisions.get(0).to()).isEqualTo(8);
		assertThat(decisions.get(0).reason()).contains("gives 12 workers to 'slow'").contains("budget of 40 threads");
		assertThat(decisions.get(1).name()).isEqualTo("slow");
		assertThat(decisions.get(1).to()).isEqualTo(32);
	}

	@Test
	void takesNoWorkersForAGainOfLessThanATenth() {
		Script script = new Script(2, 40, new Bounds("fast", 1, 64), new Bounds("slow", 1, 64));
		script.start(step(10), step(30));

		// fast can spare one worker; slow has 30, so one more is not worth a move
		for (int i = 0; i < 10; i++) {
			assertThat(script.tick(busy(10, 1000, 0).utilization(0.65), busy(30, 1000, 64))).isEmpty();
		}
	}

	// ---- shrinking

	@Test
	void shrinksAStepThatIdledForThreeIntervalsInARowToWhatItsLoadNeeds() {
		Script script = new Script(1, 64, new Bounds("enrich", 2, 32));
		script.start(step(16));
		assertThat(script.tick(idle(16, 300).utilization(0.2))).isEmpty();
		assertThat(script.tick(idle(16, 300).utilization(0.2))).isEmpty();

		List<AutoscaleDecision> decisions = script.tick(idle(16, 300).utilization(0.2));

		assertThat(decisions).singleElement().satisfies((decision) -> {
			assertThat(decision.from()).isEqualTo(16);
			// 16 * 0.2 / 0.75 = 4.3
			assertThat(decision.to()).isEqualTo(5);
			assertThat(decision.reason()).startsWith("idle");
		});
	}

	@Test
	void restartsCountingIdleIntervalsWhenItemsWait() {
		Script script = new Script(1, 64, new Bounds("enrich", 2, 32));
		script.start(step(16));
		script.tick(idle(16, 300).utilization(0.2));
		script.tick(idle(16, 300).utilization(0.2));
		assertThat(script.tick(idle(16, 300).utilization(0.2).depth(20))).isEmpty();
		assertThat(script.tick(idle(16, 300).utilization(0.2))).isEmpty();
		assertThat(script.tick(idle(16, 300).utilization(0.2))).isEmpty();
		assertThat(script.tick(idle(16, 300).utilization(0.2))).hasSize(1);
	}

	@Test
	void neverShrinksAStepBelowItsMin() {
		Script script = new Script(1, 64, new Bounds("enrich", 3, 32));
		script.start(step(8));
		List<AutoscaleDecision> decisions = new ArrayList<>();
		for (int i = 0; i < 30; i++) {
			List<AutoscaleDecision> tick = script.tick(idle(script.workers(0), 0).utilization(0));
			decisions.addAll(tick);
			script.apply(tick);
		}
		assertThat(decisions).singleElement().satisfies((decision) -> assertThat(decision.to()).isEqualTo(3));
	}

	@Test
	void leavesAStepThatIsNeitherIdleNorBusyAlone() {
		Script script = new Script(1, 64, new Bounds("enrich", 1, 32));
		script.start(step(8));
		for (int i = 0; i < 30; i++) {
			assertThat(script.tick(idle(8, 800).utilization(0.5))).isEmpty();
			assertThat(script.tick(idle(8, 800).utilization(0.8).depth(40))).isEmpty();
		}
	}

	@Test
	void shrinksNoStepWithinTenIntervalsOfItsGrowing() {
		Script script = new Script(1, 64, new Bounds("enrich", 1, 32));
		script.start(step(4));
		assertThat(script.tick(busy(4, 800, 64))).hasSize(1);
		assertThat(script.tick(idle(8, 800))).as("kept: its queue ran empty").isEmpty();
		int quiet = 0;
		while (script.tick(idle(8, 800)).isEmpty()) {
			quiet++;
		}
		assertThat(quiet + 2).isEqualTo(AutoscaleDecider.SHRINK_COOLDOWN_TICKS);
	}

	@Test
	void shrinksOnlyToWhatTheBusiestOfTheLastTenIntervalsNeeded() {
		Script script = new Script(1, 64, new Bounds("enrich", 1, 32));
		script.start(step(16));
		for (int i = 0; i < 5; i++) {
			assertThat(script.tick(idle(16, 1600).utilization(0.5))).isEmpty();
		}

		// a dip in the load: three idle intervals
		script.tick(idle(16, 320));
		script.tick(idle(16, 320));
		List<AutoscaleDecision> decisions = script.tick(idle(16, 320));

		// 8 workers were busy a moment ago: 8 / 0.75
		assertThat(decisions).singleElement().satisfies((decision) -> assertThat(decision.to()).isEqualTo(11));
	}

	// ---- what it never touches

	@Test
	void neverTouchesAStepWithFixedWorkers() {
		Script script = new Script(2, 64, null, new Bounds("b", 1, 32));
		script.start(fixed(1), step(4));
		for (int i = 0; i < 30; i++) {
			for (AutoscaleDecision decision : script.tick(busy(1, 200, 64), idle(4, 200).utilization(0.05))) {
				assertThat(decision.name()).isEqualTo("b");
				script.apply(List.of(decision));
			}
		}
	}

	@Test
	void neverTouchesAPinnedStepButCountsItsWorkersAgainstTheBudget() {
		boolean[] pinned = { true, false };
		Script script = new Script(2, 22, new Bounds("a", 1, 32), new Bounds("b", 1, 32)).pinned(pinned);
		script.start(step(16), step(4));
		assertThat(script.tick(busy(16, 400, 64).utilization(0.1), busy(4, 400, 64))).singleElement()
			.satisfies((decision) -> {
				assertThat(decision.name()).isEqualTo("b");
				// 22 - 16 - 4 more: a's idle workers are not taken while it is pinned
				assertThat(decision.to()).isEqualTo(6);
			});
	}

	@Test
	void bringsAReleasedStepBackWithinItsBounds() {
		boolean[] pinned = { true };
		Script script = new Script(1, 64, new Bounds("enrich", 2, 8)).pinned(pinned);
		script.start(step(20));
		assertThat(script.tick(idle(20, 100).utilization(0.5))).isEmpty();

		pinned[0] = false;

		assertThat(script.tick(idle(20, 100).utilization(0.5))).singleElement().satisfies((decision) -> {
			assertThat(decision.to()).isEqualTo(8);
			assertThat(decision.reason()).contains("back within its bounds, 2 to 8");
		});
	}

	@Test
	void decidesNothingWhileAStepIsInAnOutage() {
		Script script = new Script(1, 64, new Bounds("store", 1, 32));
		script.start(step(2));
		for (int i = 0; i < 10; i++) {
			assertThat(script.tick(busy(2, 0, 64).inOutage())).isEmpty();
		}
		assertThat(script.tick(busy(2, 400, 64))).hasSize(1);
	}

	@Test
	void decidesNothingForAStepWhoseInputEnded() {
		Script script = new Script(1, 64, new Bounds("enrich", 1, 32));
		script.start(step(8));
		for (int i = 0; i < 10; i++) {
			assertThat(script.tick(idle(8, 0).utilization(0).inputEnded())).isEmpty();
		}
	}

	// ---- scripting

	private static Step fixed(int workers) {
		return new Step(workers, 0, 0, 0, false, false);
	}

	private static Step step(int workers) {
		return fixed(workers);
	}

	/** A step that handled items at its full pace with its queue at {@code depth}. */
	private static Step busy(int workers, double rate, int depth) {
		return new Step(workers, rate, 0.97, depth, false, false);
	}

	/** A step with nothing waiting, mostly waiting itself. */
	private static Step idle(int workers, double rate) {
		return new Step(workers, rate, 0.1, 0, false, false);
	}

	/** What a step did over one interval. */
	private record Step(int workers, double rate, double utilization, int depth, boolean outage, boolean ended) {

		Step utilization(double utilization) {
			return new Step(this.workers, this.rate, utilization, this.depth, this.outage, this.ended);
		}

		Step depth(int depth) {
			return new Step(this.workers, this.rate, this.utilization, depth, this.outage, this.ended);
		}

		Step inOutage() {
			return new Step(this.workers, this.rate, this.utilization, this.depth, true, this.ended);
		}

		Step inputEnded() {
			return new Step(this.workers, this.rate, this.utilization, this.depth, this.outage, true);
		}

	}

	/**
	 * A decider and the snapshots it is given: one interval of one second per tick, with
	 * each step's counts accumulated from what the test says it did.
	 */
	private static final class Script {

		private final AutoscaleDecider decider;

		private final int steps;

		private final long[] handled;

		private final long[] busy;

		private final int[] workers;

		private long nanos = 1_000_000_000L;

		private IntPredicate pinned = NONE_PINNED;

		Script(int steps, int maxThreads, Bounds... bounds) {
			List<String> names = new ArrayList<>();
			for (int i = 0; i < steps; i++) {
				names.add((bounds[i] != null) ? bounds[i].step() : "fixed" + i);
			}
			this.decider = new AutoscaleDecider(names, bounds, maxThreads);
			this.steps = steps;
			this.handled = new long[steps];
			this.busy = new long[steps];
			this.workers = new int[steps];
		}

		Script pinned(boolean[] pinned) {
			this.pinned = (step) -> pinned[step];
			return this;
		}

		void start(Step... steps) {
			this.decider.reset(snapshot(steps), this.nanos);
		}

		List<AutoscaleDecision> tick(Step... steps) {
			this.nanos += 1_000_000_000L;
			for (int i = 0; i < this.steps; i++) {
				this.handled[i] += Math.round(steps[i].rate());
				this.busy[i] += Math.round(steps[i].utilization() * steps[i].workers() * 1e9);
			}
			return this.decider.decide(snapshot(steps), this.nanos, this.pinned);
		}

		int workers(int step) {
			return this.workers[step];
		}

		void apply(List<AutoscaleDecision> decisions) {
			decisions.forEach((decision) -> this.workers[decision.step()] = decision.to());
		}

		private PipelineSnapshot snapshot(Step... steps) {
			List<StepSnapshot> snapshots = new ArrayList<>();
			for (int i = 0; i < this.steps; i++) {
				Step step = steps[i];
				this.workers[i] = step.workers();
				String name = "s" + i;
				snapshots.add(new StepSnapshot(name, StepKind.ONE_TO_ONE, "Object", "Object", step.workers(),
						step.workers(), 0, step.depth(), 64,
						new StepStats(name, this.handled[i], this.handled[i], 0, 0, 0, 0, 0, this.handled[i], 0,
								this.busy[i]),
						step.utilization(), 0, step.ended(), step.outage() ? Instant.now() : null, null));
			}
			long last = this.handled[this.steps - 1];
			return new PipelineSnapshot("p", PipelineState.RUNNING, last, last, 0, 0, 0, snapshots, null);
		}

	}

}
