/**
 * Auto-configuration of paipa's observations and context propagation.
 */
@NullMarked
package io.paipa.boot.autoconfigure.observation;

import org.jspecify.annotations.NullMarked;
