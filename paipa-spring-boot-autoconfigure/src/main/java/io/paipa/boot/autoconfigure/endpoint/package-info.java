/**
 * Auto-configuration of paipa's endpoint support.
 */
@NullMarked
package io.paipa.boot.autoconfigure.endpoint;

import org.jspecify.annotations.NullMarked;
