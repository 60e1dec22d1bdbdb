package io.paipa.sample;

import java.math.BigDecimal;

/** An order as posted: one NDJSON line. */
public record Order(String id, String customer, BigDecimal amount, String currency) {
}
