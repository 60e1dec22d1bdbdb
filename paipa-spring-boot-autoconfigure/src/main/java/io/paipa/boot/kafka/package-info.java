/**
 * Kafka sources and sinks for paipa pipelines: what applications implement.
 */
@NullMarked
package io.paipa.boot.kafka;

import org.jspecify.annotations.NullMarked;
