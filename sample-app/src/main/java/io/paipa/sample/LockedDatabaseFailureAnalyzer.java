package io.paipa.sample;

import java.sql.SQLException;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains a start-up that failed because another process holds the embedded H2 database
 * file (H2 error 90020): another instance of the service, most likely.
 */
class LockedDatabaseFailureAnalyzer extends AbstractFailureAnalyzer<SQLException> {

	/** H2's "Database may be already in use". */
	private static final int DATABASE_ALREADY_OPEN = 90020;

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, SQLException cause) {
		if (cause.getErrorCode() != DATABASE_ALREADY_OPEN) {
			return null;
		}
		return new FailureAnalysis("The H2 database file is locked by another process: " + cause.getMessage(),
				"Stop the other instance of the service, or give this one a database file of its own: "
						+ "--spring.datasource.url='jdbc:h2:file:./data/other;DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0'.",
				cause);
	}

}
