package io.paipa.boot.observation;

import java.util.Map;

import io.micrometer.context.ContextSnapshot;
import io.micrometer.context.ContextSnapshotFactory;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;
import org.slf4j.MDC;

import org.springframework.util.ClassUtils;

import io.paipa.core.ContextPropagation;

/**
 * Carries the context of the thread that puts an item to the workers that handle it, and
 * observes each handler call as an {@link Observation} named {@value #OBSERVATION_NAME}
 * with the low-cardinality keys {@code pipeline} and {@code step}.
 *
 * <p>
 * What is carried: the current observation (the parent of the step's observations, so
 * that a trace goes from the caller's span through every step), the logging MDC, and,
 * when {@code io.micrometer:context-propagation} is on the classpath, everything
 * registered with its {@code ContextRegistry}. Inside a handler all of it is in place,
 * and the step's own observation is the current one; the worker's own context comes back
 * after the call. Which calls are observed is described in {@link ContextPropagation}:
 * every call for an item that carries a context, and one sampled call per batch for items
 * that carry none.
 */
public final class PaipaObservations implements ContextPropagation {

	/** The name of the observation of one handler call. */
	public static final String OBSERVATION_NAME = "paipa.step.process";

	private static final boolean SNAPSHOTS = ClassUtils.isPresent("io.micrometer.context.ContextSnapshotFactory",
			PaipaObservations.class.getClassLoader());

	private final ObservationRegistry registry;

	private final @Nullable Object snapshots;

	/**
	 * Creates the propagation.
	 * @param registry where the step's observations are made
	 */
	public PaipaObservations(ObservationRegistry registry) {
		this.registry = registry;
		this.snapshots = SNAPSHOTS ? Snapshots.factory() : null;
	}

	/**
	 * Whether handler calls are observed: not when the registry is a no-op (it has no
	 * handler).
	 * @return whether observations are made
	 */
	public boolean isActive() {
		return !this.registry.isNoop();
	}

	@Override
	public @Nullable Object capture() {
		Observation parent = this.registry.getCurrentObservation();
		Map<String, String> mdc = MDC.getCopyOfContextMap();
		if (mdc != null && mdc.isEmpty()) {
			mdc = null;
		}
		Object snapshot = (this.snapshots != null) ? Snapshots.capture(this.snapshots) : null;
		if (parent == null && mdc == null && snapshot == null) {
			return null;
		}
		return new Captured(parent, mdc, snapshot);
	}

	@Override
	public Scope open(String pipeline, String step, @Nullable Object context) {
		Captured captured = (Captured) context;
		AutoCloseable restored = (captured != null && captured.snapshot != null) ? Snapshots.restore(captured.snapshot)
				: null;
		Map<String, String> workerMdc = null;
		if (captured != null && captured.mdc != null) {
			workerMdc = MDC.getCopyOfContextMap();
			MDC.setContextMap(captured.mdc);
		}
		Observation observation = Observation.createNotStarted(OBSERVATION_NAME, this.registry)
			.lowCardinalityKeyValue("pipeline", pipeline)
			.lowCardinalityKeyValue("step", step)
			.contextualName(pipeline + " " + step);
		if (captured != null && captured.parent != null) {
			observation.parentObservation(captured.parent);
		}
		observation.start();
		return new StepScope(observation, observation.openScope(), captured != null && captured.mdc != null, workerMdc,
				restored);
	}

	/** What was captured with an item. */
	private record Captured(@Nullable Observation parent, @Nullable Map<String, String> mdc,
			@Nullable Object snapshot) {

	}

	/** One observed handler call, with the item's context in place. */
	private static final class StepScope implements Scope {

		private final Observation observation;

		private final Observation.Scope scope;

		private final boolean mdcSet;

		private final @Nullable Map<String, String> workerMdc;

		private final @Nullable AutoCloseable restored;

		StepScope(Observation observation, Observation.Scope scope, boolean mdcSet,
				@Nullable Map<String, String> workerMdc, @Nullable AutoCloseable restored) {
			this.observation = observation;
			this.scope = scope;
			this.mdcSet = mdcSet;
			this.workerMdc = workerMdc;
			this.restored = restored;
		}

		@Override
		public void failed(Throwable error) {
			this.observation.error(error);
		}

		@Override
		public void close() {
			try {
				this.scope.close();
				this.observation.stop();
			}
			finally {
				if (this.mdcSet) {
					if (this.workerMdc != null) {
						MDC.setContextMap(this.workerMdc);
					}
					else {
						MDC.clear();
					}
				}
				if (this.restored != null) {
					Snapshots.close(this.restored);
				}
			}
		}

	}

	/**
	 * The use of {@code io.micrometer:context-propagation}, in a class of its own so that
	 * nothing of it is loaded when it is not on the classpath.
	 */
	private static final class Snapshots {

		static Object factory() {
			return ContextSnapshotFactory.builder().build();
		}

		/** The snapshot, or {@code null} when there is nothing in it. */
		static @Nullable Object capture(Object factory) {
			ContextSnapshot snapshot = ((ContextSnapshotFactory) factory).captureAll();
			return (snapshot instanceof Map<?, ?> map && map.isEmpty()) ? null : snapshot;
		}

		static AutoCloseable restore(Object snapshot) {
			return ((ContextSnapshot) snapshot).setThreadLocals();
		}

		static void close(AutoCloseable scope) {
			((ContextSnapshot.Scope) scope).close();
		}

	}

}
