package io.paipa.boot.actuate;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

import io.paipa.core.AutoscaleSnapshot;
import io.paipa.core.Pipeline;
import io.paipa.core.PipelineSnapshot;
import io.paipa.core.PipelineState;
import io.paipa.core.StepSnapshot;

/**
 * The {@code paipa} endpoint: every pipeline's steps with their figures, the bottleneck
 * marked, and live rescaling of a step ({@code POST /actuator/paipa/{pipeline}} with
 * {@code {"step": "enrich", "workers": 16}}).
 *
 * <p>
 * An autoscaled step shows its bounds, whether it is pinned and the autoscaler's
 * decisions; its {@code workers.configured} is the autoscaler's target. Rescaling it by
 * hand pins it at that count: the autoscaler leaves it alone until it is released with
 * {@code {"step": "enrich", "autoscale": true}}; {@code {"step": "enrich", "autoscale":
 * false}} pins it at its current count.
 *
 * <p>
 * The bottleneck is the step with the highest utilization among those whose input queue
 * is at least half full; none is marked while no queue is filling. Over HTTP, an unknown
 * pipeline or step answers 404 and a worker count below 1 or above
 * {@code paipa.max-workers-per-step} 400, each with a JSON body {@code {"status": ...,
 * "message": "..."}}.
 *
 * <p>
 * A step is shown as stalled while the pipeline runs and one of its workers has been busy
 * on one item longer than the pipeline's stall timeout (as the health contributor judges
 * it). A step's options are shown as configured, with the values of options whose names
 * look secret (containing {@code password}, {@code secret}, {@code key}, {@code token} or
 * {@code credential}) replaced by {@code ******}.
 *
 * <p>
 * Its access is read-only by default: rescaling needs
 * {@code management.endpoint.paipa.access=unrestricted} (and, where the endpoint is
 * reachable by others, an application that protects writes to it).
 */
@Endpoint(id = "paipa", defaultAccess = Access.READ_ONLY)
public class PaipaEndpoint {

	/**
	 * The most workers a step can have unless {@code paipa.max-workers-per-step} says
	 * otherwise.
	 */
	public static final int DEFAULT_MAX_WORKERS_PER_STEP = 1024;

	/**
	 * How long a worker may be busy on one item before its step is shown as stalled,
	 * unless a stall timeout is given per pipeline.
	 */
	public static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofMinutes(1);

	private static final String MASK = "******";

	private static final List<String> SECRET_WORDS = List.of("password", "secret", "key", "token", "credential");

	private final Supplier<Map<String, Pipeline<?>>> pipelines;

	private final int maxWorkersPerStep;

	private final Function<String, Duration> stallTimeouts;

	private final BiFunction<String, String, Map<String, String>> options;

	/**
	 * Creates the endpoint, allowing {@value #DEFAULT_MAX_WORKERS_PER_STEP} workers per
	 * step.
	 * @param pipelines supplies the pipelines by name
	 */
	public PaipaEndpoint(Supplier<Map<String, Pipeline<?>>> pipelines) {
		this(pipelines, DEFAULT_MAX_WORKERS_PER_STEP);
	}

	/**
	 * Creates the endpoint.
	 * @param pipelines supplies the pipelines by name
	 * @param maxWorkersPerStep the most workers a step can be given
	 */
	public PaipaEndpoint(Supplier<Map<String, Pipeline<?>>> pipelines, int maxWorkersPerStep) {
		this(pipelines, maxWorkersPerStep, (pipeline) -> DEFAULT_STALL_TIMEOUT, (pipeline, step) -> Map.of());
	}

	/**
	 * Creates the endpoint.
	 * @param pipelines supplies the pipelines by name
	 * @param maxWorkersPerStep the most workers a step can be given
	 * @param stallTimeouts a pipeline's stall timeout by the pipeline's name
	 * @param options a step's configured options by the pipeline's and the step's name
	 */
	public PaipaEndpoint(Supplier<Map<String, Pipeline<?>>> pipelines, int maxWorkersPerStep,
			Function<String, Duration> stallTimeouts, BiFunction<String, String, Map<String, String>> options) {
		this.pipelines = pipelines;
		this.maxWorkersPerStep = maxWorkersPerStep;
		this.stallTimeouts = stallTimeouts;
		this.options = options;
	}

	/**
	 * Describes every pipeline.
	 * @return the pipelines by name
	 */
	@ReadOperation
	public Map<String, PipelineDescriptor> pipelines() {
		Map<String, PipelineDescriptor> result = new LinkedHashMap<>();
		this.pipelines.get().forEach((name, pipeline) -> result.put(name, describe(pipeline)));
		return result;
	}

	/**
	 * Describes one pipeline.
	 * @param pipeline the pipeline's name
	 * @return its description, or a 404 response with a message for an unknown pipeline
	 */
	@ReadOperation
	public WebEndpointResponse<Object> pipeline(@Selector String pipeline) {
		Pipeline<?> target = this.pipelines.get().get(pipeline);
		if (target == null) {
			return notFound(unknownPipeline(pipeline));
		}
		return new WebEndpointResponse<>(describe(target));
	}

	/**
	 * Changes a step's worker count while the pipeline runs, or hands an autoscaled step
	 * to the autoscaler or takes it away. A worker count pins an autoscaled step at it.
	 * @param pipeline the pipeline's name
	 * @param step the step's name
	 * @param workers the new count, 1 to {@code paipa.max-workers-per-step}
	 * @param autoscale {@code true} to release a pinned step to the autoscaler,
	 * {@code false} to pin it at its current count; with no workers only
	 * @return the pipeline's description after the change, a 404 response with a message
	 * for an unknown pipeline or step, or a 400 response with a message for a bad count
	 * or request
	 */
	@WriteOperation
	public WebEndpointResponse<Object> scale(@Selector String pipeline, @Nullable String step,
			@Nullable Integer workers, @Nullable Boolean autoscale) {
		Pipeline<?> target = this.pipelines.get().get(pipeline);
		if (target == null) {
			return notFound(unknownPipeline(pipeline));
		}
		if (step == null || (workers == null) == (autoscale == null)) {
			return badRequest(((step != null && workers != null) ? "Both workers and autoscale: send one"
					: "Missing step or workers") + ": send a JSON body {\"step\": \"<step>\", \"workers\": <n>} to "
					+ "rescale a step, or {\"step\": \"<step>\", \"autoscale\": true} to hand a pinned step back to "
					+ "the autoscaler; the steps of '" + pipeline + "' are " + target.stepNames());
		}
		if (!target.stepNames().contains(step)) {
			return notFound(
					"Pipeline '" + pipeline + "' has no step '" + step + "'; its steps are " + target.stepNames());
		}
		if (autoscale != null) {
			return autoscale(target, step, autoscale);
		}
		if (workers > this.maxWorkersPerStep) {
			return badRequest("Step '" + step + "': workers must be at most " + this.maxWorkersPerStep
					+ " (paipa.max-workers-per-step) but was " + workers);
		}
		try {
			target.scale(step, workers);
		}
		catch (IllegalArgumentException ex) {
			return badRequest(ex.getMessage());
		}
		return new WebEndpointResponse<>(describe(target));
	}

	private WebEndpointResponse<Object> autoscale(Pipeline<?> target, String step, boolean autoscale) {
		if (!target.stepSnapshot(step).isAutoscaled()) {
			return badRequest("Step '" + step + "' of pipeline '" + target.name() + "' is not autoscaled (it has no "
					+ "min-workers or max-workers, or the pipeline's autoscale.enabled is false); rescale it with "
					+ "{\"step\": \"" + step + "\", \"workers\": <n>}");
		}
		if (autoscale) {
			target.resumeAutoscale(step);
		}
		else {
			target.scale(step, target.stepSnapshot(step).workersConfigured());
		}
		return new WebEndpointResponse<>(describe(target));
	}

	private String unknownPipeline(String name) {
		return "No pipeline named '" + name + "'; the pipelines are " + this.pipelines.get().keySet();
	}

	private static WebEndpointResponse<Object> notFound(String message) {
		return new WebEndpointResponse<>(Map.of("status", WebEndpointResponse.STATUS_NOT_FOUND, "message", message),
				WebEndpointResponse.STATUS_NOT_FOUND);
	}

	private static WebEndpointResponse<Object> badRequest(String message) {
		return new WebEndpointResponse<>(Map.of("status", WebEndpointResponse.STATUS_BAD_REQUEST, "message", message),
				WebEndpointResponse.STATUS_BAD_REQUEST);
	}

	PipelineDescriptor describe(Pipeline<?> pipeline) {
		PipelineSnapshot snapshot = pipeline.snapshot();
		PipelineAutoscale autoscale = pipeline.autoscalePolicy()
			.map((policy) -> new PipelineAutoscale(policy.maxThreads(),
					snapshot.steps().stream().mapToInt(StepSnapshot::workersConfigured).sum(),
					policy.interval().toString()))
			.orElse(null);
		return describe(snapshot, autoscale);
	}

	PipelineDescriptor describe(PipelineSnapshot snapshot, @Nullable PipelineAutoscale autoscale) {
		String bottleneck = null;
		double highest = -1;
		for (StepSnapshot step : snapshot.steps()) {
			boolean filling = step.queueDepth() * 2 >= step.queueCapacity();
			if (filling && step.utilization() > highest) {
				highest = step.utilization();
				bottleneck = step.name();
			}
		}
		boolean running = snapshot.state() == PipelineState.RUNNING || snapshot.state() == PipelineState.DRAINING;
		long stallNanos = this.stallTimeouts.apply(snapshot.name()).toNanos();
		List<StepDescriptor> steps = new ArrayList<>();
		for (StepSnapshot step : snapshot.steps()) {
			steps.add(new StepDescriptor(step.name(), step.kind().name(), step.inputType(), step.outputType(),
					new Workers(step.workersConfigured(), step.workersAlive(), step.workersBusy()),
					new Queue(step.queueDepth(), step.queueCapacity()),
					new Counts(step.stats().in(), step.stats().processed(), step.stats().dropped(),
							step.stats().retried(), step.stats().failed(), step.stats().deadLettered(),
							step.stats().abandoned(), step.stats().emitted()),
					step.stats().restarts(), Math.round(step.utilization() * 1000) / 1000.0,
					step.name().equals(bottleneck),
					step.inOutage() ? new Outage(step.outageSince().toString(), step.outageError()) : null,
					step.stats().handlerNanos() / 1e9, step.longestBusyNanos() / 1e9,
					running && step.longestBusyNanos() > stallNanos,
					masked(this.options.apply(snapshot.name(), step.name())),
					step.isAutoscaled() ? StepAutoscale.of(step.autoscale()) : null));
		}
		return new PipelineDescriptor(snapshot.name(), snapshot.state().name(), snapshot.in(), snapshot.completed(),
				snapshot.dropped(), snapshot.deadLettered(), snapshot.abandoned(), bottleneck, steps,
				snapshot.lastError(), autoscale);
	}

	private static Map<String, String> masked(Map<String, String> options) {
		Map<String, String> shown = new LinkedHashMap<>();
		options.forEach((name, value) -> shown.put(name, looksSecret(name) ? MASK : value));
		return shown;
	}

	private static boolean looksSecret(String name) {
		String lower = name.toLowerCase(Locale.ROOT);
		return SECRET_WORDS.stream().anyMatch(lower::contains);
	}

	/**
	 * A pipeline as the endpoint shows it.
	 *
	 * @param name the pipeline's name
	 * @param state its state
	 * @param in items that entered it
	 * @param completed items that left the last step
	 * @param dropped items dropped
	 * @param deadLettered items dead-lettered
	 * @param abandoned items abandoned
	 * @param bottleneck the bottleneck step, or {@code null}
	 * @param steps the steps in order
	 * @param lastError the last error, or {@code null}
	 * @param autoscale the pipeline's thread budget when it autoscales, or {@code null}
	 */
	public record PipelineDescriptor(String name, String state, long in, long completed, long dropped,
			long deadLettered, long abandoned, @Nullable String bottleneck, List<StepDescriptor> steps,
			@Nullable String lastError, @Nullable PipelineAutoscale autoscale) {

	}

	/**
	 * A pipeline's autoscaling.
	 *
	 * @param maxThreads the most worker threads of all its steps together
	 * @param threads the worker threads its steps are configured with now
	 * @param interval how often the autoscaler decides, as an ISO-8601 duration
	 */
	public record PipelineAutoscale(int maxThreads, int threads, String interval) {

	}

	/**
	 * An autoscaled step's bounds and the autoscaler's decisions about it; its target is
	 * the step's configured worker count.
	 *
	 * @param minWorkers the fewest workers the autoscaler leaves it
	 * @param maxWorkers the most workers the autoscaler gives it
	 * @param pinned whether a manual rescale holds it until it is released
	 * @param up decisions that added workers
	 * @param down decisions that removed workers
	 * @param lastDecision the last decision with its reason, or {@code null}
	 * @param lastDecisionAt when it was made (ISO-8601), or {@code null}
	 */
	public record StepAutoscale(int minWorkers, int maxWorkers, boolean pinned, long up, long down,
			@Nullable String lastDecision, @Nullable String lastDecisionAt) {

		static StepAutoscale of(AutoscaleSnapshot autoscale) {
			return new StepAutoscale(autoscale.minWorkers(), autoscale.maxWorkers(), autoscale.pinned(), autoscale.up(),
					autoscale.down(), autoscale.lastDecision(),
					(autoscale.lastDecisionAt() != null) ? autoscale.lastDecisionAt().toString() : null);
		}

	}

	/**
	 * A step as the endpoint shows it.
	 *
	 * @param name the step's name
	 * @param kind ONE_TO_ONE, FAN_OUT or STREAM
	 * @param inputType the type it takes
	 * @param outputType the type it emits
	 * @param workers its workers
	 * @param queue its input queue
	 * @param counts its counts
	 * @param restarts workers replaced
	 * @param utilization busy share of worker time, 0 to 1
	 * @param bottleneck whether it is the pipeline's bottleneck
	 * @param outage the step's outage, or {@code null} when it is in none
	 * @param handlerSeconds time spent in the handler over every run, summed over the
	 * workers (stream steps record none)
	 * @param longestBusySeconds how long the busiest worker has been on its current item,
	 * 0 when none is busy
	 * @param stalled whether the pipeline runs and a worker has been busy on one item
	 * longer than the pipeline's stall timeout
	 * @param options the step's options as configured, secret-looking values masked
	 * @param autoscale the step's autoscaling, or {@code null} when its workers are fixed
	 */
	public record StepDescriptor(String name, String kind, String inputType, String outputType, Workers workers,
			Queue queue, Counts counts, int restarts, double utilization, boolean bottleneck, @Nullable Outage outage,
			double handlerSeconds, double longestBusySeconds, boolean stalled, Map<String, String> options,
			@Nullable StepAutoscale autoscale) {

	}

	/**
	 * A step's outage: what it depends on keeps failing, so it holds its item (or dead
	 * letter) and the pipeline takes no input.
	 *
	 * @param since when it began
	 * @param error its last failure
	 */
	public record Outage(String since, @Nullable String error) {

	}

	/**
	 * A step's workers.
	 *
	 * @param configured the count it should have
	 * @param alive the threads running
	 * @param busy the threads in the handler
	 */
	public record Workers(int configured, int alive, int busy) {

	}

	/**
	 * A step's input queue.
	 *
	 * @param depth the items waiting
	 * @param capacity the bound
	 */
	public record Queue(int depth, int capacity) {

	}

	/**
	 * A step's counts over every run.
	 *
	 * @param in items that entered
	 * @param processed items processed
	 * @param dropped items dropped
	 * @param retried attempts retried
	 * @param failed items that failed
	 * @param deadLettered items dead-lettered
	 * @param abandoned items abandoned
	 * @param emitted outputs passed on
	 */
	public record Counts(long in, long processed, long dropped, long retried, long failed, long deadLettered,
			long abandoned, long emitted) {

	}

}
