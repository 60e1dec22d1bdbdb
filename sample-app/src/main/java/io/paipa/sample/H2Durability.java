package io.paipa.sample;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.stereotype.Component;

/**
 * On H2, makes every commit reach the disk before it returns ({@code SET WRITE_DELAY 0}),
 * whatever {@code spring.datasource.url} says. H2 otherwise writes commits up to 500 ms
 * later, so a process killed with {@code kill -9} loses stores that were already
 * acknowledged (an HTTP {@code wait=true} answer, a Kafka offset committed after the
 * order went to {@code orders-stored}). Runs before the pipelines start. Does nothing on
 * other databases; a database that takes no writes at start only gets a warning (its
 * health says why it is DOWN).
 */
@Component
class H2Durability implements InitializingBean {

	private static final Logger logger = LoggerFactory.getLogger(H2Durability.class);

	private final DataSource dataSource;

	H2Durability(DataSource dataSource) {
		this.dataSource = dataSource;
	}

	@Override
	public void afterPropertiesSet() {
		try (Connection connection = this.dataSource.getConnection()) {
			if (!"H2".equals(connection.getMetaData().getDatabaseProductName())) {
				return;
			}
			try (Statement statement = connection.createStatement()) {
				statement.execute("SET WRITE_DELAY 0");
			}
		}
		catch (SQLException ex) {
			logger.warn("Could not make H2 write each commit to disk at once (SET WRITE_DELAY 0): {}", ex.getMessage());
		}
	}

}
