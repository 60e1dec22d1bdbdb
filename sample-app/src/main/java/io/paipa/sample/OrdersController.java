package io.paipa.sample;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.unit.DataSize;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import io.paipa.core.PipelineClosedException;
import io.paipa.core.PipelineInput;

/**
 * The HTTP intake.
 * <ul>
 * <li>{@code POST /orders} ({@code application/x-ndjson}, one JSON order per line): 202
 * {@code {"accepted": n}}; 429 with the number accepted so far when the pipeline's input
 * stays full past {@code sample.offer-timeout}; 503 when the pipeline does not accept;
 * 413 when the body is larger than {@code sample.max-body-size} (nothing of it is taken:
 * the whole body is read and measured before the first line is offered).</li>
 * <li>{@code GET /orders/stats}: {@code {"stored": n, "deadLettered": m}} from the
 * tables.</li>
 * </ul>
 */
@RestController
public class OrdersController {

	private final PipelineInput<String> input;

	private final JdbcTemplate jdbc;

	private final Duration offerTimeout;

	private final long maxBodySize;

	public OrdersController(@Qualifier("ordersInput") PipelineInput<String> input, JdbcTemplate jdbc,
			@Value("${sample.offer-timeout:200ms}") Duration offerTimeout,
			@Value("${sample.max-body-size:10MB}") DataSize maxBodySize) {
		this.input = input;
		this.jdbc = jdbc;
		this.offerTimeout = offerTimeout;
		this.maxBodySize = maxBodySize.toBytes();
	}

	@PostMapping(path = "/orders", consumes = "application/x-ndjson")
	public ResponseEntity<Map<String, Object>> post(HttpServletRequest request)
			throws IOException, InterruptedException {
		if (request.getContentLengthLong() > this.maxBodySize) {
			return tooLarge();
		}
		byte[] body = readAtMost(request.getInputStream(), this.maxBodySize);
		if (body == null) {
			return tooLarge();
		}
		if (!this.input.isAccepting()) {
			return answer(HttpStatus.SERVICE_UNAVAILABLE, 0);
		}
		long accepted = 0;
		try (BufferedReader reader = new BufferedReader(
				new InputStreamReader(new ByteArrayInputStream(body), StandardCharsets.UTF_8))) {
			String line;
			while ((line = reader.readLine()) != null) {
				if (line.isBlank()) {
					continue;
				}
				if (!this.input.offer(line, this.offerTimeout)) {
					return answer(HttpStatus.TOO_MANY_REQUESTS, accepted);
				}
				accepted++;
			}
		}
		catch (PipelineClosedException ex) {
			return answer(HttpStatus.SERVICE_UNAVAILABLE, accepted);
		}
		return answer(HttpStatus.ACCEPTED, accepted);
	}

	@GetMapping("/orders/stats")
	public Map<String, Object> stats() {
		Long stored = this.jdbc.queryForObject("SELECT COUNT(*) FROM orders", Long.class);
		Long deadLettered = this.jdbc.queryForObject("SELECT COUNT(*) FROM dead_letters", Long.class);
		return Map.of("stored", stored, "deadLettered", deadLettered);
	}

	private ResponseEntity<Map<String, Object>> tooLarge() {
		return ResponseEntity.status(HttpStatus.CONTENT_TOO_LARGE)
			.body(Map.of("accepted", 0, "error", "body larger than " + this.maxBodySize + " bytes"));
	}

	private static ResponseEntity<Map<String, Object>> answer(HttpStatus status, long accepted) {
		return ResponseEntity.status(status).body(Map.of("accepted", accepted));
	}

	/** The whole stream, or {@code null} when it is longer than {@code max} bytes. */
	private static byte[] readAtMost(InputStream in, long max) throws IOException {
		byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
		return (bytes.length > max) ? null : bytes;
	}

}
