package io.paipa.core.internal;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.paipa.core.DeadLetter;
import io.paipa.core.OutagePolicy;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Handing dead letters over so that none is lost: a handler that throws is tried again
 * after the outage backoff, with the step in an outage until it takes the letter; when
 * waiting is over the letter goes to the log instead.
 */
@Timeout(30)
class DeadLettersTests {

	private final List<String> told = new CopyOnWriteArrayList<>();

	private final List<Long> pauses = new CopyOnWriteArrayList<>();

	private final Outage.Observer observer = new Outage.Observer() {

		@Override
		public void outageStarted(String step, Throwable cause) {
			DeadLettersTests.this.told.add("started " + cause.getMessage());
		}

		@Override
		public void outageEnded(String step, Duration lasted) {
			DeadLettersTests.this.told.add("ended");
		}

	};

	private final DeadLetter letter = new DeadLetter("test", "step0", "item", new IllegalStateException("cause"), 1,
			List.of());

	@AfterEach
	void clearInterrupt() {
		Thread.interrupted();
	}

	private Outage outage(OutagePolicy policy) {
		return new Outage("test", "step0", "dead-letter handler", policy, this.observer);
	}

	private static OutagePolicy backoff() {
		return OutagePolicy.off().withBackoff(Duration.ofMillis(10), Duration.ofSeconds(10));
	}

	/** A handler that throws {@code failures} times, then takes the letters. */
	private static final class Flaky implements io.paipa.core.DeadLetterHandler {

		private final int failures;

		final AtomicInteger calls = new AtomicInteger();

		final List<DeadLetter> taken = new CopyOnWriteArrayList<>();

		Flaky(int failures) {
			this.failures = failures;
		}

		@Override
		public void handle(DeadLetter letter) {
			if (this.calls.incrementAndGet() <= this.failures) {
				throw new IllegalStateException("down " + this.calls.get());
			}
			this.taken.add(letter);
		}

	}

	@Test
	void aLetterTheHandlerTakesIsDeliveredOnce() {
		Flaky handler = new Flaky(0);
		DeadLetters.deliver(handler, this.letter, outage(backoff()), (nanos) -> {
			this.pauses.add(nanos);
			return true;
		});
		assertThat(handler.taken).containsExactly(this.letter);
		assertThat(handler.calls).hasValue(1);
		assertThat(this.pauses).isEmpty();
		assertThat(this.told).isEmpty();
	}

	@Test
	void aFailingHandlerIsTriedAgainAfterTheBackoffInAnOutage() {
		Flaky handler = new Flaky(3);
		OutagePolicy policy = backoff();
		Outage outage = outage(policy);
		DeadLetters.deliver(handler, this.letter, outage, (nanos) -> {
			this.pauses.add(nanos);
			assertThat(outage.isActive()).as("in an outage while it waits").isTrue();
			return true;
		});
		assertThat(handler.taken).containsExactly(this.letter);
		assertThat(handler.calls).hasValue(4);
		assertThat(this.pauses).containsExactly(policy.backoffNanos(0), policy.backoffNanos(1), policy.backoffNanos(2));
		assertThat(this.told).containsExactly("started down 1", "ended");
		assertThat(outage.isActive()).isFalse();
	}

	@Test
	void whenWaitingIsOverTheLetterGoesToTheLogInFull() {
		Flaky handler = new Flaky(Integer.MAX_VALUE);
		Outage outage = outage(backoff());
		String log = logged(() -> DeadLetters.deliver(handler, this.letter, outage, (nanos) -> {
			this.pauses.add(nanos);
			return this.pauses.size() < 2;
		}));
		assertThat(handler.calls).as("tried, tried again, then waiting was over").hasValue(2);
		assertThat(this.pauses).hasSize(2);
		assertThat(outage.isActive()).as("the handler is still down").isTrue();
		assertThat(log).contains("ERROR")
			.contains("Pipeline 'test', step 'step0'")
			.contains("java.lang.IllegalStateException: down 2")
			.contains("attempts=1")
			.contains("cause=java.lang.IllegalStateException: cause")
			.contains("item=item");
	}

	/**
	 * What the code logs while it runs (the test logger writes to {@code System.err} on
	 * the calling thread).
	 */
	private static String logged(Runnable code) {
		java.io.PrintStream err = System.err;
		java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
		System.setErr(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
		try {
			code.run();
		}
		finally {
			System.setErr(err);
		}
		String log = out.toString(java.nio.charset.StandardCharsets.UTF_8);
		err.print(log);
		return log;
	}

	@Test
	void anOutageGivenUpOnSendsTheLetterToTheLogWithoutWaiting() {
		Flaky handler = new Flaky(Integer.MAX_VALUE);
		Outage outage = outage(backoff().withGiveUpAfter(Duration.ofNanos(1)));
		DeadLetters.deliver(handler, this.letter, outage, (nanos) -> {
			this.pauses.add(nanos);
			// waits until the outage is older than the limit
			org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(outage::givenUp);
			return true;
		});
		assertThat(handler.calls.get()).isBetween(1, 2);
		assertThat(this.pauses).hasSize(handler.calls.get() - 1);
	}

	@Test
	void theHandlerRunsWithoutTheInterruptOfACutOffWhichIsSetAgainAfterwards() {
		List<Boolean> interrupted = new CopyOnWriteArrayList<>();
		Thread.currentThread().interrupt();
		DeadLetters.deliver((letter) -> interrupted.add(Thread.currentThread().isInterrupted()), this.letter,
				outage(backoff()), (nanos) -> true);
		assertThat(interrupted).containsExactly(false);
		assertThat(Thread.interrupted()).isTrue();
	}

	@Test
	void aHandlerOnAnUninterruptedThreadLeavesItUninterrupted() {
		DeadLetters.deliver((letter) -> {
		}, this.letter, outage(backoff()), (nanos) -> true);
		assertThat(Thread.currentThread().isInterrupted()).isFalse();
	}

	@Test
	void aLetterWhoseItemCannotBeShownIsLoggedAllTheSame() {
		Object unprintable = new Object() {
			@Override
			public String toString() {
				throw new IllegalStateException("no toString");
			}
		};
		DeadLetter letter = new DeadLetter("test", "step0", unprintable, new IllegalStateException("cause"), 1,
				List.of());
		AtomicInteger calls = new AtomicInteger();
		String log = logged(() -> DeadLetters.deliver((l) -> {
			calls.incrementAndGet();
			throw new IllegalStateException("down");
		}, letter, outage(backoff()), (nanos) -> false));
		assertThat(calls).hasValue(1);
		assertThat(log).contains("item=" + unprintable.getClass().getName()
				+ " (toString failed: java.lang.IllegalStateException: no toString)");
	}

}
