package io.paipa.sample;

import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import io.paipa.core.DeadLetter;
import io.paipa.core.DeadLetterHandler;

/**
 * Keeps dead letters in table {@code dead_letters}: the step, the reason and the raw
 * input. A dead-lettered chunk (a shutdown that could not drain, a failed store) gives
 * one row per order, so every accepted line is either in {@code orders} or here.
 */
@Component
public class JdbcDeadLetterHandler implements DeadLetterHandler {

	private static final Logger logger = LoggerFactory.getLogger(JdbcDeadLetterHandler.class);

	private static final String INSERT = "INSERT INTO dead_letters (pipeline, step, reason, raw) VALUES (?, ?, ?, ?)";

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
				rows.add(new Object[] { letter.pipeline(), letter.step(), reason, raw(item) });
			}
		}
		else {
			rows.add(new Object[] { letter.pipeline(), letter.step(), reason, raw(letter.item()) });
		}
		try {
			this.jdbc.batchUpdate(INSERT, rows);
		}
		catch (RuntimeException ex) {
			logger.error("Could not store {} dead letter(s) from pipeline '{}', step '{}' ({}): {}", rows.size(),
					letter.pipeline(), letter.step(), reason, ex.toString());
		}
	}

	private static String raw(Object item) {
		String raw;
		if (item instanceof EnrichedOrder enriched) {
			raw = json(enriched.order());
		}
		else if (item instanceof Order order) {
			raw = json(order);
		}
		else {
			raw = String.valueOf(item);
		}
		return truncate(raw, 10000);
	}

	private static String json(Order order) {
		return "{\"id\":\"" + order.id() + "\",\"customer\":\"" + order.customer() + "\",\"amount\":\""
				+ order.amount().toPlainString() + "\",\"currency\":\"" + order.currency() + "\"}";
	}

	private static String truncate(String text, int max) {
		return (text.length() <= max) ? text : text.substring(0, max);
	}

}
