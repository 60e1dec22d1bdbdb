/**
 * Micrometer meters of paipa pipelines.
 */
@NullMarked
package io.paipa.boot.metrics;

import org.jspecify.annotations.NullMarked;
