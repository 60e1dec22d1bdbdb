package io.paipa.core.internal;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.paipa.core.ItemOutcome;
import io.paipa.core.PipelineListener;
import io.paipa.core.PipelineState;

/** Calls every listener, shielding the engine from their exceptions. */
final class Listeners {

	private static final Logger logger = LoggerFactory.getLogger(Listeners.class);

	/** The listeners whose failure was logged with its stack trace. */
	private final Set<PipelineListener> reported = ConcurrentHashMap.newKeySet();

	private final PipelineListener[] listeners;

	private final String pipeline;

	/**
	 * Whether a listener overrides {@link PipelineListener#itemProcessed}: only then do
	 * workers time each item and report it.
	 */
	final boolean perItem;

	/** Whether a listener overrides {@link PipelineListener#handlerSampled}. */
	final boolean sampled;

	Listeners(String pipeline, List<PipelineListener> listeners) {
		this.pipeline = pipeline;
		this.listeners = listeners.toArray(new PipelineListener[0]);
		boolean perItem = false;
		boolean sampled = false;
		for (PipelineListener listener : this.listeners) {
			perItem |= overrides(listener, "itemProcessed", String.class, String.class, ItemOutcome.class, long.class);
			sampled |= overrides(listener, "handlerSampled", String.class, String.class, long.class);
		}
		this.perItem = perItem;
		this.sampled = sampled;
	}

	/**
	 * Whether the listener's class overrides the default method; when unsure, it does.
	 */
	private static boolean overrides(PipelineListener listener, String name, Class<?>... parameters) {
		try {
			return listener.getClass().getMethod(name, parameters).getDeclaringClass() != PipelineListener.class;
		}
		catch (NoSuchMethodException | SecurityException ex) {
			return true;
		}
	}

	void stateChanged(PipelineState from, PipelineState to) {
		for (PipelineListener listener : this.listeners) {
			try {
				listener.stateChanged(this.pipeline, from, to);
			}
			catch (Throwable ex) {
				failed(listener, ex);
			}
		}
	}

	void itemProcessed(String step, ItemOutcome outcome, long nanos) {
		for (PipelineListener listener : this.listeners) {
			try {
				listener.itemProcessed(this.pipeline, step, outcome, nanos);
			}
			catch (Throwable ex) {
				failed(listener, ex);
			}
		}
	}

	void handlerSampled(String step, long nanos) {
		for (PipelineListener listener : this.listeners) {
			try {
				listener.handlerSampled(this.pipeline, step, nanos);
			}
			catch (Throwable ex) {
				failed(listener, ex);
			}
		}
	}

	void workerStarted(String step, String worker) {
		for (PipelineListener listener : this.listeners) {
			try {
				listener.workerStarted(this.pipeline, step, worker);
			}
			catch (Throwable ex) {
				failed(listener, ex);
			}
		}
	}

	void workerStopped(String step, String worker) {
		for (PipelineListener listener : this.listeners) {
			try {
				listener.workerStopped(this.pipeline, step, worker);
			}
			catch (Throwable ex) {
				failed(listener, ex);
			}
		}
	}

	void workerRestarted(String step, String worker, Throwable cause) {
		for (PipelineListener listener : this.listeners) {
			try {
				listener.workerRestarted(this.pipeline, step, worker, cause);
			}
			catch (Throwable ex) {
				failed(listener, ex);
			}
		}
	}

	void outageStarted(String step, Throwable cause) {
		for (PipelineListener listener : this.listeners) {
			try {
				listener.outageStarted(this.pipeline, step, cause);
			}
			catch (Throwable ex) {
				failed(listener, ex);
			}
		}
	}

	void outageEnded(String step, java.time.Duration lasted) {
		for (PipelineListener listener : this.listeners) {
			try {
				listener.outageEnded(this.pipeline, step, lasted);
			}
			catch (Throwable ex) {
				failed(listener, ex);
			}
		}
	}

	/**
	 * Logs a listener's failure: the first of each listener with its stack trace, later
	 * ones in one line (a listener that throws on every item must not flood the log).
	 */
	private void failed(PipelineListener listener, Throwable ex) {
		if (this.reported.add(listener)) {
			logger.warn("Pipeline '{}': listener {} threw; ignored (later failures of this listener are logged "
					+ "without their stack trace)", this.pipeline, listener, ex);
		}
		else {
			logger.warn("Pipeline '{}': listener {} threw; ignored: {}", this.pipeline, listener, String.valueOf(ex));
		}
	}

}
