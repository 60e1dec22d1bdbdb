package io.paipa.sample;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.unit.DataSize;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import io.paipa.core.PipelineClosedException;
import io.paipa.core.PipelineInput;

/**
 * The HTTP intake.
 * <ul>
 * <li>{@code POST /orders} ({@code application/x-ndjson}, one JSON order per line): 202
 * {@code {"accepted": n}}: the orders are held by the pipeline (in memory: a process that
 * is killed loses what it did not store yet); 429 with the number accepted so far when
 * the pipeline's input stays full past {@code sample.offer-timeout} (or takes nothing
 * because the database is down); 503 when the pipeline does not accept, or the database
 * does not take writes (see {@link StoreHealth}); 413 when the body is larger than
 * {@code sample.max-body-size} (nothing of it is taken). Lines that are not valid UTF-8
 * are taken and dead-lettered, their bytes kept.</li>
 * <li>{@code POST /orders?wait=true}: answers once every accepted order is stored (or was
 * a duplicate) or dead-lettered, committed in the database: 200
 * {@code {"accepted","stored","deadLettered","duplicates"}}, or 429/503 with the same for
 * the part it took; 504 when that takes longer than {@code sample.wait-timeout}. A client
 * that resends what was not acknowledged never loses an order.</li>
 * <li>{@code GET /orders/stats}: {@code {"stored", "deadLettered", "duplicates"}} from
 * the tables: together they are every order the service answered as accepted; 503 with
 * the reason while the database cannot be read.</li>
 * </ul>
 */
@RestController
public class OrdersController {

	/**
	 * The origin of an order posted with {@code wait=true}: this and the request's id.
	 */
	static final String REQUEST = "request ";

	private final PipelineInput<String> input;

	private final JdbcTemplate jdbc;

	private final StoreHealth store;

	private final Duration offerTimeout;

	private final Duration waitTimeout;

	private final long maxBodySize;

	public OrdersController(@Qualifier("ordersInput") PipelineInput<String> input, JdbcTemplate jdbc, StoreHealth store,
			@Value("${sample.offer-timeout:200ms}") Duration offerTimeout,
			@Value("${sample.wait-timeout:60s}") Duration waitTimeout,
			@Value("${sample.max-body-size:10MB}") DataSize maxBodySize) {
		this.input = input;
		this.jdbc = jdbc;
		this.store = store;
		this.offerTimeout = offerTimeout;
		this.waitTimeout = waitTimeout;
		this.maxBodySize = maxBodySize.toBytes();
	}

	@PostMapping(path = "/orders", consumes = "application/x-ndjson")
	public ResponseEntity<Map<String, Object>> post(HttpServletRequest request,
			@RequestParam(name = "wait", defaultValue = "false") boolean wait)
			throws IOException, InterruptedException {
		if (request.getContentLengthLong() > this.maxBodySize) {
			return tooLarge();
		}
		byte[] body = readAtMost(request.getInputStream(), this.maxBodySize);
		if (body == null) {
			return tooLarge();
		}
		if (!this.input.isAccepting()) {
			return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).body(Map.of("accepted", 0));
		}
		String problem = this.store.problem();
		if (problem != null) {
			return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).body(Map.of("accepted", 0, "error", problem));
		}
		Acknowledgements acks = wait ? new Acknowledgements(REQUEST + UUID.randomUUID()) : null;
		Intake intake = offerAll(body, acks, UUID.randomUUID().toString());
		if (acks == null) {
			return ResponseEntity.status(intake.status).body(Map.of("accepted", intake.accepted));
		}
		if (!acks.awaitAll(this.waitTimeout)) {
			return ResponseEntity.status(HttpStatus.GATEWAY_TIMEOUT)
				.body(Map.of("accepted", intake.accepted, "error", "not every accepted order was stored or "
						+ "dead-lettered within " + this.waitTimeout + "; resend what matters"));
		}
		return ResponseEntity.status((intake.status == HttpStatus.ACCEPTED) ? HttpStatus.OK : intake.status)
			.body(outcome(acks.request, intake.accepted));
	}

	/** Offers the body's lines, each decoded strictly as UTF-8. */
	private Intake offerAll(byte[] body, Acknowledgements acks, String request) throws InterruptedException {
		long accepted = 0;
		int number = 0;
		int start = 0;
		try {
			for (int i = 0; i <= body.length; i++) {
				if (i < body.length && body[i] != '\n') {
					continue;
				}
				int end = (i > start && body[i - 1] == '\r') ? i - 1 : i;
				String line = Lines.decode(body, start, end);
				start = i + 1;
				if (line.isBlank()) {
					continue;
				}
				if (!offer(Lines.tagged((acks != null) ? acks.request : null, request + ":" + number++, line), acks)) {
					return new Intake(HttpStatus.TOO_MANY_REQUESTS, accepted);
				}
				accepted++;
			}
		}
		catch (PipelineClosedException ex) {
			return new Intake(HttpStatus.SERVICE_UNAVAILABLE, accepted);
		}
		finally {
			if (acks != null) {
				acks.allOffered();
			}
		}
		return new Intake(HttpStatus.ACCEPTED, accepted);
	}

	private boolean offer(String line, Acknowledgements acks) throws InterruptedException {
		if (acks == null) {
			return this.input.offer(line, this.offerTimeout);
		}
		acks.expect();
		if (this.input.offer(line, this.offerTimeout, acks::settled)) {
			return true;
		}
		acks.settled();
		return false;
	}

	private Map<String, Object> outcome(String request, long accepted) {
		Map<String, Object> outcome = new LinkedHashMap<>();
		outcome.put("accepted", accepted);
		outcome.put("stored", count("SELECT COUNT(*) FROM orders WHERE request_id = ?", request));
		outcome.put("deadLettered", count("SELECT COUNT(*) FROM dead_letters WHERE origin = ?", request));
		outcome.put("duplicates", count("SELECT COUNT(*) FROM order_duplicates WHERE request_id = ?", request));
		return outcome;
	}

	private long count(String sql, String request) {
		Long count = this.jdbc.queryForObject(sql, Long.class, request);
		return (count != null) ? count : 0;
	}

	@GetMapping("/orders/stats")
	public ResponseEntity<Map<String, Object>> stats() {
		Map<String, Object> stats = new LinkedHashMap<>();
		try {
			stats.put("stored", this.jdbc.queryForObject("SELECT COUNT(*) FROM orders", Long.class));
			stats.put("deadLettered", this.jdbc.queryForObject("SELECT COUNT(*) FROM dead_letters", Long.class));
			stats.put("duplicates", this.jdbc.queryForObject("SELECT COUNT(*) FROM order_duplicates", Long.class));
		}
		catch (DataAccessException ex) {
			// the database cannot be read: say so, as the health does, rather than fail
			// with a 500
			return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
				.body(Map.of("error", "the database cannot be read: " + ex.getMostSpecificCause()));
		}
		return ResponseEntity.ok(stats);
	}

	private ResponseEntity<Map<String, Object>> tooLarge() {
		return ResponseEntity.status(HttpStatus.CONTENT_TOO_LARGE)
			.body(Map.of("accepted", 0, "error", "body larger than " + this.maxBodySize + " bytes"));
	}

	/** The whole stream, or {@code null} when it is longer than {@code max} bytes. */
	private static byte[] readAtMost(InputStream in, long max) throws IOException {
		byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
		return (bytes.length > max) ? null : bytes;
	}

	private record Intake(HttpStatus status, long accepted) {
	}

	/** The completion callbacks of one request's orders. */
	private static final class Acknowledgements {

		final String request;

		/** The request itself counts as pending until every line was offered. */
		private final AtomicInteger pending = new AtomicInteger(1);

		private final CompletableFuture<Void> done = new CompletableFuture<>();

		Acknowledgements(String request) {
			this.request = request;
		}

		void expect() {
			this.pending.incrementAndGet();
		}

		void settled() {
			if (this.pending.decrementAndGet() == 0) {
				this.done.complete(null);
			}
		}

		void allOffered() {
			settled();
		}

		boolean awaitAll(Duration timeout) throws InterruptedException {
			try {
				this.done.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
				return true;
			}
			catch (TimeoutException ex) {
				return false;
			}
			catch (ExecutionException ex) {
				throw new IllegalStateException(ex);
			}
		}

	}

}
