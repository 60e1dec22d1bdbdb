package io.paipa.benchmarks;

import java.util.Iterator;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;

/**
 * A hand-written batched hand-off, for comparison with the engine's: one platform thread
 * per step, joined by ring buffers under one lock with two conditions. A take moves
 * everything that waits (up to the taker's buffer), a worker keeps its outputs in a local
 * buffer and hands them on in one put, idle threads park, and a waiter is signalled only
 * when someone waits.
 */
final class BatchedChain {

	private BatchedChain() {
	}

	/**
	 * Runs the chain: the caller pulls the source and hands items on sixteen at a time;
	 * returns the number of items that left the last step.
	 */
	@SafeVarargs
	static long run(int items, int capacity, UnaryOperator<Long>... steps) throws InterruptedException {
		Ring first = new Ring(capacity);
		Ring in = first;
		Thread[] threads = new Thread[steps.length];
		long[] count = new long[1];
		for (int i = 0; i < steps.length; i++) {
			Ring from = in;
			Ring to = (i + 1 < steps.length) ? new Ring(capacity) : null;
			UnaryOperator<Long> step = steps[i];
			threads[i] = new Thread(() -> work(from, to, step, capacity, count), "batched-" + i);
			threads[i].start();
			in = to;
		}
		Object[] batch = new Object[16];
		int n = 0;
		Iterator<Long> source = Workloads.source(items);
		while (source.hasNext()) {
			batch[n++] = source.next();
			if (n == batch.length) {
				first.put(batch, n);
				n = 0;
			}
		}
		batch[n++] = Workloads.END;
		first.put(batch, n);
		for (Thread thread : threads) {
			thread.join();
		}
		return count[0];
	}

	private static void work(Ring from, Ring to, UnaryOperator<Long> step, int capacity, long[] count) {
		Object[] taken = new Object[capacity];
		Object[] outputs = new Object[capacity];
		try {
			while (true) {
				int n = from.take(taken);
				int out = 0;
				boolean end = false;
				for (int i = 0; i < n && !end; i++) {
					Long item = (Long) taken[i];
					if (item == Workloads.END) {
						end = true;
					}
					else if (to != null) {
						outputs[out++] = step.apply(item);
					}
					else {
						step.apply(item);
						count[0]++;
					}
				}
				if (to != null) {
					if (end) {
						outputs[out++] = Workloads.END;
					}
					to.put(outputs, out);
				}
				if (end) {
					return;
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/** A bounded ring under one lock, moved in batches. */
	private static final class Ring {

		private final ReentrantLock lock = new ReentrantLock();

		private final Condition notEmpty = this.lock.newCondition();

		private final Condition notFull = this.lock.newCondition();

		private final Object[] items;

		private int head;

		private int count;

		private int waitingConsumers;

		private int waitingProducers;

		Ring(int capacity) {
			this.items = new Object[capacity];
		}

		int take(Object[] dst) throws InterruptedException {
			this.lock.lock();
			try {
				while (this.count == 0) {
					this.waitingConsumers++;
					try {
						this.notEmpty.await();
					}
					finally {
						this.waitingConsumers--;
					}
				}
				int n = Math.min(this.count, dst.length);
				for (int i = 0; i < n; i++) {
					dst[i] = this.items[this.head];
					this.items[this.head] = null;
					this.head = (this.head + 1 == this.items.length) ? 0 : this.head + 1;
				}
				this.count -= n;
				if (this.waitingProducers != 0) {
					this.notFull.signal();
				}
				return n;
			}
			finally {
				this.lock.unlock();
			}
		}

		void put(Object[] src, int n) throws InterruptedException {
			int done = 0;
			this.lock.lock();
			try {
				while (done < n) {
					while (this.count == this.items.length) {
						this.waitingProducers++;
						try {
							this.notFull.await();
						}
						finally {
							this.waitingProducers--;
						}
					}
					int k = Math.min(n - done, this.items.length - this.count);
					for (int i = 0; i < k; i++) {
						int tail = this.head + this.count;
						this.items[(tail >= this.items.length) ? tail - this.items.length : tail] = src[done++];
						this.count++;
					}
					if (this.waitingConsumers != 0) {
						this.notEmpty.signal();
					}
				}
			}
			finally {
				this.lock.unlock();
			}
		}

	}

}
