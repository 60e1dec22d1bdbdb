package io.paipa.core.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The producers' line under load: many producers putting batches (some with a time-out,
 * some interruptible and interrupted, some markers), consumers taking, releasing and
 * passing markers, the number of consumers changing, and a close or an abort at a random
 * moment. Every entry a put or {@code putMarker} reports as added is taken exactly once,
 * or left for the drain after an abort; nothing else ever comes out; each consumer sees
 * each producer's items in the order they were put; a marker comes out after every item
 * its producer put before it and before any it put after it; and the ring never holds
 * more than its capacity.
 */
class BatchQueueLineStressTests {

	static LongStream seeds() {
		return LongStream.rangeClosed(1, 40);
	}

	/** An item: which producer put it, and its number among that producer's items. */
	record Item(int producer, int number) {
	}

	/**
	 * A marker: which producer put it, its number, and how many of that producer's items
	 * had gone in before it.
	 */
	record Mark(int producer, int number, int itemsBefore) implements BatchQueue.Marker {
	}

	@ParameterizedTest(name = "seed {0}")
	@MethodSource("seeds")
	@Timeout(60)
	void everyEntryAddedComesOutExactlyOnce(long seed) throws Exception {
		Random random = new Random(seed);
		int capacity = new int[] { 1, 2, 3, 8, 64 }[random.nextInt(5)];
		int consumers = 1 + random.nextInt(4);
		int producers = 2 + random.nextInt(15);
		int putsEach = 20 + random.nextInt(200);
		boolean abort = random.nextBoolean();
		// the close or abort comes when this many puts of all producers have returned
		int endAfter = random.nextInt(producers * putsEach + 1);
		String plan = String.format("seed %d: capacity %d, %d consumers, %d producers of %d puts, %s after %d puts",
				seed, capacity, consumers, producers, putsEach, abort ? "abort" : "close", endAfter);

		BatchQueue queue = new BatchQueue(capacity, consumers);
		LongAdder counted = new LongAdder();
		ConcurrentHashMap<Object, AtomicInteger> added = new ConcurrentHashMap<>();
		ConcurrentHashMap<Object, AtomicInteger> out = new ConcurrentHashMap<>();
		List<String> problems = new CopyOnWriteArrayList<>();
		AtomicIntegerArray itemsOut = new AtomicIntegerArray(producers);
		AtomicInteger returned = new AtomicInteger();
		CountDownLatch ended = new CountDownLatch(1);

		List<Thread> consumerThreads = new ArrayList<>();
		for (int c = 0; c < consumers; c++) {
			queue.register();
			int id = c;
			consumerThreads
				.add(new Thread(() -> consume(queue, id, capacity, out, itemsOut, problems), "consumer-" + c));
		}
		List<Thread> producerThreads = new ArrayList<>();
		for (int p = 0; p < producers; p++) {
			int id = p;
			long producerSeed = random.nextLong();
			producerThreads.add(new Thread(() -> produce(queue, id, putsEach, new Random(producerSeed), added, counted,
					returned, endAfter, ended), "producer-" + p));
		}
		Thread ender = new Thread(() -> {
			try {
				ended.await();
			}
			catch (InterruptedException ex) {
				return;
			}
			if (abort) {
				queue.abort();
			}
			else {
				queue.close();
			}
		}, "ender");
		Random side = new Random(random.nextLong());
		Thread meddler = new Thread(() -> {
			// interrupts producers and changes the number of consumers while they work
			while (ended.getCount() > 0) {
				Thread victim = producerThreads.get(side.nextInt(producers));
				victim.interrupt();
				queue.setWorkers(1 + side.nextInt(consumers + 2));
				try {
					ended.await(200, TimeUnit.MICROSECONDS);
				}
				catch (InterruptedException ex) {
					return;
				}
			}
		}, "meddler");

		consumerThreads.forEach(Thread::start);
		producerThreads.forEach(Thread::start);
		ender.start();
		meddler.start();
		for (Thread producer : producerThreads) {
			producer.join();
		}
		// every producer is done: whatever is left, the queue ends now
		ended.countDown();
		ender.join();
		meddler.join();
		for (Thread consumer : consumerThreads) {
			consumer.join();
		}
		for (Object left : queue.drain()) {
			count(out, left);
		}

		assertThat(problems).as(plan).isEmpty();
		assertThat(out.keySet()).as("entries that came out but were never reported added\n%s", plan)
			.isSubsetOf(added.keySet());
		for (Object entry : added.keySet()) {
			AtomicInteger times = out.get(entry);
			assertThat((times != null) ? times.get() : 0).as("%s came out\n%s", entry, plan).isEqualTo(1);
		}
		long items = added.keySet().stream().filter(Item.class::isInstance).count();
		assertThat(counted.sum()).as("items counted in\n%s", plan).isEqualTo(items);
		if (!abort) {
			assertThat(queue.size()).as(plan).isZero();
		}
	}

	private static void produce(BatchQueue queue, int id, int puts, Random random,
			ConcurrentHashMap<Object, AtomicInteger> added, LongAdder counted, AtomicInteger returned, int endAfter,
			CountDownLatch ended) {
		int number = 0;
		int itemsIn = 0;
		for (int i = 0; i < puts; i++) {
			// an interrupt meant for an earlier put is not carried into this one
			Thread.interrupted();
			boolean interruptible = random.nextBoolean();
			long timeout = switch (random.nextInt(4)) {
				case 0 -> 0;
				case 1 -> TimeUnit.MICROSECONDS.toNanos(random.nextInt(500));
				default -> -1;
			};
			if (random.nextInt(10) == 0) {
				Mark marker = new Mark(id, number++, itemsIn);
				if (queue.putMarker(marker, interruptible, timeout)) {
					added.put(marker, new AtomicInteger());
				}
			}
			else {
				int n = 1 + random.nextInt(10);
				Object[] batch = new Object[n + 2];
				int from = random.nextInt(3);
				for (int k = 0; k < n; k++) {
					batch[from + k] = new Item(id, number++);
				}
				int in = queue.put(batch, from, from + n, interruptible, timeout, counted);
				for (int k = 0; k < in; k++) {
					added.put(batch[from + k], new AtomicInteger());
				}
				itemsIn += in;
			}
			if (returned.incrementAndGet() == endAfter) {
				ended.countDown();
			}
		}
		Thread.interrupted();
	}

	private static void consume(BatchQueue queue, int id, int capacity, ConcurrentHashMap<Object, AtomicInteger> out,
			AtomicIntegerArray itemsOut, List<String> problems) {
		Object[] batch = new Object[capacity];
		int[] last = new int[64];
		Arrays.fill(last, -1);
		int release = 0;
		BatchQueue.Consumer self = () -> false;
		try {
			while (true) {
				int n = queue.take(batch, batch.length, release, self, -1);
				release = 0;
				if (queue.size() > capacity) {
					problems.add("consumer " + id + " saw " + queue.size() + " entries in a ring of " + capacity);
				}
				if (n == BatchQueue.ENDED || n == BatchQueue.ABORTED) {
					return;
				}
				if (n == BatchQueue.AT_MARKER) {
					Object[] marker = new Object[1];
					int got = queue.awaitMarker(marker, self);
					if (got == BatchQueue.ABORTED) {
						return;
					}
					if (got == 1) {
						Mark mark = (Mark) marker[0];
						if (itemsOut.get(mark.producer()) != mark.itemsBefore()) {
							problems.add("consumer " + id + " got " + mark + " when " + itemsOut.get(mark.producer())
									+ " items of its producer had come out");
						}
						count(out, mark);
						queue.markerPassed();
					}
					continue;
				}
				for (int i = 0; i < n; i++) {
					Object entry = batch[i];
					batch[i] = null;
					if (!(entry instanceof Item item)) {
						problems.add("consumer " + id + " took " + entry + " as an item");
						continue;
					}
					if (item.number() <= last[item.producer()]) {
						problems.add("consumer " + id + " took " + item + " after number " + last[item.producer()]);
					}
					last[item.producer()] = item.number();
					count(out, item);
					itemsOut.incrementAndGet(item.producer());
				}
				release = n;
			}
		}
		finally {
			queue.release(release);
			queue.deregister();
		}
	}

	private static void count(ConcurrentHashMap<Object, AtomicInteger> out, Object entry) {
		out.computeIfAbsent(entry, (k) -> new AtomicInteger()).incrementAndGet();
	}

}
