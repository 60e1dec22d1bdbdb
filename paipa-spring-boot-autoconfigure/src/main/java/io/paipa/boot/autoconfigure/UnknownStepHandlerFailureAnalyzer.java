package io.paipa.boot.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains an {@link UnknownStepHandlerException}, listing the handler beans there are.
 */
class UnknownStepHandlerFailureAnalyzer extends AbstractFailureAnalyzer<UnknownStepHandlerException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, UnknownStepHandlerException cause) {
		String pipeline = cause.getPipeline();
		String description = "Pipeline '" + pipeline + "' names step '" + cause.getStep()
				+ "', but there is no StepHandler, FanOutHandler or StreamHandler bean of that name, and no "
				+ "built-in step is configured under 'paipa.pipelines." + pipeline + ".steps." + cause.getStep()
				+ ".type'.\n\nThe handler beans are: "
				+ (cause.getKnownHandlers().isEmpty() ? "(none)" : String.join(", ", cause.getKnownHandlers()));
		String action = "Declare a bean named '" + cause.getStep()
				+ "' that implements StepHandler, FanOutHandler or StreamHandler, correct the step name in "
				+ "'paipa.pipelines." + pipeline + ".definition', or configure a built-in step with 'paipa.pipelines."
				+ pipeline + ".steps." + cause.getStep() + ".type' (chunk or flatten).";
		return new FailureAnalysis(description, action, cause);
	}

}
