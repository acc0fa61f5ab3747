/* tessera-token: POST /oauth2/token (spec §7.2). Grants are dispatched through a table whose
 * names must equal lib/discovery.c's grant_types_supported, so discovery cannot drift. */
#include "app.h"
#include "clients.h"
#include "config.h"
#include "crypto.h"
#include "discovery.h"
#include "log.h"
#include "login.h"
#include "request.h"
#include "response.h"
#include "tokens.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct client_credentials {
	char id[128];
	char secret[256];
	bool via_basic;
};

/* Reads the client's credentials from a Basic header or the body (client_secret_post).
 * Returns false after sending the error. */
static bool read_client_credentials(struct request *req, struct client_credentials *cc)
{
	memset(cc, 0, sizeof *cc);
	if (req->authorization) {
		cc->via_basic = true;
		if (!parse_basic_auth(req->authorization, cc->id, sizeof cc->id, cc->secret, sizeof cc->secret)) {
			send_oauth_error(req, 400, "invalid_request", "Invalid authorization header");
			return false;
		}
		const char *body_id = req_param(req, "client_id");
		if (body_id && *body_id && strcmp(body_id, cc->id)) {
			send_oauth_error(req, 401, "invalid_client", "Invalid client");
			return false;
		}
	} else {
		const char *id = req_param(req, "client_id"), *secret = req_param(req, "client_secret");
		snprintf(cc->id, sizeof cc->id, "%s", id ? id : "");
		snprintf(cc->secret, sizeof cc->secret, "%s", secret ? secret : "");
	}
	if (!cc->id[0]) {
		send_oauth_error(req, 400, "invalid_request", "Missing client_id");
		return false;
	}
	if (!cc->secret[0]) {
		send_oauth_error(req, 400, "invalid_request", "Missing client_secret");
		return false;
	}
	return true;
}

/* RFC 6749 §5.2: a client that authenticated with a header gets 401 invalid_client; over
 * the body Medplum's 400 invalid_request is kept, with the same description. */
static void client_error(struct request *req, const struct client_credentials *cc, const char *description)
{
	if (cc->via_basic)
		send_oauth_error(req, 401, "invalid_client", description);
	else
		send_oauth_error(req, 400, "invalid_request", description);
}

static int client_credentials(struct request *req)
{
	struct client_credentials cc;
	if (!read_client_credentials(req, &cc))
		return 0;
	struct client c;
	int rc = clients_get(cc.id, &c);
	if (rc < 0)
		return -1;
	bool secret_ok = rc == 0 && clients_secret_ok(&c, cc.secret, true);
	memset(cc.secret, 0, sizeof cc.secret);
	if (rc == 1 || !clients_usable(&c)) {
		client_error(req, &cc, "Invalid client");
		return 0;
	}
	if (!secret_ok) {
		client_error(req, &cc, "Invalid secret");
		return 0;
	}
	snprintf(req->log_client, sizeof req->log_client, "%s", c.id);
	const char *scope = req_param(req, "scope");
	struct login l;
	if (login_create_for_client(&c, scope && *scope ? scope : "openid", req, &l) < 0)
		return -1;
	snprintf(req->log_login, sizeof req->log_login, "%s", l.id);
	struct token_grant g = {
		.login_id = l.id, .user_id = c.id, .client_id = c.id, .scope = l.scope,
		.profile_type = "ClientApplication", .profile_id = c.id, .profile_display = c.name,
		.project_id = c.project_id, .project_display = c.project_name, .auth_time = l.auth_time,
		.access_lifetime = c.access_lifetime, .refresh_lifetime = c.refresh_lifetime,
	};
	json_t *body = tokens_response(&g);
	if (!body)
		return -1;
	send_json(req, 200, body, NULL);
	return 0;
}

static const struct grant {
	const char *name;
	handler_fn handler;
} grants[] = {
	{ "client_credentials", client_credentials },
	{ NULL, NULL },
};

static int token(struct request *req)
{
	const char *type = req_param(req, "grant_type");
	for (const struct grant *g = grants; g->name; g++)
		if (!strcmp(g->name, type))
			return g->handler(req);
	send_oauth_error(req, 400, "invalid_request", "Unsupported grant_type");
	return 0;
}

static const struct input token_inputs[] = {
	/* Any text: a present but unknown value (even with spaces) is "Unsupported grant_type"
	 * from the dispatcher, as in Medplum; this message is only for a missing one. */
	{ "grant_type", IN_STRING, true, 0, "Missing grant_type", NULL },
	{ "client_id", IN_TOKEN, false, 127, "Invalid client", NULL },
	{ "client_secret", IN_TOKEN, false, 255, "Invalid secret", NULL },
	{ "scope", IN_SCOPE, false, 1024, "Invalid scope", NULL },
	{ 0 },
};

static const struct route routes[] = {
	{ "POST", "/oauth2/token", token, token_inputs, ROUTE_OAUTH | ROUTE_FORM_ONLY },
	{ 0 },
};

/* Every advertised grant must have a handler and vice versa. */
static bool grants_match_discovery(void)
{
	size_t n = 0;
	for (const char *const *d = grant_types_supported; *d; d++, n++) {
		bool found = false;
		for (const struct grant *g = grants; g->name; g++)
			found |= !strcmp(g->name, *d);
		if (!found)
			return false;
	}
	return n == sizeof grants / sizeof grants[0] - 1;
}

int main(void)
{
	if (!grants_match_discovery()) {
		log_error("grant table and discovery disagree");
		return 1;
	}
	return app_run("tessera-token", routes);
}
