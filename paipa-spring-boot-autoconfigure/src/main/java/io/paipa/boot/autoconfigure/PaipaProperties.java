package io.paipa.boot.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

import io.paipa.core.ErrorPolicy;

/**
 * Configuration properties for paipa pipelines.
 */
@ConfigurationProperties("paipa")
public class PaipaProperties {

	/**
	 * Pipelines by name. Each becomes a Pipeline bean of that name.
	 */
	private Map<String, Pipeline> pipelines = new LinkedHashMap<>();

	public Map<String, Pipeline> getPipelines() {
		return this.pipelines;
	}

	public void setPipelines(Map<String, Pipeline> pipelines) {
		this.pipelines = pipelines;
	}

	/**
	 * Most workers a step may have, in the configuration and when rescaled through the
	 * 'paipa' endpoint.
	 */
	private int maxWorkersPerStep = 1024;

	public int getMaxWorkersPerStep() {
		return this.maxWorkersPerStep;
	}

	public void setMaxWorkersPerStep(int maxWorkersPerStep) {
		this.maxWorkersPerStep = maxWorkersPerStep;
	}

	/**
	 * Observation of handler calls and the context carried to them.
	 */
	private final Observations observations = new Observations();

	public Observations getObservations() {
		return this.observations;
	}

	/** Observation of handler calls and the context carried to them. */
	public static class Observations {

		/**
		 * Whether each pipeline carries the context of the threads that put items (the
		 * current observation, the MDC) to its handlers and observes the handler calls as
		 * 'paipa.step.process'. Takes effect when an ObservationRegistry bean exists.
		 */
		private boolean enabled = true;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

	}

	/**
	 * The live pipeline page.
	 */
	private final Ui ui = new Ui();

	public Ui getUi() {
		return this.ui;
	}

	/**
	 * Returns a pipeline's stall timeout, matching its name ignoring case, '-' and '_'.
	 * @param pipeline the pipeline's name
	 * @return its stall timeout, the default when it is not configured
	 */
	public Duration stallTimeoutOf(String pipeline) {
		return pipelineOf(pipeline).getStallTimeout();
	}

	/**
	 * Returns a step's configured options, matching the pipeline's and the step's names
	 * ignoring case, '-' and '_'.
	 * @param pipeline the pipeline's name
	 * @param step the step's name
	 * @return its options, empty when none are configured
	 */
	public Map<String, String> optionsOf(String pipeline, String step) {
		Map<String, Step> steps = pipelineOf(pipeline).getSteps();
		String key = PipelinePlanner.stepKey(steps, step);
		return (key != null) ? steps.get(key).getOptions() : Map.of();
	}

	private Pipeline pipelineOf(String name) {
		Pipeline properties = this.pipelines.get(name);
		if (properties == null) {
			String normalized = PipelinePlanner.normalize(name);
			properties = this.pipelines.entrySet()
				.stream()
				.filter((entry) -> PipelinePlanner.normalize(entry.getKey()).equals(normalized))
				.map(Map.Entry::getValue)
				.findFirst()
				.orElseGet(Pipeline::new);
		}
		return properties;
	}

	/**
	 * How a pipeline runs.
	 */
	public enum Mode {

		/**
		 * Started with the application, fed through its input, stopped with the
		 * application.
		 */
		CONTINUOUS,

		/**
		 * Never started by itself: the application calls run(...) over a finite source.
		 */
		BATCH

	}

	/**
	 * One pipeline.
	 */
	public static class Pipeline {

		/**
		 * Step order as step names separated by '|': StepHandler, FanOutHandler or
		 * StreamHandler bean names, or steps configured with a built-in type. Without it,
		 * every handler bean in @Order order.
		 */
		private @Nullable String definition;

		/**
		 * Whether the pipeline runs continuously or in batches.
		 */
		private Mode mode = Mode.CONTINUOUS;

		/**
		 * Capacity of a continuous pipeline's input queue.
		 */
		private int inputCapacity = 1024;

		/**
		 * Name of a BlockingQueue bean that a continuous pipeline drains, besides taking
		 * items through its input.
		 */
		private @Nullable String sourceQueue;

		/**
		 * Whether a continuous pipeline starts with the application. When false, the
		 * application starts it (Pipeline.start()); it is still stopped with the
		 * application.
		 */
		private boolean autoStartup = true;

		/**
		 * Default capacity of the queue in front of each step.
		 */
		private int queueCapacity = 64;

		/**
		 * What a step does with an item whose processing failed after every attempt: fail
		 * the pipeline or skip the item to the dead-letter handler. Defaults to fail in
		 * batch mode and skip in continuous mode.
		 */
		private @Nullable ErrorPolicy onError;

		/**
		 * Retry of failed items, for every step without its own.
		 */
		private Retry retry = new Retry();

		/**
		 * When a step's failures are taken for an outage of what it depends on, for every
		 * step without its own. Off unless after-failures is set.
		 */
		private Outage outage = new Outage();

		/**
		 * Maximum weight of the items in a continuous pipeline's input queue and in its
		 * first step's hands, as the Weigher bean weighs them (by default the length of
		 * text and byte arrays), so that a few huge items cannot exhaust the heap. Unset
		 * bounds the input by count only.
		 */
		private @Nullable DataSize inputMaxWeight;

		/**
		 * Name of the Weigher bean for input-max-weight. Defaults to the application's
		 * only Weigher bean, or to the length of text and byte arrays.
		 */
		private @Nullable String weigher;

		/**
		 * Maximum time to drain queued and in-flight items when the pipeline stops, and
		 * to wait for workers after a failure.
		 */
		private Duration shutdownTimeout = Duration.ofSeconds(30);

		/**
		 * Interval of the progress log line (items per second, queue depth and busy
		 * workers of each step). Zero turns it off.
		 */
		private Duration progressInterval = Duration.ofSeconds(10);

		/**
		 * How long a worker may be busy on one item before the pipeline's health is DOWN.
		 */
		private Duration stallTimeout = Duration.ofMinutes(1);

		/**
		 * Name of the DeadLetterHandler bean for this pipeline. Defaults to the
		 * application's only DeadLetterHandler bean, or to logging at WARN.
		 */
		private @Nullable String deadLetterHandler;

		/**
		 * Maximum number of workers of one step that may die of an unexpected error and
		 * be replaced in one run before the pipeline fails.
		 */
		private int maxRestarts = 10;

		/**
		 * Automatic sizing of the steps that have min-workers or max-workers, within a
		 * thread budget for the whole pipeline.
		 */
		private Autoscale autoscale = new Autoscale();

		/**
		 * Settings of each step, by step name. Keys match bean names ignoring case, '-'
		 * and '_'.
		 */
		private Map<String, Step> steps = new LinkedHashMap<>();

		/**
		 * Where a continuous pipeline's input comes from besides its PipelineInput bean.
		 */
		private Source source = new Source();

		/**
		 * Where the last step's outputs go.
		 */
		private Sink sink = new Sink();

		/**
		 * Where dead letters go, instead of a DeadLetterHandler bean.
		 */
		private DeadLetters deadLetter = new DeadLetters();

		public @Nullable String getDefinition() {
			return this.definition;
		}

		public void setDefinition(@Nullable String definition) {
			this.definition = definition;
		}

		public Mode getMode() {
			return this.mode;
		}

		public void setMode(Mode mode) {
			this.mode = mode;
		}

		public int getInputCapacity() {
			return this.inputCapacity;
		}

		public void setInputCapacity(int inputCapacity) {
			this.inputCapacity = inputCapacity;
		}

		public @Nullable String getSourceQueue() {
			return this.sourceQueue;
		}

		public void setSourceQueue(@Nullable String sourceQueue) {
			this.sourceQueue = sourceQueue;
		}

		public boolean isAutoStartup() {
			return this.autoStartup;
		}

		public void setAutoStartup(boolean autoStartup) {
			this.autoStartup = autoStartup;
		}

		public int getQueueCapacity() {
			return this.queueCapacity;
		}

		public void setQueueCapacity(int queueCapacity) {
			this.queueCapacity = queueCapacity;
		}

		public @Nullable ErrorPolicy getOnError() {
			return this.onError;
		}

		public void setOnError(@Nullable ErrorPolicy onError) {
			this.onError = onError;
		}

		public Retry getRetry() {
			return this.retry;
		}

		public void setRetry(Retry retry) {
			this.retry = retry;
		}

		public Outage getOutage() {
			return this.outage;
		}

		public void setOutage(Outage outage) {
			this.outage = outage;
		}

		public @Nullable DataSize getInputMaxWeight() {
			return this.inputMaxWeight;
		}

		public void setInputMaxWeight(@Nullable DataSize inputMaxWeight) {
			this.inputMaxWeight = inputMaxWeight;
		}

		public @Nullable String getWeigher() {
			return this.weigher;
		}

		public void setWeigher(@Nullable String weigher) {
			this.weigher = weigher;
		}

		public Duration getShutdownTimeout() {
			return this.shutdownTimeout;
		}

		public void setShutdownTimeout(Duration shutdownTimeout) {
			this.shutdownTimeout = shutdownTimeout;
		}

		public Duration getProgressInterval() {
			return this.progressInterval;
		}

		public void setProgressInterval(Duration progressInterval) {
			this.progressInterval = progressInterval;
		}

		public Duration getStallTimeout() {
			return this.stallTimeout;
		}

		public void setStallTimeout(Duration stallTimeout) {
			this.stallTimeout = stallTimeout;
		}

		public @Nullable String getDeadLetterHandler() {
			return this.deadLetterHandler;
		}

		public void setDeadLetterHandler(@Nullable String deadLetterHandler) {
			this.deadLetterHandler = deadLetterHandler;
		}

		public int getMaxRestarts() {
			return this.maxRestarts;
		}

		public void setMaxRestarts(int maxRestarts) {
			this.maxRestarts = maxRestarts;
		}

		public Autoscale getAutoscale() {
			return this.autoscale;
		}

		public void setAutoscale(Autoscale autoscale) {
			this.autoscale = autoscale;
		}

		public Map<String, Step> getSteps() {
			return this.steps;
		}

		public void setSteps(Map<String, Step> steps) {
			this.steps = steps;
		}

		public Source getSource() {
			return this.source;
		}

		public void setSource(Source source) {
			this.source = source;
		}

		public Sink getSink() {
			return this.sink;
		}

		public void setSink(Sink sink) {
			this.sink = sink;
		}

		public DeadLetters getDeadLetter() {
			return this.deadLetter;
		}

		public void setDeadLetter(DeadLetters deadLetter) {
			this.deadLetter = deadLetter;
		}

	}

	/**
	 * Automatic sizing of a pipeline's steps: once per interval a controller adds workers
	 * to the bottleneck, keeps a move only when the step's throughput rose with it, and
	 * takes workers back from steps that idle, within each step's min-workers and
	 * max-workers and the pipeline's max-threads. Steps without min-workers or
	 * max-workers keep their workers.
	 */
	public static class Autoscale {

		/**
		 * Whether the steps that have min-workers or max-workers size themselves while
		 * the pipeline runs.
		 */
		private boolean enabled;

		/**
		 * Most worker threads of all steps together, fixed steps included. Unset, the sum
		 * of each autoscaled step's max-workers and each other step's workers.
		 */
		private @Nullable Integer maxThreads;

		/**
		 * How often the controller measures the steps and decides. Each decision is
		 * judged over at least one interval, so it should span many items of the slowest
		 * autoscaled step.
		 */
		private Duration interval = Duration.ofSeconds(1);

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public @Nullable Integer getMaxThreads() {
			return this.maxThreads;
		}

		public void setMaxThreads(@Nullable Integer maxThreads) {
			this.maxThreads = maxThreads;
		}

		public Duration getInterval() {
			return this.interval;
		}

		public void setInterval(Duration interval) {
			this.interval = interval;
		}

	}

	/**
	 * A pipeline's external source.
	 */
	public static class Source {

		/**
		 * Kafka topics to consume, with Spring Kafka and the spring.kafka.* settings.
		 */
		private KafkaSource kafka = new KafkaSource();

		public KafkaSource getKafka() {
			return this.kafka;
		}

		public void setKafka(KafkaSource kafka) {
			this.kafka = kafka;
		}

	}

	/**
	 * A Kafka source: records of these topics feed the pipeline; a record's offset is
	 * committed once the record and everything derived from it has left the pipeline or
	 * been dead-lettered.
	 */
	public static class KafkaSource {

		/**
		 * Kafka topics to consume, with Spring Kafka and the spring.kafka.* settings.
		 * Setting them turns the pipeline's Kafka source on.
		 */
		private List<String> topics = new ArrayList<>();

		/**
		 * Consumer group. Defaults to spring.kafka.consumer.group-id, else the pipeline's
		 * name.
		 */
		private @Nullable String groupId;

		/**
		 * Most records taken from Kafka and not yet finished. The consumer pauses when
		 * this many are in the pipeline and resumes at half. Defaults to the pipeline's
		 * input-capacity, so that the source never waits for room in the input.
		 */
		private @Nullable Integer maxInFlight;

		/**
		 * Longest time a poll waits for records; acknowledgements from the pipeline are
		 * committed between polls.
		 */
		private Duration pollTimeout = Duration.ofSeconds(1);

		/**
		 * Longest time a consumer losing partitions in a rebalance waits for the records
		 * it took from them to finish, so that their offsets are committed before the
		 * partitions move. Keep it well below max.poll.interval.ms.
		 */
		private Duration revokeTimeout = Duration.ofSeconds(10);

		/**
		 * Further consumer properties for this source, overriding
		 * spring.kafka.consumer.*.
		 */
		private Map<String, String> properties = new LinkedHashMap<>();

		public List<String> getTopics() {
			return this.topics;
		}

		public void setTopics(List<String> topics) {
			this.topics = topics;
		}

		public @Nullable String getGroupId() {
			return this.groupId;
		}

		public void setGroupId(@Nullable String groupId) {
			this.groupId = groupId;
		}

		public @Nullable Integer getMaxInFlight() {
			return this.maxInFlight;
		}

		public void setMaxInFlight(@Nullable Integer maxInFlight) {
			this.maxInFlight = maxInFlight;
		}

		public Duration getPollTimeout() {
			return this.pollTimeout;
		}

		public void setPollTimeout(Duration pollTimeout) {
			this.pollTimeout = pollTimeout;
		}

		public Map<String, String> getProperties() {
			return this.properties;
		}

		public void setProperties(Map<String, String> properties) {
			this.properties = properties;
		}

		public Duration getRevokeTimeout() {
			return this.revokeTimeout;
		}

		public void setRevokeTimeout(Duration revokeTimeout) {
			this.revokeTimeout = revokeTimeout;
		}

		/**
		 * Tells whether the source is configured.
		 * @return whether topics are set
		 */
		public boolean isEnabled() {
			return !this.topics.isEmpty();
		}

	}

	/**
	 * A pipeline's external sink.
	 */
	public static class Sink {

		/**
		 * A Kafka topic receiving the last step's outputs, sent with the KafkaTemplate.
		 */
		private KafkaSink kafka = new KafkaSink();

		public KafkaSink getKafka() {
			return this.kafka;
		}

		public void setKafka(KafkaSink kafka) {
			this.kafka = kafka;
		}

	}

	/**
	 * A Kafka sink: two steps added after the last one, 'kafka-sink-batch' (a chunk) and
	 * 'kafka-sink', which sends each chunk and waits for the broker's acknowledgements
	 * before its items count as completed.
	 */
	public static class KafkaSink {

		/**
		 * Kafka topic receiving the last step's outputs, sent with the KafkaTemplate.
		 * Setting it turns the sink on. An output that is a ProducerRecord is sent as it
		 * is, to its own topic.
		 */
		private @Nullable String topic;

		/**
		 * Name of a KafkaKey bean giving each output's record key. Without it records
		 * have no key.
		 */
		private @Nullable String key;

		/**
		 * Most outputs sent together before waiting for their acknowledgements.
		 */
		private int batchSize = 500;

		/**
		 * Longest time an output waits for its batch to fill.
		 */
		private Duration maxWait = Duration.ofMillis(20);

		/**
		 * Threads sending batches to the Kafka sink.
		 */
		private int workers = 2;

		public @Nullable String getTopic() {
			return this.topic;
		}

		public void setTopic(@Nullable String topic) {
			this.topic = topic;
		}

		public @Nullable String getKey() {
			return this.key;
		}

		public void setKey(@Nullable String key) {
			this.key = key;
		}

		public int getBatchSize() {
			return this.batchSize;
		}

		public void setBatchSize(int batchSize) {
			this.batchSize = batchSize;
		}

		public Duration getMaxWait() {
			return this.maxWait;
		}

		public void setMaxWait(Duration maxWait) {
			this.maxWait = maxWait;
		}

		public int getWorkers() {
			return this.workers;
		}

		public void setWorkers(int workers) {
			this.workers = workers;
		}

		/**
		 * Tells whether the sink is configured.
		 * @return whether a topic is set
		 */
		public boolean isEnabled() {
			return this.topic != null && !this.topic.isBlank();
		}

	}

	/**
	 * Where a pipeline's dead letters go.
	 */
	public static class DeadLetters {

		/**
		 * A Kafka topic receiving the dead letters.
		 */
		private KafkaDeadLetters kafka = new KafkaDeadLetters();

		public KafkaDeadLetters getKafka() {
			return this.kafka;
		}

		public void setKafka(KafkaDeadLetters kafka) {
			this.kafka = kafka;
		}

	}

	/**
	 * A Kafka dead-letter topic: each dead letter is sent there with the step, the reason
	 * and the original record (its key, value and headers) when it came from a Kafka
	 * source, else with the item itself.
	 */
	public static class KafkaDeadLetters {

		/**
		 * Kafka topic receiving the pipeline's dead letters, with the step, the reason
		 * and the original record. Setting it turns this on.
		 */
		private @Nullable String topic;

		public @Nullable String getTopic() {
			return this.topic;
		}

		public void setTopic(@Nullable String topic) {
			this.topic = topic;
		}

		/**
		 * Tells whether the dead-letter topic is configured.
		 * @return whether a topic is set
		 */
		public boolean isEnabled() {
			return this.topic != null && !this.topic.isBlank();
		}

	}

	/**
	 * One step.
	 */
	public static class Step {

		/**
		 * Number of worker threads. For an autoscaled step, the number it starts with
		 * (defaults to min-workers).
		 */
		private @Nullable Integer workers;

		/**
		 * Fewest workers the autoscaler leaves the step, when the pipeline's
		 * autoscale.enabled is true. Setting it or max-workers makes the step autoscaled.
		 * Defaults to 1.
		 */
		private @Nullable Integer minWorkers;

		/**
		 * Most workers the autoscaler gives the step, when the pipeline's
		 * autoscale.enabled is true. Setting it or min-workers makes the step autoscaled.
		 * Defaults to the pipeline's autoscale.max-threads, else
		 * paipa.max-workers-per-step.
		 */
		private @Nullable Integer maxWorkers;

		/**
		 * Capacity of the queue in front of the step. Defaults to the pipeline's
		 * queue-capacity. The first step of a continuous pipeline takes from the input
		 * queue, bounded by input-capacity instead.
		 */
		private @Nullable Integer queueCapacity;

		/**
		 * Whether the step's workers are virtual threads (Java 21 and later), for steps
		 * that mostly wait on I/O. Unset, they are when spring.threads.virtual.enabled is
		 * true and the application runs on Java 21 or later.
		 */
		private @Nullable Boolean virtualThreads;

		/**
		 * Retry of failed items. Unset fields follow the pipeline's retry.
		 */
		private Retry retry = new Retry();

		/**
		 * What the step does with an item whose processing failed after every attempt.
		 * Defaults to the pipeline's on-error.
		 */
		private @Nullable ErrorPolicy onError;

		/**
		 * When the step's failures are taken for an outage of what it depends on. Unset
		 * fields follow the pipeline's outage settings.
		 */
		private Outage outage = new Outage();

		/**
		 * Whether a list (a chunk) that failed after its retries is tried again member by
		 * member, each as a one-member list, so that only the members that fail alone are
		 * dead-lettered. The step's handler must then be atomic (one transaction per
		 * list) or idempotent.
		 */
		private boolean isolateFailures;

		/**
		 * Options handed to the step's handler through StepContext.options().
		 */
		private Map<String, String> options = new LinkedHashMap<>();

		/**
		 * Built-in step type, for a step that is not a bean: 'chunk' (lists of up to size
		 * items) or 'flatten' (the elements of each collection).
		 */
		private @Nullable String type;

		/**
		 * Most items per list, for a 'chunk' step.
		 */
		private @Nullable Integer size;

		/**
		 * Maximum time the first item of a partial list waits before the list is emitted,
		 * for a 'chunk' step. Unset waits until the list is full or the input ends.
		 */
		private @Nullable Duration maxWait;

		public @Nullable Integer getWorkers() {
			return this.workers;
		}

		public void setWorkers(@Nullable Integer workers) {
			this.workers = workers;
		}

		public @Nullable Integer getMinWorkers() {
			return this.minWorkers;
		}

		public void setMinWorkers(@Nullable Integer minWorkers) {
			this.minWorkers = minWorkers;
		}

		public @Nullable Integer getMaxWorkers() {
			return this.maxWorkers;
		}

		public void setMaxWorkers(@Nullable Integer maxWorkers) {
			this.maxWorkers = maxWorkers;
		}

		/**
		 * Tells whether the step has bounds for the autoscaler.
		 * @return whether min-workers or max-workers is set
		 */
		public boolean isAutoscaled() {
			return this.minWorkers != null || this.maxWorkers != null;
		}

		public @Nullable Integer getQueueCapacity() {
			return this.queueCapacity;
		}

		public void setQueueCapacity(@Nullable Integer queueCapacity) {
			this.queueCapacity = queueCapacity;
		}

		public @Nullable Boolean getVirtualThreads() {
			return this.virtualThreads;
		}

		public void setVirtualThreads(@Nullable Boolean virtualThreads) {
			this.virtualThreads = virtualThreads;
		}

		public Retry getRetry() {
			return this.retry;
		}

		public void setRetry(Retry retry) {
			this.retry = retry;
		}

		public @Nullable ErrorPolicy getOnError() {
			return this.onError;
		}

		public void setOnError(@Nullable ErrorPolicy onError) {
			this.onError = onError;
		}

		public Outage getOutage() {
			return this.outage;
		}

		public void setOutage(Outage outage) {
			this.outage = outage;
		}

		public boolean isIsolateFailures() {
			return this.isolateFailures;
		}

		public void setIsolateFailures(boolean isolateFailures) {
			this.isolateFailures = isolateFailures;
		}

		public Map<String, String> getOptions() {
			return this.options;
		}

		public void setOptions(Map<String, String> options) {
			this.options = options;
		}

		public @Nullable String getType() {
			return this.type;
		}

		public void setType(@Nullable String type) {
			this.type = type;
		}

		public @Nullable Integer getSize() {
			return this.size;
		}

		public void setSize(@Nullable Integer size) {
			this.size = size;
		}

		public @Nullable Duration getMaxWait() {
			return this.maxWait;
		}

		public void setMaxWait(@Nullable Duration maxWait) {
			this.maxWait = maxWait;
		}

	}

	/**
	 * When a step's failures are taken for an outage of what it depends on (a database, a
	 * service): it then holds its item and retries it, and the pipeline takes no input,
	 * until the item goes through.
	 */
	public static class Outage {

		/**
		 * Number of different items that must fail in a row (after their retries) for an
		 * outage: the step then holds its item and retries it, and the pipeline takes no
		 * input, until the item goes through. 0 turns outage detection off. Defaults to
		 * off, for a step to its pipeline's.
		 */
		private @Nullable Integer afterFailures;

		/**
		 * Pause before the first retry of the held item, doubled after each failed retry.
		 * Also the first pause before a failing dead-letter handler is tried again.
		 * Defaults to 100ms, for a step to its pipeline's.
		 */
		private @Nullable Duration initialBackoff;

		/**
		 * Longest pause between retries of the held item. Defaults to 30s, for a step to
		 * its pipeline's.
		 */
		private @Nullable Duration maxBackoff;

		/**
		 * Longest outage before the pipeline fails. Unset waits for as long as it takes
		 * (until a stop).
		 */
		private @Nullable Duration giveUpAfter;

		public @Nullable Integer getAfterFailures() {
			return this.afterFailures;
		}

		public void setAfterFailures(@Nullable Integer afterFailures) {
			this.afterFailures = afterFailures;
		}

		public @Nullable Duration getInitialBackoff() {
			return this.initialBackoff;
		}

		public void setInitialBackoff(@Nullable Duration initialBackoff) {
			this.initialBackoff = initialBackoff;
		}

		public @Nullable Duration getMaxBackoff() {
			return this.maxBackoff;
		}

		public void setMaxBackoff(@Nullable Duration maxBackoff) {
			this.maxBackoff = maxBackoff;
		}

		public @Nullable Duration getGiveUpAfter() {
			return this.giveUpAfter;
		}

		public void setGiveUpAfter(@Nullable Duration giveUpAfter) {
			this.giveUpAfter = giveUpAfter;
		}

		boolean isSet() {
			return this.afterFailures != null || this.initialBackoff != null || this.maxBackoff != null
					|| this.giveUpAfter != null;
		}

	}

	/**
	 * Retry of failed items, in place, by the worker that took them.
	 */
	public static class Retry {

		/**
		 * Number of attempts in all, the first one included. Defaults to 1 (no retry).
		 */
		private @Nullable Integer maxAttempts;

		/**
		 * Pause before the first retry. Defaults to none.
		 */
		private @Nullable Duration backoff;

		/**
		 * Factor applied to the pause before each further retry. Defaults to 1.0.
		 */
		private @Nullable Double multiplier;

		public @Nullable Integer getMaxAttempts() {
			return this.maxAttempts;
		}

		public void setMaxAttempts(@Nullable Integer maxAttempts) {
			this.maxAttempts = maxAttempts;
		}

		public @Nullable Duration getBackoff() {
			return this.backoff;
		}

		public void setBackoff(@Nullable Duration backoff) {
			this.backoff = backoff;
		}

		public @Nullable Double getMultiplier() {
			return this.multiplier;
		}

		public void setMultiplier(@Nullable Double multiplier) {
			this.multiplier = multiplier;
		}

		boolean isSet() {
			return this.maxAttempts != null || this.backoff != null || this.multiplier != null;
		}

	}

	/**
	 * The live pipeline page: every pipeline's steps, queues and figures, read from the
	 * 'paipa' endpoint.
	 */
	public static class Ui {

		/**
		 * Whether to serve the live pipeline page (needs a servlet web application and
		 * the actuator).
		 */
		private boolean enabled;

		/**
		 * Path of the live pipeline page.
		 */
		private String path = "/paipa";

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public String getPath() {
			return this.path;
		}

		public void setPath(String path) {
			this.path = path;
		}

	}

}
