package io.paipa.core;

/**
 * The kinds of step, named after their handler type.
 */
public enum StepKind {

	/** A {@link StepHandler}: one output (or none) per item. */
	ONE_TO_ONE,

	/** A {@link FanOutHandler}: zero or more outputs per item. */
	FAN_OUT,

	/** A {@link StreamHandler}: the worker sees its whole input. */
	STREAM

}
