package io.paipa.core;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.paipa.core.internal.BatchQueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The queue between steps: batch moves, the bound that counts items in consumers' hands,
 * close and abort waking everybody.
 */
@Timeout(60)
class BatchQueueTests {

	@Test
	void takesWhatIsThereInOrderWithoutWaitingToFillABatch() {
		BatchQueue queue = new BatchQueue(8, 1);
		assertThat(queue.put(new Object[] { 1, 2, 3 }, 0, 3, false, -1, null)).isEqualTo(3);
		Object[] batch = new Object[8];
		assertThat(queue.take(batch, 8, 0, null, -1)).isEqualTo(3);
		assertThat(batch).startsWith(1, 2, 3);
		assertThat(queue.size()).isZero();
	}

	@Test
	void wrapsAroundTheRing() {
		BatchQueue queue = new BatchQueue(4, 1);
		Object[] batch = new Object[4];
		int next = 0;
		int expected = 0;
		for (int round = 0; round < 50; round++) {
			Object[] items = { next++, next++, next++ };
			assertThat(queue.put(items, 0, 3, false, -1, null)).isEqualTo(3);
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
	void itemsInAConsumersHandsCountAgainstTheBoundUntilReleased() {
		BatchQueue queue = new BatchQueue(4, 1);
		assertThat(queue.put(new Object[] { 1, 2, 3, 4 }, 0, 4, false, -1, null)).isEqualTo(4);
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
		Object[] items = new Object[40];
		for (int i = 0; i < items.length; i++) {
			items[i] = i;
		}
		queue.put(items, 0, 40, false, -1, null);
		Object[] batch = new Object[64];
		assertThat(queue.take(batch, 64, 0, null, -1)).isEqualTo(10);
	}

	@Test
	void putBlocksWhileFullAndResumesWhenAConsumerReleases() throws Exception {
		BatchQueue queue = new BatchQueue(2, 1);
		assertThat(queue.put(new Object[] { 1, 2 }, 0, 2, false, -1, null)).isEqualTo(2);
		CompletableFuture<Integer> put = CompletableFuture
			.supplyAsync(() -> queue.put(new Object[] { 4 }, 0, 1, false, -1, null));
		Object[] batch = new Object[2];
		assertThat(put).isNotDone();
		assertThat(queue.take(batch, 2, 0, null, -1)).isEqualTo(2);
		queue.release(2);
		assertThat(put.get(10, TimeUnit.SECONDS)).isEqualTo(1);
	}

	@Test
	void putWithTimeoutGivesUpWhenStillFull() {
		BatchQueue queue = new BatchQueue(1, 1);
		assertThat(queue.put(new Object[] { 1 }, 0, 1, false, -1, null)).isEqualTo(1);
		assertThat(queue.put(new Object[] { 3 }, 0, 1, true, TimeUnit.MILLISECONDS.toNanos(20), null)).isZero();
	}

	@Test
	void closeLetsConsumersDrainThenSeeTheEnd() throws Exception {
		BatchQueue queue = new BatchQueue(4, 2);
		CountDownLatch waiting = new CountDownLatch(1);
		CompletableFuture<Integer> blocked = CompletableFuture.supplyAsync(() -> {
			waiting.countDown();
			return queue.take(new Object[4], 4, 0, null, -1);
		});
		assertThat(waiting.await(10, TimeUnit.SECONDS)).isTrue();
		queue.put(new Object[] { 1 }, 0, 1, false, -1, null);
		assertThat(blocked.get(10, TimeUnit.SECONDS)).isEqualTo(1);
		queue.put(new Object[] { 2 }, 0, 1, false, -1, null);
		queue.close();
		assertThat(queue.put(new Object[] { 3 }, 0, 1, false, -1, null)).as("closed refuses puts").isZero();
		Object[] batch = new Object[4];
		assertThat(queue.take(batch, 4, 0, null, -1)).isEqualTo(1);
		assertThat(queue.take(batch, 4, 0, null, -1)).isEqualTo(BatchQueue.ENDED);
		assertThat(queue.take(batch, 4, 0, null, -1)).isEqualTo(BatchQueue.ENDED);
	}

	@Test
	void abortWakesBlockedProducersAndConsumers() throws Exception {
		BatchQueue full = new BatchQueue(1, 1);
		assertThat(full.put(new Object[] { 1 }, 0, 1, false, -1, null)).isEqualTo(1);
		CompletableFuture<Integer> producer = CompletableFuture
			.supplyAsync(() -> full.put(new Object[] { 3 }, 0, 1, false, -1, null));
		BatchQueue empty = new BatchQueue(1, 1);
		CompletableFuture<Integer> consumer = CompletableFuture
			.supplyAsync(() -> empty.take(new Object[1], 1, 0, null, -1));
		full.abort();
		empty.abort();
		assertThat(producer.get(10, TimeUnit.SECONDS)).isZero();
		assertThat(consumer.get(10, TimeUnit.SECONDS)).isEqualTo(BatchQueue.ABORTED);
		assertThat(full.drain()).containsExactly(1);
	}

	@Test
	void aConsumerAskedToLeaveWakesUp() throws Exception {
		BatchQueue queue = new BatchQueue(4, 1);
		AtomicInteger leave = new AtomicInteger();
		CompletableFuture<Integer> consumer = CompletableFuture
			.supplyAsync(() -> queue.take(new Object[4], 4, 0, () -> leave.get() == 1, -1));
		await().atMost(10, TimeUnit.SECONDS).pollDelay(10, TimeUnit.MILLISECONDS).until(() -> !consumer.isDone());
		leave.set(1);
		queue.wakeConsumers();
		assertThat(consumer.get(10, TimeUnit.SECONDS)).isEqualTo(BatchQueue.LEAVE);
	}

	@Test
	void takeWithTimeoutReturnsZeroWhenNothingCame() {
		BatchQueue queue = new BatchQueue(4, 1);
		assertThat(queue.take(new Object[4], 4, 0, null, TimeUnit.MILLISECONDS.toNanos(20))).isZero();
		assertThat(queue.take(new Object[4], 4, 0, null, 0)).isZero();
	}

}
