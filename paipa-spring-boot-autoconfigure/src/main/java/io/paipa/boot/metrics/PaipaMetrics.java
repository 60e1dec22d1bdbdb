package io.paipa.boot.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.beans.factory.DisposableBean;

import io.paipa.core.AutoscaleSnapshot;
import io.paipa.core.Pipeline;
import io.paipa.core.PipelineListener;
import io.paipa.core.PipelineState;
import io.paipa.core.StepSnapshot;
import io.paipa.core.StepStats;

/**
 * Binds the meters of every pipeline and step, tagged {@code pipeline} and {@code step}.
 *
 * <p>
 * Gauges and function counters read the pipeline's {@link Pipeline#snapshot() snapshot}
 * (the pipeline's counts) or one step's ({@link Pipeline#stepSnapshot(String)}, so that a
 * scrape costs in proportion to the number of steps), which are lock-free and count over
 * every run, so counters never go down. The handler timer {@code paipa.step.process} is
 * fed by this binder as a {@link PipelineListener}, through
 * {@link PipelineListener#handlerSampled handler samples}: the handler time of one item,
 * sampled at most once per batch a worker takes (the first item, when a one-to-one or
 * fan-out handler got through it on its first attempt). So the timer counts every item of
 * a slow step, whose workers take one item at a time, and a few items of a trivial step,
 * whose workers take many: its count is not a count of items (the
 * {@code paipa.step.items} counters are), its percentiles and mean are those of handler
 * time per item. Stream steps, which see no single item, have no samples. When the
 * handler calls are observed ({@code paipa.observations.enabled}, the default with an
 * {@code ObservationRegistry}), this binder registers no timer: the observation
 * {@code paipa.step.process} makes it, with an {@code error} tag more. Nothing is done
 * per item: counters and gauges read the snapshot. Percentiles and histograms follow
 * Micrometer's usual {@code management.metrics.distribution.*} properties. Meters are
 * removed when the binder is destroyed with the context.
 *
 * <p>
 * For a pipeline that autoscales ({@link io.paipa.core.AutoscalePolicy}), the gauge
 * {@code paipa.pipeline.autoscale.max.threads} is its thread budget; for each autoscaled
 * step, the function counter {@code paipa.step.autoscale.decisions} counts the
 * autoscaler's decisions by {@code direction} ({@code up}, {@code down}), the gauges
 * {@code paipa.step.autoscale.min.workers} and {@code paipa.step.autoscale.max.workers}
 * are its bounds and {@code paipa.step.autoscale.pinned} is 1 while a manual rescale
 * holds it. The autoscaler's target is the step's {@code paipa.step.workers} with
 * {@code state} {@code configured}, which it sets.
 *
 * <p>
 * What it does not measure: time items wait in queues, and per-item values (tags are only
 * pipeline, step and the outcome or state). Gauges and counters have no base unit, so
 * their Prometheus names are the meter names: {@code paipa_step_queue_depth},
 * {@code paipa_step_items_total}.
 */
public class PaipaMetrics implements MeterBinder, PipelineListener, DisposableBean {

	private final Supplier<Map<String, Pipeline<?>>> pipelines;

	private final boolean handlerTimer;

	/**
	 * The handler timers by pipeline and step: one per registry this binder is bound to.
	 */
	private final Map<String, Map<String, List<Timer>>> timers = new ConcurrentHashMap<>();

	/** The meters registered, by registry, to remove them again. */
	private final Map<MeterRegistry, List<Meter>> meters = new LinkedHashMap<>();

	/**
	 * Creates the binder.
	 * @param pipelines supplies the pipelines by name when the binder is bound (after the
	 * pipelines were built, so that they can have this binder as a listener)
	 */
	public PaipaMetrics(Supplier<Map<String, Pipeline<?>>> pipelines) {
		this(pipelines, true);
	}

	/**
	 * Creates the binder.
	 * @param pipelines supplies the pipelines by name when the binder is bound
	 * @param handlerTimer whether this binder registers the handler timer
	 * {@code paipa.step.process}; not when the handler calls are observed
	 * ({@link io.paipa.boot.observation.PaipaObservations}), whose meter handler makes a
	 * timer of the same name, as Spring Kafka does with its own timers
	 */
	public PaipaMetrics(Supplier<Map<String, Pipeline<?>>> pipelines, boolean handlerTimer) {
		this.pipelines = pipelines;
		this.handlerTimer = handlerTimer;
	}

	@Override
	public synchronized void bindTo(MeterRegistry registry) {
		if (this.meters.containsKey(registry)) {
			return;
		}
		List<Meter> registered = new ArrayList<>();
		this.meters.put(registry, registered);
		this.pipelines.get().forEach((name, pipeline) -> bind(registry, pipeline, registered));
	}

	private void bind(MeterRegistry registry, Pipeline<?> pipeline, List<Meter> registered) {
		Consumer<Meter> add = registered::add;
		Tags pipelineTags = Tags.of("pipeline", pipeline.name());
		for (String outcome : List.of("in", "completed", "dropped", "dead-lettered")) {
			ToDoubleFunction<Pipeline<?>> value = switch (outcome) {
				case "in" -> (p) -> p.snapshot().in();
				case "completed" -> (p) -> p.snapshot().completed();
				case "dropped" -> (p) -> p.snapshot().dropped();
				default -> (p) -> p.snapshot().deadLettered();
			};
			add.accept(FunctionCounter.builder("paipa.pipeline.items", pipeline, value)
				.tags(pipelineTags.and("outcome", outcome))
				.description("Items that entered the pipeline (in) and that left it, by outcome")
				.register(registry));
		}
		for (PipelineState state : PipelineState.values()) {
			add.accept(Gauge.builder("paipa.pipeline.state", pipeline, (p) -> (p.state() == state) ? 1 : 0)
				.tags(pipelineTags.and("state", state.name().toLowerCase(Locale.ROOT)))
				.description("1 for the state the pipeline is in, else 0")
				.register(registry));
		}
		pipeline.autoscalePolicy()
			.ifPresent((policy) -> add.accept(Gauge
				.builder("paipa.pipeline.autoscale.max.threads", pipeline,
						(p) -> p.autoscalePolicy().map((each) -> each.maxThreads()).orElse(0))
				.tags(pipelineTags)
				.description("Most worker threads of all the pipeline's steps together, as the autoscaler keeps them")
				.register(registry)));
		Map<String, List<Timer>> stepTimers = this.timers.computeIfAbsent(pipeline.name(),
				(key) -> new ConcurrentHashMap<>());
		for (String step : pipeline.stepNames()) {
			Tags tags = pipelineTags.and("step", step);
			Supplier<StepSnapshot> read0 = () -> pipeline.stepSnapshot(step);
			add.accept(Gauge.builder("paipa.step.queue.depth", pipeline, (p) -> read0.get().queueDepth())
				.tags(tags)
				.description("Items waiting in the step's input queue")
				.register(registry));
			Supplier<StepSnapshot> read1 = () -> pipeline.stepSnapshot(step);
			add.accept(Gauge.builder("paipa.step.queue.capacity", pipeline, (p) -> read1.get().queueCapacity())
				.tags(tags)
				.description("Bound of the step's input queue")
				.register(registry));
			Supplier<StepSnapshot> read2 = () -> pipeline.stepSnapshot(step);
			add.accept(Gauge.builder("paipa.step.workers", pipeline, (p) -> read2.get().workersConfigured())
				.tags(tags.and("state", "configured"))
				.description("Worker threads of the step, by state")
				.register(registry));
			Supplier<StepSnapshot> read3 = () -> pipeline.stepSnapshot(step);
			add.accept(Gauge.builder("paipa.step.workers", pipeline, (p) -> read3.get().workersAlive())
				.tags(tags.and("state", "alive"))
				.description("Worker threads of the step, by state")
				.register(registry));
			Supplier<StepSnapshot> read4 = () -> pipeline.stepSnapshot(step);
			add.accept(Gauge.builder("paipa.step.workers", pipeline, (p) -> read4.get().workersBusy())
				.tags(tags.and("state", "busy"))
				.description("Worker threads of the step, by state")
				.register(registry));
			Supplier<StepSnapshot> read5 = () -> pipeline.stepSnapshot(step);
			add.accept(Gauge.builder("paipa.step.outage", pipeline, (p) -> read5.get().inOutage() ? 1 : 0)
				.tags(tags)
				.description("1 while the step is in an outage (holding an item until what it depends on is back), "
						+ "else 0")
				.register(registry));
			Supplier<StepSnapshot> read6 = () -> pipeline.stepSnapshot(step);
			add.accept(Gauge.builder("paipa.step.utilization", pipeline, (p) -> read6.get().utilization())
				.tags(tags)
				.description("Share of the step's worker time spent in the handler over the last seconds, 0 to 1")
				.register(registry));
			for (String outcome : List.of("processed", "dropped", "retried", "failed")) {
				Supplier<StepSnapshot> counted = () -> pipeline.stepSnapshot(step);
				ToDoubleFunction<Pipeline<?>> value = (p) -> count(counted.get().stats(), outcome);
				add.accept(FunctionCounter.builder("paipa.step.items", pipeline, value)
					.tags(tags.and("outcome", outcome))
					.description("Items the step handled, by outcome")
					.register(registry));
			}
			Supplier<StepSnapshot> read7 = () -> pipeline.stepSnapshot(step);
			add.accept(FunctionCounter
				.builder("paipa.step.worker.restarts", pipeline, (p) -> read7.get().stats().restarts())
				.tags(tags)
				.description("Workers of the step replaced after they died of an unexpected error")
				.register(registry));
			if (pipeline.stepSnapshot(step).isAutoscaled()) {
				bindAutoscale(registry, pipeline, step, tags, add);
			}
			if (this.handlerTimer) {
				Timer timer = Timer.builder("paipa.step.process")
					.tags(tags)
					.description("Time the step's handler spent on one item, sampled at most once per batch")
					.register(registry);
				add.accept(timer);
				stepTimers.computeIfAbsent(step, (key) -> new CopyOnWriteArrayList<>()).add(timer);
			}
		}
	}

	private static void bindAutoscale(MeterRegistry registry, Pipeline<?> pipeline, String step, Tags tags,
			Consumer<Meter> add) {
		Supplier<AutoscaleSnapshot> read = () -> pipeline.stepSnapshot(step).autoscale();
		add.accept(FunctionCounter.builder("paipa.step.autoscale.decisions", pipeline, (p) -> read.get().up())
			.tags(tags.and("direction", "up"))
			.description("Decisions of the autoscaler that changed the step's workers, by direction")
			.register(registry));
		add.accept(FunctionCounter.builder("paipa.step.autoscale.decisions", pipeline, (p) -> read.get().down())
			.tags(tags.and("direction", "down"))
			.description("Decisions of the autoscaler that changed the step's workers, by direction")
			.register(registry));
		add.accept(Gauge.builder("paipa.step.autoscale.min.workers", pipeline, (p) -> read.get().minWorkers())
			.tags(tags)
			.description("Fewest workers the autoscaler leaves the step")
			.register(registry));
		add.accept(Gauge.builder("paipa.step.autoscale.max.workers", pipeline, (p) -> read.get().maxWorkers())
			.tags(tags)
			.description("Most workers the autoscaler gives the step")
			.register(registry));
		add.accept(Gauge.builder("paipa.step.autoscale.pinned", pipeline, (p) -> read.get().pinned() ? 1 : 0)
			.tags(tags)
			.description("1 while a manual rescale holds the step at its count, out of the autoscaler's hands, else 0")
			.register(registry));
	}

	private static double count(StepStats stats, String outcome) {
		return switch (outcome) {
			case "processed" -> stats.processed();
			case "dropped" -> stats.dropped();
			case "retried" -> stats.retried();
			default -> stats.failed();
		};
	}

	/**
	 * Records a sample of a handler's time on one item in the step's timers.
	 * @param pipeline the pipeline's name
	 * @param step the step's name
	 * @param handlerNanos the time the handler spent on the item
	 */
	@Override
	public void handlerSampled(String pipeline, String step, long handlerNanos) {
		Map<String, List<Timer>> steps = this.timers.get(pipeline);
		List<Timer> timers = (steps != null) ? steps.get(step) : null;
		if (timers != null) {
			for (Timer timer : timers) {
				timer.record(handlerNanos, TimeUnit.NANOSECONDS);
			}
		}
	}

	/** Removes every meter this binder registered, from every registry. */
	@Override
	public synchronized void destroy() {
		this.meters.forEach((registry, meters) -> meters.forEach(registry::remove));
		this.meters.clear();
		this.timers.clear();
	}

}
