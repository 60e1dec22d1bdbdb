package io.paipa.core.internal;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.paipa.core.StepInput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The built-in chunk step, driven through a scripted input: full lists, a partial list at
 * the end of the input and after the max-wait, and the handler telling the step it is
 * done with everything it held each time it emits.
 */
@Timeout(30)
class ChunkHandlerTests {

	/** In a script: no item comes within the poll's timeout (the poll waits it out). */
	private static final Object QUIET = new Object();

	/** In a script: a poll comes back empty before its timeout ran out. */
	private static final Object EARLY = new Object();

	/**
	 * A stream handler's input following a script of items, {@link #QUIET} and
	 * {@link #EARLY}; records what the handler emitted and each {@code doneAll}.
	 */
	private static class Script implements StepInput<Object> {

		private final Deque<Object> script;

		final List<Object> events = new ArrayList<>();

		int polls;

		Script(Object... script) {
			this.script = new ArrayDeque<>(List.of(script));
		}

		private void skipPauses() {
			while (!this.script.isEmpty() && (this.script.peek() == QUIET || this.script.peek() == EARLY)) {
				this.script.poll();
			}
		}

		@Override
		public boolean hasNext() {
			skipPauses();
			return !this.script.isEmpty();
		}

		@Override
		public Object next() {
			if (!hasNext()) {
				throw new NoSuchElementException();
			}
			return this.script.poll();
		}

		@Override
		public Object poll(Duration timeout) {
			this.polls++;
			assertThat(timeout).as("a poll's timeout").isPositive();
			Object head = this.script.peek();
			if (head == null) {
				return null;
			}
			if (head == EARLY) {
				this.script.poll();
				return null;
			}
			if (head == QUIET) {
				this.script.poll();
				// waits the timeout out, as a poll does when nothing comes
				long deadline = System.nanoTime() + timeout.toNanos();
				for (long left = timeout.toNanos(); left > 0; left = deadline - System.nanoTime()) {
					LockSupport.parkNanos(left);
				}
				return null;
			}
			return this.script.poll();
		}

		@Override
		public boolean isEnded() {
			return this.script.isEmpty();
		}

		@Override
		public void doneAll() {
			this.events.add("done");
		}

		void emit(List<Object> chunk) {
			this.events.add(chunk);
		}

	}

	private static Script run(ChunkHandler<Object> handler, Object... script) {
		Script input = new Script(script);
		handler.process(input, input::emit);
		return input;
	}

	@Test
	void rejectsASizeBelowOneAndAMaxWaitThatIsNotPositive() {
		assertThatIllegalArgumentException().isThrownBy(() -> new ChunkHandler<>(0, null))
			.withMessageContaining("at least 1");
		assertThatIllegalArgumentException().isThrownBy(() -> new ChunkHandler<>(-1, null));
		assertThatIllegalArgumentException().isThrownBy(() -> new ChunkHandler<>(2, Duration.ZERO))
			.withMessageContaining("positive");
		assertThatIllegalArgumentException().isThrownBy(() -> new ChunkHandler<>(2, Duration.ofMillis(-1)));
		assertThat(new ChunkHandler<>(1, null).size()).isEqualTo(1);
		assertThat(new ChunkHandler<>(3, Duration.ofNanos(1)).size()).isEqualTo(3);
	}

	@Test
	void namesItsSizeAndMaxWait() {
		assertThat(new ChunkHandler<>(3, null)).hasToString("chunk(3)");
		assertThat(new ChunkHandler<>(3, Duration.ofMillis(200))).hasToString("chunk(3, PT0.2S)");
	}

	@Test
	void emitsFullListsThenWhatIsLeftAtTheEnd() {
		Script input = run(new ChunkHandler<>(2, null), 1, 2, 3, 4, 5);
		assertThat(input.events).containsExactly(List.of(1, 2), "done", List.of(3, 4), "done", List.of(5), "done");
	}

	@Test
	void aChunkOfOneIsEmittedPerItem() {
		Script input = run(new ChunkHandler<>(1, null), 1, 2);
		assertThat(input.events).containsExactly(List.of(1), "done", List.of(2), "done");
	}

	@Test
	void anInputThatEndsOnAFullListLeavesNothingToEmit() {
		Script input = run(new ChunkHandler<>(2, null), 1, 2);
		assertThat(input.events).containsExactly(List.of(1, 2), "done");
	}

	@Test
	void anEmptyInputEmitsNothing() {
		assertThat(run(new ChunkHandler<>(3, null)).events).isEmpty();
		assertThat(run(new ChunkHandler<>(3, Duration.ofMillis(1))).events).isEmpty();
	}

	@Test
	void withoutMaxWaitAListWaitsForItsItemsHoweverLongTheyTake() {
		Script input = run(new ChunkHandler<>(3, null), 1, QUIET, 2, QUIET, 3);
		assertThat(input.events).containsExactly(List.of(1, 2, 3), "done");
		assertThat(input.polls).isZero();
	}

	@Test
	void itemsThatComeInTimeJoinTheList() {
		Script input = run(new ChunkHandler<>(10, Duration.ofHours(1)), 1, 2, 3);
		assertThat(input.events).containsExactly(List.of(1, 2, 3), "done");
		assertThat(input.polls).as("each item after the first, then the end").isEqualTo(3);
	}

	@Test
	void aFullListIsEmittedAtOnceWithMaxWait() {
		Script input = run(new ChunkHandler<>(2, Duration.ofHours(1)), 1, 2, 3, 4, 5);
		assertThat(input.events).containsExactly(List.of(1, 2), "done", List.of(3, 4), "done", List.of(5), "done");
	}

	@Test
	void aPartialListIsEmittedWhenTheMaxWaitRunsOut() {
		Script input = run(new ChunkHandler<>(10, Duration.ofMillis(50)), 1, 2, QUIET, 3, QUIET, QUIET, 4);
		// a stalled thread may see the max-wait run out earlier too: only the quiet
		// spells
		// are sure to end a list
		List<List<Object>> chunks = chunks(input);
		assertThat(chunks.stream().flatMap(List::stream)).containsExactly(1, 2, 3, 4);
		assertThat(chunkOf(chunks, 2)).isNotSameAs(chunkOf(chunks, 3));
		assertThat(chunkOf(chunks, 3)).isNotSameAs(chunkOf(chunks, 4));
		assertThat(chunks).hasSizeBetween(3, 4);
	}

	/** The lists emitted, each checked to be followed by a {@code doneAll}. */
	@SuppressWarnings("unchecked")
	private static List<List<Object>> chunks(Script input) {
		List<List<Object>> chunks = new ArrayList<>();
		for (int i = 0; i < input.events.size(); i += 2) {
			assertThat(input.events.get(i)).isInstanceOf(List.class);
			assertThat((List<Object>) input.events.get(i)).isNotEmpty();
			assertThat(input.events).element(i + 1).isEqualTo("done");
			chunks.add((List<Object>) input.events.get(i));
		}
		return chunks;
	}

	private static List<Object> chunkOf(List<List<Object>> chunks, Object item) {
		return chunks.stream().filter((chunk) -> chunk.contains(item)).findFirst().orElseThrow();
	}

	@Test
	void anEmptyListWaitsForItsFirstItemWithoutLimit() {
		// while nothing is held there is nothing to emit: the handler blocks in hasNext
		Script input = run(new ChunkHandler<>(10, Duration.ofMillis(1)), QUIET, QUIET, 1);
		assertThat(input.events).containsExactly(List.of(1), "done");
	}

	@Test
	void aPollThatComesBackEarlyDoesNotCutTheListShort() {
		Script input = run(new ChunkHandler<>(10, Duration.ofHours(1)), 1, EARLY, EARLY, 2);
		assertThat(input.events).containsExactly(List.of(1, 2), "done");
	}

	@Test
	void theMaxWaitCountsFromTheFirstItemOfTheList() {
		long maxWait = TimeUnit.HOURS.toNanos(1);
		List<Long> timeouts = new ArrayList<>();
		Script input = new Script(1, 2, 3) {
			@Override
			public Object poll(Duration timeout) {
				timeouts.add(timeout.toNanos());
				return super.poll(timeout);
			}
		};
		new ChunkHandler<>(10, Duration.ofNanos(maxWait)).process(input, input::emit);
		assertThat(timeouts).hasSize(3).allSatisfy((timeout) -> assertThat(timeout).isBetween(1L, maxWait));
		assertThat(timeouts).as("what is left of one max-wait").isSortedAccordingTo((a, b) -> Long.compare(b, a));
	}

}
