package io.paipa.core;

import java.time.Duration;
import java.util.List;

import io.paipa.core.internal.ChunkHandler;

/**
 * Built-in steps.
 */
public final class Steps {

	private Steps() {
	}

	/**
	 * Groups items into lists of up to {@code size}; a partial list is emitted at the end
	 * of the input.
	 * @param <T> the item type
	 * @param size the most items per list, at least 1
	 * @return a stream step
	 */
	public static <T> StreamHandler<T, List<T>> chunk(int size) {
		return new ChunkHandler<>(size, null);
	}

	/**
	 * Groups items into lists of up to {@code size}; a partial list is emitted when
	 * {@code maxWait} has passed since its first item, and at the end of the input. Each
	 * worker of the step builds its own lists.
	 * @param <T> the item type
	 * @param size the most items per list, at least 1
	 * @param maxWait the longest time the first item of a list waits for the list to be
	 * emitted; {@code null} for no limit
	 * @return a stream step
	 */
	public static <T> StreamHandler<T, List<T>> chunk(int size, Duration maxWait) {
		return new ChunkHandler<>(size, maxWait);
	}

	/**
	 * Emits every element of each input collection: the reverse of {@link #chunk(int)}.
	 * @param <T> the element type
	 * @return a fan-out step
	 */
	public static <T> FanOutHandler<Iterable<T>, T> flatten() {
		return (items, out) -> {
			for (T item : items) {
				out.emit(item);
			}
		};
	}

}
