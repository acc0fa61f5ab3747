/* SPDX-License-Identifier: BSD-2-Clause */
/* auth: Bearer and Basic authentication of API requests. */
#include "domain/auth.h"
#include "core/text.h"
#include "core/crypto.h"
#include "domain/clients.h"
#include "core/db.h"
#include "oauth/jwt.h"
#include "core/log.h"
#include "domain/ratelimit.h"
#include "http/request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The auth_detail columns, in enum order, and the joins they need besides m and p. */
#define DETAIL_COLUMNS \
	"p.name, p.description, p.strict_mode, m.access_policy_id, m.identifier, m.user_type, m.user_id, " \
	"COALESCE(pr.display, c.name, b.name), pr.resource, UNIX_TIMESTAMP(pr.updated_at), c.description, " \
	"c.status, c.redirect_uris, ap.resource, u.email, u.email_verified, u.identifier, u.mfa_enrolled, " \
	"u.first_name, u.last_name, m.admin, p.super_admin, m.access "
#define DETAIL_JOINS \
	"LEFT JOIN profile pr ON pr.id = m.profile_id " \
	"LEFT JOIN client_application c ON c.id = m.profile_id " \
	"LEFT JOIN bot b ON b.id = m.profile_id " \
	"LEFT JOIN access_policy ap ON ap.id = m.access_policy_id AND ap.project_id = m.project_id " \
	"LEFT JOIN user u ON u.id = m.user_id AND m.user_type = 'User' "

/* The same columns for a client's own membership (its profile is the client, alias cl): no
 * profile, bot or user to join. */
#define CLIENT_DETAIL_COLUMNS \
	"p.name, p.description, p.strict_mode, m.access_policy_id, m.identifier, m.user_type, m.user_id, " \
	"cl.name, NULL, NULL, cl.description, cl.status, cl.redirect_uris, ap.resource, NULL, NULL, NULL, NULL, " \
	"NULL, NULL, m.admin, p.super_admin, m.access "

enum { SESSION_COLUMNS = 16 };
#define SESSION_SELECT \
	"SELECT STRAIGHT_JOIN l.user_type, l.user_id, l.client_id, l.membership_id, l.auth_method, UNIX_TIMESTAMP(l.auth_time), " \
	"l.scope, l.revoked, l.granted, m.project_id, m.profile_type, m.profile_id, m.admin, m.active, p.super_admin, " \
	"p.system_setting, " DETAIL_COLUMNS
#define SESSION_FROM \
	"FROM login l JOIN project_membership m ON m.id = l.membership_id JOIN project p ON p.id = m.project_id " \
	DETAIL_JOINS "WHERE l.id = ?"
static const char *const select_session = SESSION_SELECT SESSION_FROM;

/* A self-contained token (client_credentials: no Login) read the same way, from its client's
 * row, in one query: the same columns, "revoked" when its id is in token_revocation, the
 * client is not active, its not_before generation passed the token's (cnb), or the secret
 * that obtained it (skh) is neither the current one nor an unexpired retiring one. */
static const char *const select_stateless =
	"SELECT STRAIGHT_JOIN 'ClientApplication', cl.id, cl.id, m.id, 'client', ?, ?, "
	"(r.jti IS NOT NULL OR cl.status <> 'active' OR cl.tokens_not_before > ? OR NOT "
	"(COALESCE(LEFT(SHA2(cl.secret_hash, 256), 16) = ?, FALSE) OR (COALESCE(LEFT(SHA2(cl.retiring_secret_hash, 256), 16) = ?, FALSE) "
	"AND (cl.retiring_secret_expires_at IS NULL OR cl.retiring_secret_expires_at > UTC_TIMESTAMP(3))))), "
	"TRUE, m.project_id, m.profile_type, m.profile_id, m.admin, m.active, p.super_admin, p.system_setting, " CLIENT_DETAIL_COLUMNS
	"FROM client_application cl JOIN project_membership m ON m.user_id = cl.id AND m.project_id = cl.project_id "
	"JOIN project p ON p.id = m.project_id "
	"LEFT JOIN access_policy ap ON ap.id = m.access_policy_id AND ap.project_id = m.project_id "
	"LEFT JOIN token_revocation r ON r.jti = ? WHERE cl.id = ? LIMIT 1";

static const char *const select_detail =
	"SELECT " DETAIL_COLUMNS "FROM project_membership m JOIN project p ON p.id = m.project_id " DETAIL_JOINS
	"WHERE m.id = ?";

/* Fills *a from a session row (select_session's or select_stateless's columns); takes r.
 * 0 usable, 1 missing/revoked/inactive. */
static int take_session(struct db_result *r, const char *login_id, struct auth *a)
{
	if (r->nrows == 1 && !text_true(db_cell(r, 0, 7)) && text_true(db_cell(r, 0, 13))) {
		struct login *l = &a->login;
		text_copy(l->id, sizeof l->id, login_id);
		text_copy(l->user_type, sizeof l->user_type, db_cell(r, 0, 0));
		text_copy(l->user_id, sizeof l->user_id, db_cell(r, 0, 1));
		text_copy(l->client_id, sizeof l->client_id, db_cell(r, 0, 2));
		text_copy(l->membership_id, sizeof l->membership_id, db_cell(r, 0, 3));
		text_copy(l->auth_method, sizeof l->auth_method, db_cell(r, 0, 4));
		l->auth_time = (time_t)strtoll(db_cell(r, 0, 5) ? db_cell(r, 0, 5) : "0", NULL, 10);
		text_copy(l->scope, sizeof l->scope, db_cell(r, 0, 6));
		l->granted = text_true(db_cell(r, 0, 8));
		text_copy(a->project_id, sizeof a->project_id, db_cell(r, 0, 9));
		text_copy(a->profile_type, sizeof a->profile_type, db_cell(r, 0, 10));
		text_copy(a->profile_id, sizeof a->profile_id, db_cell(r, 0, 11));
		a->admin = text_true(db_cell(r, 0, 12));
		a->super_admin = text_true(db_cell(r, 0, 14));
		ratelimit_parse_settings(db_cell(r, 0, 15), &a->rl);
		a->detail = *r;
		a->detail_base = SESSION_COLUMNS;
		return 0;
	}
	db_result_free(r);
	return 1;
}

/* 0 found and usable, 1 missing/revoked/inactive, -1 database error. */
static int load_session(const char *login_id, struct auth *a)
{
	struct db_result r;
	if (db_query(&r, select_session, "s", login_id) < 0)
		return -1;
	return take_session(&r, login_id, a);
}

/* A self-contained token's claims: 0 usable, 1 not, -1 database error. */
static int load_stateless(json_t *claims, struct auth *a)
{
	const char *jti = json_string_value(json_object_get(claims, "jti"));
	const char *client = json_string_value(json_object_get(claims, "client_id"));
	const char *skh = json_string_value(json_object_get(claims, "skh"));
	const char *scope = json_string_value(json_object_get(claims, "scope"));
	json_t *cnb = json_object_get(claims, "cnb"), *iat = json_object_get(claims, "iat"),
	       *exp = json_object_get(claims, "exp");
	if (!crypto_is_uuid(jti) || !crypto_is_uuid(client) || !skh || strlen(skh) != 16 || !json_is_integer(cnb) ||
	    !json_is_integer(iat) || !json_is_integer(exp))
		return 1;
	struct db_result r;
	if (db_query(&r, select_stateless, "isissss", (long long)json_integer_value(iat), scope ? scope : "",
		     (long long)json_integer_value(cnb), skh, skh, jti, client) < 0)
		return -1;
	int rc = take_session(&r, jti, a);
	if (rc == 0) {
		a->stateless = true;
		a->exp = (long long)json_integer_value(exp);
	}
	return rc;
}

int auth_from_login(const char *login_id, struct auth *a)
{
	memset(a, 0, sizeof *a);
	return load_session(login_id, a);
}

static int from_token(const char *token, struct auth *a)
{
	memset(a, 0, sizeof *a);
	const char *why = NULL;
	json_t *claims = jwt_verify(token, &why);
	if (!claims)
		return why && !strcmp(why, JWT_KEYS_UNAVAILABLE) ? -1 : 1;
	json_t *lid = json_object_get(claims, "login_id");
	/* Refresh and ID tokens carry login_id too; only access tokens have "username"/"scope"
	 * without "refresh_secret" and without "nonce"-only shape, so insist on no refresh_secret. */
	if (!json_is_string(lid) || json_object_get(claims, "refresh_secret") || json_object_get(claims, "fhirUser")) {
		json_decref(claims);
		return 1;
	}
	/* Only Tessera signs: a jti marks a self-contained token, whose id is also its login_id. */
	json_t *jti = json_object_get(claims, "jti");
	int rc = jti ? (json_equal(jti, lid) ? load_stateless(claims, a) : 1) : load_session(json_string_value(lid), a);
	if (rc != 0) {
		json_decref(claims);
		return rc;
	}
	a->claims = claims;
	return 0;
}

int auth_from_token(const char *token, struct auth *a)
{
	return from_token(token, a);
}

/* Basic: the client and the membership details /auth/me and userinfo need, in one query.
 * The client's membership has the client as its profile, so DETAIL_COLUMNS' client (alias c)
 * is the client read here. */
/* A client with its project and its membership in it, as clients_get joins them (aliases c, p, m). */
#define CLIENTS_FROM \
	" FROM client_application c JOIN project p ON p.id = c.project_id " \
	"LEFT JOIN project_membership m ON m.user_id = c.id AND m.project_id = c.project_id "
#define BASIC_DETAIL_COLUMNS \
	"p.name, p.description, p.strict_mode, m.access_policy_id, m.identifier, m.user_type, m.user_id, " \
	"c.name, NULL, NULL, c.description, c.status, c.redirect_uris, ap.resource, NULL, NULL, NULL, NULL, " \
	"NULL, NULL, m.admin, p.super_admin, m.access "
static const char *const select_basic =
	"SELECT STRAIGHT_JOIN " CLIENTS_COLUMNS ", " BASIC_DETAIL_COLUMNS CLIENTS_FROM
	"LEFT JOIN access_policy ap ON ap.id = m.access_policy_id AND ap.project_id = m.project_id WHERE c.id = ? LIMIT 1";

static int basic(const char *header, struct auth *a)
{
	char id[128], secret[256];
	if (!parse_basic_auth(header, id, sizeof id, secret, sizeof secret))
		return 1;
	struct client c;
	struct db_result r = { 0 };
	int rc = !crypto_is_uuid(id) ? 1 : db_query(&r, select_basic, "s", id) < 0 ? -1 : r.nrows == 1 ? 0 : 1;
	if (rc == 0)
		clients_from_row(&r, &c);
	/* A client registered for keys (private_key_jwt) never gets in with its secret. */
	bool ok = rc == 0 && clients_secret_ok(&c, secret, false) && clients_usable(&c) &&
		  strcmp(c.auth_method, "private_key_jwt");
	memset(secret, 0, sizeof secret);
	if (!ok) {
		db_result_free(&r);
		return rc < 0 ? -1 : 1;
	}
	a->basic = true;
	struct login *l = &a->login;
	text_copy(l->user_type, sizeof l->user_type, "ClientApplication");
	text_copy(l->user_id, sizeof l->user_id, c.id);
	text_copy(l->client_id, sizeof l->client_id, c.id);
	text_copy(l->membership_id, sizeof l->membership_id, c.membership_id);
	text_copy(l->auth_method, sizeof l->auth_method, "client");
	l->auth_time = time(NULL);
	l->granted = true;
	text_copy(a->project_id, sizeof a->project_id, c.project_id);
	text_copy(a->profile_type, sizeof a->profile_type, "ClientApplication");
	text_copy(a->profile_id, sizeof a->profile_id, c.id);
	a->super_admin = c.project_super_admin;
	a->rl = c.rl;
	a->detail = r;
	a->detail_base = CLIENTS_NCOLUMNS;
	return 0;
}

bool auth_is_bearer(const struct request *req)
{
	return req->authorization && !strncmp(req->authorization, "Bearer ", 7);
}

int auth_authenticate(struct request *req, struct auth *a)
{
	memset(a, 0, sizeof *a);
	const char *h = req->authorization;
	if (!h)
		return 1;
	/* The scheme is case-sensitive and followed by exactly one space, as in Medplum. */
	if (auth_is_bearer(req))
		return from_token(h + 7, a);
	if (!strncmp(h, "Basic ", 6))
		return basic(h, a);
	return 1;
}

int auth_load_detail(struct auth *a)
{
	if (a->detail.nrows == 1)
		return 0;
	db_result_free(&a->detail);
	if (db_query(&a->detail, select_detail, "s", a->login.membership_id) < 0)
		return -1;
	a->detail_base = 0;
	return a->detail.nrows == 1 ? 0 : 1;
}

const char *auth_detail_cell(const struct auth *a, enum auth_detail col)
{
	return db_cell(&a->detail, 0, a->detail_base + col);
}

void auth_free(struct auth *a)
{
	json_decref(a->claims);
	a->claims = NULL;
	db_result_free(&a->detail);
}

/* The token's part of the introspection query: whether it is usable, then whose it is. */
#define INTROSPECT_LOGIN \
	", (tl.id IS NOT NULL AND NOT tl.revoked AND tl.granted AND tm.active), tm.project_id, tl.user_id, tl.scope, " \
	"tl.client_id, tm.profile_type, tm.profile_id"
#define INTROSPECT_LOGIN_JOIN \
	"LEFT JOIN (login tl JOIN project_membership tm ON tm.id = tl.membership_id) ON tl.id = ? "
#define INTROSPECT_STATELESS \
	", (tc.id IS NOT NULL AND tr.jti IS NULL AND tc.status = 'active' AND tc.tokens_not_before <= ? AND " \
	"(COALESCE(LEFT(SHA2(tc.secret_hash, 256), 16) = ?, FALSE) OR (COALESCE(LEFT(SHA2(tc.retiring_secret_hash, 256), 16) = ?, FALSE) " \
	"AND (tc.retiring_secret_expires_at IS NULL OR tc.retiring_secret_expires_at > UTC_TIMESTAMP(3)))) AND tm.active), " \
	"tm.project_id, tc.id, ?, tc.id, tm.profile_type, tm.profile_id"
#define INTROSPECT_STATELESS_JOIN \
	"LEFT JOIN (client_application tc JOIN project_membership tm ON tm.user_id = tc.id AND tm.project_id = tc.project_id) " \
	"ON tc.id = ? LEFT JOIN token_revocation tr ON tr.jti = ? "

static const char *const introspect_login =
	"SELECT STRAIGHT_JOIN " CLIENTS_COLUMNS INTROSPECT_LOGIN CLIENTS_FROM INTROSPECT_LOGIN_JOIN "WHERE c.id = ? LIMIT 1";
static const char *const introspect_stateless =
	"SELECT STRAIGHT_JOIN " CLIENTS_COLUMNS INTROSPECT_STATELESS CLIENTS_FROM INTROSPECT_STATELESS_JOIN "WHERE c.id = ? LIMIT 1";
/* The caller is the token's own client (a service checking its token): its row is the token's. */
#define INTROSPECT_SELF \
	", (tr.jti IS NULL AND c.status = 'active' AND c.tokens_not_before <= ? AND " \
	"(COALESCE(LEFT(SHA2(c.secret_hash, 256), 16) = ?, FALSE) OR (COALESCE(LEFT(SHA2(c.retiring_secret_hash, 256), 16) = ?, FALSE) " \
	"AND (c.retiring_secret_expires_at IS NULL OR c.retiring_secret_expires_at > UTC_TIMESTAMP(3)))) AND m.active), " \
	"m.project_id, c.id, ?, c.id, m.profile_type, m.profile_id"
static const char *const introspect_self =
	"SELECT STRAIGHT_JOIN " CLIENTS_COLUMNS INTROSPECT_SELF CLIENTS_FROM "LEFT JOIN token_revocation tr ON tr.jti = ? "
	"WHERE c.id = ? LIMIT 1";
static const char *const introspect_none =
	"SELECT " CLIENTS_COLUMNS ", FALSE, NULL, NULL, NULL, NULL, NULL, NULL" CLIENTS_FROM "WHERE c.id = ? LIMIT 1";

/* The token's claims when it is an access token, the kind of its state (1 Login, 2
 * self-contained), else 0 (no claims kept). -1 the keys are unavailable. */
static int access_claims(const char *token, json_t **claims)
{
	const char *why = NULL;
	*claims = token ? jwt_verify(token, &why) : NULL;
	if (!*claims)
		return why && !strcmp(why, JWT_KEYS_UNAVAILABLE) ? -1 : 0;
	json_t *lid = json_object_get(*claims, "login_id"), *jti = json_object_get(*claims, "jti");
	if (json_is_string(lid) && !json_object_get(*claims, "refresh_secret") && !json_object_get(*claims, "fhirUser")) {
		if (!jti)
			return 1;
		const char *skh = json_string_value(json_object_get(*claims, "skh"));
		if (json_equal(jti, lid) && crypto_is_uuid(json_string_value(jti)) &&
		    crypto_is_uuid(json_string_value(json_object_get(*claims, "client_id"))) && skh && strlen(skh) == 16 &&
		    json_is_integer(json_object_get(*claims, "cnb")))
			return 2;
	}
	json_decref(*claims);
	*claims = NULL;
	return 0;
}

int auth_introspect(const char *caller_id, const char *token, struct client *caller, struct auth_subject *t)
{
	memset(t, 0, sizeof *t);
	memset(caller, 0, sizeof *caller);
	if (!crypto_is_uuid(caller_id))
		return 1;
	json_t *claims;
	int kind = access_claims(token, &claims);
	if (kind < 0)
		return -1;
	struct db_result r;
	int rc;
	if (kind == 1) {
		rc = db_query(&r, introspect_login, "ss", json_string_value(json_object_get(claims, "login_id")), caller_id);
	} else if (kind == 2) {
		const char *skh = json_string_value(json_object_get(claims, "skh"));
		const char *scope = json_string_value(json_object_get(claims, "scope"));
		const char *client = json_string_value(json_object_get(claims, "client_id"));
		long long cnb = (long long)json_integer_value(json_object_get(claims, "cnb"));
		const char *jti = json_string_value(json_object_get(claims, "jti"));
		rc = !strcmp(client, caller_id)
			     ? db_query(&r, introspect_self, "isssss", cnb, skh, skh, scope ? scope : "", jti, caller_id)
			     : db_query(&r, introspect_stateless, "issssss", cnb, skh, skh, scope ? scope : "", client, jti,
					caller_id);
	} else {
		rc = db_query(&r, introspect_none, "s", caller_id);
	}
	if (rc < 0) {
		json_decref(claims);
		return -1;
	}
	if (r.nrows != 1) {
		db_result_free(&r);
		json_decref(claims);
		return 1;
	}
	clients_from_row(&r, caller);
	unsigned b = CLIENTS_NCOLUMNS;
	t->usable = kind > 0 && text_true(db_cell(&r, 0, b));
	if (t->usable) {
		text_copy(t->project_id, sizeof t->project_id, db_cell(&r, 0, b + 1));
		text_copy(t->user_id, sizeof t->user_id, db_cell(&r, 0, b + 2));
		text_copy(t->scope, sizeof t->scope, db_cell(&r, 0, b + 3));
		text_copy(t->client_id, sizeof t->client_id, db_cell(&r, 0, b + 4));
		text_copy(t->profile_type, sizeof t->profile_type, db_cell(&r, 0, b + 5));
		text_copy(t->profile_id, sizeof t->profile_id, db_cell(&r, 0, b + 6));
		t->claims = claims;
	} else {
		json_decref(claims);
	}
	db_result_free(&r);
	return 0;
}

void auth_subject_free(struct auth_subject *t)
{
	json_decref(t->claims);
	t->claims = NULL;
}
