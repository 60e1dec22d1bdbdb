package io.paipa.core.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/** A thread's own counts, moved to its step's counters and started again from zero. */
@Timeout(30)
class LocalCountsTests {

	@Test
	void movesEachCountAndStartsAgainFromZero() {
		LocalCounts counts = new LocalCounts();
		StepCounters counters = new StepCounters();
		counts.processed = 5;
		counts.dropped = 4;
		counts.retried = 3;
		counts.failed = 2;
		counts.moveTo(counters);
		assertThat(counters.processed.sum()).isEqualTo(5);
		assertThat(counters.dropped.sum()).isEqualTo(4);
		assertThat(counters.retried.sum()).isEqualTo(3);
		assertThat(counters.failed.sum()).isEqualTo(2);
		assertThat(counts.processed).isZero();
		assertThat(counts.dropped).isZero();
		assertThat(counts.retried).isZero();
		assertThat(counts.failed).isZero();
		counts.processed = 1;
		counts.failed = 1;
		counts.moveTo(counters);
		counts.moveTo(counters);
		assertThat(counters.processed.sum()).as("moved once").isEqualTo(6);
		assertThat(counters.dropped.sum()).isEqualTo(4);
		assertThat(counters.retried.sum()).isEqualTo(3);
		assertThat(counters.failed.sum()).isEqualTo(3);
	}

}
