package io.paipa.core.internal;

import java.time.Duration;
import java.util.Iterator;
import java.util.NoSuchElementException;

import io.paipa.core.StepInput;

/**
 * The input of the inline runner's stream step: pulls source items through the steps
 * before it until one is ready. A marker ready at the head ends the handler's call, as on
 * a worker thread.
 */
final class UpstreamInput implements StepInput<Object> {

	private final InlineRunner runner;

	private final InlineStage stage;

	private final HeldItems held;

	private final Iterator<?> source;

	private boolean sourceEnded;

	/**
	 * 0 while the input goes on, {@link BatchQueue#ENDED} or
	 * {@link BatchQueue#AT_MARKER}.
	 */
	int exit;

	/** Items given out in this call. */
	long consumed;

	UpstreamInput(InlineRunner runner, InlineStage stage, HeldItems held, Iterator<?> source) {
		this.runner = runner;
		this.stage = stage;
		this.held = held;
		this.source = source;
	}

	/** A new call of the handler. */
	void begin() {
		if (this.exit == BatchQueue.AT_MARKER) {
			this.exit = 0;
		}
		this.consumed = 0;
	}

	@Override
	public boolean hasNext() {
		if (this.exit != 0) {
			return false;
		}
		while (this.runner.ready.isEmpty() && !this.sourceEnded) {
			if (!this.runner.pull(this.source)) {
				this.sourceEnded = true;
				this.runner.endFrom(0);
			}
		}
		Object head = this.runner.ready.peek();
		if (head == null) {
			this.exit = BatchQueue.ENDED;
		}
		else if (head instanceof MarkerEntry) {
			this.exit = BatchQueue.AT_MARKER;
		}
		return this.exit == 0;
	}

	@Override
	public Object next() {
		if (!hasNext()) {
			throw new NoSuchElementException("The input of step '" + this.stage.step.name() + "' has ended");
		}
		this.held.took(this.runner.ready.poll());
		this.consumed++;
		return this.held.current;
	}

	@Override
	public Object poll(Duration timeout) {
		return hasNext() ? next() : null;
	}

	@Override
	public boolean isEnded() {
		return this.exit != 0;
	}

	@Override
	public void done(Object item) {
		this.held.done(item);
	}

	@Override
	public void doneAll() {
		this.held.doneAll();
	}

}
