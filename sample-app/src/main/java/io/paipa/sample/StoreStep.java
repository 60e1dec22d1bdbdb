package io.paipa.sample;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import javax.sql.DataSource;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import io.paipa.core.StepHandler;

/**
 * Step {@code store}: one chunk in one transaction: a JDBC batch insert that keeps the
 * first order of an id (a resent order is a duplicate, on H2 and PostgreSQL alike), and a
 * row in {@code order_duplicates} for each duplicate. The transaction makes the chunk
 * atomic, so that with {@code isolate-failures} a chunk that fails (one bad member) is
 * tried again member by member without storing anything twice. H2 inserts with
 * {@code INSERT ... SELECT ... WHERE NOT EXISTS}, PostgreSQL with
 * {@code ON CONFLICT (id) DO NOTHING}; the dialect comes from
 * {@code sample.store.dialect} ({@code auto}, {@code h2} or {@code postgresql}), and
 * {@code auto} asks the database on the first chunk. Returns the chunk (in the
 * {@code kafka} profile a {@code flatten} step after it hands each order to the Kafka
 * sink).
 */
@Component("store")
public class StoreStep implements StepHandler<List<EnrichedOrder>, List<EnrichedOrder>> {

	private static final String COLUMNS = "orders (id, customer, amount, currency, tier, amount_eur, request_id, "
			+ "line_ref)";

	private static final String H2 = "INSERT INTO " + COLUMNS + " SELECT ?, ?, ?, ?, ?, ?, ?, ? FROM (VALUES (0)) "
			+ "WHERE NOT EXISTS (SELECT 1 FROM orders WHERE id = ?)";

	private static final String POSTGRESQL = "INSERT INTO " + COLUMNS + " VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
			+ "ON CONFLICT (id) DO NOTHING";

	/** Whether the order stored under an id came from this very line. */
	private static final String STORED_FROM = "SELECT COUNT(*) FROM orders WHERE id = ? AND line_ref = ?";

	private static final String DUPLICATE = "INSERT INTO order_duplicates (id, amount, currency, request_id) "
			+ "VALUES (?, ?, ?, ?)";

	private final JdbcTemplate jdbc;

	private final DataSource dataSource;

	private final TransactionTemplate transaction;

	private final String dialect;

	private volatile String sql;

	public StoreStep(JdbcTemplate jdbc, DataSource dataSource, PlatformTransactionManager transactions,
			@Value("${sample.store.dialect:auto}") String dialect) {
		this.jdbc = jdbc;
		this.dataSource = dataSource;
		this.transaction = new TransactionTemplate(transactions);
		this.dialect = dialect.toLowerCase(Locale.ROOT);
	}

	@Override
	public List<EnrichedOrder> process(List<EnrichedOrder> chunk) throws SQLException {
		String sql = sql();
		this.transaction.executeWithoutResult((status) -> store(sql, chunk));
		return chunk;
	}

	private void store(String sql, List<EnrichedOrder> chunk) {
		boolean h2 = sql.equals(H2);
		int[][] counts = this.jdbc.batchUpdate(sql, chunk, chunk.size(), (ps, item) -> {
			Order order = item.order();
			ps.setString(1, order.id());
			ps.setString(2, order.customer());
			ps.setBigDecimal(3, order.amount());
			ps.setString(4, order.currency());
			ps.setString(5, item.tier());
			ps.setBigDecimal(6, item.amountEur());
			ps.setString(7, requestOf(order));
			ps.setString(8, order.ref());
			if (h2) {
				ps.setString(9, order.id());
			}
		});
		List<Object[]> duplicates = new ArrayList<>();
		int i = 0;
		for (int[] batch : counts) {
			for (int count : batch) {
				Order order = chunk.get(i).order();
				if (count == 0 && !storedBefore(order)) {
					duplicates.add(new Object[] { order.id(), order.amount(), order.currency(), requestOf(order) });
				}
				i++;
			}
		}
		if (!duplicates.isEmpty()) {
			this.jdbc.batchUpdate(DUPLICATE, duplicates);
		}
	}

	/**
	 * Whether an order that was not inserted is there from this very line: a chunk whose
	 * commit reached the database but whose answer did not reach us is stored again, and
	 * its orders are then not duplicates.
	 */
	private boolean storedBefore(Order order) {
		return order.ref() != null && this.jdbc.queryForObject(STORED_FROM, Long.class, order.id(), order.ref()) > 0;
	}

	/** The request that posted the order, for POST /orders?wait=true, or {@code null}. */
	private static String requestOf(Order order) {
		String origin = order.origin();
		return (origin != null && origin.startsWith(OrdersController.REQUEST)) ? origin : null;
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
