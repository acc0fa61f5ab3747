/* SPDX-License-Identifier: BSD-2-Clause */
/* tessera-wellknown: the discovery stage (PROTOCOL.md §8): OpenID and OAuth metadata, SMART
 * configuration and the JWKS, generated from the tables in lib/discovery.c and lib/keys.c. */
#include "http/app.h"
#include "domain/pipeline.h"
#include "oauth/discovery.h"
#include "oauth/keys.h"
#include "core/config.h"
#include "core/db.h"
#include "http/request.h"
#include "http/response.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static int openid_configuration(struct request *req)
{
	send_json(req, 200, discovery_openid_configuration(), NULL);
	return 0;
}

static int smart_configuration(struct request *req)
{
	send_json(req, 200, discovery_smart_configuration(), NULL);
	return 0;
}

static int jwks(struct request *req)
{
	const char *text = keys_jwks_text();
	if (!text)
		return -1;
	send_json_text(req, 200, text);
	return 0;
}

/* Fixed styling for SMART apps (PROTOCOL.md §8); the token response's smart_style_url points here. */
static int smart_styles(struct request *req)
{
	send_json(req, 200,
		  json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "color_background", "#edeae3",
			    "color_error", "#9e2d2d", "color_highlight", "#69b5ce", "color_modal_backdrop", "",
			    "color_success", "#498e49", "color_text", "#303030", "dim_border_radius", "6px",
			    "dim_font_size", "13px", "dim_spacing_size", "20px", "font_family_body",
			    "Georgia, Times, 'Times New Roman', serif", "font_family_heading",
			    "'HelveticaNeue-Light', Helvetica, Arial, 'Lucida Grande', sans-serif"),
		  NULL);
	return 0;
}

/* RFC 9728 metadata for the protected resource; resource must lie under base_url. */
static int protected_resource(struct request *req)
{
	const char *resource = req_param(req, "resource");
	if (resource && strncmp(resource, cfg.base_url, strlen(cfg.base_url))) {
		send_text(req, 400, "Invalid resource URL", NULL);
		return 0;
	}
	char introspect[2048];
	snprintf(introspect, sizeof introspect, "%soauth2/introspect", cfg.base_url);
	send_json(req, 200,
		  json_pack("{s:s, s:s, s:[s], s:o, s:[s], s:s}", "resource", resource ? resource : cfg.base_url, "issuer",
			    cfg.issuer, "authorization_servers", cfg.issuer, "scopes_supported",
			    discovery_list(scopes_supported), "bearer_methods_supported",
			    "header", "introspection_endpoint", introspect),
		  NULL);
	return 0;
}

static const struct input resource_inputs[] = {
	{ "resource", IN_URI, false, 2048, "Invalid resource URL", NULL },
	{ 0 },
};

/* Health for load balancers (HAProxy checks it every second on each web node), and the
 * benchmark's FastCGI ceiling: the database (through db_hosts' failover, when set) is asked
 * at most once a second per process, so the check is cheap and the ceiling stays a ceiling. */
static int healthz(struct request *req)
{
	static time_t checked_at;
	static bool database_up;
	time_t now = time(NULL);
	if (now != checked_at) {
		database_up = db_ping() == 0;
		checked_at = now;
	}
	if (!database_up) {
		send_json(req, 503, json_pack("{s:s}", "status", "database unreachable"), NULL);
		return 0;
	}
	send_json(req, 200, json_pack("{s:s}", "status", "ok"), NULL);
	return 0;
}

static const struct route routes[] = {
	{ "GET", "/healthz", healthz, NULL, 0 },
	{ "GET", "/.well-known/smart-styles.json", smart_styles, NULL, 0 },
	{ "GET", "/fhir/R4/.well-known/smart-styles.json", smart_styles, NULL, 0 },
	{ "GET", "/.well-known/oauth-protected-resource", protected_resource, resource_inputs, ROUTE_TEXT_ERRORS },
	{ "GET", "/.well-known/openid-configuration", openid_configuration, NULL, 0 },
	{ "GET", "/.well-known/oauth-authorization-server", openid_configuration, NULL, 0 },
	{ "GET", "/.well-known/jwks.json", jwks, NULL, 0 },
	{ "GET", "/.well-known/smart-configuration", smart_configuration, NULL, 0 },
	{ "GET", "/fhir/R4/.well-known/smart-configuration", smart_configuration, NULL, 0 },
	{ 0 },
};

int main(void)
{
	return pipeline_run("tessera-wellknown", routes);
}
