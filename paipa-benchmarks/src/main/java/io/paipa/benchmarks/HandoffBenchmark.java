package io.paipa.benchmarks;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.YieldingWaitStrategy;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import com.lmax.disruptor.util.DaemonThreadFactory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import io.paipa.core.Pipeline;
import io.paipa.core.PipelineResult;

/**
 * Hand-off cost: three trivial steps ({@code x -> x * 31 + 7} on a boxed {@code Long}),
 * one worker each, over a lazy source of 1,000,000 items. Every score is items per
 * second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = { "-Xms1g", "-Xmx1g" })
public class HandoffBenchmark {

	static final int ITEMS = 1_000_000;

	@Param({ "64", "1024" })
	int capacity;

	private Pipeline<Long> pipeline;

	private Scheduler[] schedulers;

	@Setup(Level.Trial)
	public void setUp() {
		this.pipeline = Pipeline.<Long>builder("handoff")
			.queueCapacity(this.capacity)
			.step("a", Workloads::step)
			.step("b", Workloads::step)
			.step("c", Workloads::step)
			.build();
		this.schedulers = new Scheduler[] { Schedulers.newSingle("reactor-a", true),
				Schedulers.newSingle("reactor-b", true), Schedulers.newSingle("reactor-c", true) };
	}

	@TearDown(Level.Trial)
	public void tearDown() {
		for (Scheduler scheduler : this.schedulers) {
			scheduler.dispose();
		}
	}

	/** Platform threads and {@code ArrayBlockingQueue}s, written by hand. */
	@Benchmark
	@OperationsPerInvocation(ITEMS)
	public long baseline() throws InterruptedException {
		return Workloads.baselineChain(ITEMS, this.capacity, Workloads::step, Workloads::step, Workloads::step);
	}

	/**
	 * A batched hand-off written by hand ({@link BatchedChain}): rings under one lock
	 * that move everything waiting at once, and local output buffers.
	 */
	@Benchmark
	@OperationsPerInvocation(ITEMS)
	public long batched() throws InterruptedException {
		return BatchedChain.run(ITEMS, this.capacity, Workloads::step, Workloads::step, Workloads::step);
	}

	/** The same steps as a paipa pipeline. */
	@Benchmark
	@OperationsPerInvocation(ITEMS)
	public long paipa() {
		PipelineResult result = this.pipeline.run(Workloads.source(ITEMS));
		return result.completed();
	}

	/** Reactor: one {@code publishOn} per step, prefetch = capacity. */
	@Benchmark
	@OperationsPerInvocation(ITEMS)
	public Long reactor() {
		return Flux.fromIterable(() -> Workloads.source(ITEMS))
			.publishOn(this.schedulers[0], this.capacity)
			.map(Workloads::step)
			.publishOn(this.schedulers[1], this.capacity)
			.map(Workloads::step)
			.publishOn(this.schedulers[2], this.capacity)
			.map(Workloads::step)
			.count()
			.block();
	}

	/**
	 * The LMAX Disruptor: one ring buffer of the same size, three handlers in a chain,
	 * the yielding wait strategy (its fastest here; it keeps the cores busy).
	 */
	@Benchmark
	@OperationsPerInvocation(ITEMS)
	public long disruptor() throws InterruptedException {
		CountDownLatch done = new CountDownLatch(1);
		Disruptor<LongEvent> disruptor = new Disruptor<>(LongEvent::new, this.capacity, DaemonThreadFactory.INSTANCE,
				ProducerType.SINGLE, new YieldingWaitStrategy());
		long[] count = new long[1];
		EventHandler<LongEvent> a = (event, sequence, endOfBatch) -> event.value = Workloads.step(event.value);
		EventHandler<LongEvent> b = (event, sequence, endOfBatch) -> event.value = Workloads.step(event.value);
		EventHandler<LongEvent> c = (event, sequence, endOfBatch) -> {
			event.value = Workloads.step(event.value);
			if (++count[0] == ITEMS) {
				done.countDown();
			}
		};
		disruptor.handleEventsWith(a).then(b).then(c);
		RingBuffer<LongEvent> ring = disruptor.start();
		var source = Workloads.source(ITEMS);
		while (source.hasNext()) {
			Long item = source.next();
			ring.publishEvent((event, sequence, value) -> event.value = value, item);
		}
		done.await();
		disruptor.shutdown();
		return count[0];
	}

	/** The Disruptor's mutable event. */
	static final class LongEvent {

		Long value;

	}

}
