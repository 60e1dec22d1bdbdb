package io.paipa.sample;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;

import org.springframework.boot.convert.DurationStyle;
import org.springframework.context.annotation.Scope;
import org.springframework.stereotype.Component;

import io.paipa.core.StepContext;
import io.paipa.core.StepHandler;

/**
 * Step {@code enrich}: a simulated remote lookup of the customer's tier and the EUR rate.
 * Its latency comes from the step option {@code latency} (default 5ms). Prototype scope:
 * one instance per worker, so each pipeline's workers keep their own latency.
 */
@Component("enrich")
@Scope("prototype")
public class EnrichStep implements StepHandler<Order, EnrichedOrder> {

	private static final String[] TIERS = { "bronze", "silver", "gold" };

	private Duration latency = Duration.ofMillis(5);

	@Override
	public void open(StepContext context) {
		Object option = context.options().get("latency");
		if (option != null) {
			this.latency = DurationStyle.detectAndParse(option.toString().trim());
		}
	}

	@Override
	public EnrichedOrder process(Order order) throws InterruptedException {
		if (!this.latency.isZero()) {
			Thread.sleep(this.latency.toMillis(), this.latency.toNanosPart() % 1_000_000);
		}
		String tier = TIERS[Math.floorMod(order.customer().hashCode(), TIERS.length)];
		BigDecimal eur = order.amount().multiply(Rates.toEur(order.currency())).setScale(2, RoundingMode.HALF_UP);
		return new EnrichedOrder(order, tier, eur);
	}

}
