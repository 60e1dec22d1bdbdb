/**
 * Auto-configuration of Kafka sources, sinks and dead-letter topics for paipa pipelines;
 * the classes it sets up are in {@code io.paipa.boot.kafka}.
 */
@NullMarked
package io.paipa.boot.autoconfigure.kafka;

import org.jspecify.annotations.NullMarked;
