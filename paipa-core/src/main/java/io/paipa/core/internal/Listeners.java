package io.paipa.core.internal;

import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.paipa.core.ItemOutcome;
import io.paipa.core.PipelineListener;
import io.paipa.core.PipelineState;

/** Calls every listener, shielding the engine from their exceptions. */
final class Listeners {

	private static final Logger logger = LoggerFactory.getLogger(Listeners.class);

	private final PipelineListener[] listeners;

	private final String pipeline;

	/** Whether any listener is registered: the hot path checks this before calling. */
	final boolean active;

	Listeners(String pipeline, List<PipelineListener> listeners) {
		this.pipeline = pipeline;
		this.listeners = listeners.toArray(new PipelineListener[0]);
		this.active = this.listeners.length > 0;
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

	private void failed(PipelineListener listener, Throwable ex) {
		logger.warn("Pipeline '{}': listener {} threw; ignored", this.pipeline, listener, ex);
	}

}
