package io.paipa.core;

import java.lang.reflect.Type;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The settings of one step, given to the builder's {@code step}, {@code fanOut} and
 * {@code stream} methods: {@code .step("enrich", enricher, s -> s.workers(8))}. Unset
 * settings follow the pipeline's.
 */
public final class StepSpec {

	int workers = 1;

	Integer queueCapacity;

	ErrorPolicy onError;

	RetryPolicy retry;

	OutagePolicy outage;

	boolean isolateFailures;

	final Map<String, Object> options = new LinkedHashMap<>();

	boolean virtualThreads;

	Type inputType;

	Type outputType;

	StepSpec() {
	}

	/**
	 * Sets the number of worker threads (default 1).
	 * @param workers at least 1
	 * @return this spec
	 */
	public StepSpec workers(int workers) {
		this.workers = workers;
		return this;
	}

	/**
	 * Sets the capacity of the step's input queue (default: the pipeline's queue
	 * capacity, 64 unless set).
	 * @param capacity at least 1
	 * @return this spec
	 */
	public StepSpec queueCapacity(int capacity) {
		this.queueCapacity = capacity;
		return this;
	}

	/**
	 * Sets what happens to an item whose processing failed after every attempt (default:
	 * the pipeline's policy).
	 * @param policy the policy
	 * @return this spec
	 */
	public StepSpec onError(ErrorPolicy policy) {
		this.onError = Objects.requireNonNull(policy, "policy must not be null");
		return this;
	}

	/**
	 * Sets how failed items are retried (default: the pipeline's retry policy).
	 * @param retry the retry policy
	 * @return this spec
	 */
	public StepSpec retry(RetryPolicy retry) {
		this.retry = Objects.requireNonNull(retry, "retry must not be null");
		return this;
	}

	/**
	 * Sets when the step's failures are taken for an outage of what it depends on
	 * (default: the pipeline's policy, off unless set).
	 * @param outage the outage policy
	 * @return this spec
	 * @see OutagePolicy
	 */
	public StepSpec outage(OutagePolicy outage) {
		this.outage = Objects.requireNonNull(outage, "outage must not be null");
		return this;
	}

	/**
	 * Sets whether a chunk (a {@link java.util.List} input, as the built-in {@code chunk}
	 * emits) that failed after its retries is tried again member by member, each as a
	 * one-member list, so that only the members that fail alone are dead-lettered and the
	 * others are processed once (default false). The step's handler must then be atomic
	 * (one transaction per list) or idempotent, since it sees the members again.
	 * @param isolateFailures whether to isolate failures
	 * @return this spec
	 */
	public StepSpec isolateFailures(boolean isolateFailures) {
		this.isolateFailures = isolateFailures;
		return this;
	}

	/**
	 * Adds options, which handlers read from {@link StepContext#options()}.
	 * @param options the options to add
	 * @return this spec
	 */
	public StepSpec options(Map<String, ?> options) {
		this.options.putAll(options);
		return this;
	}

	/**
	 * Adds one option.
	 * @param name the option's name
	 * @param value its value
	 * @return this spec
	 */
	public StepSpec option(String name, Object value) {
		this.options.put(name, value);
		return this;
	}

	/**
	 * Sets whether the step's workers are virtual threads (Java 21 and later), for steps
	 * that mostly wait on I/O and want thousands of workers.
	 * @param virtualThreads whether to use virtual threads
	 * @return this spec
	 */
	public StepSpec virtualThreads(boolean virtualThreads) {
		this.virtualThreads = virtualThreads;
		return this;
	}

	/**
	 * Declares the step's input and output types, shown in snapshots, when they cannot be
	 * read from the handler's class (lambdas).
	 * @param input the input type
	 * @param output the output type
	 * @return this spec
	 */
	public StepSpec types(Type input, Type output) {
		this.inputType = Objects.requireNonNull(input, "input must not be null");
		this.outputType = Objects.requireNonNull(output, "output must not be null");
		return this;
	}

}
