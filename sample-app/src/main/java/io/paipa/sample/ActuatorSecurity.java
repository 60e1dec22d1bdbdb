package io.paipa.sample;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.security.autoconfigure.actuate.web.servlet.EndpointRequest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Who may do what over HTTP: writes to actuator endpoints (rescaling through
 * {@code POST /actuator/paipa/...}, also from the live pipeline page) need a user with
 * role {@code ACTUATOR}, over HTTP basic; everything else (the orders API, health,
 * meters, the endpoint's reads, the live pipeline page at {@code paipa.ui.path}) stays
 * open. The user is {@code spring.security.user.*} (application.yml: {@code ops}, with
 * the password from {@code SAMPLE_OPS_PASSWORD}, {@code ops} locally).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
class ActuatorSecurity {

	@Bean
	SecurityFilterChain securityFilterChain(HttpSecurity http, @Value("${paipa.ui.path:/paipa}") String page)
			throws Exception {
		http.authorizeHttpRequests((requests) -> requests
			// reading actuator endpoints stays open; writing to them (rescaling) needs
			// the role
			.requestMatchers(HttpMethod.GET, "/actuator/**")
			.permitAll()
			// the live pipeline page only reads; its rescaling goes through the endpoint
			.requestMatchers(HttpMethod.GET, page, page + "/**")
			.permitAll()
			.requestMatchers(EndpointRequest.toAnyEndpoint())
			.hasRole("ACTUATOR")
			.anyRequest()
			.permitAll())
			.httpBasic(Customizer.withDefaults())
			// an API for programs, not a browser form: no session, no CSRF token
			.csrf((csrf) -> csrf.disable());
		return http.build();
	}

}
