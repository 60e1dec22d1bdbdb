/**
 * Auto-configuration of paipa's health support.
 */
@NullMarked
package io.paipa.boot.autoconfigure.health;

import org.jspecify.annotations.NullMarked;
