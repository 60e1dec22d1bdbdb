package io.paipa.sample;

import java.math.BigDecimal;
import java.util.Map;

/** The fixed conversion table of the simulated lookup: 1 unit of the currency in EUR. */
final class Rates {

	private static final Map<String, BigDecimal> TO_EUR = Map.of("EUR", BigDecimal.ONE, "USD", new BigDecimal("0.92"),
			"GBP", new BigDecimal("1.17"), "CHF", new BigDecimal("1.05"), "JPY", new BigDecimal("0.0062"), "SEK",
			new BigDecimal("0.087"));

	private Rates() {
	}

	static boolean isKnown(String currency) {
		return TO_EUR.containsKey(currency);
	}

	static BigDecimal toEur(String currency) {
		return TO_EUR.get(currency);
	}

}
