/**
 * Auto-configuration of the live pipeline page.
 */
@NullMarked
package io.paipa.boot.autoconfigure.ui;

import org.jspecify.annotations.NullMarked;
