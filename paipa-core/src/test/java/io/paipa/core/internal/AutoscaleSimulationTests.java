package io.paipa.core.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

import org.junit.jupiter.api.Test;

import io.paipa.core.AutoscalePolicy.Bounds;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The autoscaling decider over simulated minutes, against a {@link SimulatedPipeline}
 * with a one-second interval and seeded noise on every throughput: how fast it finds the
 * right size, that it does not give a CPU-bound step more threads than the cores, that it
 * comes down when the load ends, and that at a steady load it leaves the counts alone.
 */
class AutoscaleSimulationTests {

	/** One decision made in the simulation, and when. */
	private record Made(int tick, AutoscaleDecision decision) {

	}

	private static List<Made> run(SimulatedPipeline pipeline, AutoscaleDecider decider, int ticks,
			IntConsumer beforeTick) {
		List<Made> made = new ArrayList<>();
		decider.reset(pipeline.advance(SimulatedPipeline.SECOND), pipeline.nanos());
		for (int tick = 1; tick <= ticks; tick++) {
			beforeTick.accept(tick);
			List<AutoscaleDecision> decisions = decider.decide(pipeline.advance(SimulatedPipeline.SECOND),
					pipeline.nanos(), (step) -> false);
			pipeline.apply(decisions);
			for (AutoscaleDecision decision : decisions) {
				made.add(new Made(tick, decision));
			}
		}
		return made;
	}

	/** The most decisions made within any 60 ticks in a row from {@code from} on. */
	private static int mostChangesPerMinute(List<Made> made, int from) {
		int most = 0;
		for (Made first : made) {
			if (first.tick() < from) {
				continue;
			}
			int inMinute = (int) made.stream()
				.filter((m) -> m.tick() >= first.tick() && m.tick() < first.tick() + 60)
				.count();
			most = Math.max(most, inMinute);
		}
		return most;
	}

	@Test
	void anIoBoundStepStartedWithOneWorkerReachesItsBestWithinTenIntervals() {
		SimulatedPipeline pipeline = new SimulatedPipeline().io("enrich", 0.005, 1).noise(0.15);
		AutoscaleDecider decider = pipeline.decider(64, new Bounds("enrich", 1, 32));
		double best = pipeline.best(64, new int[] { 32 });
		int[] reached = { -1 };

		run(pipeline, decider, 10, (tick) -> {
			if (reached[0] < 0 && pipeline.capacity(0) >= 0.9 * best) {
				reached[0] = tick;
			}
		});

		assertThat(reached[0]).as("interval at which it could handle 90 %% of %.0f/s", best).isBetween(1, 10);
		assertThat(pipeline.workers(0)).isEqualTo(32);
	}

	@Test
	void aCpuBoundStepOnTwoCoresIsNotGivenMoreWorkersThanTheyCanUse() {
		SimulatedPipeline pipeline = new SimulatedPipeline().cpu("crunch", 0.001, 1).cores(2).noise(0.15);
		AutoscaleDecider decider = pipeline.decider(64, new Bounds("crunch", 1, 64));
		int[] most = { 0 };

		List<Made> made = run(pipeline, decider, 30 * 60, (tick) -> most[0] = Math.max(most[0], pipeline.workers(0)));

		assertThat(most[0]).as("most workers over 30 minutes").isLessThanOrEqualTo(4);
		assertThat(pipeline.workers(0)).isEqualTo(2);
		assertThat(made).filteredOn((m) -> !m.decision().up())
			.allSatisfy((m) -> assertThat(m.decision().reason()).startsWith("undoes the last move"));
		assertThat(mostChangesPerMinute(made, 60)).as("changes per minute after the first").isLessThanOrEqualTo(2);
	}

	@Test
	void comesBackDownWithinThirtyIntervalsOfTheLoadEnding() {
		SimulatedPipeline pipeline = new SimulatedPipeline().io("enrich", 0.005, 1).noise(0.15);
		AutoscaleDecider decider = pipeline.decider(64, new Bounds("enrich", 2, 32));
		int[] down = { -1 };

		run(pipeline, decider, 90, (tick) -> {
			if (tick == 30) {
				assertThat(pipeline.workers(0)).isEqualTo(32);
				pipeline.load(0);
			}
			if (tick > 30 && down[0] < 0 && pipeline.workers(0) == 2) {
				down[0] = tick - 30;
			}
		});

		assertThat(down[0]).as("intervals from the end of the load to min-workers").isBetween(1, 30);
	}

	@Test
	void followsTheLoadUpAndDown() {
		SimulatedPipeline pipeline = new SimulatedPipeline().io("enrich", 0.005, 1).load(1000).noise(0.1);
		AutoscaleDecider decider = pipeline.decider(64, new Bounds("enrich", 1, 32));
		int[] at = new int[4];

		run(pipeline, decider, 400, (tick) -> {
			switch (tick) {
				case 100 -> {
					at[0] = pipeline.workers(0);
					pipeline.load(3000);
				}
				case 200 -> {
					at[1] = pipeline.workers(0);
					pipeline.load(500);
				}
				case 300 -> {
					at[2] = pipeline.workers(0);
					pipeline.load(0);
				}
				default -> {
				}
			}
		});
		at[3] = pipeline.workers(0);

		// 1,000/s needs 5 workers, 3,000/s 15, 500/s 3
		assertThat(at[0]).isBetween(5, 10);
		assertThat(at[1]).isBetween(15, 32);
		assertThat(at[2]).isBetween(3, 7);
		assertThat(at[3]).isEqualTo(1);
	}

	@Test
	void threeStepsUnderABudgetReachNinetyPercentOfTheBestSplitAndStayWithinIt() {
		SimulatedPipeline pipeline = new SimulatedPipeline().cpu("parse", 0.00005, 1)
			.io("lookup", 0.005, 1)
			.io("store", 0.020, 1)
			.noise(0.15);
		AutoscaleDecider decider = pipeline.decider(64, new Bounds("parse", 1, 64), new Bounds("lookup", 1, 64),
				new Bounds("store", 1, 64));
		double best = pipeline.best(64, new int[] { 64, 64, 64 });
		int[] reached = { -1 };
		int[] most = { 0 };

		List<Made> made = run(pipeline, decider, 20 * 60, (tick) -> {
			most[0] = Math.max(most[0], pipeline.totalWorkers());
			double limit = Math.min(pipeline.capacity(0), Math.min(pipeline.capacity(1), pipeline.capacity(2)));
			if (reached[0] < 0 && limit >= 0.9 * best) {
				reached[0] = tick;
			}
		});

		assertThat(most[0]).as("most threads at once").isLessThanOrEqualTo(64);
		assertThat(reached[0]).as("interval at which it could handle 90 %% of %.0f/s", best).isBetween(1, 30);
		assertThat(mostChangesPerMinute(made, 120)).as("changes per minute after the first two minutes")
			.isLessThanOrEqualTo(2);
	}

	@Test
	void atASteadyLoadTheCountsChangeAtMostTwiceAMinute() {
		for (long seed = 1; seed <= 5; seed++) {
			SimulatedPipeline pipeline = new SimulatedPipeline().seed(seed)
				.io("lookup", 0.005, 1)
				.cpu("score", 0.0002, 1)
				.io("store", 0.010, 1)
				.load(1500)
				.loadNoise(0.2)
				.noise(0.1);
			AutoscaleDecider decider = pipeline.decider(48, new Bounds("lookup", 1, 32), new Bounds("score", 1, 16),
					new Bounds("store", 1, 32));

			List<Made> made = run(pipeline, decider, 30 * 60, (tick) -> {
			});

			assertThat(mostChangesPerMinute(made, 60)).as("seed %d: %s", seed, made).isLessThanOrEqualTo(2);
		}
	}

}
