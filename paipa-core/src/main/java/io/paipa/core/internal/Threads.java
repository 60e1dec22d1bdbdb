package io.paipa.core.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Creates the pipeline's threads: daemon platform threads, or virtual threads on Java 21
 * and later (looked up reflectively, since the build targets Java 17).
 *
 * <p>
 * Threads are daemons on purpose: the pipeline's own lifecycle ({@code run} blocks,
 * {@code stop} drains) decides when work ends, and a handler stuck in code that ignores
 * interrupts, abandoned by a stop, must not keep the JVM from exiting.
 */
public final class Threads {

	private static final MethodHandle VIRTUAL_BUILDER = lookupVirtualBuilder();

	private Threads() {
	}

	/** Whether this JVM can create virtual threads. */
	public static boolean virtualThreadsSupported() {
		return VIRTUAL_BUILDER != null;
	}

	/**
	 * Waits for a thread to end, at most until the deadline. An interrupt does not end
	 * the wait; the caller's interrupt status is set again afterwards.
	 * @return whether it ended
	 */
	static boolean join(Thread thread, long deadline) {
		boolean interrupted = false;
		long left = deadline - System.nanoTime();
		while (left > 0 && thread.isAlive()) {
			try {
				TimeUnit.NANOSECONDS.timedJoin(thread, left);
			}
			catch (InterruptedException ex) {
				interrupted = true;
			}
			left = deadline - System.nanoTime();
		}
		if (interrupted) {
			Thread.currentThread().interrupt();
		}
		return !thread.isAlive();
	}

	/**
	 * Waits for threads to end, at most until the deadline, skipping some and the caller.
	 */
	static void joinAll(Iterable<Thread> threads, long deadline, Set<Thread> skip) {
		for (Thread thread : threads) {
			if (thread != Thread.currentThread() && !skip.contains(thread)) {
				join(thread, deadline);
			}
		}
	}

	/** The top of a thread's stack, for a log line. */
	static String stackOf(Thread thread) {
		StringBuilder sb = new StringBuilder();
		StackTraceElement[] frames = thread.getStackTrace();
		for (int i = 0; i < Math.min(8, frames.length); i++) {
			sb.append("\n\tat ").append(frames[i]);
		}
		return sb.toString();
	}

	static Thread create(String name, Runnable task, boolean virtual) {
		if (virtual) {
			try {
				return (Thread) VIRTUAL_BUILDER.invoke(name, task);
			}
			catch (Throwable ex) {
				throw new IllegalStateException("Could not create virtual thread " + name, ex);
			}
		}
		Thread thread = new Thread(task, name);
		thread.setDaemon(true);
		return thread;
	}

	private static MethodHandle lookupVirtualBuilder() {
		try {
			MethodHandles.Lookup lookup = MethodHandles.publicLookup();
			Class<?> builderClass = Class.forName("java.lang.Thread$Builder");
			Class<?> ofVirtualClass = Class.forName("java.lang.Thread$Builder$OfVirtual");
			MethodHandle ofVirtual = lookup.findStatic(Thread.class, "ofVirtual",
					MethodType.methodType(ofVirtualClass));
			MethodHandle name = lookup.findVirtual(ofVirtualClass, "name",
					MethodType.methodType(ofVirtualClass, String.class));
			MethodHandle unstarted = lookup.findVirtual(builderClass, "unstarted",
					MethodType.methodType(Thread.class, Runnable.class));
			MethodHandle named = MethodHandles.filterReturnValue(ofVirtual, MethodHandles.identity(ofVirtualClass));
			// (String, Runnable) -> Thread: ofVirtual().name(name).unstarted(task)
			MethodHandle withName = MethodHandles.foldArguments(name, 0, named);
			MethodHandle asBuilder = withName.asType(MethodType.methodType(builderClass, String.class));
			return MethodHandles.collectArguments(unstarted, 0, asBuilder)
				.asType(MethodType.methodType(Object.class, String.class, Runnable.class));
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			return null;
		}
	}

}
