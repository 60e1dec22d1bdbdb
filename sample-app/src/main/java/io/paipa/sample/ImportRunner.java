package io.paipa.sample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.ExitCodeGenerator;
import org.springframework.stereotype.Component;

import io.paipa.core.Pipeline;
import io.paipa.core.PipelineFailedException;
import io.paipa.core.PipelineResult;

/**
 * {@code --import=<file>}: runs the batch pipeline {@code import} over the file, read
 * lazily line by line, and prints a summary. The exit code is 0 on success, 1 when the
 * pipeline failed or the file could not be read.
 */
@Component
public class ImportRunner implements ApplicationRunner, ExitCodeGenerator {

	private static final Logger logger = LoggerFactory.getLogger(ImportRunner.class);

	private final Pipeline<String> pipeline;

	private volatile int exitCode;

	public ImportRunner(@Qualifier("import") Pipeline<String> pipeline) {
		this.pipeline = pipeline;
	}

	@Override
	public void run(ApplicationArguments args) {
		if (!args.containsOption("import")) {
			return;
		}
		Path file = Path.of(args.getOptionValues("import").get(0));
		logger.info("Importing {}", file.toAbsolutePath());
		AtomicLong lines = new AtomicLong();
		try (Stream<String> stream = Files.lines(file)) {
			Iterator<String> source = stream.filter((line) -> !line.isBlank()).peek((line) -> {
				long n = lines.incrementAndGet();
				if (n % 100_000 == 0) {
					logger.info("Import: {} lines read", n);
				}
			}).iterator();
			PipelineResult result = this.pipeline.run(source);
			long stored = lines.get() - result.deadLettered() - result.dropped();
			System.out.println("IMPORT SUMMARY: file=" + file + ", lines=" + lines.get() + ", stored=" + stored
					+ ", dead-lettered=" + result.deadLettered() + ", chunks=" + result.completed() + ", took="
					+ result.duration().toMillis() + "ms");
			this.exitCode = 0;
		}
		catch (PipelineFailedException ex) {
			logger.error("Import of {} failed in step '{}' after {} lines", file, ex.getStep(), lines.get(), ex);
			System.out.println("IMPORT FAILED: file=" + file + ", step=" + ex.getStep() + ", cause=" + ex.getCause());
			this.exitCode = 1;
		}
		catch (IOException | UncheckedIOException ex) {
			logger.error("Import of {} failed: cannot read the file", file, ex);
			System.out.println("IMPORT FAILED: file=" + file + ", cause=" + ex);
			this.exitCode = 1;
		}
	}

	@Override
	public int getExitCode() {
		return this.exitCode;
	}

}
