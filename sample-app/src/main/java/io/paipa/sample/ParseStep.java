package io.paipa.sample;

import java.math.BigDecimal;

import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

import io.paipa.core.StepHandler;

/**
 * Step {@code parse}: one NDJSON line to an {@link Order}. A malformed or invalid line
 * throws {@link InvalidOrderException} with the reason; under {@code on-error: skip} it
 * goes to the dead letters.
 */
@Component("parse")
public class ParseStep implements StepHandler<String, Order> {

	private final ObjectMapper mapper = JsonMapper.builder().build();

	@Override
	public Order process(String line) throws InvalidOrderException {
		JsonNode node;
		try {
			node = this.mapper.readTree(line);
		}
		catch (JacksonException ex) {
			throw new InvalidOrderException("malformed JSON: " + ex.getOriginalMessage(), ex);
		}
		if (node == null || !node.isObject()) {
			throw new InvalidOrderException("not a JSON object");
		}
		String id = text(node, "id");
		String customer = text(node, "customer");
		String currency = text(node, "currency");
		JsonNode amountNode = node.get("amount");
		if (amountNode == null || amountNode.isNull()) {
			throw new InvalidOrderException("missing field 'amount'");
		}
		BigDecimal amount;
		try {
			amount = new BigDecimal(amountNode.isNumber() ? amountNode.asString() : amountNode.stringValue());
		}
		catch (RuntimeException ex) {
			throw new InvalidOrderException("'amount' is not a number: " + amountNode, ex);
		}
		if (amount.signum() <= 0) {
			throw new InvalidOrderException("'amount' must be positive: " + amount);
		}
		if (id.length() > 64 || customer.length() > 64) {
			throw new InvalidOrderException("'id' and 'customer' are at most 64 characters");
		}
		if (!Rates.isKnown(currency)) {
			throw new InvalidOrderException("unknown currency '" + currency + "'");
		}
		return new Order(id, customer, amount, currency);
	}

	private static String text(JsonNode node, String field) throws InvalidOrderException {
		JsonNode value = node.get(field);
		if (value == null || !value.isString() || value.stringValue().isBlank()) {
			throw new InvalidOrderException("missing or empty field '" + field + "'");
		}
		return value.stringValue();
	}

}
