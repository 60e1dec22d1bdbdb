/**
 * Micrometer observations of paipa pipelines, and the context of the threads that put
 * items carried to the workers that handle them.
 */
@NullMarked
package io.paipa.boot.observation;

import org.jspecify.annotations.NullMarked;
