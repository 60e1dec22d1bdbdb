package io.paipa.core.internal;

/**
 * One change of a step's worker count decided by the autoscaling controller, with its
 * reason in words.
 *
 * @param step the step's index
 * @param name the step's name
 * @param from its worker count before
 * @param to its worker count after
 * @param reason why, for the log and the snapshot
 */
record AutoscaleDecision(int step, String name, int from, int to, String reason) {

	boolean up() {
		return this.to > this.from;
	}

	/** The decision as one line: "up 4 -> 8 workers: ...". */
	String describe() {
		return (up() ? "up " : "down ") + this.from + " -> " + this.to + ((this.to == 1) ? " worker: " : " workers: ")
				+ this.reason;
	}

}
