package io.paipa.sample;

import java.sql.SQLException;
import java.util.Set;

import com.zaxxer.hikari.SQLExceptionOverride;

/**
 * Tells the connection pool to drop a connection whose database went away. H2 reports a
 * server that was stopped (and a database closed under the connection) with its own error
 * codes, not the SQL states the pool knows, so without this the pool would keep handing
 * out dead connections after the database came back.
 */
public class BrokenConnectionEviction implements SQLExceptionOverride {

	/**
	 * H2: database closed, connection broken, file corrupted or locked, remote connection
	 * closed.
	 */
	private static final Set<Integer> H2_GONE = Set.of(90121, 90067, 90098, 90020, 90028, 90031);

	@java.lang.Override
	public SQLExceptionOverride.Override adjudicate(SQLException ex) {
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			if (cause instanceof SQLException sql && H2_GONE.contains(sql.getErrorCode())) {
				return SQLExceptionOverride.Override.MUST_EVICT;
			}
		}
		return SQLExceptionOverride.Override.CONTINUE_EVICT;
	}

}
