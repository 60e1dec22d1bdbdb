package io.paipa.benchmarks;

import java.util.Iterator;
import java.util.NoSuchElementException;

import io.paipa.core.Pipeline;
import io.paipa.core.PipelineResult;

/**
 * Flat memory: 10,000,000 items of 1 KiB each (by default) through three steps. Run it
 * with {@code -Xmx32m}: it completes only if nothing buffers without bound; otherwise it
 * ends with an {@code OutOfMemoryError}.
 *
 * <p>
 * Usage: {@code java -Xmx32m -cp benchmarks.jar io.paipa.benchmarks.MemoryRun [items]}
 */
public final class MemoryRun {

	private MemoryRun() {
	}

	public static void main(String[] args) {
		long items = (args.length > 0) ? Long.parseLong(args[0]) : 10_000_000L;
		Pipeline<byte[]> pipeline = Pipeline.<byte[]>builder("memory").step("stamp", (byte[] bytes) -> {
			bytes[0] = 1;
			return bytes;
		}, (s) -> s.workers(2))
			.step("check", (byte[] bytes) -> (bytes[0] == 1) ? bytes : null)
			.step("measure", (byte[] bytes) -> bytes.length)
			.build();
		Iterator<byte[]> source = new Iterator<>() {

			private long made;

			@Override
			public boolean hasNext() {
				return this.made < items;
			}

			@Override
			public byte[] next() {
				if (this.made++ >= items) {
					throw new NoSuchElementException();
				}
				return new byte[1024];
			}

		};
		PipelineResult result = pipeline.run(source);
		long maxHeap = Runtime.getRuntime().maxMemory() / (1024 * 1024);
		System.out.println(result + " with a heap of at most " + maxHeap + " MiB");
		if (result.completed() != items) {
			System.exit(1);
		}
	}

}
