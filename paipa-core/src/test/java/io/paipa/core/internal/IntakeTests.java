package io.paipa.core.internal;

import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.paipa.core.Marker;
import io.paipa.core.PipelineClosedException;
import io.paipa.core.PipelineFailedException;
import io.paipa.core.PipelineState;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * How items enter a run: put by callers (waiting for room, timing out, refused once the
 * run no longer takes input), markers with their callbacks, a batch source pulled by a
 * thread of its own until it ends, fails or is stopped, and a caller's queue drained in
 * order. No worker runs: the test takes from the first queue itself.
 */
@Timeout(30)
class IntakeTests {

	private static final long HOUR = TimeUnit.HOURS.toNanos(1);

	private final Runs runs = Runs.of(1, 2);

	private final Intake intake = this.runs.execution.intake;

	private final BatchQueue queue = this.runs.queue(0);

	private final AtomicInteger completed = new AtomicInteger();

	@AfterEach
	void stopTheSource() {
		this.intake.stop(System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
	}

	private void running() {
		assertThat(this.runs.execution.termination.awaitOpened(0)).isTrue();
		assertThat(this.runs.execution.state()).isEqualTo(PipelineState.RUNNING);
	}

	private Object[] take(int n) {
		Object[] batch = new Object[n];
		int taken = this.queue.take(batch, n, 0, null, HOUR);
		assertThat(taken).isEqualTo(n);
		this.queue.release(n);
		return batch;
	}

	private void fail() {
		this.runs.execution.termination
			.fail(new PipelineFailedException("test", "step0", null, "failed", new IllegalStateException()));
	}

	@Test
	void takesNothingBeforeTheRunIsRunning() {
		assertThatThrownBy(() -> this.intake.accept("a", null, 0)).isInstanceOf(PipelineClosedException.class)
			.hasMessage("Pipeline 'test' does not accept items: it is NEW");
		assertThatThrownBy(() -> this.intake.acceptMarker("m", null, 0)).isInstanceOf(PipelineClosedException.class);
		assertThat(this.queue.size()).isZero();
	}

	@Test
	void anAcceptedItemIsCountedInAtTheFirstStep() throws Exception {
		running();
		assertThat(this.intake.accept("a", null, -1)).isTrue();
		assertThat(this.intake.accept("b", this.completed::incrementAndGet, 0)).isTrue();
		assertThat(this.runs.counters(0).in.sum()).isEqualTo(2);
		Object[] batch = take(2);
		assertThat(batch[0]).isEqualTo("a");
		assertThat(batch[1]).isInstanceOf(Tracked.class);
		assertThat(Tracked.unwrap(batch[1])).isEqualTo("b");
		assertThat(Tracker.originsOf(batch[1])).hasSize(1);
		assertThat(this.completed).hasValue(0);
		Tracked.settle(batch[1]);
		assertThat(this.completed).hasValue(1);
	}

	@Test
	void aCallerWaitsForRoomOrUntilItsTimeRunsOut() throws Exception {
		running();
		this.intake.accept("a", null, -1);
		this.intake.accept("b", null, -1);
		assertThat(this.intake.accept("c", null, 0)).isFalse();
		assertThat(this.intake.accept("c", null, TimeUnit.MILLISECONDS.toNanos(20))).isFalse();
		assertThat(this.intake.acceptMarker("m", null, 0)).isFalse();
		assertThat(this.runs.counters(0).in.sum()).isEqualTo(2);
		Parked<Boolean> waiting = Parked.start("caller", () -> this.intake.accept("c", null, HOUR))
			.awaitParkedIn("awaitProducer");
		take(2);
		assertThat(waiting.result()).isTrue();
		assertThat(take(1)).containsExactly("c");
	}

	@Test
	void anInterruptEndsACallersWait() throws Exception {
		running();
		this.intake.accept("a", null, -1);
		this.intake.accept("b", null, -1);
		Parked<Boolean> waiting = Parked.start("caller", () -> this.intake.accept("c", null, -1))
			.awaitParkedIn("awaitProducer");
		waiting.interrupt();
		assertThatThrownBy(waiting::result).isInstanceOf(ExecutionException.class)
			.cause()
			.isInstanceOf(InterruptedException.class)
			.hasMessage("Interrupted while waiting for room in pipeline 'test'");
		Parked<Boolean> marker = Parked.start("marker", () -> this.intake.acceptMarker("m", null, -1))
			.awaitParkedIn("awaitProducer");
		marker.interrupt();
		assertThatThrownBy(marker::result).cause().isInstanceOf(InterruptedException.class);
		assertThat(this.runs.counters(0).in.sum()).isEqualTo(2);
	}

	@Test
	void aCallerWaitingWhenTheInputEndsIsTold() throws Exception {
		running();
		this.intake.accept("a", null, -1);
		this.intake.accept("b", null, -1);
		Parked<Boolean> waiting = Parked.start("caller", () -> this.intake.accept("c", null, -1))
			.awaitParkedIn("awaitProducer");
		this.queue.close();
		assertThatThrownBy(waiting::result).cause().isInstanceOf(PipelineClosedException.class);
		assertThatThrownBy(() -> this.intake.acceptMarker("m", null, -1)).isInstanceOf(PipelineClosedException.class);
	}

	@Test
	void nothingIsTakenAfterAFailure() throws Exception {
		running();
		fail();
		assertThatThrownBy(() -> this.intake.accept("a", null, -1)).isInstanceOf(PipelineClosedException.class)
			.hasMessageEndingWith("it is FAILED");
		assertThatThrownBy(() -> this.intake.acceptMarker("m", null, -1)).isInstanceOf(PipelineClosedException.class);
		assertThat(this.runs.counters(0).in.sum()).isZero();
	}

	@Test
	void aMarkerTravelsWithItsCallback() throws Exception {
		running();
		assertThat(this.intake.acceptMarker("m", this.completed::incrementAndGet, -1)).isTrue();
		assertThat(this.intake.acceptMarker("n", null, HOUR)).isTrue();
		Object[] entries = this.queue.drain();
		assertThat(entries).hasSize(2);
		MarkerEntry first = (MarkerEntry) entries[0];
		MarkerEntry second = (MarkerEntry) entries[1];
		assertThat(first.value).isEqualTo("m");
		assertThat(second.value).isEqualTo("n");
		assertThat(second.tracker).isNull();
		first.release();
		assertThat(this.completed).hasValue(1);
		assertThat(this.runs.counters(0).in.sum()).as("a marker is no item").isZero();
	}

	@Test
	void aBatchSourceIsPulledOnlyWhenThereIsRoomAndEndsTheInput() throws Exception {
		running();
		AtomicInteger pulled = new AtomicInteger();
		Iterator<Object> source = List.<Object>of("a", "b", Marker.of("m", this.completed::incrementAndGet), "c")
			.stream()
			.peek((item) -> pulled.incrementAndGet())
			.iterator();
		this.intake.startBatch(source);
		assertThat(this.intake.sourceThread()).isNotNull();
		Parked.awaitParkedIn(this.intake.sourceThread(), "awaitRoom");
		assertThat(pulled).as("nothing beyond the bound").hasValue(2);
		assertThat(this.intake.isExhausted()).isFalse();
		assertThat(take(2)).containsExactly("a", "b");
		Object[] slot = new Object[2];
		assertThat(this.queue.take(slot, 2, 0, null, HOUR)).isEqualTo(BatchQueue.AT_MARKER);
		assertThat(this.queue.awaitMarker(slot, null)).isEqualTo(1);
		assertThat(((MarkerEntry) slot[0]).value).isEqualTo("m");
		((MarkerEntry) slot[0]).release();
		this.queue.markerPassed();
		assertThat(this.completed).hasValue(1);
		assertThat(take(1)).containsExactly("c");
		await().atMost(java.time.Duration.ofSeconds(10)).until(this.queue::isClosed);
		assertThat(this.intake.isExhausted()).isTrue();
		assertThat(pulled).hasValue(4);
		assertThat(this.runs.counters(0).in.sum()).isEqualTo(3);
		assertThat(this.queue.take(slot, 2, 0, null, HOUR)).isEqualTo(BatchQueue.ENDED);
	}

	@Test
	void aSourceThatFailsFailsTheRun() throws Exception {
		running();
		Iterator<Object> source = new Iterator<>() {
			@Override
			public boolean hasNext() {
				return true;
			}

			@Override
			public Object next() {
				throw new IllegalStateException("source down");
			}
		};
		this.intake.startBatch(source);
		await().atMost(java.time.Duration.ofSeconds(10)).until(this.queue::isClosed);
		assertThat(this.runs.execution.termination.isFailed()).isTrue();
		assertThat(this.runs.execution.state()).isEqualTo(PipelineState.FAILED);
		assertThat(this.intake.isExhausted()).isFalse();
	}

	@Test
	void aNullFromTheSourceFailsTheRun() throws Exception {
		running();
		this.intake.startBatch(java.util.Arrays.asList("a", null).iterator());
		await().atMost(java.time.Duration.ofSeconds(10)).until(this.queue::isClosed);
		assertThat(this.runs.execution.termination.isFailed()).isTrue();
	}

	@Test
	void aStopEndsTheSourceAndTheInput() throws Exception {
		running();
		Iterator<Object> endless = new Iterator<>() {
			private int next;

			@Override
			public boolean hasNext() {
				return true;
			}

			@Override
			public Object next() {
				return this.next++;
			}
		};
		this.intake.startBatch(endless);
		Parked.awaitParkedIn(this.intake.sourceThread(), "awaitRoom");
		// the source waits for room: the workers' next take makes it, and it sees the
		// stop
		Parked<Boolean> stopping = Parked.start("stop", () -> {
			this.intake.stop(System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
			return true;
		}).awaitParkedIn("join");
		assertThat(take(2)).containsExactly(0, 1);
		assertThat(stopping.result()).isTrue();
		assertThat(this.intake.sourceThread().isAlive()).isFalse();
		assertThat(this.queue.isClosed()).isTrue();
		assertThat(this.intake.isExhausted()).isFalse();
		assertThat(this.runs.execution.termination.isFailed()).as("a stop is no failure").isFalse();
		assertThat(this.queue.drain()).as("nothing pulled after the stop").isEmpty();
	}

	@Test
	void aCallersQueueIsDrainedInOrderWithItsMarkers() throws Exception {
		Runs big = Runs.of(1, 8);
		Intake intake = big.execution.intake;
		BatchQueue queue = big.queue(0);
		assertThat(big.execution.termination.awaitOpened(0)).isTrue();
		LinkedBlockingQueue<Object> callers = new LinkedBlockingQueue<>();
		callers.add("a");
		callers.add(Marker.of("m"));
		callers.add("b");
		intake.startDrain(callers);
		try {
			await().atMost(java.time.Duration.ofSeconds(10)).until(() -> queue.size() == 3);
			Parked.awaitParkedIn(intake.sourceThread(), "drain");
			Object[] first = queue.drain();
			assertThat(first[0]).isEqualTo("a");
			assertThat(((MarkerEntry) first[1]).value).isEqualTo("m");
			assertThat(first[2]).isEqualTo("b");
			callers.add("c");
			await().atMost(java.time.Duration.ofSeconds(10)).until(() -> queue.size() == 1);
			assertThat(queue.drain()).containsExactly("c");
			assertThat(big.counters(0).in.sum()).isEqualTo(3);
		}
		finally {
			intake.stop(System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
		}
		assertThat(intake.sourceThread().isAlive()).isFalse();
		assertThat(queue.isClosed()).isTrue();
	}

	@Test
	void whatACallersQueueHandsOnAfterAnAbortIsLeftOver() throws Exception {
		running();
		LinkedBlockingQueue<Object> callers = new LinkedBlockingQueue<>(List.of("a", Marker.of("m"), "b"));
		this.queue.abort();
		this.intake.startDrain(callers);
		Threads.join(this.intake.sourceThread(), System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
		assertThat(this.intake.sourceThread().isAlive()).as("refused: the thread ends").isFalse();
		// it took a batch of at most the queue's capacity: a and the marker
		assertThat(this.runs.counters(0).in.sum()).isEqualTo(1);
		assertThat(this.runs.deadLetters).extracting((letter) -> letter.item()).containsExactly("a");
		assertThat(callers).containsExactly("b");
	}

	@Test
	void aMarkerACallersQueueHandsOnAfterAnAbortEndsTheDrainToo() throws Exception {
		running();
		LinkedBlockingQueue<Object> callers = new LinkedBlockingQueue<>(List.of(Marker.of("m"), "a"));
		this.queue.abort();
		this.intake.startDrain(callers);
		Threads.join(this.intake.sourceThread(), System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
		assertThat(this.intake.sourceThread().isAlive()).isFalse();
		assertThat(this.runs.deadLetters).extracting((letter) -> letter.item()).containsExactly("a");
	}

	@Test
	void anItemCarriesTheContextOfTheThreadThatPutIt() throws Exception {
		ThreadLocal<String> current = new ThreadLocal<>();
		io.paipa.core.ContextPropagation propagation = new io.paipa.core.ContextPropagation() {
			@Override
			public Object capture() {
				return current.get();
			}

			@Override
			public Scope open(String pipeline, String step, Object context) {
				return () -> {
				};
			}
		};
		Runs runs = Runs.withPropagation(propagation);
		assertThat(runs.execution.termination.awaitOpened(0)).isTrue();
		Intake intake = runs.execution.intake;
		current.set("trace-1");
		assertThat(intake.accept("traced", null, -1)).isTrue();
		current.remove();
		assertThat(intake.accept("plain", null, -1)).isTrue();
		Object[] entries = runs.queue(0).drain();
		assertThat(entries).hasSize(2);
		assertThat(Tracked.unwrap(entries[0])).isEqualTo("traced");
		assertThat(Tracker.contextOf(entries[0])).isEqualTo("trace-1");
		assertThat(Tracker.originsOf(entries[0])).as("no callback to call").isEmpty();
		assertThat(entries[1]).as("nothing to carry: the bare item").isEqualTo("plain");
	}

}
