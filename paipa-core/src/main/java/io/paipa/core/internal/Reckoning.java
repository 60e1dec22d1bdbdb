package io.paipa.core.internal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last accounting of a run, once it ended or was given up on: what the source thread
 * handed in, what is left in the queues, and the workers that did not end.
 */
final class Reckoning {

	private static final Logger logger = LoggerFactory.getLogger(Reckoning.class);

	private Reckoning() {
	}

	/**
	 * Counts what is left and abandons the threads that did not end.
	 * @param execution the run
	 * @param graceDeadline until when to wait for a thread that should end on its own
	 * @return the names of the threads that did not end
	 */
	static List<String> reckon(Execution execution, long graceDeadline) {
		List<String> stuck = new ArrayList<>();
		Thread source = execution.intake.sourceThread();
		if (source != null && !Threads.join(source, graceDeadline)) {
			// it ends on its own once it sees the abort, unless the caller's source
			// blocks
			stuck.add(source.getName());
		}
		countQueued(execution);
		// from here on, a stuck worker that resumes counts nothing more
		execution.ledger.close();
		Set<Thread> stuckThreads = abandonStuck(execution, stuck);
		Threads.joinAll(execution.threads(), graceDeadline, stuckThreads);
		return stuck;
	}

	/** Queued items: none after a normal end; leftovers after an abort. */
	private static void countQueued(Execution execution) {
		BatchQueue[] queues = execution.queues;
		for (int i = 0; i < queues.length; i++) {
			Object[] rest = queues[i].drain();
			execution.ledger.leftovers(i, rest, 0, rest.length);
		}
	}

	private static Set<Thread> abandonStuck(Execution execution, List<String> stuck) {
		Set<Thread> threads = new HashSet<>();
		for (StepRuntime step : execution.steps) {
			for (Worker worker : step.liveWorkers()) {
				if (!worker.exited) {
					stuck.add(worker.name);
					threads.add(worker.thread);
					int held = worker.abandonAsStuck();
					logger.warn(
							"Pipeline '{}': worker {} did not end after the shutdown timeout and an interrupt; "
									+ "abandoned with {} item(s). It is at:{}",
							execution.name(), worker.name, held, Threads.stackOf(worker.thread));
				}
			}
		}
		return threads;
	}

}
