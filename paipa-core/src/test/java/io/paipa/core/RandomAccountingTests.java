package io.paipa.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeded random pipelines whose every item has a fate that is a pure function of (seed,
 * step, value): the expected outputs, drops, dead letters, retries and per-step counts
 * are computed up front and compared with what the threaded engine did.
 *
 * <p>
 * Even seeds run in batch mode with one-to-one steps only, so the pipeline-wide identity
 * {@code in == completed + dropped + deadLettered} must hold. Odd seeds run in continuous
 * mode, also with fan-out and chunk/flatten steps, fed through
 * {@code input().put(item, callback)}: every callback must fire exactly once; every third
 * of those also rescales random steps while items flow.
 */
@Timeout(120)
class RandomAccountingTests {

	/**
	 * Seeds run by default; {@code -Dpaipa.random.seeds=N -Dpaipa.random.firstSeed=S}
	 * runs others.
	 */
	private static final int SEEDS = Integer.getInteger("paipa.random.seeds", 40);

	private static final long FIRST_SEED = Long.getLong("paipa.random.firstSeed", 0L);

	enum Kind {

		/** One-to-one, {@code 3v + 1}, dropping some items. */
		MAP,

		/**
		 * One-to-one, {@code 3v + 2}, failing some attempts; retried, then dead-lettered.
		 */
		FAILING,

		/** Zero to three outputs {@code 4v + j}. */
		FAN_OUT,

		/**
		 * {@code Steps.chunk(n)} then {@code Steps.flatten()}: the identity on the
		 * multiset.
		 */
		CHUNK

	}

	record StepPlan(int position, Kind kind, int workers, int capacity, int dropRate, int permanentRate,
			int transientRate, int maxAttempts, int chunkSize, int flattenWorkers, int flattenCapacity) {

		String name() {
			return "s" + this.position + "-" + this.kind.name().toLowerCase();
		}

		String flattenName() {
			return name() + "-flatten";
		}

	}

	record Plan(long seed, boolean continuous, int items, int inputCapacity, List<StepPlan> steps, int sinkWorkers,
			int sinkCapacity) {

		String name() {
			return "rand-" + this.seed;
		}

	}

	/** What the engine should report. */
	static final class Expected {

		final Map<Long, Integer> outputs = new HashMap<>();

		/** "step:item" -> attempts. */
		final Map<String, Integer> deadLetters = new TreeMap<>();

		final Map<String, long[]> steps = new HashMap<>();

		long dropped;

		long deadLettered;

		/**
		 * in, processed, dropped, deadLettered, retried, failed, emitted; -1 when not
		 * determined.
		 */
		long[] step(String name) {
			return this.steps.computeIfAbsent(name, (k) -> new long[7]);
		}

	}

	static Stream<Long> seeds() {
		return LongStream.range(FIRST_SEED, FIRST_SEED + SEEDS).boxed();
	}

	// ---- the fates

	static long mix(long seed, int step, long value, int salt) {
		long z = seed * 0x9E3779B97F4A7C15L ^ (step + 1) * 0xC2B2AE3D27D4EB4FL ^ value * 0x165667B19E3779F9L
				^ (salt + 7) * 0xD6E8FEB86659FD93L;
		z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
		z = (z ^ (z >>> 33)) * 0xC4CEB9FE1A85EC53L;
		return z ^ (z >>> 33);
	}

	static int pct(long seed, int step, long value, int salt) {
		return (int) Math.floorMod(mix(seed, step, value, salt), 100L);
	}

	static boolean drops(long seed, StepPlan step, long value) {
		return pct(seed, step.position(), value, 1) < step.dropRate();
	}

	/**
	 * How many attempts at {@code value} fail in a FAILING step (never succeeds:
	 * MAX_VALUE).
	 */
	static int failingAttempts(long seed, StepPlan step, long value) {
		int p = pct(seed, step.position(), value, 2);
		if (p < step.permanentRate()) {
			return Integer.MAX_VALUE;
		}
		if (p < step.permanentRate() + step.transientRate()) {
			return 1 + (int) Math.floorMod(mix(seed, step.position(), value, 3), 2L);
		}
		return 0;
	}

	/** Shuffles the interleavings a little: a few items yield or pause briefly. */
	static void jitter(long seed, int step, long value) {
		int p = pct(seed, step, value, 6);
		if (p == 0) {
			LockSupport.parkNanos(50_000);
		}
		else if (p < 5) {
			Thread.yield();
		}
	}

	static int fanOutCount(long seed, StepPlan step, long value) {
		return (int) Math.floorMod(mix(seed, step.position(), value, 4), 4L);
	}

	// ---- plans

	static Plan plan(long seed) {
		Random random = new Random(seed * 7919 + 17);
		boolean continuous = seed % 2 == 1;
		int count = 1 + random.nextInt(5);
		List<Kind> kinds = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			int p = random.nextInt(100);
			if (!continuous) {
				kinds.add((p < 50) ? Kind.MAP : Kind.FAILING);
			}
			else {
				kinds.add((p < 30) ? Kind.MAP : (p < 55) ? Kind.FAILING : (p < 80) ? Kind.FAN_OUT : Kind.CHUNK);
			}
		}
		// make sure the continuous seeds exercise fan-out and chunks often enough
		if (continuous && seed % 4 == 1 && !kinds.contains(Kind.FAN_OUT)) {
			kinds.set(random.nextInt(count), Kind.FAN_OUT);
		}
		if (continuous && seed % 4 == 3 && !kinds.contains(Kind.CHUNK)) {
			kinds.set(random.nextInt(count), Kind.CHUNK);
		}
		List<StepPlan> steps = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			steps.add(new StepPlan(i, kinds.get(i), 1 + random.nextInt(4), 1 + random.nextInt(32), random.nextInt(31),
					random.nextInt(21), random.nextInt(31), 1 + random.nextInt(3), 1 + random.nextInt(12),
					1 + random.nextInt(4), 1 + random.nextInt(32)));
		}
		return new Plan(seed, continuous, 500 + random.nextInt(3500), 1 + random.nextInt(32), List.copyOf(steps),
				1 + random.nextInt(4), 1 + random.nextInt(32));
	}

	static Expected expect(Plan plan) {
		Expected expected = new Expected();
		List<Long> current = new ArrayList<>();
		for (long v = 1; v <= plan.items(); v++) {
			current.add(v);
		}
		long seed = plan.seed();
		for (StepPlan step : plan.steps()) {
			List<Long> next = new ArrayList<>();
			long[] counts = expected.step(step.name());
			for (long v : current) {
				counts[0]++;
				switch (step.kind()) {
					case MAP -> {
						if (drops(seed, step, v)) {
							counts[2]++;
							expected.dropped++;
						}
						else {
							counts[1]++;
							counts[6]++;
							next.add(3 * v + 1);
						}
					}
					case FAILING -> {
						int failing = failingAttempts(seed, step, v);
						int attempts = (int) Math.min((long) failing + 1, step.maxAttempts());
						counts[4] += attempts - 1;
						if (failing >= step.maxAttempts()) {
							counts[5]++;
							counts[3]++;
							expected.deadLettered++;
							expected.deadLetters.put(step.name() + ":" + v, attempts);
						}
						else {
							counts[1]++;
							counts[6]++;
							next.add(3 * v + 2);
						}
					}
					case FAN_OUT -> {
						counts[1]++;
						int k = fanOutCount(seed, step, v);
						counts[6] += k;
						for (int j = 0; j < k; j++) {
							next.add(4 * v + j);
						}
					}
					case CHUNK -> {
						counts[1]++;
						next.add(v);
					}
				}
			}
			if (step.kind() == Kind.CHUNK) {
				// how the items are cut into chunks depends on the workers
				counts[6] = -1;
				long[] flatten = expected.step(step.flattenName());
				flatten[0] = -1;
				flatten[1] = -1;
				flatten[6] = current.size();
			}
			current = next;
		}
		long[] sink = expected.step("sink");
		sink[0] = current.size();
		sink[1] = current.size();
		sink[6] = current.size();
		for (long v : current) {
			expected.outputs.merge(v, 1, Integer::sum);
		}
		return expected;
	}

	// ---- the pipeline

	@SuppressWarnings("unchecked")
	static Pipeline<Long> build(Plan plan, Map<Long, AtomicInteger> seen,
			ConcurrentLinkedQueue<DeadLetter> deadLetters) {
		long seed = plan.seed();
		Pipeline.Builder<Long, Object> builder = (Pipeline.Builder<Long, Object>) (Pipeline.Builder<Long, ?>) Pipeline
			.<Long>builder(plan.name());
		for (StepPlan step : plan.steps()) {
			Consumer<StepSpec> spec = (s) -> s.workers(step.workers()).queueCapacity(step.capacity());
			switch (step.kind()) {
				case MAP -> builder = builder.step(step.name(), (Object item) -> {
					long v = (Long) item;
					jitter(seed, step.position(), v);
					return drops(seed, step, v) ? null : (Object) (3 * v + 1);
				}, spec);
				case FAILING -> {
					Map<Long, Integer> attempts = new ConcurrentHashMap<>();
					builder = builder.step(step.name(), (Object item) -> {
						long v = (Long) item;
						jitter(seed, step.position(), v);
						int attempt = attempts.merge(v, 1, Integer::sum);
						if (attempt <= failingAttempts(seed, step, v)) {
							throw new IllegalStateException("attempt " + attempt + " at " + v + " fails");
						}
						return (Object) (3 * v + 2);
					}, (s) -> s.workers(step.workers())
						.queueCapacity(step.capacity())
						.retry(RetryPolicy.of(step.maxAttempts(), Duration.ZERO)));
				}
				case FAN_OUT -> builder = builder.fanOut(step.name(), (Object item, Emitter<Object> out) -> {
					long v = (Long) item;
					jitter(seed, step.position(), v);
					int k = fanOutCount(seed, step, v);
					for (int j = 0; j < k; j++) {
						out.emit(4 * v + j);
					}
				}, spec);
				case CHUNK -> builder = builder.stream(step.name(), Steps.<Object>chunk(step.chunkSize()), spec)
					.fanOut(step.flattenName(), Steps.<Object>flatten(),
							(s) -> s.workers(step.flattenWorkers()).queueCapacity(step.flattenCapacity()));
			}
		}
		return builder.step("sink", (Object item) -> {
			jitter(seed, 99, (Long) item);
			seen.computeIfAbsent((Long) item, (k) -> new AtomicInteger()).incrementAndGet();
			return item;
		}, (s) -> s.workers(plan.sinkWorkers()).queueCapacity(plan.sinkCapacity()))
			.onError(ErrorPolicy.SKIP)
			.inputCapacity(plan.inputCapacity())
			.deadLetterHandler(deadLetters::add)
			.shutdownTimeout(Duration.ofSeconds(30))
			.build();
	}

	@ParameterizedTest(name = "seed {0}")
	@MethodSource("seeds")
	@Timeout(30)
	void randomPipelineAccountsForEveryItem(long seed) throws Exception {
		Plan plan = plan(seed);
		Expected expected = expect(plan);
		Map<Long, AtomicInteger> seen = new ConcurrentHashMap<>();
		ConcurrentLinkedQueue<DeadLetter> deadLetters = new ConcurrentLinkedQueue<>();
		Pipeline<Long> pipeline = build(plan, seen, deadLetters);
		PipelineResult result;
		AtomicIntegerArray fired = new AtomicIntegerArray(plan.items());
		if (!plan.continuous()) {
			result = pipeline.run(LongStream.rangeClosed(1, plan.items()).boxed());
			assertThat(result.state()).as("%s", plan).isEqualTo(PipelineState.COMPLETED);
		}
		else {
			pipeline.start();
			// every third seed also rescales random steps while items flow
			Random scaling = (seed % 3 == 0) ? new Random(seed) : null;
			List<String> stepNames = pipeline.stepNames();
			try {
				for (long v = 1; v <= plan.items(); v++) {
					if (scaling != null && v % 97 == 0) {
						pipeline.scale(stepNames.get(scaling.nextInt(stepNames.size())), 1 + scaling.nextInt(4));
					}
					int index = (int) v - 1;
					CompletionCallback callback = () -> fired.incrementAndGet(index);
					if (v % 2 == 0) {
						pipeline.input().put(v, callback);
					}
					else {
						assertThat(pipeline.input().offer(v, Duration.ofSeconds(20), callback)).isTrue();
					}
				}
			}
			finally {
				result = pipeline.stop(Duration.ofSeconds(30));
			}
			assertThat(result.state()).as("%s", plan).isEqualTo(PipelineState.STOPPED);
		}
		String context = plan + "\n" + result;
		assertThat(result.failure()).as(context).isNull();
		assertThat(result.stuckWorkers()).as(context).isEmpty();

		// every output reached the end exactly once
		Map<Long, Integer> actual = new HashMap<>();
		seen.forEach((item, count) -> actual.put(item, count.get()));
		assertOutputs(context, actual, expected.outputs);

		// the dead letters are exactly the items that failed every attempt
		Map<String, Integer> actualDeadLetters = new TreeMap<>();
		for (DeadLetter letter : deadLetters) {
			assertThat(letter.pipeline()).as(context).isEqualTo(plan.name());
			assertThat(letter.cause()).as(context + "\n" + letter).isInstanceOf(IllegalStateException.class);
			Integer previous = actualDeadLetters.put(letter.step() + ":" + letter.item(), letter.attempts());
			assertThat(previous).as(context + "\ndead-lettered twice: " + letter).isNull();
		}
		assertThat(actualDeadLetters).as(context).isEqualTo(expected.deadLetters);

		// pipeline totals
		assertThat(result.in()).as(context).isEqualTo(plan.items());
		assertThat(result.completed()).as(context).isEqualTo(expected.outputs.size());
		assertThat(result.dropped()).as(context).isEqualTo(expected.dropped);
		assertThat(result.deadLettered()).as(context).isEqualTo(expected.deadLettered);
		assertThat(result.abandoned()).as(context).isZero();
		if (!plan.continuous()) {
			assertThat(result.in()).as("in == completed + dropped + deadLettered\n" + context)
				.isEqualTo(result.completed() + result.dropped() + result.deadLettered());
		}
		else {
			for (int i = 0; i < plan.items(); i++) {
				assertThat(fired.get(i)).as("callbacks of item %d\n%s", i + 1, context).isEqualTo(1);
			}
		}

		// per step
		assertThat(result.steps()).as(context).hasSize(expected.steps.size());
		StepStats previous = null;
		for (StepStats step : result.steps()) {
			String stepContext = step + "\n" + context;
			assertThat(step.in()).as("in == processed + dropped + deadLettered + abandoned: " + stepContext)
				.isEqualTo(step.processed() + step.dropped() + step.deadLettered() + step.abandoned());
			assertThat(step.abandoned()).as(stepContext).isZero();
			assertThat(step.restarts()).as(stepContext).isZero();
			if (previous != null) {
				assertThat(step.in()).as("in == emitted of the step before: " + stepContext)
					.isEqualTo(previous.emitted());
			}
			long[] counts = expected.steps.get(step.step());
			assertThat(counts).as(stepContext).isNotNull();
			long[] actualCounts = { step.in(), step.processed(), step.dropped(), step.deadLettered(), step.retried(),
					step.failed(), step.emitted() };
			for (int i = 0; i < counts.length; i++) {
				if (counts[i] >= 0) {
					assertThat(actualCounts[i]).as("%s of %s", COUNT_NAMES[i], stepContext).isEqualTo(counts[i]);
				}
			}
			previous = step;
		}
	}

	private static final String[] COUNT_NAMES = { "in", "processed", "dropped", "deadLettered", "retried", "failed",
			"emitted" };

	private static void assertOutputs(String context, Map<Long, Integer> actual, Map<Long, Integer> expected) {
		List<Long> missing = new ArrayList<>();
		List<Long> unexpected = new ArrayList<>();
		List<Long> duplicated = new ArrayList<>();
		for (Map.Entry<Long, Integer> entry : expected.entrySet()) {
			Integer count = actual.get(entry.getKey());
			if (count == null) {
				missing.add(entry.getKey());
			}
			else if (!count.equals(entry.getValue())) {
				duplicated.add(entry.getKey());
			}
		}
		for (Long item : actual.keySet()) {
			if (!expected.containsKey(item)) {
				unexpected.add(item);
			}
		}
		assertThat(missing).as("outputs that never reached the end\n" + context).isEmpty();
		assertThat(duplicated).as("outputs seen more than once at the end\n" + context).isEmpty();
		assertThat(unexpected).as("outputs that should not exist\n" + context).isEmpty();
	}

	@Test
	void seedsCoverEveryStepKindInBothModes() {
		Set<Kind> batchKinds = EnumSet.noneOf(Kind.class);
		Set<Kind> continuousKinds = EnumSet.noneOf(Kind.class);
		long drops = 0;
		long deadLetters = 0;
		long retries = 0;
		long fanOutOutputs = 0;
		for (long seed = 0; seed < 40; seed++) {
			Plan plan = plan(seed);
			Expected expected = expect(plan);
			for (StepPlan step : plan.steps()) {
				(plan.continuous() ? continuousKinds : batchKinds).add(step.kind());
				long[] counts = expected.step(step.name());
				retries += counts[4];
				if (step.kind() == Kind.FAN_OUT) {
					fanOutOutputs += counts[6];
				}
			}
			drops += expected.dropped;
			deadLetters += expected.deadLettered;
		}
		assertThat(batchKinds).containsExactlyInAnyOrder(Kind.MAP, Kind.FAILING);
		assertThat(continuousKinds).containsExactlyInAnyOrder(Kind.values());
		assertThat(drops).isPositive();
		assertThat(deadLetters).isPositive();
		assertThat(retries).isPositive();
		assertThat(fanOutOutputs).isPositive();
	}

}
