/**
 * Auto-configuration of Kafka sources, sinks and dead-letter topics for paipa pipelines,
 * and their implementation.
 */
@NullMarked
package io.paipa.boot.autoconfigure.kafka;

import org.jspecify.annotations.NullMarked;
