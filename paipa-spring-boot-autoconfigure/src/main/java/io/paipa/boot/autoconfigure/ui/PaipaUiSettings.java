package io.paipa.boot.autoconfigure.ui;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.autoconfigure.web.server.ManagementPortType;
import org.springframework.boot.actuate.endpoint.EndpointId;
import org.springframework.boot.actuate.endpoint.OperationType;
import org.springframework.boot.actuate.endpoint.web.ExposableWebEndpoint;
import org.springframework.boot.actuate.endpoint.web.PathMappedEndpoint;
import org.springframework.boot.actuate.endpoint.web.PathMappedEndpoints;

/**
 * What the page learns from the server: where the {@code paipa} endpoint is, relative to
 * the application's root, and whether its write operation is there. Both are read from
 * the web endpoints as the actuator exposes them, so they follow
 * {@code management.endpoints.web.base-path}, {@code path-mapping}, exposure and the
 * endpoint's access ({@code management.endpoint.paipa.access},
 * {@code management.endpoints.access.default} and {@code max-permitted}): an operation
 * that access does not allow is not among the endpoint's operations.
 *
 * @param endpointPath the endpoint's path, or {@code null} when the page cannot read it
 * @param write whether the endpoint's write operation is exposed
 * @param problem why the page cannot read the endpoint, or {@code null}
 */
record PaipaUiSettings(@Nullable String endpointPath, boolean write, @Nullable String problem) {

	private static final EndpointId PAIPA = EndpointId.of("paipa");

	static PaipaUiSettings of(@Nullable PathMappedEndpoints endpoints, ManagementPortType port) {
		if (port == ManagementPortType.DIFFERENT) {
			return unreadable("The actuator runs on a port of its own (management.server.port), so this page cannot "
					+ "read the paipa endpoint: the page works when the actuator shares the application's port.");
		}
		if (port == ManagementPortType.DISABLED) {
			return unreadable("The actuator's HTTP endpoints are off (management.server.port=-1), so this page "
					+ "cannot read the paipa endpoint.");
		}
		PathMappedEndpoint endpoint = (endpoints != null) ? endpoints.getEndpoint(PAIPA) : null;
		String path = (endpoints != null) ? endpoints.getPath(PAIPA) : null;
		if (endpoint == null || path == null) {
			return unreadable("The paipa endpoint is not exposed over HTTP: add paipa to "
					+ "management.endpoints.web.exposure.include (and leave its access other than none).");
		}
		boolean write = endpoint instanceof ExposableWebEndpoint web
				&& web.getOperations().stream().anyMatch((operation) -> operation.getType() == OperationType.WRITE);
		return new PaipaUiSettings(path, write, null);
	}

	private static PaipaUiSettings unreadable(String problem) {
		return new PaipaUiSettings(null, false, problem);
	}

	/**
	 * Writes the settings for a page at {@code pagePath}: the endpoint's address relative
	 * to the page's directory, so that a context path or a proxy's prefix does not
	 * matter.
	 */
	String toJson(String pagePath, int depth) {
		String endpoint = null;
		String problem = this.problem;
		if (this.endpointPath != null) {
			if (this.endpointPath.equals(pagePath) || this.endpointPath.startsWith(pagePath + "/")) {
				problem = "The paipa endpoint's path " + this.endpointPath + " is under the page's path: set "
						+ "paipa.ui.path to another path.";
			}
			else {
				endpoint = "../".repeat(depth) + this.endpointPath.substring(1);
			}
		}
		return "{\"endpoint\":" + quote(endpoint) + ",\"write\":" + (endpoint != null && this.write) + ",\"problem\":"
				+ quote(problem) + "}";
	}

	private static String quote(@Nullable String text) {
		if (text == null) {
			return "null";
		}
		StringBuilder json = new StringBuilder("\"");
		for (char c : text.toCharArray()) {
			switch (c) {
				case '"' -> json.append("\\\"");
				case '\\' -> json.append("\\\\");
				default -> {
					if (c < 0x20) {
						json.append(String.format("\\u%04x", (int) c));
					}
					else {
						json.append(c);
					}
				}
			}
		}
		return json.append('"').toString();
	}

}
