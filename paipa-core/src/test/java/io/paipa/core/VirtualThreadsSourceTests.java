package io.paipa.core;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * The thread that pulls a batch run's source, or takes from a caller's queue, is a
 * virtual thread when the first step's workers are, and a platform thread otherwise. It
 * ends with the run, however the run ends. Java 21 and later only.
 */
@Timeout(60)
class VirtualThreadsSourceTests {

	private Method isVirtual;

	@BeforeEach
	void needsVirtualThreads() throws NoSuchMethodException {
		assumeThat(Runtime.version().feature()).isGreaterThanOrEqualTo(21);
		this.isVirtual = Thread.class.getMethod("isVirtual");
	}

	@Test
	void aVirtualFirstStepIsFedByAVirtualSourceThread() throws Exception {
		RecordingSource source = new RecordingSource(1_000);
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("vsrc")
			.step("io", (Integer x) -> x, (s) -> s.workers(16).virtualThreads(true))
			.step("cpu", (Integer x) -> x + 1)
			.build();

		PipelineResult result = pipeline.run(source);

		assertThat(result.completed()).isEqualTo(1_000);
		Thread thread = source.thread.get();
		assertThat(thread.getName()).isEqualTo("paipa-vsrc-source");
		assertThat(isVirtual(thread)).isTrue();
		thread.join(10_000);
		assertThat(thread.isAlive()).isFalse();
	}

	@Test
	void aPlatformFirstStepKeepsAPlatformSourceThread() throws Exception {
		RecordingSource source = new RecordingSource(100);
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("psrc")
			.step("cpu", (Integer x) -> x + 1, (s) -> s.virtualThreads(false))
			.step("io", (Integer x) -> x, (s) -> s.workers(4).virtualThreads(true))
			.build();

		assertThat(pipeline.run(source).completed()).isEqualTo(100);
		assertThat(isVirtual(source.thread.get())).isFalse();
	}

	@Test
	void aStopEndsAVirtualSourceWaitingOnTheCallersQueue() throws Exception {
		AtomicReference<Thread> taker = new AtomicReference<>();
		LinkedBlockingQueue<Integer> callers = new LinkedBlockingQueue<>() {
			@Override
			public Integer take() throws InterruptedException {
				taker.set(Thread.currentThread());
				return super.take();
			}
		};
		AtomicInteger handled = new AtomicInteger();
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("vdrain").step("io", (Integer x) -> {
			handled.incrementAndGet();
			return x;
		}, (s) -> s.workers(8).virtualThreads(true)).build();
		pipeline.start(callers);
		for (int i = 0; i < 500; i++) {
			callers.put(i);
		}
		await().atMost(Duration.ofSeconds(30)).until(() -> handled.get() == 500 && callers.isEmpty());
		// the source waits in take() again for the next item
		await().atMost(Duration.ofSeconds(30))
			.until(() -> taker.get() != null && taker.get().getState() == Thread.State.WAITING);

		PipelineResult result = pipeline.stop(Duration.ofSeconds(10));

		assertThat(result.completed()).isEqualTo(500);
		assertThat(result.deadLettered() + result.dropped()).isZero();
		Thread thread = taker.get();
		assertThat(isVirtual(thread)).isTrue();
		thread.join(10_000);
		assertThat(thread.isAlive()).isFalse();
	}

	@Test
	void aStopInterruptsAVirtualSourceBlockedInItsPullAndCountsWhatItPulled() throws Exception {
		CountDownLatch pulledTen = new CountDownLatch(10);
		AtomicReference<Thread> puller = new AtomicReference<>();
		AtomicInteger interrupted = new AtomicInteger();
		Iterator<Integer> source = new Iterator<>() {
			private int next;

			@Override
			public boolean hasNext() {
				return true;
			}

			@Override
			public Integer next() {
				puller.set(Thread.currentThread());
				if (this.next == 10) {
					try {
						// blocks until the stop interrupts it
						new CountDownLatch(1).await();
					}
					catch (InterruptedException ex) {
						interrupted.incrementAndGet();
						throw new IllegalStateException("source interrupted", ex);
					}
				}
				pulledTen.countDown();
				return this.next++;
			}
		};
		Pipeline<Integer> pipeline = Pipeline.<Integer>builder("vstop")
			.step("io", (Integer x) -> x, (s) -> s.workers(4).virtualThreads(true))
			.build();
		AtomicReference<PipelineResult> ran = new AtomicReference<>();
		Thread runner = new Thread(() -> ran.set(pipeline.run(source)), "vstop-runner");
		runner.start();
		assertThat(pulledTen.await(30, TimeUnit.SECONDS)).isTrue();
		await().atMost(Duration.ofSeconds(30))
			.until(() -> puller.get() != null && puller.get().getState() == Thread.State.WAITING);

		PipelineResult stopped = pipeline.stop(Duration.ofSeconds(10));
		runner.join(30_000);

		assertThat(runner.isAlive()).isFalse();
		assertThat(interrupted.get()).isEqualTo(1);
		assertThat(stopped.completed()).isEqualTo(10);
		assertThat(stopped.deadLettered() + stopped.dropped()).isZero();
		assertThat(ran.get().completed()).isEqualTo(10);
		assertThat(isVirtual(puller.get())).isTrue();
		puller.get().join(10_000);
		assertThat(puller.get().isAlive()).isFalse();
	}

	private boolean isVirtual(Thread thread) throws ReflectiveOperationException {
		return (boolean) this.isVirtual.invoke(thread);
	}

	/** Numbers 0 to n-1; remembers the thread that pulled them. */
	private static final class RecordingSource implements Iterator<Integer> {

		final AtomicReference<Thread> thread = new AtomicReference<>();

		private final int n;

		private int next;

		RecordingSource(int n) {
			this.n = n;
		}

		@Override
		public boolean hasNext() {
			return this.next < this.n;
		}

		@Override
		public Integer next() {
			this.thread.set(Thread.currentThread());
			return this.next++;
		}

	}

}
