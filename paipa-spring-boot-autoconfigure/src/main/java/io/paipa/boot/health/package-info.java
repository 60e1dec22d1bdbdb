/**
 * Health of paipa pipelines.
 */
@NullMarked
package io.paipa.boot.health;

import org.jspecify.annotations.NullMarked;
