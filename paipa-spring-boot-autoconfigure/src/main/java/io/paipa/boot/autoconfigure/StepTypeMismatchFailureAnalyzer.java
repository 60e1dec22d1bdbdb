package io.paipa.boot.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains a {@link StepTypeMismatchException}.
 */
class StepTypeMismatchFailureAnalyzer extends AbstractFailureAnalyzer<StepTypeMismatchException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, StepTypeMismatchException cause) {
		String description = "Pipeline '" + cause.getPipeline() + "' cannot be assembled: step '" + cause.getFromStep()
				+ "' emits " + cause.getFromType() + ", but the next step '" + cause.getToStep() + "' takes "
				+ cause.getToType() + ".";
		String action = "Check the step order in 'paipa.pipelines." + cause.getPipeline()
				+ ".definition', or change the handlers' types so that each step takes what the step before it "
				+ "emits (put a converting step between them if needed).";
		return new FailureAnalysis(description, action, cause);
	}

}
