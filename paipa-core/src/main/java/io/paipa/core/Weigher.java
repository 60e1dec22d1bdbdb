package io.paipa.core;

/**
 * Tells how heavy an item is, for a pipeline whose input is bounded by weight as well as
 * by count ({@link Pipeline.Builder#inputMaxWeight(long, Weigher)}): typically its size
 * in bytes, so that a few huge items cannot exhaust the heap.
 *
 * @param <I> the item type
 */
@FunctionalInterface
public interface Weigher<I> {

	/**
	 * Returns an item's weight.
	 * @param item the item
	 * @return zero or more
	 */
	long weigh(I item);

	/**
	 * Returns a weigher for text and bytes: a {@link CharSequence} weighs its length, a
	 * {@code byte[]} its length, anything else 1.
	 * @param <I> the item type
	 * @return the weigher
	 */
	static <I> Weigher<I> ofSize() {
		return (item) -> {
			if (item instanceof CharSequence text) {
				return text.length();
			}
			if (item instanceof byte[] bytes) {
				return bytes.length;
			}
			return 1;
		};
	}

}
