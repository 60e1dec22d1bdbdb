/**
 * Auto-configuration of paipa's metrics support.
 */
@NullMarked
package io.paipa.boot.autoconfigure.metrics;

import org.jspecify.annotations.NullMarked;
