/**
 * The {@code paipa} actuator endpoint.
 */
@NullMarked
package io.paipa.boot.actuate;

import org.jspecify.annotations.NullMarked;
