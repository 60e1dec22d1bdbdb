package io.paipa.core.internal;

import java.util.Iterator;
import java.util.concurrent.CountDownLatch;

/** Batch sources for the engine's unit tests. */
final class Sources {

	private Sources() {
	}

	/**
	 * A source of one item, {@code "a"}, whose pull waits until {@code release} opens; an
	 * interrupt ends the pull with an exception, or, when ignored, does not end it.
	 */
	static Iterator<Object> oneItemAfter(CountDownLatch release, boolean ignoreInterrupts) {
		return new Iterator<>() {
			private boolean pulled;

			@Override
			public boolean hasNext() {
				return !this.pulled;
			}

			@Override
			public Object next() {
				this.pulled = true;
				while (true) {
					try {
						release.await();
						return "a";
					}
					catch (InterruptedException ex) {
						if (!ignoreInterrupts) {
							throw new IllegalStateException("interrupted", ex);
						}
					}
				}
			}
		};
	}

}
