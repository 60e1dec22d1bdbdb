/**
 * The engine's machinery; not an API, may change in any release.
 *
 * <h2>Design</h2>
 * <ul>
 * <li><b>Hand-off in batches.</b> Trivial steps are bound by the cost of handing items
 * between threads (a park and an unpark each time a queue runs empty or full). So each
 * step's input is a {@link io.paipa.core.internal.BatchQueue}: a ring buffer under one
 * lock from which a worker takes whatever is there (never waiting to fill a batch), and
 * into which it puts its outputs as one batch. Waiters are signalled only when somebody
 * waits. The batch a worker takes is bounded by a fair share of the queue, by its
 * capacity, and by time: the worker keeps an average of its handler's cost and takes
 * about 100 µs worth, so slow (I/O-bound) steps take one item at a time and every worker
 * stays busy, while trivial steps move up to a full queue per lock round-trip. A worker
 * takes what its batch allows whether or not the next queue has room: it then waits
 * once, to hand the whole batch on, while its own queue refills behind it.</li>
 * <li><b>A bound that counts items in hand, with room for double buffering.</b> Taking a
 * batch does not free its room in the queue until the worker has handed the batch's
 * outputs on (it releases them on its next take). A queue holds at most its capacity,
 * and a step at most {@code capacity + max(capacity, workers)} items, queued or in hand:
 * twice the capacity for a step with no more workers than that, so that the producer can
 * refill the queue while a consumer works through a full batch. (With the bound of a
 * chain of {@code ArrayBlockingQueue}s, {@code capacity + workers}, a worker holding a
 * batch left its producer room for only the rest of the capacity.) The batch source
 * only pulls when the first queue has room.</li>
 * <li><b>Every wait can be ended.</b> A queue can be closed (end of input: consumers
 * drain, then see the end) or aborted (everybody wakes, every put and take is refused).
 * Workers block only inside queues, or inside user code, where an abort interrupts them.
 * End of input needs no marker per worker: each step's supervisor
 * ({@link io.paipa.core.internal.StepRuntime}) closes the next queue when its last
 * worker has ended.</li>
 * <li><b>Failure and stop are bounded.</b> The first failure under the fail policy aborts
 * every queue and interrupts every worker; a stop that cannot drain within its timeout
 * does the same. Whoever has not ended after a short grace is named and abandoned;
 * worker threads are daemons so an abandoned one cannot keep the JVM alive.</li>
 * <li><b>Nothing is lost without a count.</b> A worker's batch and unsent outputs live in
 * fields: a worker killed by an {@code Error} dead-letters the item in hand and its
 * replacement inherits the rest. Items that cannot go on after an abort are
 * dead-lettered (stop) or counted as abandoned (failure). Retries happen in place, so
 * they neither reorder items nor deadlock on a full queue.</li>
 * <li><b>Completion tracking costs nothing unless asked for.</b> Only items put with a
 * callback travel in a {@link io.paipa.core.internal.Tracked} envelope carrying a
 * reference-counted {@link io.paipa.core.internal.Tracker}; fan-out adds references,
 * an output of a stream step holds the trackers of the items consumed since the previous
 * output.</li>
 * <li><b>Counting is cheap.</b> Workers count in plain fields and add to the step's
 * {@code LongAdder}s once per batch; snapshots read those and each worker's opaque
 * busy-since stamp, without locks.</li>
 * </ul>
 */
package io.paipa.core.internal;
