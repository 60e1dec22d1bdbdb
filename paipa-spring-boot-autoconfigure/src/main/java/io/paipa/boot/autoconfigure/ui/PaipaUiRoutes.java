package io.paipa.boot.autoconfigure.ui;

import java.net.URI;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.Resource;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerResponse;

/**
 * The routes of the live pipeline page: {@code <path>} redirects to {@code <path>/},
 * which is the page; {@code <path>/settings.json} is what the page needs to know of the
 * server; everything else under {@code <path>/} comes from {@code META-INF/paipa-ui/}.
 * Relative links only, so that the page works under a context path, a servlet path or a
 * proxy's prefix.
 */
final class PaipaUiRoutes {

	static final String LOCATION = "META-INF/paipa-ui/";

	private static final Pattern PATH = Pattern.compile("(/[A-Za-z0-9._~-]+)+");

	private final String path;

	private final Supplier<PaipaUiSettings> settings;

	PaipaUiRoutes(String path, Supplier<PaipaUiSettings> settings) {
		this.path = path;
		this.settings = settings;
	}

	/**
	 * Checks the page's path.
	 * @param path the configured path
	 * @return the path without a trailing '/'
	 * @throws InvalidConfigurationPropertyValueException when it is not a path of its own
	 */
	static String checkedPath(@Nullable String path) {
		String trimmed = (path != null && path.length() > 1 && path.endsWith("/"))
				? path.substring(0, path.length() - 1) : path;
		if (trimmed == null || !PATH.matcher(trimmed).matches()) {
			throw new InvalidConfigurationPropertyValueException("paipa.ui.path", path,
					"The live pipeline page needs a path of its own: '/' followed by one or more segments of "
							+ "letters, digits, '.', '_', '~' or '-', such as /paipa");
		}
		return trimmed;
	}

	RouterFunction<ServerResponse> routes() {
		URI directory = URI.create(this.path.substring(this.path.lastIndexOf('/') + 1) + "/");
		Resource index = new ClassPathResource(LOCATION + "index.html");
		int depth = this.path.split("/").length - 1;
		return RouterFunctions.route()
			.GET(this.path, (request) -> ServerResponse.status(HttpStatus.FOUND).location(directory).build())
			.GET(this.path + "/",
					(request) -> ServerResponse.ok()
						.contentType(MediaType.TEXT_HTML)
						.cacheControl(CacheControl.noCache())
						.body(index))
			.GET(this.path + "/settings.json",
					(request) -> ServerResponse.ok()
						.contentType(MediaType.APPLICATION_JSON)
						.cacheControl(CacheControl.noStore())
						.body(this.settings.get().toJson(this.path, depth)))
			.add(RouterFunctions.resources(this.path + "/**", new ClassPathResource(LOCATION),
					(resource, headers) -> headers.setCacheControl(CacheControl.noCache())))
			.build();
	}

}
