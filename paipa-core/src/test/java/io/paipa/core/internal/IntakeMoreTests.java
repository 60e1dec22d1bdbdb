package io.paipa.core.internal;

import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
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
import io.paipa.core.Weigher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Intake between the gate and the first queue: callers held at the gate by an outage or
 * by weight, the weight given back when an item is not taken, a stop or the end of the
 * run while callers wait at the gate, and the source threads held by an outage.
 */
@Timeout(30)
class IntakeMoreTests {

	private static final long HOUR = TimeUnit.HOURS.toNanos(1);

	private final Runs runs = Runs.of(1, 2);

	private final Intake intake = this.runs.execution.intake;

	private final BatchQueue queue = this.runs.queue(0);

	private final CountDownLatch release = new CountDownLatch(1);

	private Runs weighed;

	@AfterEach
	void stopTheSource() {
		this.release.countDown();
		this.intake.stop(System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
		if (this.weighed != null) {
			this.weighed.execution.intake.stop(System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
		}
	}

	private void running(Runs runs) {
		assertThat(runs.execution.termination.awaitOpened(0)).isTrue();
		assertThat(runs.execution.state()).isEqualTo(PipelineState.RUNNING);
	}

	/** A continuous run whose input takes items of weight 10 (their length). */
	private Runs weighed(int capacity, Weigher<Object> weigher) {
		this.weighed = Runs.of(Execution.Mode.CONTINUOUS, capacity, (item) -> item, 10, weigher, List.of(),
				Duration.ofSeconds(5));
		return this.weighed;
	}

	private static long length(Object item) {
		return ((String) item).length();
	}

	private void outage() {
		this.runs.execution.outageStarted("step0", new IllegalStateException("down"));
	}

	private void outageEnded() {
		this.runs.execution.outageEnded("step0", Duration.ofMillis(1));
	}

	@Test
	void aCallerWhoseTimeRunsOutAtTheGateIsNotTaken() throws Exception {
		running(this.runs);
		outage();
		assertThat(this.intake.accept("a", null, 0)).isFalse();
		assertThat(this.intake.acceptMarker("m", null, 0)).isFalse();
		assertThat(this.queue.size()).isZero();
		assertThat(this.runs.counters(0).in.sum()).isZero();
		outageEnded();
		assertThat(this.intake.accept("a", null, 0)).isTrue();
		assertThat(this.intake.acceptMarker("m", null, 0)).isTrue();
		assertThat(this.queue.size()).isEqualTo(2);
	}

	@Test
	void aStopWhileCallersWaitAtTheGateRefusesThem() throws Exception {
		running(this.runs);
		outage();
		Parked<Boolean> item = Parked.start("item", () -> this.intake.accept("a", null, -1)).awaitParkedIn("enter");
		Parked<Boolean> marker = Parked.start("marker", () -> this.intake.acceptMarker("m", null, HOUR))
			.awaitParkedIn("enter");
		assertThat(this.runs.execution.termination.beginStop()).isTrue();
		this.intake.gateChanged();
		assertThatThrownBy(item::result).isInstanceOf(ExecutionException.class)
			.cause()
			.isInstanceOf(PipelineClosedException.class)
			.hasMessageEndingWith("it is DRAINING");
		assertThatThrownBy(marker::result).cause().isInstanceOf(PipelineClosedException.class);
		assertThat(this.queue.isClosed()).as("the queue still takes entries").isFalse();
		assertThat(this.queue.size()).as("neither went in").isZero();
		assertThat(this.runs.counters(0).in.sum()).isZero();
	}

	@Test
	void aCallerRefusedAfterWaitingForWeightGivesItsWeightBack() throws Exception {
		Runs runs = weighed(4, IntakeMoreTests::length);
		Intake intake = runs.execution.intake;
		running(runs);
		assertThat(intake.accept("aaaaaa", null, -1)).isTrue();
		Parked<Boolean> waiting = Parked.start("caller", () -> intake.accept("bbbbb", null, -1)).awaitParkedIn("enter");
		assertThat(runs.execution.termination.beginStop()).isTrue();
		intake.gateChanged();
		assertThatThrownBy(waiting::result).cause().isInstanceOf(PipelineClosedException.class);
		assertThat(runs.queue(0).size()).isEqualTo(1);
		// the first step is done with the first item: nothing weighs now, so one
		// heavier item is let in
		intake.gate.leave(6);
		assertThat(intake.gate.enter(11, 0, () -> true)).isNotEqualTo(IntakeGate.TIMED_OUT);
	}

	@Test
	void aCallerWhoseTimeRunsOutAtTheQueueGivesItsWeightBack() throws Exception {
		Runs runs = weighed(1, IntakeMoreTests::length);
		Intake intake = runs.execution.intake;
		running(runs);
		assertThat(intake.accept("a", null, -1)).isTrue();
		assertThat(intake.accept("bb", null, TimeUnit.MILLISECONDS.toNanos(20))).as("the queue is full").isFalse();
		assertThat(runs.queue(0).size()).isEqualTo(1);
		assertThat(runs.counters(0).in.sum()).isEqualTo(1);
		intake.gate.leave(1);
		assertThat(intake.gate.enter(11, 0, () -> true)).isNotEqualTo(IntakeGate.TIMED_OUT);
	}

	@Test
	void nothingIsWeighedBeforeTheRunIsRunning() {
		AtomicInteger weighed = new AtomicInteger();
		Runs runs = weighed(4, (item) -> {
			weighed.incrementAndGet();
			throw new IllegalStateException("weighed");
		});
		assertThatThrownBy(() -> runs.execution.intake.accept("a", null, 0)).isInstanceOf(PipelineClosedException.class)
			.hasMessageEndingWith("it is NEW");
		assertThat(weighed).hasValue(0);
	}

	@Test
	void anOutageHoldsACallersQueueBack() throws Exception {
		running(this.runs);
		outage();
		LinkedBlockingQueue<Object> callers = new LinkedBlockingQueue<>(List.of("a"));
		this.intake.startDrain(callers);
		Parked.awaitParkedIn(this.intake.sourceThread(), "awaitNoOutage");
		assertThat(callers).containsExactly("a");
		assertThat(this.queue.size()).isZero();
		outageEnded();
		await().atMost(Duration.ofSeconds(10)).until(() -> this.queue.size() == 1);
		assertThat(callers).isEmpty();
		assertThat(this.queue.drain()).containsExactly("a");
	}

	@Test
	void aStopDuringAnOutageEndsTheDrain() throws Exception {
		running(this.runs);
		outage();
		LinkedBlockingQueue<Object> callers = new LinkedBlockingQueue<>();
		this.intake.startDrain(callers);
		Parked.awaitParkedIn(this.intake.sourceThread(), "awaitNoOutage");
		this.intake.stop(System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
		assertThat(this.intake.sourceThread().isAlive()).isFalse();
		assertThat(this.queue.isClosed()).isTrue();
		assertThat(this.queue.size()).isZero();
	}

	@Test
	void aStopDuringAnOutageLeavesTheCallersItemsInTheirQueue() throws Exception {
		running(this.runs);
		outage();
		AtomicInteger takes = new AtomicInteger();
		LinkedBlockingQueue<Object> callers = new LinkedBlockingQueue<>(List.of("a", "b")) {
			@Override
			public Object take() throws InterruptedException {
				takes.incrementAndGet();
				return super.take();
			}
		};
		this.intake.startDrain(callers);
		Parked.awaitParkedIn(this.intake.sourceThread(), "awaitNoOutage");
		this.intake.stop(System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
		assertThat(this.intake.sourceThread().isAlive()).isFalse();
		assertThat(takes).as("nothing is taken after the stop").hasValue(0);
		assertThat(callers).containsExactly("a", "b");
		assertThat(this.queue.size()).isZero();
		assertThat(this.runs.counters(0).in.sum()).isZero();
	}

	@Test
	void aCallersQueueThatFailsFailsTheRun() throws Exception {
		running(this.runs);
		LinkedBlockingQueue<Object> callers = new LinkedBlockingQueue<>() {
			@Override
			public Object take() {
				throw new IllegalStateException("queue broken");
			}
		};
		this.intake.startDrain(callers);
		join(this.intake.sourceThread());
		assertThat(this.runs.execution.termination.isFailed()).isTrue();
		PipelineFailedException failure = this.runs.execution.termination.finish(PipelineState.COMPLETED).failure();
		assertThat(failure).hasMessageContaining("failed in step '(source)'")
			.hasMessageContaining("the queue the pipeline takes its items from failed")
			.hasRootCauseMessage("queue broken");
	}

	@Test
	void whatWasTakenFromACallersQueueThatFailsPartWayGoesOn() throws Exception {
		running(this.runs);
		LinkedBlockingQueue<Object> callers = new LinkedBlockingQueue<>(List.of("a", "b")) {
			@Override
			public int drainTo(java.util.Collection<? super Object> into, int max) {
				throw new IllegalStateException("queue broken");
			}
		};
		this.intake.startDrain(callers);
		join(this.intake.sourceThread());
		assertThat(this.runs.execution.termination.isFailed()).isTrue();
		assertThat(this.runs.counters(0).in.sum()).isEqualTo(1);
		assertThat(this.queue.drain()).containsExactly("a");
		assertThat(callers).containsExactly("b");
	}

	@Test
	void anOutageHoldsABatchSourceBack() throws Exception {
		running(this.runs);
		outage();
		AtomicInteger pulled = new AtomicInteger();
		this.intake.startBatch(List.<Object>of("a").stream().peek((item) -> pulled.incrementAndGet()).iterator());
		Parked.awaitParkedIn(this.intake.sourceThread(), "awaitNoOutage");
		assertThat(pulled).hasValue(0);
		outageEnded();
		await().atMost(Duration.ofSeconds(10)).until(this.queue::isClosed);
		assertThat(this.intake.isExhausted()).isTrue();
		assertThat(pulled).hasValue(1);
		assertThat(this.queue.drain()).containsExactly("a");
	}

	@Test
	void aStopDuringAnOutageEndsABatchSourceUnpulled() throws Exception {
		running(this.runs);
		outage();
		AtomicInteger pulled = new AtomicInteger();
		this.intake.startBatch(List.<Object>of("a").stream().peek((item) -> pulled.incrementAndGet()).iterator());
		Parked.awaitParkedIn(this.intake.sourceThread(), "awaitNoOutage");
		this.intake.stop(System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
		assertThat(this.intake.sourceThread().isAlive()).isFalse();
		assertThat(this.queue.isClosed()).isTrue();
		assertThat(pulled).hasValue(0);
		assertThat(this.intake.isExhausted()).isFalse();
		assertThat(this.runs.execution.termination.isFailed()).isFalse();
	}

	@Test
	void anItemPulledAsTheRunAbortsIsLeftOver() throws Exception {
		running(this.runs);
		Iterator<Object> source = endless((next) -> {
			// the abort comes between the wait for room and the put
			IntakeMoreTests.this.queue.abort();
			return "item" + next;
		});
		this.intake.startBatch(source);
		assertThat(Threads.join(this.intake.sourceThread(), System.nanoTime() + TimeUnit.SECONDS.toNanos(10))).isTrue();
		assertThat(this.runs.deadLetters).extracting((letter) -> letter.item()).containsExactly("item0");
		assertThat(this.runs.counters(0).in.sum()).as("counted in, then left over").isEqualTo(1);
		assertThat(this.intake.isExhausted()).isFalse();
		assertThat(this.runs.execution.termination.isFailed()).isFalse();
	}

	@Test
	void itemsStagedWhenTheRunAbortsAreLeftOverInTheOrderTheyWerePulled() throws Exception {
		Runs runs = Runs.of(1, 8);
		running(runs);
		Intake intake = runs.execution.intake;
		BatchQueue queue = runs.queue(0);
		Iterator<Object> source = endless((next) -> {
			if (next == 2) {
				// two items wait beside the queue: nobody takes them
				queue.abort();
			}
			return "item" + next;
		});
		intake.startBatch(source);
		join(intake.sourceThread());
		assertThat(runs.deadLetters).extracting((letter) -> letter.item()).containsExactly("item0", "item1", "item2");
		assertThat(runs.counters(0).in.sum()).as("counted in, then left over").isEqualTo(3);
		assertThat(queue.size()).isZero();
	}

	@Test
	void aMarkerFromTheSourceGoesAfterTheItemsPulledBeforeIt() throws Exception {
		Runs runs = Runs.of(1, 8);
		running(runs);
		Intake intake = runs.execution.intake;
		BatchQueue queue = runs.queue(0);
		intake.startBatch(List.<Object>of("a", Marker.of("end"), "b").iterator());
		join(intake.sourceThread());
		Object[] entries = queue.drain();
		assertThat(entries).hasSize(3);
		assertThat(entries[0]).isEqualTo("a");
		assertThat(entries[1]).isInstanceOf(MarkerEntry.class);
		assertThat(entries[2]).isEqualTo("b");
		assertThat(runs.counters(0).in.sum()).isEqualTo(2);
	}

	@Test
	void aMarkerFromTheSourceAfterTheRunAbortedEndsThePull() throws Exception {
		Runs runs = Runs.of(1, 8);
		running(runs);
		Intake intake = runs.execution.intake;
		BatchQueue queue = runs.queue(0);
		AtomicInteger pulls = new AtomicInteger();
		Iterator<Object> source = endless((next) -> {
			if (pulls.incrementAndGet() == 2) {
				queue.abort();
				return Marker.of("end");
			}
			return "a";
		});
		intake.startBatch(source);
		join(intake.sourceThread());
		assertThat(pulls).hasValue(2);
		assertThat(runs.deadLetters).extracting((letter) -> letter.item()).containsExactly("a");
	}

	/** A source that never ends; {@code pull} makes its n-th item, counting from 0. */
	private static Iterator<Object> endless(java.util.function.IntFunction<Object> pull) {
		return new Iterator<>() {
			private int next;

			@Override
			public boolean hasNext() {
				return true;
			}

			@Override
			public Object next() {
				return pull.apply(this.next++);
			}
		};
	}

	private void join(Thread thread) {
		assertThat(Threads.join(thread, System.nanoTime() + TimeUnit.SECONDS.toNanos(10))).as("the thread ended")
			.isTrue();
	}

	@Test
	void aFailureEndsTheSourceAndTheCallersWaitingAtTheGate() throws Exception {
		running(this.runs);
		this.intake.startBatch(Sources.oneItemAfter(this.release, false));
		Parked.awaitParkedIn(this.intake.sourceThread(), "next");
		outage();
		Parked<Boolean> waiting = Parked.start("caller", () -> this.intake.accept("b", null, -1))
			.awaitParkedIn("enter");
		this.runs.execution.termination
			.fail(new PipelineFailedException("test", "step0", null, "failed", new IllegalStateException()));
		assertThatThrownBy(waiting::result).cause()
			.isInstanceOf(PipelineClosedException.class)
			.hasMessageEndingWith("it is FAILED");
		join(this.intake.sourceThread());
		assertThat(this.queue.isClosed()).isTrue();
		assertThat(this.queue.size()).isZero();
		assertThat(this.runs.counters(0).in.sum()).isZero();
	}

	@Test
	void aStopThatOutlastsItsDeadlineLeavesTheInputOpenUntilTheSourceEnds() throws Exception {
		running(this.runs);
		this.intake.startBatch(Sources.oneItemAfter(this.release, true));
		Parked.awaitParkedIn(this.intake.sourceThread(), "next");
		this.intake.stop(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20));
		assertThat(this.intake.sourceThread().isAlive()).isTrue();
		assertThat(this.queue.isClosed()).as("the source may still hand on what it took").isFalse();
		this.release.countDown();
		join(this.intake.sourceThread());
		assertThat(this.queue.isClosed()).isTrue();
		assertThat(this.queue.drain()).containsExactly("a");
		assertThat(this.intake.isExhausted()).isFalse();
	}

	@Test
	void aCallerWaitingWhenTheQueueAbortsIsTold() throws Exception {
		running(this.runs);
		this.intake.accept("a", null, -1);
		this.intake.accept("b", null, -1);
		Parked<Boolean> waiting = Parked.start("caller", () -> this.intake.accept("c", null, HOUR))
			.awaitParkedIn("awaitProducer");
		this.queue.abort();
		assertThatThrownBy(waiting::result).cause()
			.isInstanceOf(PipelineClosedException.class)
			.hasMessageEndingWith("it is RUNNING");
		assertThat(this.runs.counters(0).in.sum()).isEqualTo(2);
	}

	@Test
	void aMarkerAloneRefusedAfterAnAbortEndsTheDrain() throws Exception {
		running(this.runs);
		LinkedBlockingQueue<Object> callers = new LinkedBlockingQueue<>(List.of(Marker.of("m")));
		this.queue.abort();
		this.intake.startDrain(callers);
		join(this.intake.sourceThread());
		assertThat(callers).isEmpty();
		assertThat(this.runs.counters(0).in.sum()).as("a marker is no item").isZero();
		assertThat(this.runs.deadLetters).isEmpty();
	}

	@Test
	void anItemRefusedAfterAnAbortEndsTheDrain() throws Exception {
		running(this.runs);
		LinkedBlockingQueue<Object> callers = new LinkedBlockingQueue<>(List.of("a"));
		this.queue.abort();
		this.intake.startDrain(callers);
		join(this.intake.sourceThread());
		assertThat(this.runs.deadLetters).extracting((letter) -> letter.item()).containsExactly("a");
		assertThat(this.runs.counters(0).in.sum()).isEqualTo(1);
	}

	@Test
	void whatIsLeftOfAPartlyTakenBatchAtAnAbortIsLeftOver() throws Exception {
		running(this.runs);
		this.queue.put(new Object[] { "x" }, 0, 1, false, -1, null);
		LinkedBlockingQueue<Object> callers = new LinkedBlockingQueue<>(List.of("a", "b"));
		this.intake.startDrain(callers);
		// a went in, b waits for room
		Parked.awaitParkedIn(this.intake.sourceThread(), "awaitProducer");
		assertThat(this.queue.size()).isEqualTo(2);
		this.queue.abort();
		join(this.intake.sourceThread());
		assertThat(this.runs.deadLetters).extracting((letter) -> letter.item()).containsExactly("b");
		assertThat(this.runs.counters(0).in.sum()).as("a put, b refused").isEqualTo(2);
	}

}
