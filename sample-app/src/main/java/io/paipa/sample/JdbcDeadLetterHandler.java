package io.paipa.sample;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

import io.paipa.core.DeadLetter;
import io.paipa.core.DeadLetterHandler;

/**
 * Keeps dead letters in table {@code dead_letters}: the step, the reason, the raw input
 * (an order as JSON, written by Jackson) and where it came from (the request, or the line
 * of an import). A dead-lettered chunk gives one row per order, so that every accepted
 * line is in {@code orders}, {@code order_duplicates} or here.
 *
 * <p>
 * It throws when the database does not take the rows: the pipeline then retries the
 * letter (its step is in an outage, so the input takes nothing) until the database is
 * back, and writes the letter to the log in full only if a stop runs out of time first.
 */
@Component
public class JdbcDeadLetterHandler implements DeadLetterHandler {

	/**
	 * One row per dead-lettered line, once: a letter written again after a commit whose
	 * answer was lost (its line's reference is already there for the step) adds nothing.
	 */
	private static final String INSERT = "INSERT INTO dead_letters (pipeline, step, reason, raw, origin, line_ref) "
			+ "SELECT ?, ?, ?, ?, ?, ? FROM (VALUES (0)) AS v(x) "
			+ "WHERE NOT EXISTS (SELECT 1 FROM dead_letters WHERE line_ref = ? AND step = ?)";

	private static final ObjectMapper json = JsonMapper.builder().build();

	private final JdbcTemplate jdbc;

	public JdbcDeadLetterHandler(JdbcTemplate jdbc) {
		this.jdbc = jdbc;
	}

	@Override
	public void handle(DeadLetter letter) {
		String reason = truncate(String.valueOf(letter.cause()), 2000);
		List<Object[]> rows = new ArrayList<>();
		if (letter.item() instanceof List<?> list) {
			for (Object item : list) {
				rows.add(row(letter, reason, item));
			}
		}
		else {
			rows.add(row(letter, reason, letter.item()));
		}
		this.jdbc.batchUpdate(INSERT, rows);
	}

	private static Object[] row(DeadLetter letter, String reason, Object item) {
		String ref = ref(item);
		return new Object[] { letter.pipeline(), letter.step(), reason, truncate(raw(item), 10000), origin(item), ref,
				ref, letter.step() };
	}

	private static String raw(Object item) {
		Order order = orderOf(item);
		if (order != null) {
			return json(order);
		}
		return (item instanceof String line) ? Lines.text(line) : String.valueOf(item);
	}

	private static String origin(Object item) {
		Order order = orderOf(item);
		if (order != null) {
			return order.origin();
		}
		return (item instanceof String line) ? Lines.origin(line) : null;
	}

	private static String ref(Object item) {
		Order order = orderOf(item);
		if (order != null) {
			return order.ref();
		}
		return (item instanceof String line) ? Lines.ref(line) : null;
	}

	/** The order a dead-lettered item is or holds, or {@code null} for a line. */
	private static Order orderOf(Object item) {
		if (item instanceof EnrichedOrder enriched) {
			return enriched.order();
		}
		return (item instanceof Order order) ? order : null;
	}

	private static String json(Order order) {
		Map<String, Object> fields = new LinkedHashMap<>();
		fields.put("id", order.id());
		fields.put("customer", order.customer());
		fields.put("amount", order.amount().toPlainString());
		fields.put("currency", order.currency());
		return json.writeValueAsString(fields);
	}

	private static String truncate(String text, int max) {
		return (text == null || text.length() <= max) ? text : text.substring(0, max);
	}

}
