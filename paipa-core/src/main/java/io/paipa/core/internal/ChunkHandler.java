package io.paipa.core.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.paipa.core.Emitter;
import io.paipa.core.StepInput;
import io.paipa.core.StreamHandler;

/**
 * The built-in {@code chunk} step: lists of up to {@code size} items, a partial list
 * emitted after {@code maxWait} and at the end of the handler's input (the end of the
 * input, a marker, a stop, a worker scaled away). Each list holds every item the handler
 * held, so it tells the step it is done with them all when it emits.
 */
public final class ChunkHandler<T> implements StreamHandler<T, List<T>> {

	private final int size;

	private final long maxWaitNanos;

	/** The longest wait for a partial list, or {@code null} for none. */
	private final Duration maxWait;

	public ChunkHandler(int size, Duration maxWait) {
		if (size < 1) {
			throw new IllegalArgumentException("Chunk size must be at least 1 but was " + size);
		}
		if (maxWait != null && (maxWait.isNegative() || maxWait.isZero())) {
			throw new IllegalArgumentException("Chunk max-wait must be positive but was " + maxWait);
		}
		this.size = size;
		this.maxWait = maxWait;
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
			if (chunk.isEmpty() || this.maxWait == null) {
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
						chunk = emit(chunk, input, out);
					}
					continue;
				}
			}
			if (chunk.isEmpty()) {
				deadline = System.nanoTime() + this.maxWaitNanos;
			}
			chunk.add(item);
			if (chunk.size() >= this.size) {
				chunk = emit(chunk, input, out);
			}
		}
		if (!chunk.isEmpty()) {
			emit(chunk, input, out);
		}
	}

	/** Emits a chunk; its members are all the handler held, so they settle with it. */
	private List<T> emit(List<T> chunk, StepInput<T> input, Emitter<List<T>> out) {
		out.emit(chunk);
		input.doneAll();
		return new ArrayList<>(this.size);
	}

	@Override
	public String toString() {
		return "chunk(" + this.size + ((this.maxWait != null) ? ", " + this.maxWait : "") + ")";
	}

}
