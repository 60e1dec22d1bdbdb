package io.paipa.sample;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;

import javax.sql.DataSource;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import io.paipa.core.StepHandler;

/**
 * Step {@code store}: one JDBC batch insert per chunk, idempotent by order id (a
 * redelivered order is not stored twice). H2 uses {@code MERGE INTO ... KEY(id)},
 * PostgreSQL {@code INSERT ... ON CONFLICT (id) DO NOTHING}; the dialect comes from
 * {@code sample.store.dialect} ({@code auto}, {@code h2} or {@code postgresql}), and
 * {@code auto} asks the database on the first chunk. Returns the stored chunk (in the
 * {@code kafka} profile a {@code flatten} step after it hands each order to the Kafka sink).
 */
@Component("store")
public class StoreStep implements StepHandler<List<EnrichedOrder>, List<EnrichedOrder>> {

	private static final String H2 = "MERGE INTO orders (id, customer, amount, currency, tier, amount_eur) KEY (id) "
			+ "VALUES (?, ?, ?, ?, ?, ?)";

	private static final String POSTGRESQL = "INSERT INTO orders (id, customer, amount, currency, tier, amount_eur) "
			+ "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING";

	private final JdbcTemplate jdbc;

	private final DataSource dataSource;

	private final String dialect;

	private volatile String sql;

	public StoreStep(JdbcTemplate jdbc, DataSource dataSource, @Value("${sample.store.dialect:auto}") String dialect) {
		this.jdbc = jdbc;
		this.dataSource = dataSource;
		this.dialect = dialect.toLowerCase(Locale.ROOT);
	}

	@Override
	public List<EnrichedOrder> process(List<EnrichedOrder> chunk) throws SQLException {
		this.jdbc.batchUpdate(sql(), chunk, chunk.size(), (ps, item) -> {
			Order order = item.order();
			ps.setString(1, order.id());
			ps.setString(2, order.customer());
			ps.setBigDecimal(3, order.amount());
			ps.setString(4, order.currency());
			ps.setString(5, item.tier());
			ps.setBigDecimal(6, item.amountEur());
		});
		return chunk;
	}

	private String sql() throws SQLException {
		String sql = this.sql;
		if (sql == null) {
			String name = this.dialect;
			if (name.equals("auto")) {
				try (Connection connection = this.dataSource.getConnection()) {
					name = connection.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT);
				}
			}
			sql = name.contains("postgres") ? POSTGRESQL : H2;
			this.sql = sql;
		}
		return sql;
	}

}
