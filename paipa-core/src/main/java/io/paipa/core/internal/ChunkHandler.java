package io.paipa.core.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.paipa.core.Emitter;
import io.paipa.core.StepInput;
import io.paipa.core.StreamHandler;

/** The built-in {@code chunk} step. */
public final class ChunkHandler<T> implements StreamHandler<T, List<T>> {

	private final int size;

	private final long maxWaitNanos;

	public ChunkHandler(int size, Duration maxWait) {
		if (size < 1) {
			throw new IllegalArgumentException("Chunk size must be at least 1 but was " + size);
		}
		if (maxWait != null && (maxWait.isNegative() || maxWait.isZero())) {
			throw new IllegalArgumentException("Chunk max-wait must be positive but was " + maxWait);
		}
		this.size = size;
		this.maxWaitNanos = (maxWait != null) ? maxWait.toNanos() : -1;
	}

	public int size() {
		return this.size;
	}

	@Override
	public void process(StepInput<T> input, Emitter<List<T>> out) {
		List<T> chunk = new ArrayList<>(this.size);
		long deadline = 0;
		while (true) {
			T item;
			if (chunk.isEmpty() || this.maxWaitNanos < 0) {
				if (!input.hasNext()) {
					break;
				}
				item = input.next();
			}
			else {
				long left = deadline - System.nanoTime();
				item = (left > 0) ? input.poll(Duration.ofNanos(left)) : null;
				if (item == null) {
					if (input.isEnded()) {
						break;
					}
					if (deadline - System.nanoTime() <= 0) {
						out.emit(chunk);
						chunk = new ArrayList<>(this.size);
					}
					continue;
				}
			}
			if (chunk.isEmpty()) {
				deadline = System.nanoTime() + this.maxWaitNanos;
			}
			chunk.add(item);
			if (chunk.size() >= this.size) {
				out.emit(chunk);
				chunk = new ArrayList<>(this.size);
			}
		}
		if (!chunk.isEmpty()) {
			out.emit(chunk);
		}
	}

	@Override
	public String toString() {
		return "chunk(" + this.size + ((this.maxWaitNanos > 0) ? ", " + Duration.ofNanos(this.maxWaitNanos) : "")
				+ ")";
	}

}
