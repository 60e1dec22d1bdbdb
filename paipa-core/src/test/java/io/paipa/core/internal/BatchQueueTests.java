package io.paipa.core.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The queue between steps: batch moves, the bound that counts items in consumers' hands,
 * fair shares, the marker barrier, close and abort waking everybody. A test that blocks a
 * thread waits until that thread is parked inside the queue before it goes on.
 */
@Timeout(30)
class BatchQueueTests {

	private static final String TAKE_WAIT = "awaitConsumer";

	private static final String PUT_WAIT = "awaitProducer";

	private static final BatchQueue.Marker MARKER = new BatchQueue.Marker() {
	};

	private static Object[] items(int from, int to) {
		Object[] items = new Object[to - from];
		for (int i = 0; i < items.length; i++) {
			items[i] = from + i;
		}
		return items;
	}

	private static int put(BatchQueue queue, Object... items) {
		return queue.put(items, 0, items.length, false, -1, null);
	}

	private static long millis(long n) {
		return TimeUnit.MILLISECONDS.toNanos(n);
	}

	@Test
	void reportsItsCapacityAndState() {
		BatchQueue queue = new BatchQueue(3, 1);
		assertThat(queue.capacity()).isEqualTo(3);
		assertThat(queue.size()).isZero();
		assertThat(queue.isClosed()).isFalse();
		assertThat(queue.isAborted()).isFalse();
		put(queue, 1, 2);
		assertThat(queue.size()).isEqualTo(2);
		queue.close();
		assertThat(queue.isClosed()).isTrue();
		assertThat(queue.isAborted()).isFalse();
		queue.abort();
		assertThat(queue.isAborted()).isTrue();
	}

	@Test
	void takesWhatIsThereInOrderWithoutWaitingToFillABatch() {
		BatchQueue queue = new BatchQueue(8, 1);
		assertThat(put(queue, 1, 2, 3)).isEqualTo(3);
		Object[] batch = new Object[8];
		assertThat(queue.take(batch, 8, 0, null, -1)).isEqualTo(3);
		assertThat(batch).startsWith(1, 2, 3);
		assertThat(batch[3]).isNull();
		assertThat(queue.size()).isZero();
	}

	@Test
	void takesNoMoreThanAsked() {
		BatchQueue queue = new BatchQueue(8, 1);
		put(queue, 1, 2, 3, 4, 5);
		Object[] batch = new Object[8];
		assertThat(queue.take(batch, 2, 0, null, -1)).isEqualTo(2);
		assertThat(batch).startsWith(1, 2);
		assertThat(queue.take(batch, 8, 0, null, -1)).isEqualTo(3);
		assertThat(batch).startsWith(3, 4, 5);
	}

	@Test
	void wrapsAroundTheRing() {
		BatchQueue queue = new BatchQueue(4, 1);
		Object[] batch = new Object[4];
		int next = 0;
		int expected = 0;
		for (int round = 0; round < 20; round++) {
			Object[] items = { next++, next++, next++ };
			if (round % 2 == 0) {
				assertThat(queue.put(items, 0, 3, false, -1, null)).isEqualTo(3);
			}
			else {
				for (Object item : items) {
					assertThat(put(queue, item)).isEqualTo(1);
				}
			}
			int n = queue.take(batch, 4, 0, null, -1);
			assertThat(n).isEqualTo(3);
			for (int i = 0; i < n; i++) {
				assertThat(batch[i]).isEqualTo(expected++);
			}
			queue.release(n);
		}
		assertThat(expected).isEqualTo(next);
	}

	@Test
	void putFromTheMiddleOfAnArrayCountsUnderTheGivenCounter() {
		BatchQueue queue = new BatchQueue(8, 1);
		LongAdder in = new LongAdder();
		assertThat(queue.put(items(0, 6), 2, 5, false, -1, in)).isEqualTo(3);
		assertThat(in.sum()).isEqualTo(3);
		assertThat(queue.drain()).containsExactly(2, 3, 4);
	}

	@Test
	void itemsInAConsumersHandsCountAgainstTheBoundUntilReleased() {
		BatchQueue queue = new BatchQueue(4, 1);
		assertThat(put(queue, 1, 2, 3, 4)).isEqualTo(4);
		Object[] batch = new Object[4];
		assertThat(queue.take(batch, 4, 0, null, -1)).isEqualTo(4);
		// 4 in hand, the ring empty: the ring may fill again (double buffering), no
		// further
		assertThat(queue.put(new Object[] { 5, 6, 7, 8, 9 }, 0, 5, false, 0, null)).isEqualTo(4);
		assertThat(queue.take(batch, 2, 0, null, -1)).isEqualTo(2);
		// 6 in hand, 2 waiting: capacity + max(capacity, workers) = 8 is reached although
		// the ring has room
		assertThat(queue.size()).isEqualTo(2);
		assertThat(queue.put(new Object[] { 9 }, 0, 1, false, 0, null)).isZero();
		queue.release(4);
		assertThat(queue.put(new Object[] { 9, 10, 11 }, 0, 3, false, 0, null)).isEqualTo(2);
		assertThat(queue.size()).isEqualTo(4);
	}

	@Test
	void aTakeReleasesWhatItsConsumerFinished() {
		BatchQueue queue = new BatchQueue(2, 1);
		put(queue, 1, 2);
		Object[] batch = new Object[2];
		assertThat(queue.take(batch, 2, 0, null, -1)).isEqualTo(2);
		put(queue, 3, 4);
		assertThat(queue.put(new Object[] { 5 }, 0, 1, false, 0, null)).as("2 in hand, 2 waiting").isZero();
		// releasing the 2 in hand while taking 1: 1 in hand, 1 waiting
		assertThat(queue.take(batch, 1, 2, null, -1)).isEqualTo(1);
		assertThat(queue.put(new Object[] { 5, 6 }, 0, 2, false, 0, null)).isEqualTo(1);
	}

	@Test
	void releasingMoreThanIsHeldOrNothingChangesNothing() {
		BatchQueue queue = new BatchQueue(2, 1);
		queue.release(5);
		queue.release(0);
		queue.release(-3);
		put(queue, 1, 2);
		Object[] batch = new Object[2];
		assertThat(queue.take(batch, 2, 0, null, -1)).isEqualTo(2);
		queue.release(0);
		queue.release(-1);
		put(queue, 3, 4);
		assertThat(queue.put(new Object[] { 5 }, 0, 1, false, 0, null)).as("2 in hand, 2 waiting").isZero();
		queue.release(7);
		assertThat(queue.take(batch, 2, 0, null, -1)).isEqualTo(2);
		assertThat(queue.put(new Object[] { 5, 6, 7 }, 0, 3, false, 0, null)).as("only the 2 just taken in hand")
			.isEqualTo(2);
	}

	@Test
	void moreWorkersThanCapacityMayEachHoldAnItem() {
		BatchQueue queue = new BatchQueue(2, 5);
		Object[] batch = new Object[2];
		int held = 0;
		for (int i = 0; i < 5; i++) {
			assertThat(queue.put(new Object[] { i }, 0, 1, false, 0, null)).isEqualTo(1);
			assertThat(queue.take(batch, 2, 0, null, -1)).isEqualTo(1);
			held++;
		}
		// 5 in hand: capacity + max(capacity, workers) = 7 leaves room for 2
		assertThat(queue.put(new Object[] { 5, 6, 7 }, 0, 3, false, 0, null)).isEqualTo(2);
		queue.release(held);
		assertThat(queue.size()).isEqualTo(2);
	}

	@Test
	void fairShareSplitsAQueueBetweenConsumers() {
		BatchQueue queue = new BatchQueue(64, 4);
		queue.put(items(0, 41), 0, 41, false, -1, null);
		Object[] batch = new Object[64];
		// 41 / 4 rounded up
		assertThat(queue.take(batch, 64, 0, null, -1)).isEqualTo(11);
		assertThat(batch[0]).isEqualTo(0);
		assertThat(batch[10]).isEqualTo(10);
		// 30 / 4 rounded up
		assertThat(queue.take(batch, 64, 0, null, -1)).isEqualTo(8);
		assertThat(batch[0]).isEqualTo(11);
		assertThat(queue.take(batch, 3, 0, null, -1)).as("the caller's limit is below the share").isEqualTo(3);
	}

	@Test
	void aShareIsAtLeastOneItem() {
		BatchQueue queue = new BatchQueue(8, 8);
		put(queue, 1);
		Object[] batch = new Object[8];
		assertThat(queue.take(batch, 8, 0, null, -1)).isEqualTo(1);
		assertThat(batch[0]).isEqualTo(1);
	}

	@Test
	void noWorkersCountsAsOne() {
		BatchQueue queue = new BatchQueue(4, 0);
		put(queue, 1, 2, 3, 4);
		Object[] batch = new Object[4];
		assertThat(queue.take(batch, 4, 0, null, -1)).isEqualTo(4);
		// capacity + max(capacity, 1) = 8
		assertThat(queue.put(items(0, 6), 0, 6, false, 0, null)).isEqualTo(4);
	}

	@Test
	void setWorkersChangesTheShareAndTheRoomInHands() {
		BatchQueue queue = new BatchQueue(2, 1);
		queue.setWorkers(2);
		put(queue, 1, 2);
		Object[] batch = new Object[2];
		assertThat(queue.take(batch, 2, 0, null, -1)).as("half of 2").isEqualTo(1);
		assertThat(queue.take(batch, 2, 0, null, -1)).isEqualTo(1);
		queue.setWorkers(5);
		// 2 in hand: capacity + max(capacity, 5) = 7 leaves room for 2 (the ring's
		// capacity)
		assertThat(put(queue, 3, 4)).isEqualTo(2);
		assertThat(queue.take(batch, 2, 0, null, -1)).isEqualTo(1);
		assertThat(queue.take(batch, 2, 0, null, -1)).isEqualTo(1);
		assertThat(queue.put(items(0, 3), 0, 3, false, 0, null)).as("4 in hand, room for 3, the ring holds 2")
			.isEqualTo(2);
		queue.setWorkers(0);
		// counted as one worker: capacity + max(capacity, 1) = 4, 4 in hand and 2 waiting
		assertThat(queue.put(items(0, 1), 0, 1, false, 0, null)).isZero();
		assertThat(queue.take(batch, 2, 0, null, -1)).as("one worker takes all").isEqualTo(2);
	}

	@Test
	void setWorkersWakesAProducerWaitingForRoomInHands() throws Exception {
		BatchQueue queue = new BatchQueue(2, 1);
		put(queue, 1, 2);
		Object[] batch = new Object[2];
		queue.take(batch, 2, 0, null, -1);
		put(queue, 3, 4);
		queue.take(batch, 1, 0, null, -1);
		// 3 in hand, 1 waiting: the bound of 4 is reached although the ring has room
		Parked<Integer> producer = Parked.start("producer", () -> put(queue, 5)).awaitParkedIn(PUT_WAIT);
		queue.setWorkers(3);
		assertThat(producer.result()).isEqualTo(1);
		assertThat(queue.size()).isEqualTo(2);
	}

	@Test
	void putBlocksWhileFullAndResumesWhenAConsumerTakes() throws Exception {
		BatchQueue queue = new BatchQueue(2, 1);
		assertThat(put(queue, 1, 2)).isEqualTo(2);
		Parked<Integer> producer = Parked.start("producer", () -> put(queue, 3, 4, 5)).awaitParkedIn(PUT_WAIT);
		assertThat(queue.size()).isEqualTo(2);
		Object[] batch = new Object[2];
		assertThat(queue.take(batch, 2, 0, null, -1)).isEqualTo(2);
		assertThat(producer.isDone()).as("room for 2 of 3").isFalse();
		producer.awaitParkedIn(PUT_WAIT);
		assertThat(queue.size()).isEqualTo(2);
		assertThat(queue.take(batch, 2, 2, null, -1)).isEqualTo(2);
		assertThat(batch).containsExactly(3, 4);
		assertThat(producer.result()).isEqualTo(3);
		assertThat(queue.drain()).containsExactly(5);
	}

	@Test
	void putBlocksOnTheHandBoundAndResumesWhenAConsumerReleases() throws Exception {
		BatchQueue queue = new BatchQueue(2, 1);
		put(queue, 1, 2);
		Object[] batch = new Object[2];
		queue.take(batch, 2, 0, null, -1);
		put(queue, 3, 4);
		Parked<Integer> producer = Parked.start("producer", () -> put(queue, 5)).awaitParkedIn(PUT_WAIT);
		queue.release(1);
		assertThat(producer.isDone()).as("the ring is still full").isFalse();
		queue.take(batch, 1, 0, null, -1);
		assertThat(producer.result()).isEqualTo(1);
		assertThat(queue.drain()).containsExactly(4, 5);
	}

	@Test
	void aReleaseWakesEveryProducerThereIsRoomFor() throws Exception {
		BatchQueue queue = new BatchQueue(4, 1);
		put(queue, 1, 2, 3, 4);
		Object[] batch = new Object[4];
		queue.take(batch, 4, 0, null, -1);
		put(queue, 5, 6, 7, 8);
		// 4 in hand, 4 waiting: full
		Parked<Integer> first = Parked.start("first", () -> put(queue, 9)).awaitParkedIn(PUT_WAIT);
		Parked<Integer> second = Parked.start("second", () -> put(queue, 10)).awaitParkedIn(PUT_WAIT);
		queue.take(batch, 4, 4, null, -1);
		queue.release(4);
		assertThat(first.result()).isEqualTo(1);
		assertThat(second.result()).isEqualTo(1);
		assertThat(queue.drain()).containsExactlyInAnyOrder(9, 10);
	}

	@Test
	void putWithTimeoutReturnsWhatFitBeforeTheTimeRanOut() {
		BatchQueue queue = new BatchQueue(3, 1);
		LongAdder in = new LongAdder();
		assertThat(queue.put(items(0, 5), 0, 5, false, millis(20), in)).isEqualTo(3);
		assertThat(in.sum()).isEqualTo(3);
		assertThat(queue.put(items(0, 1), 0, 1, true, millis(20), in)).isZero();
		assertThat(queue.put(items(0, 1), 0, 1, false, 0, in)).isZero();
		assertThat(in.sum()).isEqualTo(3);
		assertThat(Thread.currentThread().isInterrupted()).isFalse();
	}

	@Test
	void putWithTimeoutGoesOnWhenRoomComesInTime() throws Exception {
		BatchQueue queue = new BatchQueue(1, 1);
		put(queue, 1);
		Parked<Integer> producer = Parked
			.start("producer", () -> queue.put(new Object[] { 2 }, 0, 1, true, TimeUnit.SECONDS.toNanos(20), null))
			.awaitParkedIn(PUT_WAIT);
		queue.take(new Object[1], 1, 0, null, -1);
		assertThat(producer.result()).isEqualTo(1);
		Parked<Integer> uninterruptible = Parked
			.start("uninterruptible",
					() -> queue.put(new Object[] { 3 }, 0, 1, false, TimeUnit.SECONDS.toNanos(20), null))
			.awaitParkedIn(PUT_WAIT);
		queue.take(new Object[1], 1, 1, null, -1);
		assertThat(uninterruptible.result()).isEqualTo(1);
	}

	@Test
	void anInterruptEndsAnInterruptiblePut() throws Exception {
		BatchQueue queue = new BatchQueue(1, 1);
		put(queue, 1);
		Parked<Integer> unlimited = Parked
			.start("unlimited", () -> queue.put(new Object[] { 2, 3 }, 0, 2, true, -1, null))
			.awaitParkedIn(PUT_WAIT);
		unlimited.interrupt();
		assertThat(unlimited.result()).isZero();
		assertThat(unlimited.interruptedAfter()).isTrue();
		Parked<Integer> timed = Parked
			.start("timed", () -> queue.put(new Object[] { 2 }, 0, 1, true, TimeUnit.SECONDS.toNanos(20), null))
			.awaitParkedIn(PUT_WAIT);
		timed.interrupt();
		assertThat(timed.result()).isZero();
		assertThat(timed.interruptedAfter()).isTrue();
		assertThat(queue.drain()).containsExactly(1);
	}

	@Test
	void anInterruptDoesNotEndAnUninterruptiblePut() throws Exception {
		BatchQueue queue = new BatchQueue(1, 1);
		put(queue, 1);
		Parked<Integer> unlimited = Parked.start("unlimited", () -> put(queue, 2)).awaitParkedIn(PUT_WAIT);
		unlimited.interrupt();
		Parked<Integer> timed = Parked
			.start("timed", () -> queue.put(new Object[] { 3 }, 0, 1, false, TimeUnit.SECONDS.toNanos(20), null))
			.awaitParkedIn(PUT_WAIT);
		timed.interrupt();
		unlimited.awaitParkedIn(PUT_WAIT);
		timed.awaitParkedIn(PUT_WAIT);
		assertThat(unlimited.isDone()).isFalse();
		assertThat(timed.isDone()).isFalse();
		Object[] batch = new Object[1];
		queue.take(batch, 1, 0, null, -1);
		queue.take(batch, 1, 1, null, -1);
		queue.take(batch, 1, 1, null, -1);
		assertThat(unlimited.result()).isEqualTo(1);
		assertThat(timed.result()).isEqualTo(1);
		assertThat(unlimited.interruptedAfter()).as("the interrupt is kept").isTrue();
		assertThat(timed.interruptedAfter()).as("the interrupt is kept").isTrue();
	}

	@Test
	void anInterruptedUninterruptiblePutWithTimeoutStillGivesUpInTime() throws Exception {
		BatchQueue queue = new BatchQueue(1, 1);
		put(queue, 1);
		Parked<Integer> timed = Parked
			.start("timed", () -> queue.put(new Object[] { 3 }, 0, 1, false, millis(500), null))
			.awaitParkedIn(PUT_WAIT);
		timed.interrupt();
		assertThat(timed.result()).isZero();
		assertThat(timed.interruptedAfter()).isTrue();
	}

	@Test
	void awaitRoomWaitsForRoomWithoutAdding() throws Exception {
		BatchQueue queue = new BatchQueue(3, 1);
		assertThat(queue.awaitRoom()).isEqualTo(3);
		put(queue, 1, 2, 3);
		Parked<Integer> waiting = Parked.start("waiting", queue::awaitRoom).awaitParkedIn(PUT_WAIT);
		queue.take(new Object[2], 2, 0, null, -1);
		assertThat(waiting.result()).isEqualTo(2);
		assertThat(queue.size()).isEqualTo(1);
		queue.take(new Object[1], 1, 0, null, -1);
		// 3 in hand: capacity + max(capacity, 1) - 3 = 3, and the ring is empty
		assertThat(queue.awaitRoom()).isEqualTo(3);
		put(queue, 4, 5);
		assertThat(queue.awaitRoom()).as("limited by the items in hand").isEqualTo(1);
	}

	@Test
	void awaitRoomReturnsZeroWhenClosedOrAborted() throws Exception {
		BatchQueue queue = new BatchQueue(1, 1);
		put(queue, 1);
		Parked<Integer> waiting = Parked.start("waiting", queue::awaitRoom).awaitParkedIn(PUT_WAIT);
		queue.close();
		assertThat(waiting.result()).isZero();
		assertThat(queue.awaitRoom()).isZero();
		BatchQueue aborted = new BatchQueue(1, 1);
		aborted.abort();
		assertThat(aborted.awaitRoom()).isZero();
	}

	@Test
	void closeLetsConsumersDrainThenSeeTheEnd() throws Exception {
		BatchQueue queue = new BatchQueue(4, 2);
		Parked<Integer> blocked = Parked.start("consumer", () -> queue.take(new Object[4], 4, 0, null, -1))
			.awaitParkedIn(TAKE_WAIT);
		put(queue, 1);
		assertThat(blocked.result()).isEqualTo(1);
		put(queue, 2);
		queue.close();
		assertThat(put(queue, 3)).as("closed refuses puts").isZero();
		Object[] batch = new Object[4];
		assertThat(queue.take(batch, 4, 0, null, -1)).isEqualTo(1);
		assertThat(batch[0]).isEqualTo(2);
		assertThat(queue.take(batch, 4, 0, null, -1)).isEqualTo(BatchQueue.ENDED);
		assertThat(queue.take(batch, 4, 0, null, 0)).isEqualTo(BatchQueue.ENDED);
	}

	@Test
	void closeWakesAWaitingConsumerWithTheEnd() throws Exception {
		BatchQueue queue = new BatchQueue(4, 1);
		Parked<Integer> consumer = Parked.start("consumer", () -> queue.take(new Object[4], 4, 0, null, -1))
			.awaitParkedIn(TAKE_WAIT);
		Parked<Integer> timed = Parked
			.start("timed", () -> queue.take(new Object[4], 4, 0, null, TimeUnit.SECONDS.toNanos(20)))
			.awaitParkedIn(TAKE_WAIT);
		queue.close();
		assertThat(consumer.result()).isEqualTo(BatchQueue.ENDED);
		assertThat(timed.result()).isEqualTo(BatchQueue.ENDED);
	}

	@Test
	void closeWakesABlockedProducerWhichReturnsWhatItAdded() throws Exception {
		BatchQueue queue = new BatchQueue(1, 1);
		put(queue, 1);
		Parked<Integer> producer = Parked.start("producer", () -> put(queue, 2, 3)).awaitParkedIn(PUT_WAIT);
		queue.close();
		assertThat(producer.result()).isZero();
		assertThat(queue.drain()).containsExactly(1);
	}

	@Test
	void abortedTakeReturnsAbortedEvenWithItemsWaiting() {
		BatchQueue queue = new BatchQueue(4, 1);
		put(queue, 1, 2);
		queue.abort();
		Object[] batch = new Object[4];
		assertThat(queue.take(batch, 4, 0, null, -1)).isEqualTo(BatchQueue.ABORTED);
		assertThat(queue.take(batch, 4, 0, null, 0)).isEqualTo(BatchQueue.ABORTED);
		assertThat(batch[0]).isNull();
		assertThat(put(queue, 3)).as("aborted refuses puts").isZero();
		queue.close();
		assertThat(queue.take(batch, 4, 0, null, -1)).isEqualTo(BatchQueue.ABORTED);
		assertThat(queue.drain()).containsExactly(1, 2);
	}

	@Test
	void abortWakesBlockedProducersAndConsumers() throws Exception {
		BatchQueue full = new BatchQueue(1, 1);
		put(full, 1);
		Parked<Integer> producer = Parked.start("producer", () -> put(full, 3)).awaitParkedIn(PUT_WAIT);
		BatchQueue empty = new BatchQueue(1, 1);
		Parked<Integer> consumer = Parked.start("consumer", () -> empty.take(new Object[1], 1, 0, null, -1))
			.awaitParkedIn(TAKE_WAIT);
		full.abort();
		empty.abort();
		assertThat(producer.result()).isZero();
		assertThat(consumer.result()).isEqualTo(BatchQueue.ABORTED);
		assertThat(full.drain()).containsExactly(1);
	}

	@Test
	void aConsumerAskedToLeaveWakesUp() throws Exception {
		BatchQueue queue = new BatchQueue(4, 1);
		AtomicBoolean leave = new AtomicBoolean();
		Parked<Integer> consumer = Parked.start("consumer", () -> queue.take(new Object[4], 4, 0, leave::get, -1))
			.awaitParkedIn(TAKE_WAIT);
		queue.wakeConsumers();
		consumer.awaitParkedIn(TAKE_WAIT);
		assertThat(consumer.isDone()).as("woken but not asked to leave").isFalse();
		leave.set(true);
		queue.wakeConsumers();
		assertThat(consumer.result()).isEqualTo(BatchQueue.LEAVE);
		assertThat(queue.isClosed()).as("waking consumers does not close").isFalse();
		put(queue, 1);
		assertThat(queue.take(new Object[4], 4, 0, leave::get, -1)).as("items come before leaving").isEqualTo(1);
	}

	@Test
	void takeWithTimeoutReturnsZeroWhenNothingCame() {
		BatchQueue queue = new BatchQueue(4, 1);
		assertThat(queue.take(new Object[4], 4, 0, null, millis(20))).isZero();
		assertThat(queue.take(new Object[4], 4, 0, null, 0)).isZero();
		assertThat(Thread.currentThread().isInterrupted()).isFalse();
	}

	@Test
	void takeWithTimeoutGetsWhatComesInTime() throws Exception {
		BatchQueue queue = new BatchQueue(4, 1);
		Parked<Integer> consumer = Parked
			.start("consumer", () -> queue.take(new Object[4], 4, 0, null, TimeUnit.SECONDS.toNanos(20)))
			.awaitParkedIn(TAKE_WAIT);
		put(queue, 1);
		assertThat(consumer.result()).isEqualTo(1);
	}

	@Test
	void aTimedTakeWokenWithNothingToTakeWaitsOnForTheRestOfItsTime() throws Exception {
		BatchQueue queue = new BatchQueue(4, 1);
		java.util.concurrent.atomic.AtomicInteger checks = new java.util.concurrent.atomic.AtomicInteger();
		BatchQueue.Consumer consumer = () -> checks.incrementAndGet() < 0;
		Parked<Integer> taking = Parked
			.start("consumer", () -> queue.take(new Object[4], 4, 0, consumer, TimeUnit.SECONDS.toNanos(20)))
			.awaitParkedIn(TAKE_WAIT);
		assertThat(checks).hasValue(1);
		queue.wakeConsumers();
		// it woke, was not asked to leave, and went back to waiting (or gave up, wrongly)
		org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> checks.get() == 2);
		taking.awaitParkedIn(TAKE_WAIT);
		put(queue, 1);
		assertThat(taking.result()).isEqualTo(1);
	}

	@Test
	void anInterruptDoesNotEndATimedTakeButIsKept() throws Exception {
		BatchQueue queue = new BatchQueue(4, 1);
		Parked<Integer> consumer = Parked
			.start("consumer", () -> queue.take(new Object[4], 4, 0, null, TimeUnit.SECONDS.toNanos(20)))
			.awaitParkedIn(TAKE_WAIT);
		consumer.interrupt();
		consumer.awaitParkedIn(TAKE_WAIT);
		put(queue, 1);
		assertThat(consumer.result()).isEqualTo(1);
		assertThat(consumer.interruptedAfter()).isTrue();
	}

	@Test
	void anInterruptedTimedTakeStillEndsInTime() throws Exception {
		BatchQueue queue = new BatchQueue(4, 1);
		Parked<Integer> consumer = Parked.start("consumer", () -> queue.take(new Object[4], 4, 0, null, millis(300)))
			.awaitParkedIn(TAKE_WAIT);
		consumer.interrupt();
		assertThat(consumer.result()).isZero();
		assertThat(consumer.interruptedAfter()).isTrue();
	}

	@Test
	void aWokenConsumerWakesTheNextWhileItemsRemain() throws Exception {
		BatchQueue queue = new BatchQueue(4, 2);
		Parked<Integer> first = Parked.start("first", () -> queue.take(new Object[4], 4, 0, null, -1))
			.awaitParkedIn(TAKE_WAIT);
		Parked<Integer> second = Parked.start("second", () -> queue.take(new Object[4], 4, 0, null, -1))
			.awaitParkedIn(TAKE_WAIT);
		// one put signals one consumer; its share is 1 of 2, and it wakes the other
		assertThat(put(queue, 1, 2)).isEqualTo(2);
		assertThat(first.result()).isEqualTo(1);
		assertThat(second.result()).isEqualTo(1);
	}

	@Test
	void eachPutWakesAConsumer() throws Exception {
		BatchQueue queue = new BatchQueue(4, 1);
		Parked<Integer> first = Parked.start("first", () -> queue.take(new Object[4], 4, 0, null, -1))
			.awaitParkedIn(TAKE_WAIT);
		put(queue, 1);
		assertThat(first.result()).isEqualTo(1);
	}

	@Test
	void drainReturnsEverythingInOrderAndEmptiesTheQueue() {
		BatchQueue queue = new BatchQueue(4, 1);
		put(queue, 1, 2, 3);
		Object[] batch = new Object[4];
		queue.take(batch, 2, 0, null, -1);
		put(queue, 4, 5);
		assertThat(queue.putMarker(MARKER, false, 0)).isTrue();
		assertThat(queue.drain()).containsExactly(3, 4, 5, MARKER);
		assertThat(queue.size()).isZero();
		assertThat(queue.drain()).isEmpty();
		// no marker is left behind
		put(queue, 6, 7);
		assertThat(queue.take(batch, 4, 2, null, -1)).isEqualTo(2);
		assertThat(batch).startsWith(6, 7);
		put(queue, 8, 9, 10, 11);
		assertThat(queue.take(batch, 4, 2, null, -1)).isEqualTo(4);
		assertThat(batch).containsExactly(8, 9, 10, 11);
	}

	@Test
	void aTakeStopsBeforeAMarker() {
		BatchQueue queue = new BatchQueue(8, 1);
		queue.register();
		put(queue, 1, 2);
		assertThat(queue.putMarker(MARKER, false, -1)).isTrue();
		put(queue, 3);
		assertThat(queue.size()).isEqualTo(4);
		Object[] batch = new Object[8];
		assertThat(queue.take(batch, 8, 0, null, -1)).isEqualTo(2);
		assertThat(batch).startsWith(1, 2);
		assertThat(queue.take(batch, 8, 2, null, -1)).isEqualTo(BatchQueue.AT_MARKER);
		assertThat(queue.awaitMarker(batch, null)).isEqualTo(1);
		assertThat(batch[0]).isSameAs(MARKER);
		assertThat(queue.size()).isEqualTo(1);
		queue.markerPassed();
		assertThat(queue.take(batch, 8, 0, null, -1)).isEqualTo(1);
		assertThat(batch[0]).isEqualTo(3);
	}

	@Test
	void aMarkerAfterTheRingWrappedIsFound() {
		BatchQueue queue = new BatchQueue(4, 1);
		queue.register();
		put(queue, 1, 2, 3);
		Object[] batch = new Object[4];
		queue.take(batch, 3, 0, null, -1);
		queue.release(3);
		// head at 3: the items wrap to the start of the ring
		put(queue, 4, 5);
		assertThat(queue.putMarker(MARKER, false, -1)).isTrue();
		put(queue, 6);
		assertThat(queue.take(batch, 4, 0, null, -1)).isEqualTo(2);
		assertThat(batch).startsWith(4, 5);
		assertThat(queue.take(batch, 4, 2, null, -1)).isEqualTo(BatchQueue.AT_MARKER);
		assertThat(queue.awaitMarker(batch, null)).isEqualTo(1);
		assertThat(batch[0]).isSameAs(MARKER);
		queue.markerPassed();
		assertThat(queue.take(batch, 4, 0, null, -1)).isEqualTo(1);
		assertThat(batch[0]).isEqualTo(6);
	}

	@Test
	void aMarkerAtTheEndOfTheRingIsHandedOutAndTheHeadWraps() {
		BatchQueue queue = new BatchQueue(2, 1);
		queue.register();
		put(queue, 1);
		assertThat(queue.putMarker(MARKER, false, -1)).isTrue();
		Object[] batch = new Object[2];
		assertThat(queue.take(batch, 2, 0, null, -1)).isEqualTo(1);
		assertThat(queue.take(batch, 2, 1, null, -1)).isEqualTo(BatchQueue.AT_MARKER);
		assertThat(queue.awaitMarker(batch, null)).isEqualTo(1);
		queue.markerPassed();
		put(queue, 2, 3);
		assertThat(queue.take(batch, 2, 0, null, -1)).isEqualTo(2);
		assertThat(batch).containsExactly(2, 3);
	}

	@Test
	void theMarkerWaitsForTheItemsBeforeItToBeReleased() throws Exception {
		BatchQueue queue = new BatchQueue(8, 1);
		queue.register();
		put(queue, 1, 2);
		queue.putMarker(MARKER, false, -1);
		Object[] batch = new Object[8];
		assertThat(queue.take(batch, 8, 0, null, -1)).isEqualTo(2);
		Parked<Integer> atMarker = Parked.start("at-marker", () -> {
			Object[] dst = new Object[1];
			int state = queue.take(dst, 8, 0, null, -1);
			return (state == BatchQueue.AT_MARKER) ? queue.awaitMarker(dst, null) : state;
		}).awaitParkedIn(TAKE_WAIT);
		queue.release(1);
		atMarker.awaitParkedIn(TAKE_WAIT);
		assertThat(atMarker.isDone()).as("one item before the marker is still in hand").isFalse();
		queue.release(1);
		assertThat(atMarker.result()).isEqualTo(1);
	}

	@Test
	void theMarkerGoesToTheLastRegisteredConsumerToArrive() throws Exception {
		BatchQueue queue = new BatchQueue(8, 2);
		queue.register();
		queue.register();
		queue.putMarker(MARKER, false, -1);
		put(queue, 1);
		Object[] batch = new Object[8];
		assertThat(queue.take(batch, 8, 0, null, -1)).isEqualTo(BatchQueue.AT_MARKER);
		Parked<Integer> first = Parked.start("first", () -> queue.awaitMarker(new Object[1], null))
			.awaitParkedIn(TAKE_WAIT);
		Object[] dst = new Object[1];
		assertThat(queue.awaitMarker(dst, null)).as("the second to arrive gets it").isEqualTo(1);
		assertThat(dst[0]).isSameAs(MARKER);
		first.awaitParkedIn(TAKE_WAIT);
		assertThat(first.isDone()).isFalse();
		// nobody takes past the marker while it is in hand
		assertThat(queue.take(batch, 8, 0, null, 0)).isZero();
		queue.markerPassed();
		assertThat(first.result()).as("another passed it on").isZero();
		assertThat(queue.take(batch, 8, 0, null, -1)).isEqualTo(1);
		assertThat(batch[0]).isEqualTo(1);
	}

	@Test
	void consumersArrivingAtTheNextMarkerCountAfresh() throws Exception {
		BatchQueue queue = new BatchQueue(8, 2);
		queue.register();
		queue.register();
		BatchQueue.Marker second = new BatchQueue.Marker() {
		};
		queue.putMarker(MARKER, false, -1);
		queue.putMarker(second, false, -1);
		Parked<Integer> first = Parked.start("first", () -> queue.awaitMarker(new Object[1], null))
			.awaitParkedIn(TAKE_WAIT);
		Object[] dst = new Object[1];
		assertThat(queue.awaitMarker(dst, null)).isEqualTo(1);
		queue.markerPassed();
		assertThat(first.result()).isZero();
		// at the second marker, one consumer alone must wait for the other
		Parked<Integer> alone = Parked.start("alone", () -> queue.awaitMarker(new Object[1], null))
			.awaitParkedIn(TAKE_WAIT);
		assertThat(alone.isDone()).isFalse();
		assertThat(queue.awaitMarker(dst, null)).isEqualTo(1);
		assertThat(dst[0]).isSameAs(second);
		queue.markerPassed();
		assertThat(alone.result()).isZero();
	}

	@Test
	void aConsumerThatLeftTheMarkerNoLongerCountsAsArrived() throws Exception {
		BatchQueue queue = new BatchQueue(8, 3);
		queue.register();
		queue.register();
		queue.register();
		queue.putMarker(MARKER, false, -1);
		AtomicBoolean leave = new AtomicBoolean();
		Parked<Integer> leaving = Parked.start("leaving", () -> queue.awaitMarker(new Object[1], leave::get))
			.awaitParkedIn(TAKE_WAIT);
		leave.set(true);
		queue.wakeConsumers();
		assertThat(leaving.result()).isEqualTo(BatchQueue.LEAVE);
		// two of three arrive: the one that left does not count
		Parked<Integer> waiting = Parked.start("waiting", () -> queue.awaitMarker(new Object[1], null))
			.awaitParkedIn(TAKE_WAIT);
		Object[] dst = new Object[1];
		Parked<Integer> last = Parked.start("last", () -> queue.awaitMarker(dst, null)).awaitParkedIn(TAKE_WAIT);
		assertThat(waiting.isDone()).isFalse();
		assertThat(last.isDone()).isFalse();
		queue.deregister();
		await(waiting, last);
		queue.markerPassed();
		assertThat(waiting.result() + last.result()).as("exactly one got the marker").isEqualTo(1);
	}

	private static void await(Parked<?>... parked) {
		org.awaitility.Awaitility.await()
			.atMost(java.time.Duration.ofSeconds(10))
			.until(() -> java.util.Arrays.stream(parked).filter(Parked::isDone).count() == 1);
	}

	@Test
	void deregisteringTheMissingConsumerHandsTheMarkerOut() throws Exception {
		BatchQueue queue = new BatchQueue(8, 2);
		queue.register();
		queue.register();
		queue.putMarker(MARKER, false, -1);
		Object[] dst = new Object[1];
		Parked<Integer> waiting = Parked.start("waiting", () -> queue.awaitMarker(dst, null)).awaitParkedIn(TAKE_WAIT);
		queue.deregister();
		assertThat(waiting.result()).isEqualTo(1);
		assertThat(dst[0]).isSameAs(MARKER);
	}

	@Test
	void aConsumerWaitingForItemsSeesAMarkerPut() throws Exception {
		BatchQueue queue = new BatchQueue(8, 2);
		queue.register();
		queue.register();
		Parked<Integer> first = Parked.start("first", () -> queue.take(new Object[8], 8, 0, null, -1))
			.awaitParkedIn(TAKE_WAIT);
		Parked<Integer> second = Parked.start("second", () -> queue.take(new Object[8], 8, 0, null, -1))
			.awaitParkedIn(TAKE_WAIT);
		assertThat(queue.putMarker(MARKER, false, -1)).isTrue();
		assertThat(first.result()).isEqualTo(BatchQueue.AT_MARKER);
		assertThat(second.result()).isEqualTo(BatchQueue.AT_MARKER);
	}

	@Test
	void theLastReleaseBeforeAMarkerWakesConsumersWaitingAtIt() throws Exception {
		BatchQueue queue = new BatchQueue(8, 2);
		queue.register();
		queue.register();
		put(queue, 1, 2);
		queue.putMarker(MARKER, false, -1);
		Object[] batch = new Object[8];
		assertThat(queue.take(batch, 8, 0, null, -1)).isEqualTo(1);
		assertThat(queue.take(batch, 8, 0, null, -1)).isEqualTo(1);
		Object[] dst = new Object[1];
		Parked<Integer> first = Parked.start("first", () -> queue.awaitMarker(dst, null)).awaitParkedIn(TAKE_WAIT);
		Parked<Integer> second = Parked.start("second", () -> queue.awaitMarker(new Object[1], null))
			.awaitParkedIn(TAKE_WAIT);
		queue.release(1);
		first.awaitParkedIn(TAKE_WAIT);
		second.awaitParkedIn(TAKE_WAIT);
		queue.release(1);
		org.awaitility.Awaitility.await()
			.atMost(java.time.Duration.ofSeconds(10))
			.until(() -> first.isDone() || second.isDone());
		queue.markerPassed();
		assertThat(first.result() + second.result()).isEqualTo(1);
	}

	@Test
	void aMarkerInHandHoldsBackEvenAnEndedQueue() throws Exception {
		BatchQueue queue = new BatchQueue(8, 1);
		queue.register();
		queue.putMarker(MARKER, false, -1);
		put(queue, 1);
		queue.close();
		Object[] batch = new Object[8];
		assertThat(queue.take(batch, 8, 0, null, -1)).isEqualTo(BatchQueue.AT_MARKER);
		assertThat(queue.awaitMarker(batch, null)).isEqualTo(1);
		assertThat(queue.take(batch, 8, 0, null, 0)).as("nothing past a marker in hand").isZero();
		queue.markerPassed();
		assertThat(queue.take(batch, 8, 0, null, -1)).isEqualTo(1);
		assertThat(queue.take(batch, 8, 1, null, -1)).isEqualTo(BatchQueue.ENDED);
	}

	@Test
	void abortWakesConsumersWaitingAtAMarker() throws Exception {
		BatchQueue queue = new BatchQueue(8, 2);
		queue.register();
		queue.register();
		queue.putMarker(MARKER, false, -1);
		Parked<Integer> waiting = Parked.start("waiting", () -> queue.awaitMarker(new Object[1], null))
			.awaitParkedIn(TAKE_WAIT);
		queue.abort();
		assertThat(waiting.result()).isEqualTo(BatchQueue.ABORTED);
		assertThat(queue.awaitMarker(new Object[1], null)).isEqualTo(BatchQueue.ABORTED);
	}

	@Test
	void putMarkerWaitsForRoomAndIsRefusedWhenClosedOrTimedOut() throws Exception {
		BatchQueue queue = new BatchQueue(1, 1);
		put(queue, 1);
		assertThat(queue.putMarker(MARKER, false, 0)).isFalse();
		assertThat(queue.putMarker(MARKER, true, millis(20))).isFalse();
		Parked<Boolean> unlimited = Parked.start("unlimited", () -> queue.putMarker(MARKER, false, -1))
			.awaitParkedIn(PUT_WAIT);
		queue.take(new Object[1], 1, 0, null, -1);
		assertThat(unlimited.result()).isTrue();
		assertThat(queue.size()).isEqualTo(1);
		Parked<Boolean> timed = Parked
			.start("timed", () -> queue.putMarker(MARKER, false, TimeUnit.SECONDS.toNanos(20)))
			.awaitParkedIn(PUT_WAIT);
		queue.register();
		queue.release(1);
		assertThat(queue.take(new Object[1], 1, 0, null, -1)).isEqualTo(BatchQueue.AT_MARKER);
		assertThat(queue.awaitMarker(new Object[1], null)).isEqualTo(1);
		assertThat(timed.result()).isTrue();
		queue.markerPassed();
		Parked<Boolean> interrupted = Parked.start("interrupted", () -> queue.putMarker(MARKER, true, -1))
			.awaitParkedIn(PUT_WAIT);
		interrupted.interrupt();
		assertThat(interrupted.result()).isFalse();
		assertThat(interrupted.interruptedAfter()).isTrue();
		Parked<Boolean> closed = Parked.start("closed", () -> queue.putMarker(MARKER, false, -1))
			.awaitParkedIn(PUT_WAIT);
		queue.close();
		assertThat(closed.result()).isFalse();
		assertThat(queue.putMarker(MARKER, false, -1)).isFalse();
	}

	@Test
	void aMarkerTakenFromAFullQueueMakesRoom() throws Exception {
		BatchQueue queue = new BatchQueue(1, 1);
		queue.register();
		queue.putMarker(MARKER, false, -1);
		Parked<Integer> producer = Parked.start("producer", () -> put(queue, 1)).awaitParkedIn(PUT_WAIT);
		Object[] dst = new Object[1];
		assertThat(queue.take(dst, 1, 0, null, -1)).isEqualTo(BatchQueue.AT_MARKER);
		assertThat(queue.awaitMarker(dst, null)).isEqualTo(1);
		assertThat(producer.result()).isEqualTo(1);
	}

	@Test
	void anAppendStartingAtTheEndOfTheRingWrapsToItsStart() {
		BatchQueue queue = new BatchQueue(4, 1);
		Object[] batch = new Object[4];
		put(queue, 1, 2, 3, 4);
		queue.take(batch, 2, 0, null, -1);
		// head at 2, 2 waiting: the tail is at the end of the ring
		assertThat(put(queue, 5, 6)).isEqualTo(2);
		assertThat(queue.take(batch, 4, 2, null, -1)).isEqualTo(4);
		assertThat(batch).containsExactly(3, 4, 5, 6);
		queue.release(4);
		// head at 2 again: one entry appended alone at the end of the ring
		put(queue, 7, 8);
		assertThat(queue.putMarker(MARKER, false, -1)).isTrue();
		assertThat(queue.drain()).containsExactly(7, 8, MARKER);
	}

	@Test
	void aReleaseAloneWakesAProducerWaitingForRoomInHands() throws Exception {
		BatchQueue queue = new BatchQueue(4, 1);
		Object[] batch = new Object[4];
		put(queue, 1, 2, 3, 4);
		queue.take(batch, 4, 0, null, -1);
		put(queue, 5, 6, 7, 8);
		queue.take(batch, 2, 0, null, -1);
		// 6 in hand, 2 waiting: the bound of 8 is reached although the ring has room
		Parked<Integer> producer = Parked.start("producer", () -> put(queue, 9)).awaitParkedIn(PUT_WAIT);
		queue.release(1);
		assertThat(producer.result()).isEqualTo(1);
		assertThat(queue.size()).isEqualTo(3);
	}

	@Test
	void aProducerThatGotRoomPassesTheRestOnToTheNext() throws Exception {
		BatchQueue queue = new BatchQueue(4, 1);
		Object[] batch = new Object[4];
		put(queue, 1, 2, 3, 4);
		queue.take(batch, 4, 0, null, -1);
		put(queue, 5, 6, 7, 8);
		queue.take(batch, 4, 0, null, -1);
		// 8 in hand, none waiting: no room at all
		Parked<Integer> first = Parked.start("first", () -> put(queue, 9)).awaitParkedIn(PUT_WAIT);
		Parked<Integer> second = Parked.start("second", () -> put(queue, 10)).awaitParkedIn(PUT_WAIT);
		// one release, one signal: the producer it wakes wakes the other
		queue.release(8);
		assertThat(first.result()).isEqualTo(1);
		assertThat(second.result()).isEqualTo(1);
	}

	@Test
	void aTimedPutWaitsAgainWhenTheRoomItGotWasNotEnough() throws Exception {
		BatchQueue queue = new BatchQueue(2, 1);
		put(queue, 1, 2);
		for (boolean interruptible : new boolean[] { true, false }) {
			Parked<Integer> producer = Parked
				.start("producer",
						() -> queue.put(items(3, 6), 0, 3, interruptible, TimeUnit.SECONDS.toNanos(20), null))
				.awaitParkedIn(PUT_WAIT);
			Object[] batch = new Object[2];
			assertThat(queue.take(batch, 2, 0, null, -1)).isEqualTo(2);
			producer.awaitParkedIn(PUT_WAIT);
			assertThat(queue.take(batch, 2, 2, null, -1)).isEqualTo(2);
			assertThat(producer.result()).isEqualTo(3);
			assertThat(queue.drain()).containsExactly(5);
			queue.release(2);
			put(queue, 1, 2);
		}
	}

	@Test
	void setWorkersWakesConsumersSoThoseAskedToLeaveSeeIt() throws Exception {
		BatchQueue queue = new BatchQueue(4, 2);
		AtomicBoolean leave = new AtomicBoolean();
		Parked<Integer> consumer = Parked.start("consumer", () -> queue.take(new Object[4], 4, 0, leave::get, -1))
			.awaitParkedIn(TAKE_WAIT);
		leave.set(true);
		queue.setWorkers(1);
		assertThat(consumer.result()).isEqualTo(BatchQueue.LEAVE);
	}

	@Test
	void theQueueIsUsableByOtherThreadsAfterADrain() throws Exception {
		BatchQueue queue = new BatchQueue(2, 1);
		put(queue, 1);
		queue.abort();
		assertThat(queue.drain()).containsExactly(1);
		Parked<Integer> other = Parked.start("other", () -> queue.take(new Object[2], 2, 0, null, -1));
		assertThat(other.result()).isEqualTo(BatchQueue.ABORTED);
	}

	// ---- one producer staging without the lock

	private final java.util.concurrent.atomic.LongAdder stagedIn = new java.util.concurrent.atomic.LongAdder();

	private BatchQueue staging(int capacity, int stage) {
		BatchQueue queue = new BatchQueue(capacity, 1);
		queue.stageFor(stage, this.stagedIn);
		return queue;
	}

	@Test
	void stagedItemsWaitBesideTheRingUntilAConsumerTakesThem() {
		BatchQueue queue = staging(8, 4);
		assertThat(queue.stage("a")).isTrue();
		assertThat(queue.stage("b")).isTrue();
		assertThat(queue.size()).as("waiting, staged included").isEqualTo(2);
		assertThat(this.stagedIn.sum()).as("counted in only when they go into the ring").isZero();
		Object[] batch = new Object[8];
		assertThat(queue.take(batch, 8, 0, null, 0)).as("a take that would not wait takes them").isEqualTo(2);
		assertThat(batch).startsWith("a", "b");
		assertThat(this.stagedIn.sum()).isEqualTo(2);
		assertThat(queue.size()).isZero();
		assertThat(queue.take(batch, 8, 0, null, 0)).isZero();
	}

	@Test
	void aFullStageGoesIntoTheRingAtOnce() {
		BatchQueue queue = staging(8, 2);
		queue.stage("a");
		assertThat(this.stagedIn.sum()).isZero();
		queue.stage("b");
		assertThat(this.stagedIn.sum()).isEqualTo(2);
		queue.stage("c");
		assertThat(this.stagedIn.sum()).isEqualTo(2);
		assertThat(queue.size()).isEqualTo(3);
		assertThat(queue.drain()).containsExactly("a", "b", "c");
		assertThat(this.stagedIn.sum()).as("drained staged items are counted in").isEqualTo(3);
	}

	@Test
	void aWaitingConsumerGetsAStagedItemAtOnce() throws Exception {
		BatchQueue queue = staging(8, 4);
		Object[] batch = new Object[8];
		Parked<Integer> consumer = Parked.start("consumer", () -> queue.take(batch, 8, 0, null, -1))
			.awaitParkedIn(TAKE_WAIT);
		assertThat(queue.stage("a")).isTrue();
		assertThat(consumer.result()).isEqualTo(1);
		assertThat(batch[0]).isEqualTo("a");
		assertThat(this.stagedIn.sum()).isEqualTo(1);
	}

	@Test
	void theProducersWaitForRoomHandsOnWhatItStagedFirst() {
		BatchQueue queue = staging(2, 4);
		assertThat(queue.awaitRoom()).isEqualTo(2);
		queue.stage("a");
		assertThat(queue.awaitRoom()).as("a is in the ring now").isEqualTo(1);
		assertThat(this.stagedIn.sum()).isEqualTo(1);
		assertThat(queue.flushStaged()).isTrue();
	}

	@Test
	void aClosedQueueHandsOutWhatWasStagedBeforeItEnds() {
		BatchQueue queue = staging(8, 4);
		queue.stage("a");
		queue.close();
		assertThat(queue.stage("b")).isFalse();
		Object[] batch = new Object[8];
		assertThat(queue.take(batch, 8, 0, null, -1)).isEqualTo(1);
		assertThat(batch[0]).isEqualTo("a");
		assertThat(queue.take(batch, 8, 0, null, -1)).isEqualTo(BatchQueue.ENDED);
	}

	@Test
	void whatIsStagedWhenTheQueueAbortsIsGivenBackToTheProducer() {
		BatchQueue queue = staging(8, 4);
		queue.stage("a");
		queue.stage("b");
		queue.abort();
		assertThat(queue.stage("c")).isFalse();
		assertThat(queue.flushStaged()).isFalse();
		assertThat(queue.unstage()).containsExactly("a", "b");
		assertThat(queue.unstage()).isEmpty();
		assertThat(queue.size()).isZero();
		assertThat(this.stagedIn.sum()).isZero();
	}

	@Test
	void aQueueWithoutAStagingProducerHasNothingToGiveBack() {
		assertThat(new BatchQueue(4, 1).unstage()).isEmpty();
	}

	@Test
	void stagedItemsKeepTheirOrderAcrossManyBatches() throws Exception {
		BatchQueue queue = staging(16, 4);
		int n = 10_000;
		Parked<java.util.List<Object>> consumer = Parked.start("consumer", () -> {
			java.util.List<Object> seen = new java.util.ArrayList<>();
			Object[] batch = new Object[16];
			int release = 0;
			while (true) {
				int taken = queue.take(batch, 16, release, null, -1);
				if (taken < 0) {
					return seen;
				}
				release = taken;
				for (int i = 0; i < taken; i++) {
					seen.add(batch[i]);
				}
			}
		});
		int room = 0;
		for (int i = 0; i < n; i++) {
			room = (room > 0) ? room : queue.awaitRoom();
			assertThat(queue.stage(i)).isTrue();
			room--;
		}
		assertThat(queue.flushStaged()).isTrue();
		queue.close();
		assertThat(consumer.result()).hasSize(n).isSortedAccordingTo((a, b) -> Integer.compare((int) a, (int) b));
		assertThat(this.stagedIn.sum()).isEqualTo(n);
	}

}
