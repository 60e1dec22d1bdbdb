package io.paipa.core.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.paipa.core.Emitter;
import io.paipa.core.FanOutHandler;
import io.paipa.core.MarkerEmitter;
import io.paipa.core.StepHandler;
import io.paipa.core.StepInput;
import io.paipa.core.StreamHandler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * One call of a handler's {@code onMarker} hook: what it emits goes on before the marker,
 * the marker it passes on keeps the completion tracker, a hook that throws is told and
 * the marker passed on all the same, and the call's own reference is given back.
 */
@Timeout(30)
class MarkerCallTests {

	/** Records what reaches the next step. */
	private static final class Recorder implements MarkerCall.Target {

		final List<Object> events = new ArrayList<>();

		@Override
		public void emit(Object item) {
			this.events.add(item);
		}

		@Override
		public void passOn(MarkerEntry entry) {
			this.events.add(entry);
		}

	}

	private final Recorder target = new Recorder();

	private final List<String> errors = new ArrayList<>();

	private final AtomicInteger completed = new AtomicInteger();

	/** A marker whose completion callback counts in {@link #completed}. */
	private MarkerEntry entry(Object value) {
		return new MarkerEntry(value, new Tracker.Input(this.completed::incrementAndGet, "test"));
	}

	private void run(Object handler, MarkerEntry entry) {
		MarkerCall.run(handler, entry, this.target, "test", "step0", this.errors::add);
	}

	/** The markers passed on, with their values. */
	private List<Object> passedValues() {
		return this.target.events.stream()
			.filter(MarkerEntry.class::isInstance)
			.map((e) -> ((MarkerEntry) e).value)
			.toList();
	}

	private void settlePassedOn() {
		this.target.events.stream().filter(MarkerEntry.class::isInstance).forEach((e) -> ((MarkerEntry) e).release());
	}

	@Test
	void aStepHandlerPassesTheMarkerOnByDefaultAndItCompletesAtTheEnd() {
		StepHandler<Object, Object> handler = (item) -> item;
		MarkerEntry entry = entry("m");
		run(handler, entry);
		assertThat(passedValues()).containsExactly("m");
		MarkerEntry passed = (MarkerEntry) this.target.events.get(0);
		assertThat(passed).isNotSameAs(entry);
		assertThat(passed.tracker).isSameAs(entry.tracker);
		assertThat(this.completed).as("still on its way").hasValue(0);
		settlePassedOn();
		assertThat(this.completed).hasValue(1);
		assertThat(this.errors).isEmpty();
	}

	@Test
	void whatAHookEmitsGoesOnBeforeTheMarker() {
		StepHandler<Object, Object> handler = new StepHandler<>() {
			@Override
			public Object process(Object item) {
				return item;
			}

			@Override
			public void onMarker(Object marker, MarkerEmitter<Object> out) {
				out.emit("flushed-" + marker);
				out.passOn(marker);
			}
		};
		run(handler, entry("m"));
		assertThat(this.target.events).hasSize(2).first().isEqualTo("flushed-m");
		assertThat(passedValues()).containsExactly("m");
	}

	@Test
	void aHookMayPassAnotherMarkerOnOrSeveral() {
		FanOutHandler<Object, Object> handler = new FanOutHandler<>() {
			@Override
			public void process(Object item, Emitter<Object> out) {
			}

			@Override
			public void onMarker(Object marker, MarkerEmitter<Object> out) {
				out.passOn("first-" + marker);
				out.passOn("second-" + marker);
			}
		};
		run(handler, entry("m"));
		assertThat(passedValues()).containsExactly("first-m", "second-m");
		assertThat(this.completed).hasValue(0);
		settlePassedOn();
		assertThat(this.completed).as("once all have passed the end").hasValue(1);
	}

	@Test
	void aMarkerAHookKeepsCompletesAtOnce() {
		StreamHandler<Object, Object> handler = new StreamHandler<>() {
			@Override
			public void process(StepInput<Object> input, Emitter<Object> out) {
			}

			@Override
			public void onMarker(Object marker, MarkerEmitter<Object> out) {
				out.emit("seen " + marker);
			}
		};
		run(handler, entry("m"));
		assertThat(this.target.events).containsExactly("seen m");
		assertThat(this.completed).hasValue(1);
	}

	@Test
	void aHandlerOfNoKnownKindPassesTheMarkerOn() {
		run(new Object(), entry("m"));
		assertThat(passedValues()).containsExactly("m");
	}

	@Test
	void aStreamHandlerPassesTheMarkerOnByDefault() {
		StreamHandler<Object, Object> handler = (input, out) -> {
		};
		run(handler, entry("m"));
		assertThat(passedValues()).containsExactly("m");
	}

	@Test
	void aHookThatThrowsIsToldAndTheMarkerPassedOnAllTheSame() {
		StepHandler<Object, Object> handler = new StepHandler<>() {
			@Override
			public Object process(Object item) {
				return item;
			}

			@Override
			public void onMarker(Object marker, MarkerEmitter<Object> out) {
				out.emit("before");
				throw new IllegalStateException("boom");
			}
		};
		run(handler, entry("m"));
		assertThat(this.target.events).hasSize(2).first().isEqualTo("before");
		assertThat(passedValues()).containsExactly("m");
		assertThat(this.errors).singleElement()
			.asString()
			.contains("step 'step0'")
			.contains("onMarker failed for m")
			.contains("boom");
	}

	@Test
	void aHookThatThrowsAfterPassingTheMarkerOnDoesNotPassItTwice() {
		StepHandler<Object, Object> handler = new StepHandler<>() {
			@Override
			public Object process(Object item) {
				return item;
			}

			@Override
			public void onMarker(Object marker, MarkerEmitter<Object> out) {
				out.passOn(marker);
				throw new IllegalStateException("boom");
			}
		};
		run(handler, entry("m"));
		assertThat(passedValues()).containsExactly("m");
		assertThat(this.errors).hasSize(1);
	}

	@Test
	void nullsAreRefusedWithTheStepsName() {
		StepHandler<Object, Object> emitsNull = new StepHandler<>() {
			@Override
			public Object process(Object item) {
				return item;
			}

			@Override
			public void onMarker(Object marker, MarkerEmitter<Object> out) {
				out.emit(null);
			}
		};
		run(emitsNull, entry("m"));
		assertThat(this.errors).singleElement().asString().contains("Step 'step0' emitted null at a marker");
		assertThat(passedValues()).containsExactly("m");

		this.errors.clear();
		this.target.events.clear();
		StepHandler<Object, Object> passesNull = new StepHandler<>() {
			@Override
			public Object process(Object item) {
				return item;
			}

			@Override
			public void onMarker(Object marker, MarkerEmitter<Object> out) {
				out.passOn(null);
			}
		};
		run(passesNull, entry("m"));
		assertThat(this.errors).singleElement().asString().contains("Step 'step0' passed on a null marker");
		assertThat(passedValues()).containsExactly("m");
	}

	@Test
	void anAbortUnwindsThroughTheHook() {
		StepHandler<Object, Object> handler = new StepHandler<>() {
			@Override
			public Object process(Object item) {
				return item;
			}

			@Override
			public void onMarker(Object marker, MarkerEmitter<Object> out) {
				throw Abort.INSTANCE;
			}
		};
		assertThatThrownBy(() -> run(handler, entry("m"))).isSameAs(Abort.INSTANCE);
		assertThat(this.target.events).isEmpty();
		assertThat(this.errors).isEmpty();
		assertThat(this.completed).as("the unwinding worker's marker is not completed").hasValue(0);
	}

	@Test
	void aMarkerWithoutCallbackIsPassedOnWithoutTracker() {
		run(new Object(), new MarkerEntry("m", null));
		assertThat(passedValues()).containsExactly("m");
		assertThat(((MarkerEntry) this.target.events.get(0)).tracker).isNull();
	}

	@Test
	void aWorkersHookSendsItsOutputsAndTheMarkerToTheNextStep() {
		Runs runs = Runs.of(2, 8);
		Worker worker = runs.worker(0);
		worker.handler = new StepHandler<Object, Object>() {
			@Override
			public Object process(Object item) {
				return item;
			}

			@Override
			public void onMarker(Object marker, MarkerEmitter<Object> out) {
				out.emit("flushed");
				throw new IllegalStateException("boom");
			}
		};
		MarkerEntry entry = entry("m");
		MarkerCall.handle(worker, entry);
		Object[] next = runs.queue(1).drain();
		assertThat(next).hasSize(2);
		assertThat(next[0]).isEqualTo("flushed");
		assertThat(((MarkerEntry) next[1]).value).isEqualTo("m");
		assertThat(runs.execution.ledger.lastError()).contains("onMarker failed for m");
	}

}
