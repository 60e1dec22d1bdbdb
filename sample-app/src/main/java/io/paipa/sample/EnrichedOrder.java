package io.paipa.sample;

import java.math.BigDecimal;

/** An order with the customer's tier and its amount in EUR. */
public record EnrichedOrder(Order order, String tier, BigDecimal amountEur) {
}
