package io.paipa.boot.autoconfigure;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
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
 * <p>Its phase is below the web server's (whose start, stop and graceful shutdown run
 * just under {@link SmartLifecycle#DEFAULT_PHASE}), so pipelines start before the server
 * takes requests and stop only after its graceful shutdown has finished the requests
 * that feed them; message listener containers (at the default phase) likewise stop
 * first. Stopping stops intake, drains within each pipeline's shutdown timeout, and
 * dead-letters what could not drain; pipelines stop in parallel.
 *
 * <p>While continuous pipelines run, a non-daemon thread keeps the JVM alive (the worker
 * threads are daemons), so an application without a web server keeps running.
 */
final class PaipaPipelineLifecycle implements SmartLifecycle {

	/** Below the web server's phases, so that pipelines start before it and stop after it. */
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
				Pipeline<Object> pipeline = this.beanFactory.getBean(plan.name(), Pipeline.class);
				String queue = plan.properties().getSourceQueue();
				pipeline.start((queue != null) ? this.beanFactory.getBean(queue, BlockingQueue.class) : null);
				this.started.add(pipeline);
			}
		}
		catch (RuntimeException ex) {
			stopStarted();
			throw ex;
		}
		CountDownLatch latch = new CountDownLatch(1);
		Thread thread = new Thread(() -> awaitQuietly(latch), "paipa-keep-alive");
		thread.setDaemon(false);
		thread.start();
		this.keepAlive = latch;
		this.running = true;
	}

	@Override
	public void stop() {
		stop(() -> {
		});
	}

	@Override
	public synchronized void stop(Runnable callback) {
		try {
			if (this.running) {
				stopStarted();
			}
		}
		finally {
			this.running = false;
			CountDownLatch latch = this.keepAlive;
			if (latch != null) {
				latch.countDown();
				this.keepAlive = null;
			}
			callback.run();
		}
	}

	private void stopStarted() {
		List<Thread> stoppers = new ArrayList<>();
		for (Pipeline<?> pipeline : this.started) {
			Thread stopper = new Thread(() -> stopQuietly(pipeline), "paipa-" + pipeline.name() + "-stop");
			stopper.start();
			stoppers.add(stopper);
		}
		boolean interrupted = false;
		for (Thread stopper : stoppers) {
			// each stop is bounded by its pipeline's shutdown timeout: wait for all of them,
			// even when interrupted, so that no bean is destroyed under a draining pipeline
			while (stopper.isAlive()) {
				try {
					stopper.join();
				}
				catch (InterruptedException ex) {
					interrupted = true;
				}
			}
		}
		this.started.clear();
		if (interrupted) {
			Thread.currentThread().interrupt();
		}
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
