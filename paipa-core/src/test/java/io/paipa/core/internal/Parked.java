package io.paipa.core.internal;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A call run on a thread of its own, for tests of blocking methods: the test waits until
 * the thread is really parked inside one of the expected methods before it goes on, so
 * that nothing is asserted while the other thread may not have started waiting yet.
 */
final class Parked<T> {

	private final Thread thread;

	private final CompletableFuture<T> result = new CompletableFuture<>();

	private volatile boolean interruptedAfter;

	private Parked(String name, Callable<T> call) {
		this.thread = new Thread(() -> {
			try {
				T value = call.call();
				this.interruptedAfter = Thread.currentThread().isInterrupted();
				this.result.complete(value);
			}
			catch (Throwable ex) {
				this.result.completeExceptionally(ex);
			}
		}, name);
		this.thread.setDaemon(true);
	}

	/** Starts a call on a new thread. */
	static <T> Parked<T> start(String name, Callable<T> call) {
		Parked<T> parked = new Parked<>(name, call);
		parked.thread.start();
		return parked;
	}

	/**
	 * Waits until the thread waits (with or without a time limit) in one of the named
	 * methods of a class of the engine.
	 */
	Parked<T> awaitParkedIn(String... methods) {
		awaitParkedIn(this.thread, methods);
		return this;
	}

	/**
	 * Waits until a thread of the engine's waits (with or without a time limit) in one of
	 * the named methods of a class of the engine.
	 */
	static void awaitParkedIn(Thread thread, String... methods) {
		await().atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(2))
			.until(() -> isParkedIn(thread, methods));
	}

	private static boolean isParkedIn(Thread thread, String... methods) {
		Thread.State state = thread.getState();
		if (state != Thread.State.WAITING && state != Thread.State.TIMED_WAITING) {
			return false;
		}
		return Arrays.stream(thread.getStackTrace())
			.anyMatch((frame) -> frame.getClassName().startsWith("io.paipa.core.internal.")
					&& Arrays.asList(methods).contains(frame.getMethodName()));
	}

	/** Whether the call has returned. */
	boolean isDone() {
		return this.result.isDone();
	}

	/** The value the call returned, waiting for it (boundedly). */
	T result() throws Exception {
		return this.result.get(10, TimeUnit.SECONDS);
	}

	/** Whether the thread's interrupt flag was set when the call returned. */
	boolean interruptedAfter() throws Exception {
		result();
		return this.interruptedAfter;
	}

	void interrupt() {
		this.thread.interrupt();
	}

	Thread thread() {
		return this.thread;
	}

}
