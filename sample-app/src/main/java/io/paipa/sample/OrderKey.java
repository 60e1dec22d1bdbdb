package io.paipa.sample;

import org.springframework.stereotype.Component;

import io.paipa.boot.kafka.KafkaKey;

/**
 * The record key of a stored order sent to Kafka in the {@code kafka} profile: its id, so
 * that every record of one order lands in the same partition.
 */
@Component("orderKey")
public class OrderKey implements KafkaKey<EnrichedOrder> {

	@Override
	public String keyOf(EnrichedOrder item) {
		return item.order().id();
	}

}
