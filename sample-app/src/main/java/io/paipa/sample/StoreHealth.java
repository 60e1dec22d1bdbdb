package io.paipa.sample;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Whether the database takes writes: a row written and rolled back, at most once per
 * {@code sample.store-probe-interval}. A database that is read-only, full or gone makes
 * the service's health DOWN ({@code /actuator/health/databaseWrites}) and
 * {@code POST /orders} answer 503 before it takes anything, instead of taking orders it
 * cannot store.
 */
@Component("databaseWritesHealthIndicator")
public class StoreHealth implements HealthIndicator {

	private final JdbcTemplate jdbc;

	private final long intervalNanos;

	private final AtomicReference<Probe> last = new AtomicReference<>();

	public StoreHealth(JdbcTemplate jdbc, @Value("${sample.store-probe-interval:1s}") Duration interval) {
		this.jdbc = jdbc;
		this.intervalNanos = interval.toNanos();
	}

	/**
	 * Tells why the database does not take writes.
	 * @return the reason, or {@code null} when it takes them
	 */
	public String problem() {
		Probe probe = this.last.get();
		long now = System.nanoTime();
		if (probe == null || now - probe.at >= this.intervalNanos) {
			// one request probes; the others meanwhile answer with what the last probe
			// found
			Probe probing = new Probe(now, (probe != null) ? probe.problem : null);
			if (this.last.compareAndSet(probe, probing)) {
				probe = new Probe(now, probe());
				this.last.set(probe);
			}
			else {
				probe = this.last.get();
			}
		}
		return probe.problem;
	}

	private String probe() {
		try {
			this.jdbc.execute((ConnectionCallback<Void>) (connection) -> {
				boolean autoCommit = connection.getAutoCommit();
				connection.setAutoCommit(false);
				try (var statement = connection.createStatement()) {
					statement.executeUpdate("INSERT INTO write_probe (at) VALUES (CURRENT_TIMESTAMP)");
				}
				finally {
					connection.rollback();
					connection.setAutoCommit(autoCommit);
				}
				return null;
			});
			return null;
		}
		catch (DataAccessException ex) {
			return "the database does not take writes: " + ex.getMostSpecificCause();
		}
	}

	@Override
	public Health health() {
		String problem = problem();
		return (problem != null) ? Health.down().withDetail("problem", problem).build() : Health.up().build();
	}

	private record Probe(long at, String problem) {
	}

}
