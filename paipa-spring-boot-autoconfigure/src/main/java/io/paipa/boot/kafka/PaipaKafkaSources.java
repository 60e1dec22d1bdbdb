package io.paipa.boot.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.ResolvableType;
import org.springframework.boot.kafka.autoconfigure.ConcurrentKafkaListenerContainerFactoryConfigurer;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.config.ContainerCustomizer;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.util.ClassUtils;

import io.paipa.boot.autoconfigure.PaipaProperties;
import io.paipa.boot.health.PipelineProblems;
import io.paipa.core.Pipeline;

/**
 * Starts and stops the Kafka sources of every pipeline that has one.
 *
 * <p>
 * Its phase is above the pipelines' lifecycle and below the web server's: sources start
 * once their pipelines run, and stop first, each pausing its consumer, draining its
 * pipeline within the shutdown timeout and then closing the consumer, which commits the
 * offsets of everything that finished. The pipelines' own lifecycle then finds them
 * stopped. {@link #stop(Runnable)} returns at once and calls back when all are done.
 */
public final class PaipaKafkaSources implements SmartLifecycle, PipelineProblems {

	private static final String CONFIGURER = "org.springframework.boot.kafka.autoconfigure.ConcurrentKafkaListenerContainerFactoryConfigurer";

	/** Above the pipelines' lifecycle (DEFAULT_PHASE - 4096), below the web server's. */
	static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 3072;

	private final ConfigurableListableBeanFactory beanFactory;

	private final PaipaProperties properties;

	private volatile List<KafkaPipelineSource> sources = List.of();

	private volatile boolean running;

	/**
	 * Creates the sources' lifecycle; the sources themselves are created at the first
	 * start.
	 * @param beanFactory where the pipelines and Kafka's consumer factory are
	 * @param properties the paipa properties
	 */
	public PaipaKafkaSources(ConfigurableListableBeanFactory beanFactory, PaipaProperties properties) {
		this.beanFactory = beanFactory;
		this.properties = properties;
	}

	/**
	 * Returns the names of the pipelines with a Kafka source.
	 * @return the names
	 */
	public List<String> names() {
		return this.properties.getPipelines()
			.entrySet()
			.stream()
			.filter((entry) -> entry.getValue().getSource().getKafka().isEnabled())
			.map(Map.Entry::getKey)
			.toList();
	}

	/**
	 * Returns the records a pipeline's source took from Kafka.
	 * @param name the pipeline's name
	 * @return the count, 0 before the first start
	 */
	public double consumed(String name) {
		KafkaPipelineSource source = find(name);
		return (source != null) ? source.consumed() : 0;
	}

	/**
	 * Returns the records of a pipeline's source that finished and were acknowledged.
	 * @param name the pipeline's name
	 * @return the count
	 */
	public double committed(String name) {
		KafkaPipelineSource source = find(name);
		return (source != null) ? source.committed() : 0;
	}

	/**
	 * Returns the records of a pipeline's source taken and not finished yet.
	 * @param name the pipeline's name
	 * @return the count
	 */
	public double inFlight(String name) {
		KafkaPipelineSource source = find(name);
		return (source != null) ? source.inFlight() : 0;
	}

	/**
	 * Returns whether a pipeline's consumer is paused because the pipeline is full.
	 * @param name the pipeline's name
	 * @return 1 while paused, else 0
	 */
	public double paused(String name) {
		KafkaPipelineSource source = find(name);
		return (source != null && source.isPaused()) ? 1 : 0;
	}

	/**
	 * Returns how long a pipeline's consumer was paused because the pipeline was full.
	 * @param name the pipeline's name
	 * @return the seconds in all
	 */
	public double pausedSeconds(String name) {
		KafkaPipelineSource source = find(name);
		return (source != null) ? source.pausedSeconds() : 0;
	}

	/**
	 * Returns the source of a pipeline.
	 * @param name the pipeline's name
	 * @return its source, or {@code null} before the first start or without one
	 */
	@Nullable KafkaPipelineSource find(String name) {
		for (KafkaPipelineSource source : this.sources) {
			if (source.name().equals(name)) {
				return source;
			}
		}
		return null;
	}

	/**
	 * A step of a pipeline went into an outage, or out of one: its source pauses while
	 * any step is in one.
	 * @param name the pipeline's name
	 * @param started whether an outage began (else one ended)
	 */
	public void outage(String name, boolean started) {
		KafkaPipelineSource source = find(name);
		if (source != null) {
			source.outage(started);
		}
	}

	/** A pipeline whose Kafka source cannot reach its broker is DOWN, with the reason. */
	@Override
	public List<String> problemsOf(String pipeline) {
		KafkaPipelineSource source = find(pipeline);
		String unreachable = (source != null && source.isRunning()) ? source.unreachable() : null;
		return (unreachable != null) ? List.of(unreachable) : List.of();
	}

	/** The configured sources; created at the first start. */
	List<KafkaPipelineSource> sources() {
		return this.sources;
	}

	@Override
	public synchronized void start() {
		if (this.running) {
			return;
		}
		if (this.sources.isEmpty()) {
			this.sources = create();
		}
		for (KafkaPipelineSource source : this.sources) {
			source.start();
		}
		this.running = true;
	}

	@SuppressWarnings("unchecked")
	private List<KafkaPipelineSource> create() {
		List<KafkaPipelineSource> created = new ArrayList<>();
		for (Map.Entry<String, PaipaProperties.Pipeline> entry : this.properties.getPipelines().entrySet()) {
			String name = entry.getKey();
			PaipaProperties.Pipeline pipeline = entry.getValue();
			if (!pipeline.getSource().getKafka().isEnabled()) {
				continue;
			}
			ConsumerFactory<Object, Object> consumerFactory = this.beanFactory.getBeanProvider(ConsumerFactory.class)
				.getIfAvailable();
			if (consumerFactory == null) {
				throw new IllegalStateException("Pipeline '" + name + "' has a Kafka source (paipa.pipelines." + name
						+ ".source.kafka.topics) but the application has no Kafka ConsumerFactory bean; "
						+ "add spring-boot-starter-kafka and set spring.kafka.bootstrap-servers");
			}
			Object groupId = consumerFactory.getConfigurationProperties().get(ConsumerConfig.GROUP_ID_CONFIG);
			created.add(
					new KafkaPipelineSource(name, this.beanFactory.getBean(name, Pipeline.class), deliversRecords(name),
							pipeline, consumerFactory, (groupId != null) ? groupId.toString() : null, this::container));
		}
		return List.copyOf(created);
	}

	/**
	 * A listener container made as Boot makes the application's: a
	 * {@link ConcurrentKafkaListenerContainerFactory} configured by Boot's configurer
	 * ({@code spring.kafka.listener.*}) with the application's
	 * {@link ContainerCustomizer}.
	 */
	@SuppressWarnings({ "unchecked", "rawtypes" })
	private ConcurrentMessageListenerContainer<Object, Object> container(ConsumerFactory<Object, Object> consumers,
			List<String> topics) {
		ConcurrentKafkaListenerContainerFactory<Object, Object> factory = new ConcurrentKafkaListenerContainerFactory<>();
		if (ClassUtils.isPresent(CONFIGURER, getClass().getClassLoader())) {
			BootListenerSettings.configure(this.beanFactory, factory, consumers);
		}
		else {
			factory.setConsumerFactory(consumers);
		}
		ContainerCustomizer customizer = this.beanFactory.getBeanProvider(ContainerCustomizer.class).getIfUnique();
		if (customizer != null) {
			factory.setContainerCustomizer(customizer);
		}
		return factory.createContainer(topics.toArray(new String[0]));
	}

	/** Whether the pipeline's first step takes ConsumerRecords rather than values. */
	private boolean deliversRecords(String name) {
		ResolvableType type = this.beanFactory.getMergedBeanDefinition(name).getResolvableType();
		Class<?> input = type.as(Pipeline.class).getGeneric(0).resolve();
		return input != null && ConsumerRecord.class.isAssignableFrom(input);
	}

	/** Stops every source and waits until each has drained its pipeline. */
	@Override
	public void stop() {
		stopAll().join();
	}

	/**
	 * Starts stopping every source, in parallel, and returns at once; the callback runs
	 * once each has drained its pipeline and closed its consumer, so that
	 * {@code spring.lifecycle.timeout-per-shutdown-phase} bounds the wait.
	 */
	@Override
	public void stop(Runnable callback) {
		stopAll().whenComplete((result, failure) -> callback.run());
	}

	private synchronized CompletableFuture<Void> stopAll() {
		if (!this.running) {
			return CompletableFuture.completedFuture(null);
		}
		this.running = false;
		List<CompletableFuture<Void>> stops = new ArrayList<>();
		for (KafkaPipelineSource source : this.sources) {
			CompletableFuture<Void> stop = new CompletableFuture<>();
			Thread stopper = new Thread(() -> {
				try {
					source.stop();
				}
				finally {
					stop.complete(null);
				}
			}, "paipa-" + source.name() + "-kafka-stop");
			stopper.start();
			stops.add(stop);
		}
		return CompletableFuture.allOf(stops.toArray(new CompletableFuture<?>[0]));
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	/** Boot's listener settings, where Boot's Kafka support is on the classpath. */
	private static final class BootListenerSettings {

		static void configure(ConfigurableListableBeanFactory beanFactory,
				ConcurrentKafkaListenerContainerFactory<Object, Object> factory,
				ConsumerFactory<Object, Object> consumers) {
			ConcurrentKafkaListenerContainerFactoryConfigurer configurer = beanFactory
				.getBeanProvider(ConcurrentKafkaListenerContainerFactoryConfigurer.class)
				.getIfAvailable();
			if (configurer != null) {
				configurer.configure(factory, consumers);
			}
			else {
				factory.setConsumerFactory(consumers);
			}
		}

	}

}
