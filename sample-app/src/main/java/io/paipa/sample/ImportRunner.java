package io.paipa.sample;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.NoSuchElementException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.ExitCodeGenerator;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import io.paipa.core.Pipeline;
import io.paipa.core.PipelineFailedException;
import io.paipa.core.PipelineResult;

/**
 * {@code --import=<file>}: runs the batch pipeline {@code import} over the file, read
 * lazily line by line, and prints a summary. Bad lines (malformed, invalid, not UTF-8)
 * are dead-lettered with their line numbers; a real fault (the database down for longer
 * than the store's outage allows) fails the import. The exit code is 0 when the import
 * went through, 1 when it failed or the file could not be read.
 */
@Component
public class ImportRunner implements ApplicationRunner, ExitCodeGenerator {

	private static final Logger logger = LoggerFactory.getLogger(ImportRunner.class);

	private final Pipeline<String> pipeline;

	private final JdbcTemplate jdbc;

	private volatile int exitCode;

	public ImportRunner(@Qualifier("import") Pipeline<String> pipeline, JdbcTemplate jdbc) {
		this.pipeline = pipeline;
		this.jdbc = jdbc;
	}

	@Override
	public void run(ApplicationArguments args) {
		if (!args.containsOption("import")) {
			return;
		}
		Path file = Path.of(args.getOptionValues("import").get(0));
		logger.info("Importing {}", file.toAbsolutePath());
		long[] before = counts();
		try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
			NumberedLines lines = new NumberedLines(in);
			PipelineResult result = this.pipeline.run(lines);
			long[] after = counts();
			System.out.println(
					"IMPORT SUMMARY: file=" + file + ", lines=" + lines.count + ", stored=" + (after[0] - before[0])
							+ ", dead-lettered=" + (after[1] - before[1]) + ", duplicates=" + (after[2] - before[2])
							+ ", state=" + result.state() + ", took=" + result.duration().toMillis() + "ms");
			this.exitCode = 0;
		}
		catch (PipelineFailedException ex) {
			logger.error("Import of {} failed in step '{}'", file, ex.getStep(), ex);
			System.out.println("IMPORT FAILED: file=" + file + ", step=" + ex.getStep() + ", cause=" + ex.getCause());
			this.exitCode = 1;
		}
		catch (IOException | UncheckedIOException ex) {
			logger.error("Import of {} failed: cannot read the file", file, ex);
			System.out.println("IMPORT FAILED: file=" + file + ", cause=" + ex);
			this.exitCode = 1;
		}
	}

	/**
	 * The rows in the tables, or zeros when the database cannot be read (the run will
	 * tell).
	 */
	private long[] counts() {
		try {
			return new long[] { count("orders"), count("dead_letters"), count("order_duplicates") };
		}
		catch (RuntimeException ex) {
			logger.warn("Import: cannot count the rows already stored: {}", ex.toString());
			return new long[3];
		}
	}

	private long count(String table) {
		Long count = this.jdbc.queryForObject("SELECT COUNT(*) FROM " + table, Long.class);
		return (count != null) ? count : 0;
	}

	@Override
	public int getExitCode() {
		return this.exitCode;
	}

	/**
	 * The file's non-blank lines, read lazily, each decoded strictly as UTF-8 and tagged
	 * with its line number.
	 */
	static final class NumberedLines implements Iterator<String> {

		private final InputStream in;

		private final ByteArrayOutputStream line = new ByteArrayOutputStream();

		private String next;

		private long number;

		/**
		 * This reading of the file, so that a line's reference is unique across imports.
		 */
		private final String run = java.util.UUID.randomUUID().toString();

		long count;

		NumberedLines(InputStream in) {
			this.in = in;
		}

		@Override
		public boolean hasNext() {
			try {
				while (this.next == null) {
					if (!readLine()) {
						return false;
					}
					byte[] bytes = this.line.toByteArray();
					int end = (bytes.length > 0 && bytes[bytes.length - 1] == '\r') ? bytes.length - 1 : bytes.length;
					String text = Lines.decode(bytes, 0, end);
					if (!text.isBlank()) {
						this.count++;
						this.next = Lines.tagged("line " + this.number, this.run + ":" + this.number, text);
					}
				}
				return true;
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}

		private boolean readLine() throws IOException {
			this.line.reset();
			int b = this.in.read();
			if (b < 0) {
				return false;
			}
			this.number++;
			while (b >= 0 && b != '\n') {
				this.line.write(b);
				b = this.in.read();
			}
			return true;
		}

		@Override
		public String next() {
			if (!hasNext()) {
				throw new NoSuchElementException();
			}
			String line = this.next;
			this.next = null;
			return line;
		}

	}

}
