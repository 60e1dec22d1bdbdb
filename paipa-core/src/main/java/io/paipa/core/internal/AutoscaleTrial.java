package io.paipa.core.internal;

import java.util.Locale;

import io.paipa.core.internal.AutoscaleMeter.Measure;

/**
 * A move being tried: a step given workers, with its figures and the pipeline's output
 * from before, so that the intervals after it tell whether it helped.
 *
 * @param step the step's index
 * @param from its workers before
 * @param to its workers after
 * @param rate its items per second before
 * @param outputRate the pipeline's output per second before
 * @param handled the items it had handled at the move
 * @param output the items the last step had handled at the move
 * @param nanos the time of the move
 * @param tick the interval of the move
 */
record AutoscaleTrial(int step, int from, int to, double rate, double outputRate, long handled, long output, long nanos,
		long tick) {

	/** What the intervals after a move say of it. */
	enum Outcome {

		/** The step handled more, as more workers should. */
		GAINED,

		/** It did not, but it is no longer the bottleneck. */
		KEPT,

		/** Not enough intervals yet to undo it. */
		UNDECIDED,

		/** It did not help: undo it. */
		FAILED

	}

	/** The outcome, and why a failed move failed. */
	record Verdict(Outcome outcome, String why) {

	}

	/** Whether the step has handled enough since the move, or waited long enough. */
	boolean judgeable(Measure[] measures, long now) {
		return measures[this.step].handled() - this.handled >= AutoscaleDecider.TRIAL_MIN_ITEMS
				|| now - this.tick >= AutoscaleDecider.TRIAL_MAX_TICKS;
	}

	/**
	 * Judges the move from the step's and the pipeline's throughput since.
	 * @param measures the steps over the last interval
	 * @param nanos the time now
	 * @param now the interval now
	 * @return the verdict
	 */
	Verdict judge(Measure[] measures, long nanos, long now) {
		Measure m = measures[this.step];
		double seconds = (nanos - this.nanos) / 1e9;
		double rateSince = (m.handled() - this.handled) / seconds;
		double outputSince = (measures[measures.length - 1].handled() - this.output) / seconds;
		double expected = this.rate * (this.to - this.from) / this.from;
		boolean outputKept = outputSince >= AutoscaleDecider.OUTPUT_KEPT * this.outputRate;
		if (outputKept && rateSince - this.rate >= AutoscaleDecider.MIN_GAIN * expected) {
			return new Verdict(Outcome.GAINED, null);
		}
		if (outputKept && (m.fill() < AutoscaleDecider.EMPTY || m.outputFull())) {
			return new Verdict(Outcome.KEPT, null);
		}
		if (now - this.tick < AutoscaleDecider.UNDO_TICKS) {
			// one interval may be noise: measure the move over more before undoing it
			return new Verdict(Outcome.UNDECIDED, null);
		}
		String why = outputKept
				? String.format(Locale.ROOT,
						"%d workers handled %s/s where %d handled %s/s, while items kept waiting "
								+ "(the limit is elsewhere: CPU, or what the step waits on)",
						this.to, rate(rateSince), this.from, rate(this.rate))
				: String.format(Locale.ROOT, "the pipeline's output fell from %s/s to %s/s with %d workers",
						rate(this.outputRate), rate(outputSince), this.to);
		return new Verdict(Outcome.FAILED, why);
	}

	static String rate(double rate) {
		return (rate >= 100) ? String.format(Locale.ROOT, "%.0f", rate) : String.format(Locale.ROOT, "%.1f", rate);
	}

}
