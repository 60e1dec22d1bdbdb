/**
 * Kafka sources, sinks and dead-letter topics of paipa pipelines: what applications
 * implement ({@link io.paipa.boot.kafka.KafkaKey}) and the runtime classes the
 * auto-configuration sets up from {@code paipa.pipelines.<name>.source.kafka},
 * {@code sink.kafka} and {@code dead-letter.kafka}.
 */
@NullMarked
package io.paipa.boot.kafka;

import org.jspecify.annotations.NullMarked;
