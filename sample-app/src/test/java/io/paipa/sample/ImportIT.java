package io.paipa.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code java -jar sample-app.jar --import=<file>}: counts and exit codes. */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ImportIT {

	@TempDir
	Path dir;

	@Test
	void importsAHundredThousandLinesAndExitsZero() throws Exception {
		Path file = writeOrders(100_000, 250);
		Path log = this.dir.resolve("import.log");
		String url = SampleProcess.h2Url(this.dir, "import");
		Process process = SampleProcess.start(log, "--import=" + file, "--spring.datasource.url=" + url);
		try {
			assertThat(process.waitFor(150, TimeUnit.SECONDS)).as("import finished").isTrue();
		}
		finally {
			SampleProcess.stop(process);
		}
		String output = SampleProcess.log(log);
		assertThat(process.exitValue()).as(output).isZero();
		assertThat(output).contains("IMPORT SUMMARY: file=" + file + ", lines=100000, stored=99750, dead-lettered=250")
			.doesNotContain("Tomcat started");
		try (Connection connection = DriverManager.getConnection(url, "sa", "")) {
			assertThat(count(connection, "SELECT COUNT(*) FROM orders")).isEqualTo(99_750);
			assertThat(
					count(connection, "SELECT COUNT(*) FROM dead_letters WHERE pipeline = 'import' AND step = 'parse'"))
				.isEqualTo(250);
			assertThat(count(connection, "SELECT COUNT(*) FROM dead_letters")).isEqualTo(250);
		}
	}

	@Test
	void importWhoseStoreCannotReachItsDatabaseExitsNonZeroWithTheCause() throws Exception {
		Path file = writeOrders(5_000, 0);
		Path log = this.dir.resolve("import-failed.log");
		Process process = SampleProcess.start(log, "--import=" + file,
				"--spring.datasource.url=jdbc:postgresql://127.0.0.1:1/none", "--spring.sql.init.mode=never",
				"--spring.datasource.hikari.connection-timeout=2000",
				// the database stays down: the import waits this long for it, then fails
				"--paipa.pipelines.import.outage.give-up-after=5s");
		try {
			assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("import finished").isTrue();
		}
		finally {
			SampleProcess.stop(process);
		}
		String output = SampleProcess.log(log);
		assertThat(process.exitValue()).as(output).isNotZero();
		assertThat(output).contains("IMPORT FAILED")
			.contains("step=store")
			.contains("Connection to 127.0.0.1:1 refused");
	}

	/**
	 * {@code lines} orders, every {@code lines / bad}-th of them malformed or invalid.
	 */
	private Path writeOrders(int lines, int bad) throws IOException {
		Path file = this.dir.resolve("orders-" + lines + ".ndjson");
		int every = (bad > 0) ? lines / bad : Integer.MAX_VALUE;
		try (BufferedWriter writer = Files.newBufferedWriter(file)) {
			for (int i = 0; i < lines; i++) {
				writer.write((i % every == every - 1) ? OrdersServiceTests.malformed(i)
						: OrdersServiceTests.order("imp-" + i));
				writer.newLine();
			}
		}
		return file;
	}

	private static long count(Connection connection, String sql) throws SQLException {
		try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
			rs.next();
			return rs.getLong(1);
		}
	}

}
