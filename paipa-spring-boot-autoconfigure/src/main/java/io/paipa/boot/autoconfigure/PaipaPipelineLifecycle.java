package io.paipa.boot.autoconfigure;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.context.SmartLifecycle;

import io.paipa.core.Pipeline;
import io.paipa.core.PipelineResult;

/**
 * Starts the continuous pipelines when the context has refreshed and stops them when it
 * closes.
 *
 * <p>
 * Its phase is below the web server's (whose start, stop and graceful shutdown run just
 * under {@link SmartLifecycle#DEFAULT_PHASE}), so pipelines start before the server takes
 * requests and stop only after its graceful shutdown has finished the requests that feed
 * them; message listener containers (at the default phase) likewise stop first. Stopping
 * stops intake, drains within each pipeline's shutdown timeout, and dead-letters what
 * could not drain; pipelines stop in parallel, and {@link #stop(Runnable)} returns at
 * once, calling back when all have stopped, so that
 * {@code spring.lifecycle.timeout-per-shutdown-phase} bounds the wait. A pipeline with
 * {@code auto-startup: false} is not started, but stopped if the application started it.
 *
 * <p>
 * While continuous pipelines run, a non-daemon thread keeps the JVM alive (the worker
 * threads are daemons), so an application without a web server keeps running:
 * {@code spring.main.keep-alive} is off by default, and a continuous pipeline is the
 * application's work, not an optional extra.
 */
final class PaipaPipelineLifecycle implements SmartLifecycle {

	/**
	 * Below the web server's phases, so that pipelines start before it and stop after it.
	 */
	static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

	private static final Log logger = LogFactory.getLog(PaipaPipelineLifecycle.class);

	private final BeanFactory beanFactory;

	private final PipelinePlans plans;

	private final List<Pipeline<?>> started = new ArrayList<>();

	private volatile boolean running;

	private @Nullable CountDownLatch keepAlive;

	PaipaPipelineLifecycle(BeanFactory beanFactory, PipelinePlans plans) {
		this.beanFactory = beanFactory;
		this.plans = plans;
	}

	@Override
	@SuppressWarnings("unchecked")
	public synchronized void start() {
		if (this.running) {
			return;
		}
		try {
			for (PipelinePlan plan : this.plans.continuous()) {
				if (!plan.properties().isAutoStartup()) {
					continue;
				}
				Pipeline<Object> pipeline = this.beanFactory.getBean(plan.name(), Pipeline.class);
				String queue = plan.properties().getSourceQueue();
				pipeline.start((queue != null) ? this.beanFactory.getBean(queue, BlockingQueue.class) : null);
				this.started.add(pipeline);
			}
		}
		catch (RuntimeException ex) {
			stopAll(takeRunning()).join();
			throw ex;
		}
		CountDownLatch latch = new CountDownLatch(1);
		Thread thread = new Thread(() -> awaitQuietly(latch), "paipa-keep-alive");
		thread.setDaemon(false);
		thread.start();
		this.keepAlive = latch;
		this.running = true;
	}

	/** Stops the pipelines and waits until they have stopped, however long they drain. */
	@Override
	public void stop() {
		CompletableFuture<Void> stopped;
		synchronized (this) {
			stopped = stopAll(takeRunning());
			this.running = false;
		}
		// each stop is bounded by its pipeline's shutdown timeout; join() ignores
		// interrupts
		stopped.join();
		releaseKeepAlive();
	}

	/**
	 * Starts stopping the pipelines, in parallel, and returns at once; the callback runs
	 * once every pipeline has stopped (each within its shutdown timeout), so that
	 * {@code spring.lifecycle.timeout-per-shutdown-phase} bounds how long the context
	 * waits for them.
	 */
	@Override
	public void stop(Runnable callback) {
		CompletableFuture<Void> stopped;
		synchronized (this) {
			stopped = stopAll(takeRunning());
			this.running = false;
		}
		stopped.whenComplete((result, failure) -> {
			releaseKeepAlive();
			callback.run();
		});
	}

	/**
	 * The pipelines to stop: those this lifecycle started and any continuous one started
	 * by the application (with {@code auto-startup: false}) that still runs.
	 */
	@SuppressWarnings("unchecked")
	private List<Pipeline<?>> takeRunning() {
		List<Pipeline<?>> running = new ArrayList<>(this.started);
		this.started.clear();
		if (this.running) {
			for (PipelinePlan plan : this.plans.continuous()) {
				if (!plan.properties().isAutoStartup() && this.beanFactory.containsBean(plan.name())) {
					Pipeline<Object> pipeline = this.beanFactory.getBean(plan.name(), Pipeline.class);
					if (pipeline.isRunning()) {
						running.add(pipeline);
					}
				}
			}
		}
		return running;
	}

	private synchronized void releaseKeepAlive() {
		CountDownLatch latch = this.keepAlive;
		if (latch != null) {
			latch.countDown();
			this.keepAlive = null;
		}
	}

	/** Stops each pipeline on a thread of its own; completes when all have stopped. */
	private static CompletableFuture<Void> stopAll(List<Pipeline<?>> pipelines) {
		List<CompletableFuture<Void>> stops = new ArrayList<>();
		for (Pipeline<?> pipeline : pipelines) {
			CompletableFuture<Void> stop = new CompletableFuture<>();
			Thread stopper = new Thread(() -> {
				try {
					stopQuietly(pipeline);
				}
				finally {
					stop.complete(null);
				}
			}, "paipa-" + pipeline.name() + "-stop");
			stopper.start();
			stops.add(stop);
		}
		return CompletableFuture.allOf(stops.toArray(new CompletableFuture<?>[0]));
	}

	private static void stopQuietly(Pipeline<?> pipeline) {
		try {
			PipelineResult result = pipeline.stop();
			if (result.deadLettered() > 0 || !result.stuckWorkers().isEmpty() || result.failure() != null) {
				logger.warn(result);
			}
			else if (logger.isInfoEnabled()) {
				logger.info(result);
			}
		}
		catch (RuntimeException ex) {
			logger.error("Pipeline '" + pipeline.name() + "' could not be stopped", ex);
		}
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

}
