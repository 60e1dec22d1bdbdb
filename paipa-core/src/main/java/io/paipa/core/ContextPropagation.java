package io.paipa.core;

/**
 * Carries the context of the thread that hands an item in (a trace, the logging MDC,
 * anything else kept in thread-locals) to the worker threads that handle the item and
 * what derives from it, and observes those handler calls.
 *
 * <p>
 * The engine calls {@link #capture()} on the caller's thread in {@link PipelineInput#put
 * put} and {@link PipelineInput#offer offer}, and keeps what it returns with the item. A
 * one-to-one step's output and a fan-out step's outputs keep their input's context; a
 * chunk (and anything a stream step emits) keeps the context of its first member. Around
 * each call of a one-to-one or fan-out handler (chunks included), a worker calls
 * {@link #open} and closes the returned scope after the call; it does so for every item
 * that carries a context, and for items without one only for those whose handler time is
 * sampled (the first of each batch a worker takes), so that a pipeline nobody traces pays
 * nothing per item. Items taken from a caller's {@code BlockingQueue} or pulled from a
 * batch source carry no context: nothing of the thread that produced them is known.
 *
 * <p>
 * Implementations must be thread-safe and fast; {@code capture} runs on every
 * {@code put}. The Spring Boot starter provides one backed by Micrometer's
 * {@code ContextSnapshot} and {@code Observation}.
 */
public interface ContextPropagation {

	/**
	 * Captures the calling thread's context.
	 * @return the context to carry with the item, or {@code null} when there is none
	 */
	Object capture();

	/**
	 * Restores an item's context on a worker thread and begins observing one handler
	 * call.
	 * @param pipeline the pipeline's name
	 * @param step the step's name
	 * @param context what {@link #capture()} returned for the item, or {@code null}
	 * @return the scope the worker closes after the call; never {@code null}
	 */
	Scope open(String pipeline, String step, Object context);

	/** One handler call, observed with its item's context in place. */
	interface Scope {

		/**
		 * The handler threw: called before {@link #close()}.
		 * @param error what the handler threw
		 */
		default void failed(Throwable error) {
		}

		/** Ends the observation and restores the worker thread's own context. */
		void close();

	}

}
