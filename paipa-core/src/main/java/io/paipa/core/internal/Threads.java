package io.paipa.core.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Creates the pipeline's threads: daemon platform threads, or virtual threads on Java 21
 * and later (looked up reflectively, since the build targets Java 17).
 *
 * <p>Threads are daemons on purpose: the pipeline's own lifecycle ({@code run} blocks,
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
			MethodHandle ofVirtual = lookup.findStatic(Thread.class, "ofVirtual", MethodType.methodType(ofVirtualClass));
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
