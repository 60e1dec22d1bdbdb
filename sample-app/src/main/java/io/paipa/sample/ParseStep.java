package io.paipa.sample;

import java.math.BigDecimal;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

import io.paipa.core.StepHandler;

/**
 * Step {@code parse}: one NDJSON line to an {@link Order}. A malformed or invalid line
 * throws {@link InvalidOrderException} with the reason (and its line number in an
 * import); under {@code on-error: skip} it goes to the dead letters. Invalid: not UTF-8,
 * longer than {@code sample.max-line-size} (1MB), not a JSON object, a missing or empty
 * field, an amount that is not a number, not positive, or has more than 4 decimals, an id
 * or customer longer than 64 characters, an unknown currency.
 */
@Component("parse")
public class ParseStep implements StepHandler<String, Order> {

	/** The most decimals an amount may have: the column's scale. */
	static final int SCALE = 4;

	private final ObjectMapper mapper = JsonMapper.builder().build();

	private final long maxLineSize;

	public ParseStep(@Value("${sample.max-line-size:1MB}") DataSize maxLineSize) {
		this.maxLineSize = maxLineSize.toBytes();
	}

	@Override
	public Order process(String tagged) throws InvalidOrderException {
		String origin = Lines.origin(tagged);
		try {
			return parse(Lines.text(tagged), origin, Lines.ref(tagged));
		}
		catch (InvalidOrderException ex) {
			if (origin != null && origin.startsWith("line ")) {
				throw new InvalidOrderException(origin + ": " + ex.getMessage(), ex.getCause());
			}
			throw ex;
		}
	}

	private Order parse(String line, String origin, String ref) throws InvalidOrderException {
		if (Lines.isInvalid(line)) {
			throw new InvalidOrderException("not valid UTF-8 (the line's bytes are kept base64-encoded)");
		}
		if (line.length() > this.maxLineSize) {
			throw new InvalidOrderException("line longer than " + this.maxLineSize + " characters");
		}
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
		if (amount.stripTrailingZeros().scale() > SCALE) {
			throw new InvalidOrderException("'amount' has more than " + SCALE + " decimals: " + amount.toPlainString());
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
		return new Order(id, customer, amount, currency, origin, ref);
	}

	private static String text(JsonNode node, String field) throws InvalidOrderException {
		JsonNode value = node.get(field);
		if (value == null || !value.isString() || value.stringValue().isBlank()) {
			throw new InvalidOrderException("missing or empty field '" + field + "'");
		}
		return value.stringValue();
	}

}
