/* tessera-token: POST /oauth2/token (spec §7.2). Grants are dispatched through a table whose
 * names must equal lib/discovery.c's grant_types_supported, so discovery cannot drift. */
#include "http/app.h"
#include "domain/pipeline.h"
#include "domain/audit.h"
#include "domain/clients.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/db.h"
#include "oauth/discovery.h"
#include "domain/grant.h"
#include "oauth/jwt.h"
#include "core/log.h"
#include "domain/login.h"
#include "domain/ratelimit.h"
#include "http/request.h"
#include "http/response.h"
#include "oauth/tokens.h"

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

/* Per client (Medplum warns that requesting tokens too often degrades service): only after
 * the secret, so nobody without it can use up a client's tokens. 0 go on, 1 refused (sent). */
static int client_limit(struct request *req, const struct client *c)
{
	int limit = c->rl.client_rate_limit > 0 ? c->rl.client_rate_limit : cfg.client_rate_limit;
	long long wait_ms = 0;
	if (clients_grant_wait(c->id, limit, &wait_ms) < 0)
		return -1;
	if (limit <= 0 || wait_ms <= 0)
		return 0;
	response_rate_limited(req, (long long)limit + 1, limit, wait_ms);
	return 1;
}

/* Checks the client and its secret and writes the login: 0 done, 1 refused (response sent),
 * -1 database error. A cached client saves a query; whatever the cached copy refuses, or the
 * write finds changed, is decided again by the fresh row. */
static int client_login(struct request *req, struct client_credentials *cc, struct client *c, struct login *l)
{
	uint8_t presented[32];
	if (crypto_keyed_hash(cc->secret, presented) < 0)
		return -1;
	const char *scope = req_param(req, "scope");
	bool cached = false;
	for (int pass = 0; pass < 2; pass++) {
		int rc = pass == 0 ? clients_get_cached(cc->id, c, &cached) : clients_get(cc->id, c);
		if (rc < 0)
			return -1;
		/* The per-IP limit with the project's override; an unknown client gets the default. */
		if (pass == 0 && rc == 0)
			ratelimit_use_project(req, &c->rl);
		if (pass == 0 && ratelimit_refuse(req))
			return 1;
		const char *refusal = rc == 1 || !clients_usable(c)		   ? "Invalid client"
				      : !clients_secret_ok(c, cc->secret, true) ? "Invalid secret"
										    : NULL;
		if (!refusal) {
			snprintf(req->log_client, sizeof req->log_client, "%s", c->id);
			if ((rc = client_limit(req, c)) != 0)
				return rc;
			rc = login_create_for_client(c, presented, scope && *scope ? scope : "openid", req, l);
			if (rc <= 0)
				return rc;
			refusal = "Invalid client";
		}
		if (!cached || pass == 1) {
			client_error(req, cc, refusal);
			return 1;
		}
		clients_forget(cc->id);
	}
	return 1; /* not reached: the second pass always answers */
}

static int client_credentials(struct request *req)
{
	struct client_credentials cc;
	if (!read_client_credentials(req, &cc))
		return 0;
	struct client c;
	struct login l;
	int rc = client_login(req, &cc, &c, &l);
	memset(cc.secret, 0, sizeof cc.secret);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
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

/* Sends the §3.1 response for a loaded login; refresh_secret NULL: no refresh token. */
static int send_grant(struct request *req, const struct grant_subject *g, const char *refresh_secret)
{
	struct token_grant t;
	grant_tokens(g, refresh_secret, &t);
	json_t *body = tokens_response(&t);
	if (!body)
		return -1;
	snprintf(req->log_login, sizeof req->log_login, "%s", g->login_id);
	snprintf(req->log_client, sizeof req->log_client, "%s", g->client_id);
	send_json(req, 200, body, NULL);
	return 0;
}

static int send_tokens(struct request *req, const char *login_id, const char *refresh_secret)
{
	struct grant_subject g;
	return grant_load(login_id, &g) != 0 ? -1 : send_grant(req, &g, refresh_secret);
}

/* A new refresh secret: the token carries it, the login keeps only its digest. */
static int new_refresh_secret(char secret[65], uint8_t digest[32])
{
	if (crypto_random_hex(secret, 32) < 0)
		return -1;
	crypto_sha256(secret, 64, digest);
	return 0;
}

struct code_login {
	char id[37];
	char client_id[37];
	char redirect_uri[2049];
	char challenge[129];
	char method[8];
	bool has_membership, granted, revoked, expired, refresh_allowed;
};

static const char *const select_code =
	"SELECT id, client_id, membership_id IS NOT NULL, granted, revoked, code_expires_at < UTC_TIMESTAMP(3), "
	"redirect_uri, code_challenge, code_challenge_method, refresh_allowed FROM login WHERE code_hash = ?";

static int find_code(const char *code, struct code_login *cl)
{
	uint8_t digest[32];
	crypto_sha256(code, strlen(code), digest);
	struct db_result r;
	if (db_query(&r, select_code, "b", digest, sizeof digest) < 0)
		return -1;
	int found = r.nrows == 1;
	if (found) {
		snprintf(cl->id, sizeof cl->id, "%s", db_cell(&r, 0, 0));
		snprintf(cl->client_id, sizeof cl->client_id, "%s", db_cell(&r, 0, 1) ? db_cell(&r, 0, 1) : "");
		cl->has_membership = !strcmp(db_cell(&r, 0, 2), "1");
		cl->granted = !strcmp(db_cell(&r, 0, 3), "1");
		cl->revoked = !strcmp(db_cell(&r, 0, 4), "1");
		cl->expired = !db_cell(&r, 0, 5) || !strcmp(db_cell(&r, 0, 5), "1");
		snprintf(cl->redirect_uri, sizeof cl->redirect_uri, "%s", db_cell(&r, 0, 6) ? db_cell(&r, 0, 6) : "");
		snprintf(cl->challenge, sizeof cl->challenge, "%s", db_cell(&r, 0, 7) ? db_cell(&r, 0, 7) : "");
		snprintf(cl->method, sizeof cl->method, "%s", db_cell(&r, 0, 8) ? db_cell(&r, 0, 8) : "");
		cl->refresh_allowed = !strcmp(db_cell(&r, 0, 9), "1");
	}
	db_result_free(&r);
	return found;
}

/* RFC 7636 §4.6: plain compares as is; S256 compares BASE64URL(SHA256(verifier)). */
static bool pkce_ok(const struct code_login *cl, const char *verifier)
{
	if (!strcmp(cl->method, "S256")) {
		uint8_t digest[32];
		crypto_sha256(verifier, strlen(verifier), digest);
		char *b64 = crypto_b64url_encode(digest, sizeof digest);
		bool ok = b64 && crypto_streq(b64, cl->challenge);
		free(b64);
		return ok;
	}
	return crypto_streq(verifier, cl->challenge);
}

/* The client part of a code redemption: the same client, a verified secret when one is
 * presented, and PKCE unless the client is pkceOptional. False after sending the error. */
static int code_client_ok(struct request *req, const struct code_login *cl)
{
	char id[128] = "", secret[256] = "";
	bool basic = req->authorization != NULL;
	if (basic && !parse_basic_auth(req->authorization, id, sizeof id, secret, sizeof secret)) {
		send_oauth_error(req, 400, "invalid_request", "Invalid authorization header");
		return 0;
	}
	const char *body_id = req_param(req, "client_id"), *body_secret = req_param(req, "client_secret");
	if (!basic && body_id)
		snprintf(id, sizeof id, "%s", body_id);
	if (!basic && body_secret)
		snprintf(secret, sizeof secret, "%s", body_secret);
	if (id[0] && strcmp(id, cl->client_id)) {
		send_oauth_error(req, 400, "invalid_request", "Invalid client");
		return 0;
	}
	struct client c = { 0 };
	int rc = cl->client_id[0] ? clients_get(cl->client_id, &c) : 0;
	if (rc != 0) {
		if (rc > 0)
			send_oauth_error(req, 400, "invalid_request", "Invalid client");
		return rc > 0 ? 0 : -1;
	}
	bool secret_ok = !secret[0] || clients_secret_ok(&c, secret, true);
	memset(secret, 0, sizeof secret);
	if (!secret_ok) {
		send_oauth_error(req, basic ? 401 : 400, basic ? "invalid_client" : "invalid_request", "Invalid secret");
		return 0;
	}
	const char *verifier = req_param(req, "code_verifier");
	/* RFC 9700 §2.1.1: a verifier for a code issued without a challenge is a downgrade attempt. */
	if (verifier && *verifier && !cl->challenge[0]) {
		send_oauth_error(req, 400, "invalid_request", "Invalid code verifier");
		return 0;
	}
	if (c.pkce_optional && !cl->challenge[0])
		return 1;
	if (!cl->challenge[0]) {
		send_oauth_error(req, 400, "invalid_request", "Missing verification context");
		return 0;
	}
	if (!verifier || !*verifier) {
		send_oauth_error(req, 400, "invalid_request", "Missing code verifier");
		return 0;
	}
	if (!pkce_ok(cl, verifier)) {
		send_oauth_error(req, 400, "invalid_request", "Invalid code verifier");
		return 0;
	}
	return 1;
}

/* The login state checks of §7.2.2 plus Tessera's expiry and redirect_uri binding
 * (stricter.md rows 2 and 3). A reused code revokes the whole login. */
static int code_state_ok(struct request *req, const struct code_login *cl)
{
	if (!cl->has_membership) {
		send_oauth_error(req, 400, "invalid_request", "Invalid profile");
		return 0;
	}
	if (cl->granted) {
		if (login_revoke_audited(cl->id, AUDIT_CODE_REUSE) < 0)
			return -1;
		send_oauth_error(req, 400, "invalid_grant", "Token already granted");
		return 0;
	}
	if (cl->revoked) {
		send_oauth_error(req, 400, "invalid_grant", "Token revoked");
		return 0;
	}
	if (cl->expired) {
		send_oauth_error(req, 400, "invalid_grant", "Code expired");
		return 0;
	}
	const char *redirect = req_param(req, "redirect_uri");
	if (cl->redirect_uri[0] && (!redirect || strcmp(redirect, cl->redirect_uri))) {
		send_oauth_error(req, 400, "invalid_grant", "Invalid redirect URI");
		return 0;
	}
	return 1;
}

static int authorization_code(struct request *req)
{
	const char *code = req_param(req, "code");
	if (!code || !*code) {
		send_oauth_error(req, 400, "invalid_request", "Missing code");
		return 0;
	}
	struct code_login cl;
	int rc = find_code(code, &cl);
	if (rc <= 0) {
		if (rc == 0)
			send_oauth_error(req, 400, "invalid_grant", "Invalid code");
		return rc;
	}
	snprintf(req->log_login, sizeof req->log_login, "%s", cl.id);
	if ((rc = code_state_ok(req, &cl)) != 1)
		return rc;
	if ((rc = code_client_ok(req, &cl)) != 1)
		return rc;
	char secret[65];
	uint8_t digest[32];
	if (cl.refresh_allowed && new_refresh_secret(secret, digest) < 0)
		return -1;
	unsigned long long n = 0;
	if (db_exec(&n,
		    "UPDATE login SET granted = TRUE, granted_at = UTC_TIMESTAMP(3), refresh_hash = ?, updated_at = UTC_TIMESTAMP(3) "
		    "WHERE id = ? AND NOT granted AND NOT revoked",
		    "bs", cl.refresh_allowed ? digest : NULL, sizeof digest, cl.id) < 0)
		return -1;
	if (n != 1) {
		/* Another request redeemed the same code at the same moment: treat as reuse. */
		if (login_revoke_audited(cl.id, AUDIT_CODE_REUSE) < 0)
			return -1;
		send_oauth_error(req, 400, "invalid_grant", "Token already granted");
		return 0;
	}
	return send_tokens(req, cl.id, cl.refresh_allowed ? secret : NULL);
}

/* §7.2.3 with a Basic header: the client must match and, unlike Medplum, its secret is
 * verified (stricter.md row 4). */
static int refresh_client_ok(struct request *req, const struct grant_subject *g)
{
	if (!req->authorization)
		return 1;
	char id[128], secret[256];
	if (!parse_basic_auth(req->authorization, id, sizeof id, secret, sizeof secret)) {
		send_oauth_error(req, 400, "invalid_request", "Invalid authorization header");
		return 0;
	}
	if (strcmp(id, g->client_id)) {
		send_oauth_error(req, 400, "invalid_grant", "Incorrect client");
		return 0;
	}
	struct client c;
	int rc = secret[0] ? clients_get(id, &c) : 1;
	bool ok = rc == 0 && clients_secret_ok(&c, secret, true);
	memset(secret, 0, sizeof secret);
	if (rc < 0)
		return -1;
	if (!ok)
		send_oauth_error(req, 400, "invalid_grant", "Incorrect client secret");
	return ok ? 1 : 0;
}

/* Refresh reuse detection (RFC 9700 §4.14.2, stricter.md row 5): a rotated-out secret
 * revokes the whole login. */
static int refresh_reused(struct request *req, const char *login_id)
{
	if (login_revoke_audited(login_id, AUDIT_REFRESH_REUSE) < 0)
		return -1;
	send_oauth_error(req, 400, "invalid_request", "Invalid token");
	return 0;
}

static int refresh_token(struct request *req)
{
	const char *why = NULL, *token = req_param(req, "refresh_token");
	json_t *claims = token && *token ? jwt_verify(token, &why) : NULL;
	if (!claims && why && !strcmp(why, JWT_KEYS_UNAVAILABLE))
		return -1;
	const char *login_id = json_string_value(json_object_get(claims, "login_id"));
	const char *secret = json_string_value(json_object_get(claims, "refresh_secret"));
	if (!login_id || !secret) {
		json_decref(claims);
		send_oauth_error(req, 400, "invalid_request", "Invalid refresh token");
		return 0;
	}
	char id[37], presented[65];
	snprintf(id, sizeof id, "%s", login_id);
	snprintf(presented, sizeof presented, "%s", secret);
	json_decref(claims);
	snprintf(req->log_login, sizeof req->log_login, "%s", id);
	struct grant_subject g;
	int rc = grant_load(id, &g);
	if (rc != 0) {
		if (rc == 1)
			send_not_found(req);
		return rc < 0 ? -1 : 0;
	}
	if (!g.has_refresh_hash) {
		send_oauth_error(req, 400, "invalid_request", "Invalid refresh token");
		return 0;
	}
	if (g.revoked) {
		send_oauth_error(req, 400, "invalid_grant", "Token revoked");
		return 0;
	}
	if ((rc = refresh_client_ok(req, &g)) != 1)
		return rc;
	uint8_t digest[32];
	crypto_sha256(presented, strlen(presented), digest);
	if (!crypto_equal(digest, 32, g.refresh_hash, 32))
		return refresh_reused(req, id);
	char fresh[65];
	uint8_t fresh_digest[32];
	char ua[513];
	snprintf(ua, sizeof ua, "%s", req->user_agent ? req->user_agent : "");
	unsigned long long n = 0;
	if (new_refresh_secret(fresh, fresh_digest) < 0 ||
	    db_exec(&n,
		    "UPDATE login SET refresh_hash = ?, refreshed_at = UTC_TIMESTAMP(3), refresh_count = refresh_count + 1, "
		    "remote_address = ?, user_agent = ?, updated_at = UTC_TIMESTAMP(3) "
		    "WHERE id = ? AND refresh_hash = ? AND NOT revoked",
		    "bsssb", fresh_digest, sizeof fresh_digest, req->remote_addr, ua, id, digest, sizeof digest) < 0)
		return -1;
	if (n != 1)
		return refresh_reused(req, id);
	return send_grant(req, &g, fresh);
}

static const struct grant {
	const char *name;
	handler_fn handler;
} grants[] = {
	{ "client_credentials", client_credentials },
	{ "authorization_code", authorization_code },
	{ "refresh_token", refresh_token },
	{ NULL, NULL },
};

static int token(struct request *req)
{
	const char *type = req_param(req, "grant_type");
	/* client_credentials applies the per-IP limit itself, with its project's override. */
	if (strcmp(type, "client_credentials") && ratelimit_refuse(req))
		return 0;
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
	{ "code", IN_TOKEN, false, 64, "Invalid code", NULL },
	{ "code_verifier", IN_TOKEN, false, 128, "Invalid code verifier", NULL },
	{ "redirect_uri", IN_TOKEN, false, 2048, "Invalid redirect URI", NULL },
	{ "refresh_token", IN_TOKEN, false, 8192, "Invalid refresh token", NULL },
	{ 0 },
};

static const struct route routes[] = {
	{ "POST", "/oauth2/token", token, token_inputs, ROUTE_OAUTH | ROUTE_FORM_ONLY | ROUTE_LIMIT_LATE },
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
	return pipeline_run("tessera-token", routes);
}
