package io.paipa.core.internal;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Producers waiting for room: whoever makes room adds their items for them, oldest first,
 * so that a woken producer finds its items in and never queues for the lock again; and
 * the staging producer, woken only once half the ring is free.
 */
@Timeout(30)
class BatchQueueWaitingPutTests {

	private static final String PUT_WAIT = "awaitProducer";

	private static final BatchQueue.Marker MARKER = new BatchQueue.Marker() {
	};

	private final Object[] batch = new Object[8];

	private static int put(BatchQueue queue, Object... items) {
		return queue.put(items, 0, items.length, false, -1, null);
	}

	private static Parked<Integer> waitingPut(BatchQueue queue, boolean interruptible, long timeoutNanos,
			LongAdder counter, Object... items) {
		return Parked.start("producer", () -> queue.put(items, 0, items.length, interruptible, timeoutNanos, counter))
			.awaitParkedIn(PUT_WAIT);
	}

	private int take(BatchQueue queue, int max, int release) {
		return queue.take(this.batch, max, release, null, 0);
	}

	@Test
	void roomGoesToTheProducersThatWaitOldestFirstAndTheirItemsAreInWhenTheTakeReturns() throws Exception {
		BatchQueue queue = new BatchQueue(2, 1);
		put(queue, 1, 2);
		LongAdder counted = new LongAdder();
		Parked<Integer> first = waitingPut(queue, false, -1, counted, "a1", "a2");
		Parked<Integer> second = waitingPut(queue, false, -1, counted, "b1");

		assertThat(take(queue, 2, 0)).isEqualTo(2);
		assertThat(this.batch).startsWith(1, 2);
		// added by the take, under its lock, before the producer runs again
		assertThat(queue.size()).isEqualTo(2);
		assertThat(counted.sum()).isEqualTo(2);
		assertThat(first.result()).isEqualTo(2);
		assertThat(second.isDone()).isFalse();

		assertThat(take(queue, 2, 2)).isEqualTo(2);
		assertThat(this.batch).startsWith("a1", "a2");
		assertThat(second.result()).isEqualTo(1);
		assertThat(take(queue, 2, 2)).isEqualTo(1);
		assertThat(this.batch[0]).isEqualTo("b1");
		assertThat(counted.sum()).isEqualTo(3);
	}

	@Test
	void aProducerWhoseItemsGoInPartWayWaitsForTheRest() throws Exception {
		BatchQueue queue = new BatchQueue(2, 1);
		put(queue, 1, 2);
		Parked<Integer> producer = waitingPut(queue, false, -1, null, "x", "y", "z");

		assertThat(take(queue, 1, 0)).isEqualTo(1);
		assertThat(queue.size()).as("2 and x").isEqualTo(2);
		assertThat(producer.isDone()).isFalse();
		assertThat(take(queue, 2, 1)).isEqualTo(2);
		assertThat(this.batch).startsWith(2, "x");
		assertThat(producer.result()).isEqualTo(3);
		assertThat(take(queue, 2, 2)).isEqualTo(2);
		assertThat(this.batch).startsWith("y", "z");
	}

	@Test
	void aMarkerWaitsInLineBehindTheProducersThatWaitedBeforeIt() throws Exception {
		BatchQueue queue = new BatchQueue(1, 1);
		put(queue, 1);
		Parked<Integer> items = waitingPut(queue, false, -1, null, "a");
		Parked<Boolean> marker = Parked.start("marker", () -> queue.putMarker(MARKER, false, -1))
			.awaitParkedIn(PUT_WAIT);

		assertThat(take(queue, 1, 0)).isEqualTo(1);
		assertThat(items.result()).isEqualTo(1);
		assertThat(marker.isDone()).isFalse();
		assertThat(take(queue, 1, 1)).isEqualTo(1);
		assertThat(this.batch[0]).isEqualTo("a");
		assertThat(marker.result()).isTrue();
		assertThat(take(queue, 1, 1)).isEqualTo(BatchQueue.AT_MARKER);
	}

	@Test
	void aMarkerDoesNotPassProducersThatWaitEvenWhenThereIsRoomForIt() throws Exception {
		BatchQueue queue = new BatchQueue(2, 1);
		put(queue, 1, 2);
		Parked<Integer> items = waitingPut(queue, false, -1, null, "a", "b", "c");
		// one unit of room, taken by the waiting items at once
		assertThat(take(queue, 1, 0)).isEqualTo(1);
		Parked<Boolean> marker = Parked.start("marker", () -> queue.putMarker(MARKER, false, -1))
			.awaitParkedIn(PUT_WAIT);

		assertThat(take(queue, 2, 1)).isEqualTo(2);
		assertThat(this.batch).startsWith(2, "a");
		assertThat(items.result()).isEqualTo(3);
		assertThat(marker.isDone()).isFalse();
		assertThat(take(queue, 2, 2)).isEqualTo(2);
		assertThat(this.batch).startsWith("b", "c");
		assertThat(marker.result()).isTrue();
		assertThat(take(queue, 2, 2)).isEqualTo(BatchQueue.AT_MARKER);
	}

	@Test
	void aWaitingPutThatTimesOutKeepsWhatWentInAndLeavesNothingBehind() throws Exception {
		BatchQueue queue = new BatchQueue(2, 1);
		put(queue, 1, 2);
		LongAdder counted = new LongAdder();
		Parked<Integer> producer = waitingPut(queue, false, TimeUnit.SECONDS.toNanos(1), counted, "x", "y", "z");
		assertThat(take(queue, 1, 0)).isEqualTo(1);

		assertThat(producer.result()).as("x went in, then the time ran out").isEqualTo(1);
		assertThat(counted.sum()).isEqualTo(1);
		assertThat(take(queue, 8, 1)).isEqualTo(2);
		assertThat(this.batch).startsWith(2, "x");
		assertThat(take(queue, 8, 2)).as("y and z were not left in line").isZero();
		assertThat(queue.size()).isZero();
	}

	@Test
	void anInterruptEndsAnInterruptibleWaitingPutWithWhatWentIn() throws Exception {
		BatchQueue queue = new BatchQueue(1, 1);
		put(queue, 1);
		Parked<Integer> producer = waitingPut(queue, true, -1, null, "x", "y");
		assertThat(take(queue, 1, 0)).isEqualTo(1);
		producer.interrupt();

		assertThat(producer.result()).isEqualTo(1);
		assertThat(producer.interruptedAfter()).isTrue();
		assertThat(take(queue, 8, 1)).isEqualTo(1);
		assertThat(this.batch[0]).isEqualTo("x");
		assertThat(take(queue, 8, 1)).isZero();
	}

	@Test
	void anUninterruptibleWaitingPutWaitsOnAndKeepsTheInterrupt() throws Exception {
		BatchQueue queue = new BatchQueue(1, 1);
		put(queue, 1);
		Parked<Integer> producer = waitingPut(queue, false, -1, null, "x");
		producer.interrupt();
		producer.awaitParkedIn(PUT_WAIT);
		assertThat(producer.isDone()).isFalse();

		assertThat(take(queue, 1, 0)).isEqualTo(1);
		assertThat(producer.result()).isEqualTo(1);
		assertThat(producer.interruptedAfter()).isTrue();
	}

	@Test
	void closeAndAbortEndTheWaitOfProducersWithWhatWentIn() throws Exception {
		BatchQueue closed = new BatchQueue(1, 1);
		put(closed, 1);
		Parked<Integer> items = waitingPut(closed, false, -1, null, "x");
		Parked<Boolean> marker = Parked.start("marker", () -> closed.putMarker(MARKER, false, -1))
			.awaitParkedIn(PUT_WAIT);
		closed.close();
		// the room this take makes is not given to them: the closed queue refuses them
		assertThat(take(closed, 8, 0)).as("what was in before the close").isEqualTo(1);
		assertThat(take(closed, 8, 1)).isEqualTo(BatchQueue.ENDED);
		assertThat(items.result()).isZero();
		assertThat(marker.result()).isFalse();
		assertThat(take(closed, 8, 0)).isEqualTo(BatchQueue.ENDED);

		BatchQueue aborted = new BatchQueue(2, 1);
		put(aborted, 1, 2);
		assertThat(take(aborted, 2, 0)).isEqualTo(2);
		put(aborted, 3, 4);
		assertThat(take(aborted, 2, 0)).isEqualTo(2);
		// 4 in hand: no room until some are released
		Parked<Integer> refused = waitingPut(aborted, true, -1, null, "x");
		aborted.abort();
		// the room this release makes is not given to it: the aborted queue refuses it
		aborted.release(2);
		assertThat(refused.result()).isZero();
		assertThat(refused.interruptedAfter()).isFalse();
		assertThat(aborted.drain()).isEmpty();
	}

	@Test
	void moreWorkersMakeRoomForTheProducersThatWait() throws Exception {
		BatchQueue queue = new BatchQueue(2, 1);
		put(queue, 1, 2);
		assertThat(take(queue, 2, 0)).isEqualTo(2);
		put(queue, 3, 4);
		assertThat(take(queue, 2, 0)).isEqualTo(2);
		// 4 in hand: capacity + max(capacity, 1) reached
		Parked<Integer> producer = waitingPut(queue, false, -1, null, "x");

		queue.setWorkers(3);

		assertThat(producer.result()).isEqualTo(1);
		assertThat(queue.size()).isEqualTo(1);
	}

	@Test
	void theStagingProducerIsWokenOnceHalfTheRingIsFree() throws Exception {
		BatchQueue queue = new BatchQueue(4, 1);
		put(queue, 1, 2, 3, 4);
		Parked<Integer> source = Parked.start("source", queue::awaitRoom).awaitParkedIn(PUT_WAIT);

		assertThat(take(queue, 1, 0)).isEqualTo(1);
		await().during(Duration.ofMillis(200))
			.atMost(Duration.ofSeconds(5))
			.until(() -> !source.isDone() && queue.size() == 3);
		assertThat(take(queue, 1, 1)).isEqualTo(1);

		assertThat(source.result()).as("2 waiting, 2 free").isEqualTo(2);
	}

	@Test
	void theStagingProducerGoesOnWithTheRoomThereIsWhenTheRingIsHalfEmpty() {
		BatchQueue queue = new BatchQueue(4, 1);
		put(queue, 1, 2, 3, 4);
		assertThat(take(queue, 4, 0)).isEqualTo(4);
		put(queue, 5, 6, 7);
		assertThat(take(queue, 1, 0)).isEqualTo(1);

		// 2 waiting and 5 in hand: the bound of 4 + 4 leaves room for 1
		assertThat(queue.awaitRoom()).isEqualTo(1);
	}

	@Test
	void aTakeTakesWhatIsStagedWithWhatWaitsInTheRing() {
		BatchQueue queue = new BatchQueue(8, 1);
		LongAdder staged = new LongAdder();
		queue.stageFor(4, staged);
		assertThat(queue.awaitRoom()).isEqualTo(8);
		assertThat(queue.stage("a")).isTrue();
		assertThat(queue.flushStaged()).isTrue();
		assertThat(queue.stage("b")).isTrue();
		assertThat(queue.stage("c")).isTrue();
		assertThat(staged.sum()).as("b and c wait beside the ring").isEqualTo(1);

		assertThat(take(queue, 8, 0)).isEqualTo(3);
		assertThat(this.batch).startsWith("a", "b", "c");
		assertThat(staged.sum()).isEqualTo(3);
		// a take that finds nothing staged leaves the stage to the producer
		assertThat(take(queue, 8, 3)).isZero();
		assertThat(queue.stage("d")).isTrue();
		assertThat(take(queue, 8, 0)).isEqualTo(1);
		assertThat(this.batch[0]).isEqualTo("d");
	}

	@Test
	void aProducerThatWaitedIsToldHowManyOfItsItemsWentInFromWhereItStarted() throws Exception {
		BatchQueue queue = new BatchQueue(1, 1);
		put(queue, 1);
		Object[] items = { "skipped", "x", "y" };
		Parked<Integer> producer = Parked
			.start("producer", () -> queue.put(items, 1, 3, false, TimeUnit.SECONDS.toNanos(1), null))
			.awaitParkedIn(PUT_WAIT);
		assertThat(take(queue, 1, 0)).isEqualTo(1);

		assertThat(producer.result()).as("x went in, then the time ran out").isEqualTo(1);
		Parked<Integer> waitsForAll = Parked.start("all", () -> queue.put(items, 1, 3, false, -1, null))
			.awaitParkedIn(PUT_WAIT);
		assertThat(take(queue, 1, 1)).isEqualTo(1);
		assertThat(this.batch[0]).isEqualTo("x");
		assertThat(take(queue, 1, 1)).isEqualTo(1);
		assertThat(waitsForAll.result()).isEqualTo(2);
	}

	@Test
	void aMarkerWithRoomGoesInAtOnceUnlessTheQueueIsClosedOrAborted() {
		BatchQueue queue = new BatchQueue(2, 1);
		assertThat(queue.putMarker(MARKER, false, 0)).isTrue();
		assertThat(queue.size()).isEqualTo(1);
		assertThat(take(queue, 2, 0)).isEqualTo(BatchQueue.AT_MARKER);

		BatchQueue closed = new BatchQueue(2, 1);
		closed.close();
		assertThat(closed.putMarker(MARKER, false, -1)).isFalse();
		assertThat(closed.size()).isZero();
		BatchQueue aborted = new BatchQueue(2, 1);
		aborted.abort();
		assertThat(aborted.putMarker(MARKER, false, -1)).isFalse();
		assertThat(aborted.drain()).isEmpty();
	}

	@Test
	void aMarkerThatWaitedInLinePassesAndTheItemsAfterItFollow() throws Exception {
		BatchQueue queue = new BatchQueue(1, 1);
		queue.register();
		put(queue, 1);
		Parked<Boolean> marker = Parked.start("marker", () -> queue.putMarker(MARKER, false, -1))
			.awaitParkedIn(PUT_WAIT);
		assertThat(take(queue, 1, 0)).isEqualTo(1);
		assertThat(marker.result()).isTrue();
		assertThat(take(queue, 1, 1)).isEqualTo(BatchQueue.AT_MARKER);
		Object[] slot = new Object[1];
		assertThat(queue.awaitMarker(slot, null)).isEqualTo(1);
		assertThat(slot[0]).isSameAs(MARKER);
		queue.markerPassed();

		put(queue, "after");
		assertThat(take(queue, 1, 0)).isEqualTo(1);
		assertThat(this.batch[0]).isEqualTo("after");
	}

	@Test
	void theStagingProducerOfAClosedOrAbortedQueueIsGivenNoRoom() {
		BatchQueue closed = new BatchQueue(4, 1);
		closed.close();
		assertThat(closed.awaitRoom()).isZero();
		BatchQueue aborted = new BatchQueue(4, 1);
		aborted.abort();
		assertThat(aborted.awaitRoom()).isZero();
	}

}
