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
 */
public record Order(String id, String customer, BigDecimal amount, String currency, @JsonIgnore String origin) {
}
