package io.paipa.core.internal;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.paipa.core.OutagePolicy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An outage as a step's failures tell it: several items failing in a row, or the
 * dead-letter handler failing at once; told to the observer when it begins and ends,
 * given up after the policy's limit.
 */
@Timeout(30)
class OutageStateTests {

	/** What the observer was told, as "started step cause" and "ended step". */
	private final List<String> told = new CopyOnWriteArrayList<>();

	private final List<Duration> lasted = new CopyOnWriteArrayList<>();

	private final Outage.Observer observer = new Outage.Observer() {

		@Override
		public void outageStarted(String step, Throwable cause) {
			OutageStateTests.this.told.add("started " + step + " " + cause.getMessage());
		}

		@Override
		public void outageEnded(String step, Duration lasted) {
			OutageStateTests.this.told.add("ended " + step);
			OutageStateTests.this.lasted.add(lasted);
		}

	};

	private Outage outage(OutagePolicy policy) {
		return new Outage("test", "step0", "step", policy, this.observer);
	}

	private static IllegalStateException failure(String message) {
		return new IllegalStateException(message);
	}

	@Test
	void tellsItsPolicy() {
		OutagePolicy policy = OutagePolicy.afterFailures(3)
			.withBackoff(Duration.ofMillis(10), Duration.ofSeconds(1))
			.withGiveUpAfter(Duration.ofMinutes(5));
		Outage outage = outage(policy);
		assertThat(outage.threshold()).isEqualTo(3);
		assertThat(outage.detects()).isTrue();
		assertThat(outage.giveUpAfter()).isEqualTo(Duration.ofMinutes(5));
		assertThat(outage.backoffNanos(0)).isEqualTo(policy.backoffNanos(0));
		assertThat(outage.backoffNanos(3)).isEqualTo(policy.backoffNanos(3)).isEqualTo(80_000_000L);
		assertThat(outage(OutagePolicy.off()).detects()).isFalse();
		assertThat(outage(OutagePolicy.afterFailures(1)).detects()).isTrue();
	}

	@Test
	void itemsFailingInARowBeginAnOutageOnce() {
		Outage outage = outage(OutagePolicy.afterFailures(3));
		assertThat(outage.isActive()).isFalse();
		assertThat(outage.failed(failure("one"))).isFalse();
		assertThat(outage.failed(failure("two"))).isFalse();
		assertThat(outage.isActive()).isFalse();
		assertThat(outage.began()).isNull();
		assertThat(outage.error()).as("no outage, no error to tell").isNull();
		assertThat(this.told).isEmpty();
		assertThat(outage.failed(failure("three"))).isTrue();
		assertThat(outage.isActive()).isTrue();
		assertThat(outage.began()).isNotNull();
		assertThat(outage.error()).isEqualTo("java.lang.IllegalStateException: three");
		assertThat(outage.failed(failure("four"))).isTrue();
		assertThat(outage.error()).as("the last failure").isEqualTo("java.lang.IllegalStateException: four");
		assertThat(this.told).containsExactly("started step0 three");
	}

	@Test
	void aSuccessInBetweenStartsTheCountAgain() {
		Outage outage = outage(OutagePolicy.afterFailures(2));
		assertThat(outage.failed(failure("one"))).isFalse();
		outage.succeeded();
		assertThat(outage.failed(failure("two"))).isFalse();
		assertThat(this.told).as("no outage began, none ends").isEmpty();
		assertThat(outage.failed(failure("three"))).isTrue();
	}

	@Test
	void aSuccessEndsTheOutage() {
		Outage outage = outage(OutagePolicy.afterFailures(1));
		long before = System.nanoTime();
		assertThat(outage.failed(failure("one"))).isTrue();
		outage.succeeded();
		long after = System.nanoTime();
		assertThat(outage.isActive()).isFalse();
		assertThat(outage.began()).isNull();
		assertThat(outage.error()).isNull();
		assertThat(this.told).containsExactly("started step0 one", "ended step0");
		assertThat(this.lasted).singleElement()
			.satisfies((d) -> assertThat(d.toNanos()).isNotNegative().isLessThanOrEqualTo(after - before));
		outage.succeeded();
		assertThat(this.told).as("ended once").hasSize(2);
		assertThat(outage.failed(failure("again"))).as("a new outage").isTrue();
		assertThat(this.told).hasSize(3).last().isEqualTo("started step0 again");
	}

	@Test
	void withoutDetectionFailuresMakeNoOutage() {
		Outage outage = outage(OutagePolicy.off());
		for (int i = 0; i < 10; i++) {
			assertThat(outage.failed(failure("f" + i))).isFalse();
		}
		assertThat(outage.isActive()).isFalse();
		assertThat(this.told).isEmpty();
	}

	@Test
	void aFailureForSureBeginsAnOutageAtOnceEvenWithoutDetection() {
		Outage outage = outage(OutagePolicy.off());
		outage.failedNow(failure("handler"));
		assertThat(outage.isActive()).isTrue();
		assertThat(outage.error()).isEqualTo("java.lang.IllegalStateException: handler");
		outage.failedNow(failure("again"));
		assertThat(this.told).containsExactly("started step0 handler");
		assertThat(outage.error()).isEqualTo("java.lang.IllegalStateException: again");
		outage.succeeded();
		assertThat(this.told).containsExactly("started step0 handler", "ended step0");
	}

	@Test
	void anOutageIsGivenUpOnlyAfterThePolicysLimit() {
		Outage unlimited = outage(OutagePolicy.afterFailures(1));
		unlimited.failedNow(failure("x"));
		assertThat(unlimited.givenUp()).as("no limit").isFalse();

		Outage limited = outage(OutagePolicy.afterFailures(1).withGiveUpAfter(Duration.ofHours(1)));
		assertThat(limited.givenUp()).as("no outage").isFalse();
		limited.failedNow(failure("x"));
		assertThat(limited.givenUp()).as("an hour has not passed").isFalse();

		Outage brief = outage(OutagePolicy.afterFailures(1).withGiveUpAfter(Duration.ofNanos(1)));
		assertThat(brief.givenUp()).as("no outage").isFalse();
		brief.failedNow(failure("x"));
		await().atMost(Duration.ofSeconds(10)).until(brief::givenUp);
		brief.succeeded();
		assertThat(brief.givenUp()).as("over").isFalse();
	}

}
