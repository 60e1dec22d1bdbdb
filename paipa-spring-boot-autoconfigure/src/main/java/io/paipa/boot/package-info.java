/**
 * Spring Boot support for paipa pipelines: {@link io.paipa.boot.EnablePaipaPipeline}.
 */
@NullMarked
package io.paipa.boot;

import org.jspecify.annotations.NullMarked;
