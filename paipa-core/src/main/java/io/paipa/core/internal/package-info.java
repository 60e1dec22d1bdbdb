/**
 * The engine's machinery; not an API, may change in any release.
 *
 * <h2>Who does what</h2>
 * <ul>
 * <li>{@link io.paipa.core.internal.Execution}: one run, batch or continuous; wires the
 * queues and step supervisors to the three parts below and delegates to them.</li>
 * <li>{@link io.paipa.core.internal.Intake}: how items enter: put and offered by callers,
 * pulled from a batch source, taken from a caller's queue. An item is accepted once it is
 * taken from its source, and handed on at once.</li>
 * <li>{@link io.paipa.core.internal.Termination}: how a run starts and ends, under one
 * lock: its state, the workers still opening, a stop (drain, then cut off), the first
 * failure, and the result; {@link io.paipa.core.internal.Reckoning} does the last
 * accounting (what is left in the queues, the stuck workers).</li>
 * <li>{@link io.paipa.core.internal.Ledger}: what happened to every item: the counts, the
 * dead letters, and the leftovers of an abort.</li>
 * <li>{@link io.paipa.core.internal.StepRuntime}: the supervisor of one step's workers
 * (start, replace, rescale, and closing the next queue when the last one ended).</li>
 * <li>Workers: {@link io.paipa.core.internal.ItemWorker} hands each item of its batch to
 * the {@link io.paipa.core.internal.ItemProcessor}, the one way an item goes through a
 * one-to-one or fan-out step (attempts, outcome, dead letter or failure, listener events,
 * settlement), which {@code runInline} uses too;
 * {@link io.paipa.core.internal.StreamWorker} calls a stream handler with its
 * {@link io.paipa.core.internal.StreamInput}, and
 * {@link io.paipa.core.internal.HeldItems} keeps what the handler holds.</li>
 * <li>{@link io.paipa.core.internal.InlineRunner}: the same steps in the caller's thread,
 * with the same processor and held items.</li>
 * <li>{@link io.paipa.core.internal.Autoscaler}: a pipeline's autoscaling: pins, counts,
 * and per run a controller thread that asks the
 * {@link io.paipa.core.internal.AutoscaleDecider} once per interval and applies what it
 * decides through the pipeline (so that a manual scale and the controller never overwrite
 * each other). The decider sees only snapshots and the time, so that its tests script
 * both; {@link io.paipa.core.internal.AutoscaleMeter} turns the snapshots into measures
 * and remembers the last intervals, and {@link io.paipa.core.internal.AutoscaleTrial}
 * judges a move.</li>
 * </ul>
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
 * stays busy, while trivial steps move up to a full queue per lock round-trip. A batch
 * source is pulled item by item, and no pulled item waits for the next pull: the source
 * thread, the first queue's only producer, stages each item beside the ring without the
 * lock (publishing it with one compare-and-set); the staged items go into the ring in one
 * lock when a few have gathered, and at once when a worker waits, which takes them itself
 * if it finds them first. While a worker it signalled is still waking, the source keeps
 * staging: that worker's take moves them in with what waits in the ring. The source is
 * woken when half the ring is free, not for every item taken. A producer that finds no
 * room waits in line; whoever makes room moves the waiting producers' items (and markers,
 * in the same line) into it, oldest first, so a woken producer has nothing left to do
 * under the lock and producers do not come back one by one.</li>
 * <li><b>A bound that counts items in hand, with room for double buffering.</b> Taking a
 * batch does not free its room in the queue until the worker has handed the batch's
 * outputs on (it releases them on its next take). A queue holds at most its capacity, and
 * a step at most {@code capacity + max(capacity, workers)} items, queued or in hand. The
 * batch source waits for room before it pulls, so it holds nothing beyond that.</li>
 * <li><b>Every wait can be ended.</b> A queue can be closed (end of input: consumers
 * drain, then see the end) or aborted (everybody wakes, every put and take is refused).
 * Workers block only inside queues, or inside user code, where an abort interrupts them.
 * End of input needs no marker per worker: each step's supervisor closes the next queue
 * when its last worker has ended. Intake ends before the first queue closes, so an item
 * taken from a source is always handed on.</li>
 * <li><b>Two ways to abort, both bounded.</b> The first failure under the fail policy
 * abandons what is in flight: queues abort, workers are interrupted and unwind
 * ({@link io.paipa.core.internal.Abort}). A stop whose timeout ran out cuts the run off:
 * queues abort and workers are interrupted too, but each worker finishes the item in its
 * hands and starts no other; what cannot go on (its outputs, the rest of its batch, a
 * stream handler's partial output) is dead-lettered once, at the step that could not take
 * it. Whoever has not ended after a short grace is named as stuck and what it holds is
 * counted as abandoned; worker threads are daemons so a stuck one cannot keep the JVM
 * alive. A stop called from one of the run's own threads finishes on a thread of its
 * own.</li>
 * <li><b>Nothing is lost without a count.</b> A worker's batch and unsent outputs live in
 * fields: a worker killed by an {@code Error} dead-letters the item in hand and its
 * replacement inherits the rest. Retries happen in place, so they neither reorder items
 * nor deadlock on a full queue.</li>
 * <li><b>Completion tracking costs nothing unless asked for.</b> Only items put with a
 * callback travel in a {@link io.paipa.core.internal.Tracked} envelope carrying a
 * reference-counted {@link io.paipa.core.internal.Tracker}; fan-out adds references; a
 * stream step's output holds a reference on every item its handler held when it was
 * emitted, and the handler's own reference goes when it is done with an item or its call
 * ends. Groups settle their members in a loop, so long chains cannot overflow the
 * stack.</li>
 * <li><b>Markers are a barrier.</b> A marker in a queue stops takes at it; it is handed
 * to the last of the step's registered workers to reach it, once no item taken before it
 * is still in a worker's hands; nobody takes past it until it was passed on. A stream
 * handler's call ends at a marker, so it emits what it holds first.</li>
 * <li><b>Counting is cheap.</b> Workers count in plain fields and add to the step's
 * {@code LongAdder}s once per batch; snapshots read those and each worker's opaque
 * busy-since stamp, without locks.</li>
 * </ul>
 */
package io.paipa.core.internal;
