package io.paipa.benchmarks;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.UnaryOperator;

/**
 * What every contender does, so that they do the same work: a lazy source of boxed
 * {@code Long}s and trivial steps, and the hand-written baseline: one platform thread per
 * step joined by {@link ArrayBlockingQueue}s, ended by an end marker.
 */
final class Workloads {

	/** The end marker of the baseline chain. */
	static final Long END = Long.MIN_VALUE;

	private Workloads() {
	}

	/** The trivial step of the hand-off benchmarks. */
	static Long step(Long x) {
		return x * 31 + 7;
	}

	/** A source that creates its items as they are pulled, never holding them. */
	static Iterator<Long> source(int items) {
		return new Iterator<>() {

			private long next;

			@Override
			public boolean hasNext() {
				return this.next < items;
			}

			@Override
			public Long next() {
				if (this.next >= items) {
					throw new NoSuchElementException();
				}
				return this.next++;
			}

		};
	}

	/**
	 * Runs the baseline: a producer thread, one thread per step, queues of the given
	 * capacity between them; returns the number of items that left the last step.
	 */
	@SafeVarargs
	static long baselineChain(int items, int capacity, UnaryOperator<Long>... steps) throws InterruptedException {
		BlockingQueue<Long> first = new ArrayBlockingQueue<>(capacity);
		BlockingQueue<Long> in = first;
		Thread[] threads = new Thread[steps.length];
		long[] count = new long[1];
		for (int i = 0; i < steps.length; i++) {
			BlockingQueue<Long> from = in;
			BlockingQueue<Long> to = (i + 1 < steps.length) ? new ArrayBlockingQueue<>(capacity) : null;
			UnaryOperator<Long> step = steps[i];
			threads[i] = new Thread(() -> {
				try {
					while (true) {
						Long item = from.take();
						if (item == END) {
							if (to != null) {
								to.put(END);
							}
							return;
						}
						Long out = step.apply(item);
						if (to != null) {
							to.put(out);
						}
						else {
							count[0]++;
						}
					}
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}, "baseline-" + i);
			threads[i].start();
			in = to;
		}
		Iterator<Long> source = source(items);
		while (source.hasNext()) {
			first.put(source.next());
		}
		first.put(END);
		for (Thread thread : threads) {
			thread.join();
		}
		return count[0];
	}

}
