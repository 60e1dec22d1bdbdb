package io.paipa.sample;

import java.math.BigDecimal;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * An order as posted: one NDJSON line.
 *
 * @param id the order's id, unique: a second order with the same id is a duplicate
 * @param customer the customer's id
 * @param amount the amount, positive, at most 4 decimals
 * @param currency the ISO currency code
 * @param origin where the line came from: the request that posted it, or its line number
 * in an import; {@code null} when unknown (Kafka)
 * @param ref a name of the accepted line, unique (the request's or import's id and the
 * line's number), so that a store retried after a commit whose outcome it did not learn
 * knows its own earlier write from a resent order; {@code null} when unknown (Kafka)
 */
public record Order(String id, String customer, BigDecimal amount, String currency, @JsonIgnore String origin,
		@JsonIgnore String ref) {

	/** An order without a reference. */
	public Order(String id, String customer, BigDecimal amount, String currency, String origin) {
		this(id, customer, amount, currency, origin, null);
	}

}
