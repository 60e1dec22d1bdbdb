/**
 * paipa's pipeline engine: an ordered list of steps, each with its own worker threads,
 * joined by bounded queues, so that early steps slow down to the pace of the slow ones
 * and memory stays flat whatever the size of the input.
 *
 * <p>
 * Start with {@link io.paipa.core.Pipeline#builder(String)}. Steps are one of three
 * kinds: {@link io.paipa.core.StepHandler} (one item in, one out or none),
 * {@link io.paipa.core.FanOutHandler} (one in, any number out) and
 * {@link io.paipa.core.StreamHandler} (a worker sees its whole input: grouping, windows,
 * stateful work). {@link io.paipa.core.Steps} has the built-in {@code chunk} and
 * {@code flatten}.
 *
 * <p>
 * Promises kept in every case: idle workers block and never poll; every queue is bounded;
 * an item that enters a step leaves it exactly once (processed, dropped, dead-lettered,
 * or abandoned after a failure); stopping and failing are bounded in time, even when a
 * handler ignores interrupts.
 */
package io.paipa.core;
