package io.paipa.core.internal;

import java.util.concurrent.atomic.AtomicReference;

/**
 * A step's utilization, busy time over worker time, measured from a sample of the busy
 * time taken one to two seconds back; read without locks.
 */
final class Utilization {

	private static final long STEP_NANOS = 1_000_000_000L;

	private final AtomicReference<Window> window = new AtomicReference<>();

	/** Starts measuring. */
	void start(long now) {
		this.window.set(new Window(now, 0, now, 0));
	}

	/**
	 * Returns the utilization now.
	 * @param now the time
	 * @param busyTotal the busy time of every worker so far, the current items included
	 * @param workers the configured worker count
	 * @return 0 to 1
	 */
	double at(long now, long busyTotal, int workers) {
		Window window = this.window.get();
		if (window == null) {
			return 0.0;
		}
		if (now - window.newerTime >= STEP_NANOS) {
			this.window.compareAndSet(window, new Window(window.newerTime, window.newerBusy, now, busyTotal));
		}
		long elapsed = now - window.olderTime;
		if (elapsed <= 0) {
			return 0.0;
		}
		double value = (double) (busyTotal - window.olderBusy) / ((double) elapsed * Math.max(1, workers));
		return Math.max(0.0, Math.min(1.0, value));
	}

	/** Two samples of busy time: utilization is measured from the older one. */
	private record Window(long olderTime, long olderBusy, long newerTime, long newerBusy) {

	}

}
