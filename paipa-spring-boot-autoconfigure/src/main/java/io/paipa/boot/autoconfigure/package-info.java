/**
 * Assembly of pipelines from {@code paipa.*} properties and handler beans, their
 * lifecycle, and the failure analyzers for bad configuration.
 */
@NullMarked
package io.paipa.boot.autoconfigure;

import org.jspecify.annotations.NullMarked;
