/* SPDX-License-Identifier: BSD-2-Clause */
/* tessera-token: POST /oauth2/token (PROTOCOL.md §7.2). Grants are dispatched through a table whose
 * names must equal lib/discovery.c's grant_types_supported, so discovery cannot drift. */
#include "http/app.h"
#include "domain/fields.h"
#include "domain/pipeline.h"
#include "domain/assertions.h"
#include "domain/audit.h"
#include "domain/clients.h"
#include "domain/exchange.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/db.h"
#include "oauth/discovery.h"
#include "domain/grant.h"
#include "domain/grantcount.h"
#include "oauth/assertion.h"
#include "oauth/jwt.h"
#include "core/log.h"
#include "domain/login.h"
#include "domain/policies.h"
#include "oauth/smart.h"
#include "domain/ratelimit.h"
#include "http/refuse.h"
#include "http/request.h"
#include "http/response.h"
#include "core/text.h"
#include "oauth/tokens.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Client authentication (RFC 6749 §2.3; PROTOCOL.md §S.20). Credentials that are present are
 * always checked, whatever their form, and must name the client the grant belongs to; which
 * grants must authenticate is decided by the grant (a code without PKCE, a refresh token
 * issued to an authenticated client) and by the client (tokenEndpointAuthMethod). */
struct presented {
	char id[128];       /* the client the request names; "" none */
	char secret[256];
	const char *method; /* client_secret_basic, client_secret_post or private_key_jwt; NULL: none */
	bool via_basic;     /* an Authorization header: its failures are 401 (RFC 6749 §5.2) */
	bool asserted;      /* private_key_jwt, already verified: client is the assertion's issuer */
	struct client client;
};

static const char BASIC[] = "client_secret_basic", POST[] = "client_secret_post", KEY_JWT[] = "private_key_jwt";

static bool read_basic(struct request *req, struct presented *p, const char *body_id, const char *body_secret)
{
	p->via_basic = true;
	if (!parse_basic_auth(req->authorization, p->id, sizeof p->id, p->secret, sizeof p->secret)) {
		send_oauth_error(req, 400, "invalid_request", "Invalid authorization header");
		return false;
	}
	/* The SDK's client_credentials with setBasicAuth sends the secret in both places: a body
	 * copy must be the same credentials, never a second, unchecked one. */
	bool other_secret = body_secret && *body_secret && !crypto_streq(body_secret, p->secret);
	if (other_secret || (body_id && *body_id && strcmp(body_id, p->id))) {
		send_oauth_error(req, 401, "invalid_client", "Invalid client");
		return false;
	}
	p->method = BASIC;
	return true;
}

/* private_key_jwt (RFC 7523 §2.2, PROTOCOL.md §7.2.5): verified here, before the grant, so every
 * grant sees an authenticated client or nothing. One method per request (RFC 6749 §2.3).
 * 1 read, 0 refused (sent), -1 failure. */
static int read_assertion(struct request *req, struct presented *p, const char *id, const char *secret)
{
	if (req->authorization || (secret && *secret)) {
		send_oauth_error(req, 400, "invalid_request", "Multiple client authentication methods");
		return 0;
	}
	/* The signature check and the jti write come after the per-IP limit. */
	if (ratelimit_refuse(req))
		return 0;
	struct refusal err = { 0 };
	int rc = assertions_client(req_param(req, "client_assertion_type"), req_param(req, "client_assertion"), id,
				   &p->client, &err);
	if (rc != 0)
		return rc < 0 ? -1 : (send_refusal(req, &err), 0);
	snprintf(p->id, sizeof p->id, "%s", p->client.id);
	p->method = KEY_JWT;
	p->asserted = true;
	return 1;
}

/* Reads what the request presents: an assertion, a Basic header, or body client_id (naming
 * the client) with client_secret (authenticating it). 1 read, 0 refused (sent), -1 failure. */
static int read_presented(struct request *req, struct presented *p)
{
	memset(p, 0, sizeof *p);
	const char *id = req_param(req, "client_id"), *secret = req_param(req, "client_secret");
	if (req_param(req, "client_assertion") || req_param(req, "client_assertion_type"))
		return read_assertion(req, p, id, secret);
	if (req->authorization)
		return read_basic(req, p, id, secret) ? 1 : 0;
	snprintf(p->id, sizeof p->id, "%s", id ? id : "");
	snprintf(p->secret, sizeof p->secret, "%s", secret ? secret : "");
	if (p->secret[0] && !p->id[0]) {
		send_oauth_error(req, 400, "invalid_request", "Missing client_id");
		return 0;
	}
	p->method = p->secret[0] ? POST : NULL;
	return 1;
}

/* A failed authentication: over a Basic header 401 invalid_client (RFC 6749 §5.2); over the
 * body Medplum's 400 invalid_request, with the same description. */
static void client_error(struct request *req, const struct presented *p, const char *description)
{
	if (p->via_basic)
		send_oauth_error(req, 401, "invalid_client", description);
	else
		send_oauth_error(req, 400, "invalid_request", description);
}

/* The request names no client, or the grant's own (owner "" when the login has none). */
static bool same_client(struct request *req, const struct presented *p, const char *owner, const char *description)
{
	if (!p->id[0] || !strcmp(p->id, owner))
		return true;
	send_oauth_error(req, 400, "invalid_grant", description);
	return false;
}

/* A presented secret must be the client's (c NULL: no client to check it against). */
static bool secret_ok(struct request *req, const struct presented *p, const struct client *c, const char *description)
{
	/* An assertion was verified with the keys of the client it names (same_client: this one). */
	if (!p->method || p->asserted || (c && clients_secret_ok(c, p->secret, true)))
		return true;
	client_error(req, p, description);
	return false;
}

/* Authentication the grant or the client demands: required by the grant, or any grant of a
 * client whose tokenEndpointAuthMethod names a method, which must be the one used. */
static bool demanded_ok(struct request *req, const struct presented *p, const char *client_method, bool required)
{
	bool confidential = client_method[0] && strcmp(client_method, "none");
	if ((required || confidential) && !p->method) {
		send_oauth_error(req, 401, "invalid_client", "Client authentication required");
		return false;
	}
	if (confidential && strcmp(p->method, client_method)) {
		send_oauth_error(req, 401, "invalid_client", "Client authentication method not allowed");
		return false;
	}
	return true;
}

/* Per client (Medplum warns that requesting tokens too often degrades service): only after
 * the secret, so nobody without it can use up a client's tokens. Counted in the node's
 * shared table (lib/domain/ratelimit.h). 0 go on, 1 refused (sent). */
static int client_limit(struct request *req, const struct client *c)
{
	int limit = c->rl.client_rate_limit > 0 ? c->rl.client_rate_limit : cfg.client_rate_limit;
	long long wait_ms = 0;
	if (ratelimit_client_grant(c->id, limit, &wait_ms) == 0)
		return 0;
	response_rate_limited(req, (long long)limit + 1, limit, wait_ms);
	return 1;
}

/* What refuses a client_credentials client (NULL: nothing); *demanded tells a refusal of
 * demanded_ok's kind (always 401) from a failed authentication. */
static const char *client_refusal(int found, const struct client *c, const struct presented *p, bool *demanded)
{
	*demanded = false;
	if (found == 1 || !clients_usable(c))
		return "Invalid client";
	if (!p->asserted && !clients_secret_ok(c, p->secret, true))
		return "Invalid secret";
	*demanded = !clients_method_allowed(c, p->method);
	return *demanded ? "Client authentication method not allowed" : NULL;
}

static void send_client_refusal(struct request *req, const struct presented *p, const char *refusal, bool demanded)
{
	if (demanded)
		send_oauth_error(req, 401, "invalid_client", refusal);
	else
		client_error(req, p, refusal);
}

/* PROTOCOL.md §7.6: a registered client uses only the grant types it registered (RFC 7591 §2);
 * checked once the client authenticated, so the answer tells a stranger nothing. RFC 6749 §5.2's
 * unauthorized_client, 400. true go on, false refused (sent). */
static bool grant_registered(struct request *req, const char *registered, const char *grant)
{
	if (clients_grant_allowed(registered, grant))
		return true;
	send_oauth_error(req, 400, "unauthorized_client", CLIENTS_GRANT_REFUSED);
	return false;
}

/* The IP rules of the caller's access policies (§11.3, §S.10), from policies_ip_check: 0 go
 * on, 1 refused (sent), -1. */
static int ip_refused(struct request *req, int check)
{
	if (check == 1)
		send_oauth_error(req, 400, "invalid_request", POLICIES_IP_REFUSED);
	return check;
}

/* The hot path (issue 15): one read of the client's row (status, secret, method, membership,
 * the project's limits), the counts in shared memory, one signature; no row written. The
 * token is self-contained: every use re-checks it against the client's row (auth.c). */
static int client_credentials(struct request *req)
{
	struct presented p;
	int rc = read_presented(req, &p);
	if (rc != 1)
		return rc;
	if (!p.asserted && (!p.id[0] || !p.secret[0])) {
		send_oauth_error(req, 400, "invalid_request", p.id[0] ? "Missing client_secret" : "Missing client_id");
		return 0;
	}
	struct client c = p.client;
	if (!p.asserted)
		rc = clients_get(p.id, &c);
	else
		rc = 0;
	if (rc < 0) {
		memset(p.secret, 0, sizeof p.secret);
		return -1;
	}
	/* The per-IP limit with the project's override; an unknown client gets the default. */
	if (rc == 0)
		ratelimit_use_project(req, &c.rl);
	if (ratelimit_refuse(req)) {
		memset(p.secret, 0, sizeof p.secret);
		return 0;
	}
	bool demanded = false;
	const char *refusal = client_refusal(rc, &c, &p, &demanded);
	/* Which secret matched names the token's secret (skh): current, else the retiring one. */
	uint8_t presented[32], skh[SHA256_LEN];
	bool hashed = !refusal && (p.asserted || crypto_keyed_hash(p.secret, presented) == 0);
	memset(p.secret, 0, sizeof p.secret);
	if (refusal) {
		send_client_refusal(req, &p, refusal, demanded);
		return 0;
	}
	if (!hashed)
		return -1;
	snprintf(req->log_client, sizeof req->log_client, "%s", c.id);
	/* An app registered to act for users has no token of its own, whose membership reads the project. */
	if (!grant_registered(req, c.grant_types, "client_credentials"))
		return 0;
	if (client_limit(req, &c))
		return 0;
	/* The IP rules of its access policies (§11.3): a query only for a membership with a policy. */
	if (c.has_policy && (rc = ip_refused(req, policies_ip_check(c.membership_id, req->remote_addr))) != 0)
		return rc < 0 ? -1 : 0;
	/* An assertion's token names the current secret: rotating it ends the token too. */
	bool current = p.asserted || (c.has_secret && crypto_equal(presented, 32, c.secret_hash, 32));
	crypto_sha256(current ? c.secret_hash : c.retiring_hash, 32, skh);
	char jti[37], skh_hex[17];
	for (int i = 0; i < 8; i++)
		snprintf(skh_hex + 2 * i, 3, "%02x", skh[i]);
	if (crypto_uuid_v7(jti) < 0)
		return -1;
	const char *scope = req_param(req, "scope");
	snprintf(req->log_login, sizeof req->log_login, "%s", jti);
	struct token_grant g = {
		.login_id = jti, .jti = jti, .cnb = c.tokens_not_before, .skh = skh_hex, .user_id = c.id,
		.client_id = c.id, .scope = scope && *scope ? scope : "openid", .profile_type = "ClientApplication",
		.profile_id = c.id, .profile_display = c.name, .project_id = c.project_id,
		.project_display = c.project_name, .auth_time = time(NULL), .access_lifetime = c.access_lifetime,
		.refresh_lifetime = c.refresh_lifetime,
	};
	json_t *body = tokens_response(&g);
	if (!body)
		return -1;
	grantcount_add(c.id, c.project_id, req->remote_addr, req->user_agent);
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
	snprintf(req->log_login, sizeof req->log_login, "%s", g->login.id);
	snprintf(req->log_client, sizeof req->log_client, "%s", g->login.client_id);
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

/* RFC 7636 §4.6: plain compares as is; S256 compares BASE64URL(SHA256(verifier)). */
static bool pkce_ok(const struct login *cl, const char *verifier)
{
	if (!strcmp(cl->code_challenge_method, "S256")) {
		uint8_t digest[32];
		crypto_sha256(verifier, strlen(verifier), digest);
		char *b64 = crypto_b64url_encode(digest, sizeof digest);
		bool ok = b64 && crypto_streq(b64, cl->code_challenge);
		free(b64);
		return ok;
	}
	return crypto_streq(verifier, cl->code_challenge);
}

/* PKCE (RFC 7636) for a client that needs it, or a code that was issued with a challenge.
 * 1 go on, 0 refused (sent). */
static int code_pkce_ok(struct request *req, const struct login *cl, const struct client *c)
{
	const char *verifier = req_param(req, "code_verifier");
	if (c->pkce_optional && !cl->code_challenge[0])
		return 1;
	/* A registered public client's codes carry an S256 challenge (PROTOCOL.md §7.6). */
	if (c->pkce_s256 && strcmp(cl->code_challenge_method, "S256")) {
		send_oauth_error(req, 400, "invalid_request", "Invalid code verifier");
		return 0;
	}
	if (!cl->code_challenge[0]) {
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

/* The client part of a code redemption: credentials presented name the code's client and
 * verify; PKCE unless the client is pkceOptional; client authentication for a code without
 * PKCE and for a confidential client. *auth: the method that authenticated (NULL: none).
 * 1 go on, 0 refused (sent), -1. */
static int code_client_check(struct request *req, const struct login *cl, const struct presented *p, const char **auth)
{
	if (!same_client(req, p, cl->client_id, "Invalid client"))
		return 0;
	struct client c = { 0 };
	int rc = cl->client_id[0] ? clients_get(cl->client_id, &c) : 0;
	if (rc != 0) {
		if (rc > 0)
			send_oauth_error(req, 400, "invalid_request", "Invalid client");
		return rc > 0 ? 0 : -1;
	}
	/* A client disabled since the sign-in gets no tokens. */
	if (cl->client_id[0] && strcmp(c.status, "active")) {
		send_oauth_error(req, 400, "invalid_grant", "Invalid client");
		return 0;
	}
	if (!secret_ok(req, p, cl->client_id[0] ? &c : NULL, "Invalid secret"))
		return 0;
	const char *verifier = req_param(req, "code_verifier");
	/* RFC 9700 §2.1.1: a verifier for a code issued without a challenge is a downgrade attempt. */
	if (verifier && *verifier && !cl->code_challenge[0]) {
		send_oauth_error(req, 400, "invalid_request", "Invalid code verifier");
		return 0;
	}
	/* A code issued without PKCE is bound to nothing but the client's secret (a client that
	 * is not pkceOptional gets the PKCE error below). */
	if (!demanded_ok(req, p, c.auth_method, c.pkce_optional && !cl->code_challenge[0]) || !code_pkce_ok(req, cl, &c) ||
	    !grant_registered(req, c.grant_types, "authorization_code"))
		return 0;
	*auth = p->method;
	return 1;
}

static int code_client_ok(struct request *req, const struct login *cl, const char **auth)
{
	struct presented p;
	int rc = read_presented(req, &p);
	if (rc != 1)
		return rc;
	rc = code_client_check(req, cl, &p, auth);
	memset(p.secret, 0, sizeof p.secret);
	return rc;
}

/* The login state checks of §7.2.2 plus Tessera's expiry and redirect_uri binding
 * (PROTOCOL.md §S.2 and §S.3). A reused code revokes the whole login. */
static int code_state_ok(struct request *req, const struct login *cl)
{
	if (!cl->membership_id[0]) {
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
	if (cl->code_expired) {
		send_oauth_error(req, 400, "invalid_grant", "Code expired");
		return 0;
	}
	/* Deactivated since the sign-in: no tokens (Bearer checks would refuse them anyway). */
	if (!cl->membership_active) {
		send_oauth_error(req, 400, "invalid_grant", "Invalid profile");
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
	struct login cl;
	int rc = login_find_code(code, &cl);
	if (rc <= 0) {
		if (rc == 0)
			send_oauth_error(req, 400, "invalid_grant", "Invalid code");
		return rc;
	}
	snprintf(req->log_login, sizeof req->log_login, "%s", cl.id);
	if ((rc = code_state_ok(req, &cl)) != 1)
		return rc;
	const char *auth = NULL;
	if ((rc = code_client_ok(req, &cl, &auth)) != 1)
		return rc;
	char secret[65];
	uint8_t digest[32];
	if (cl.refresh_allowed && new_refresh_secret(secret, digest) < 0)
		return -1;
	/* client_auth_method binds the refresh token to how the client authenticated now; it never
	 * weakens (a login reopened by /oauth2/authorize keeps an earlier authenticated binding). */
	int redeemed = login_redeem_code(cl.id, cl.refresh_allowed ? digest : NULL, auth);
	if (redeemed < 0)
		return -1;
	if (redeemed == 1) {
		/* Another request redeemed the same code at the same moment: treat as reuse. */
		if (login_revoke_audited(cl.id, AUDIT_CODE_REUSE) < 0)
			return -1;
		send_oauth_error(req, 400, "invalid_grant", "Token already granted");
		return 0;
	}
	return send_tokens(req, cl.id, cl.refresh_allowed ? secret : NULL);
}

/* §7.2.3, stricter than Medplum (§S.4, §S.20): credentials presented must name
 * the token's client and verify; a token issued to an authenticated client (or any token of
 * a confidential client) needs the client's authentication now. *auth: the method that
 * authenticated (NULL: none). 1 go on, 0 refused (sent), -1. */
static int refresh_client_check(struct request *req, const struct grant_subject *g, const struct presented *p,
				const char **auth)
{
	if (!same_client(req, p, g->login.client_id, "Incorrect client"))
		return 0;
	if (g->login.client_id[0] && strcmp(g->client_status, "active")) {
		send_oauth_error(req, 400, "invalid_grant", "Invalid client");
		return 0;
	}
	/* The client's row only when there is a secret to check: a public refresh costs no query. */
	struct client c;
	int rc = p->method && g->login.client_id[0] ? clients_get(g->login.client_id, &c) : 1;
	if (rc < 0)
		return -1;
	if (!secret_ok(req, p, rc == 0 ? &c : NULL, "Incorrect client secret") ||
	    !demanded_ok(req, p, g->client_auth_method, g->issued_auth[0] != '\0') ||
	    !grant_registered(req, g->client_grant_types, "refresh_token"))
		return 0;
	*auth = p->method;
	return 1;
}

static int refresh_client_ok(struct request *req, const struct grant_subject *g, const char **auth)
{
	struct presented p;
	int rc = read_presented(req, &p);
	if (rc != 1)
		return rc;
	rc = refresh_client_check(req, g, &p, auth);
	memset(p.secret, 0, sizeof p.secret);
	return rc;
}

/* Refresh reuse detection (RFC 9700 §4.14.2, PROTOCOL.md §S.5): a rotated-out secret
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
	if (g.login.revoked) {
		send_oauth_error(req, 400, "invalid_grant", "Token revoked");
		return 0;
	}
	/* Finding 7 of issue 14: tokens for a deactivated membership were signed, then refused. */
	if (!g.membership_active) {
		send_oauth_error(req, 400, "invalid_grant", "Invalid profile");
		return 0;
	}
	const char *auth = NULL;
	if ((rc = refresh_client_ok(req, &g, &auth)) != 1)
		return rc;
	uint8_t digest[32];
	crypto_sha256(presented, strlen(presented), digest);
	if (!crypto_equal(digest, 32, g.refresh_hash, 32))
		return refresh_reused(req, id);
	if ((rc = ip_refused(req, policies_ip_check_login(id, req->remote_addr))) != 0)
		return rc < 0 ? -1 : 0;
	char fresh[65];
	uint8_t fresh_digest[32];
	if (new_refresh_secret(fresh, fresh_digest) < 0)
		return -1;
	int rotated = login_rotate_refresh(id, digest, fresh_digest, auth, req->remote_addr, req->user_agent);
	if (rotated < 0)
		return -1;
	if (rotated == 1)
		return refresh_reused(req, id);
	return send_grant(req, &g, fresh);
}

/* ---- token exchange (§7.2.4, §6.5): an IdP's access token for this client's tokens ---- */

#define ACCESS_TOKEN_TYPE "urn:ietf:params:oauth:token-type:access_token"

/* A refused upstream-vouched Login as an OAuth error (an unknown client as Medplum's 404, an
 * upstream's failure as its 502/504). */
static int send_vouched_refusal(struct request *req, const struct refusal *err)
{
	if (err->status == 404)
		send_not_found(req);
	else if (err->status == 502 || err->status == 504)
		send_outcome(req, err->status, NULL, err->status == 504 ? "timeout" : "exception", err->text, NULL);
	else
		send_oauth_error(req, err->status, err->oauth_error ? err->oauth_error : "invalid_request", err->text);
	return 0;
}

/* A Login an upstream party vouched for, granted at once and answered with §3.1's tokens; auth:
 * how the client authenticated (binds a refresh token, §S.20), NULL none. */
static int grant_vouched(struct request *req, const struct login *l, const char *auth)
{
	snprintf(req->log_login, sizeof req->log_login, "%s", l->id);
	char secret[65];
	uint8_t digest[32];
	if (l->refresh_allowed && new_refresh_secret(secret, digest) < 0)
		return -1;
	if (login_redeem_code(l->id, l->refresh_allowed ? digest : NULL, auth) != 0)
		return -1;
	return send_tokens(req, l->id, l->refresh_allowed ? secret : NULL);
}

/* The exchange's Login, granted at once, answered with §3.1's tokens (a refresh token bound to
 * how the client authenticated, §S.20). */
static int exchange(struct request *req, const struct exchange_request *x)
{
	struct login l;
	struct refusal err;
	int rc = exchange_login(x, &l, &err);
	if (rc != 0)
		return rc < 0 ? -1 : send_vouched_refusal(req, &err);
	return grant_vouched(req, &l, x->client_auth);
}

/* ---- jwt-bearer (RFC 7523 §2.1, PROTOCOL.md §7.2.6): an assertion of the client's trusted
 * issuer about a user of its project (the SDK's startJwtBearerLogin) ---- */

/* The client: named (client_id, Basic or an assertion), usable, its presented credentials
 * checked, and authenticated when its tokenEndpointAuthMethod demands. 1 go on, 0, -1. */
static int bearer_client(struct request *req, struct presented *p)
{
	if (!p->id[0]) {
		send_oauth_error(req, 400, "invalid_request", "Missing client_id");
		return 0;
	}
	struct client c = p->client;
	int rc = p->asserted ? 0 : clients_get(p->id, &c);
	if (rc < 0)
		return -1;
	if (rc == 1 || !clients_usable(&c)) {
		client_error(req, p, "Invalid client");
		return 0;
	}
	snprintf(req->log_client, sizeof req->log_client, "%s", c.id);
	return secret_ok(req, p, &c, "Invalid secret") && demanded_ok(req, p, c.auth_method, false) &&
		       grant_registered(req, c.grant_types, ASSERTION_GRANT_TYPE)
		   ? 1
		   : 0;
}

static int jwt_bearer(struct request *req)
{
	const char *assertion = req_param(req, "assertion");
	if (!assertion || !*assertion) {
		send_oauth_error(req, 400, "invalid_request", "Missing assertion");
		return 0;
	}
	struct presented p;
	int rc = read_presented(req, &p);
	if (rc == 1)
		rc = bearer_client(req, &p);
	memset(p.secret, 0, sizeof p.secret);
	if (rc != 1)
		return rc;
	struct login l;
	struct refusal err = { 0 };
	rc = assertions_grant_login(&(struct assertion_grant){ .client_id = p.id, .assertion = assertion,
								.scope = req_param(req, "scope"), .remote_addr = req->remote_addr,
								.user_agent = req->user_agent },
				    &l, &err);
	if (rc != 0)
		return rc < 0 ? -1 : send_vouched_refusal(req, &err);
	return grant_vouched(req, &l, p.method);
}

/* The client of a token exchange (PROTOCOL.md §7.2.4): credentials presented are verified, and
 * a confidential client must authenticate with its own method (RFC 8693 §2.1); one without a
 * tokenEndpointAuthMethod may name itself with client_id alone, as Medplum's SDK does. An
 * unknown client is exchange_login's to answer (Medplum's 404). 1 go on, 0 refused (sent), -1. */
static int exchange_client(struct request *req, const struct presented *p)
{
	struct client c = p->client;
	int rc = p->asserted ? 0 : clients_get(p->id, &c);
	if (rc != 0)
		return rc < 0 ? -1 : 1;
	snprintf(req->log_client, sizeof req->log_client, "%s", c.id);
	return secret_ok(req, p, &c, "Invalid secret") && demanded_ok(req, p, c.auth_method, false) ? 1 : 0;
}

static int token_exchange(struct request *req)
{
	struct presented p;
	int rc = read_presented(req, &p);
	if (rc != 1)
		return rc;
	const char *subject = req_param(req, "subject_token"), *type = req_param(req, "subject_token_type");
	const char *refusal = !p.id[0] ? "Invalid client"
			      : !subject || !*subject ? "Invalid subject_token"
			      : !type || strcmp(type, ACCESS_TOKEN_TYPE) ? "Invalid subject_token_type"
								 : NULL;
	if (refusal) {
		memset(p.secret, 0, sizeof p.secret);
		send_oauth_error(req, 400, "invalid_request", refusal);
		return 0;
	}
	rc = exchange_client(req, &p);
	memset(p.secret, 0, sizeof p.secret);
	if (rc != 1)
		return rc;
	return exchange(req, &(struct exchange_request){ .client_id = p.id, .subject_token = subject,
							 .membership_id = req_param(req, "membership_id"),
							 .scope = req_param(req, "scope"), .nonce = req_param(req, "nonce"),
							 .remote_addr = req->remote_addr, .user_agent = req->user_agent,
							 .client_auth = p.method });
}

/* POST /auth/exchange (§6.5): the same with {externalAccessToken, clientId}. */
static int auth_exchange(struct request *req)
{
	if (ratelimit_refuse(req))
		return 0;
	return exchange(req, &(struct exchange_request){ .client_id = req_param(req, "clientId"),
							 .subject_token = req_param(req, "externalAccessToken"),
							 .remote_addr = req->remote_addr, .user_agent = req->user_agent });
}

static const struct grant {
	const char *name;
	handler_fn handler;
} grants[] = {
	{ "client_credentials", client_credentials },
	{ "authorization_code", authorization_code },
	{ "refresh_token", refresh_token },
	{ "urn:ietf:params:oauth:grant-type:token-exchange", token_exchange },
	{ ASSERTION_GRANT_TYPE, jwt_bearer },
	{ NULL, NULL },
};

static int token(struct request *req)
{
	const char *type = req_param(req, "grant_type");
	/* client_credentials applies the per-IP limit itself, with its project's override. */
	if (strcmp(type, "client_credentials") && ratelimit_refuse(req))
		return 0;
	if (!smart_scope_wellformed(req_param(req, "scope"))) {
		send_oauth_error(req, 400, "invalid_scope", "Invalid scope");
		return 0;
	}
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
	FIELD_CLIENT_ID_TOKEN,
	FIELD_CLIENT_SECRET,
	FIELD_SCOPE,
	{ "code", IN_TOKEN, false, 64, "Invalid code", NULL },
	{ "code_verifier", IN_TOKEN, false, 128, "Invalid code verifier", NULL },
	FIELD_REDIRECT_URI,
	{ "refresh_token", IN_TOKEN, false, 8192, "Invalid refresh token", NULL },
	FIELDS_CLIENT_ASSERTION,
	{ "assertion", IN_TOKEN, false, 8192, "Invalid assertion", NULL },
	{ "subject_token", IN_STRING, false, 16384, "Invalid subject_token", NULL },
	{ "subject_token_type", IN_STRING, false, 128, "Invalid subject_token_type", NULL },
	{ "membership_id", IN_TOKEN, false, 64, "Invalid membership_id", NULL },
	FIELD_NONCE,
	{ 0 },
};

static const struct input exchange_inputs[] = {
	{ "externalAccessToken", IN_STRING, true, 16384, "Missing externalAccessToken", NULL },
	{ "clientId", IN_STRING, true, 127, "Missing clientId", NULL },
	{ 0 },
};

static const struct route routes[] = {
	{ "POST", "/oauth2/token", token, token_inputs, ROUTE_OAUTH | ROUTE_FORM_ONLY | ROUTE_LIMIT_LATE },
	{ "POST", "/auth/exchange", auth_exchange, exchange_inputs, ROUTE_LIMIT_LATE },
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
