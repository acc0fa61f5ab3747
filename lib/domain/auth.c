/* SPDX-License-Identifier: BSD-2-Clause */
/* auth: Bearer and Basic authentication of API requests. */
#include "domain/auth.h"
#include "core/text.h"
#include "core/crypto.h"
#include "domain/clients.h"
#include "domain/extbearer.h"
#include "domain/members.h"
#include "domain/sessionrow.h"
#include "core/db.h"
#include "oauth/jwt.h"
#include "oauth/smart.h"
#include "core/log.h"
#include "domain/ratelimit.h"
#include "http/request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The members of struct login a session row's first columns fill (sessionrow.h), in order. */
static const unsigned char session_login_columns[] = { LM_USER_TYPE, LM_USER_ID, LM_CLIENT_ID, LM_MEMBERSHIP_ID,
						       LM_AUTH_METHOD, LM_AUTH_TIME, LM_SCOPE, LM_REVOKED, LM_GRANTED };

/* A user signed in through a dynamically registered client (a third party's app, PROTOCOL.md
 * §7.6) lends its tokens their data rights, never their administrator's: no admin API, no acting
 * on behalf of others, no administration types on the resource API. Asked of a bearer token
 * only (the browser's own page session is not the app's), and only of an admin's token with a
 * client. 0, -1. */
static int third_party_client(struct auth *a)
{
	if ((!a->admin && !a->super_admin) || !a->login.client_id[0] || !strcmp(a->login.user_type, "ClientApplication"))
		return 0;
	int first = clients_first_party(a->login.client_id);
	if (first < 0)
		return -1;
	if (!first) {
		a->third_party = true;
		a->admin = a->super_admin = false;
	}
	return 0;
}

/* Fills *a from a session row (sessionrow.h: a Login's or a self-contained token's); takes r.
 * 0 usable, 1 missing/revoked/inactive. */
static int take_session(struct db_result *r, const char *login_id, struct auth *a)
{
	if (r->nrows == 1 && !text_true(db_cell(r, 0, SR_REVOKED)) && text_true(db_cell(r, 0, SR_ACTIVE))) {
		struct login *l = &a->login;
		text_copy(l->id, sizeof l->id, login_id);
		login_take_row(r, session_login_columns, sizeof session_login_columns, l);
		text_copy(a->project_id, sizeof a->project_id, db_cell(r, 0, SR_PROJECT_ID));
		text_copy(a->profile_type, sizeof a->profile_type, db_cell(r, 0, SR_PROFILE_TYPE));
		text_copy(a->profile_id, sizeof a->profile_id, db_cell(r, 0, SR_PROFILE_ID));
		a->admin = text_true(db_cell(r, 0, SR_ADMIN));
		a->super_admin = text_true(db_cell(r, 0, SR_SUPER_ADMIN));
		ratelimit_parse_settings(db_cell(r, 0, SR_SETTING), &a->rl);
		a->detail = *r;
		a->detail_base = SESSIONROW_LEADING;
		return 0;
	}
	db_result_free(r);
	return 1;
}

/* 0 found and usable, 1 missing/revoked/inactive, -1 database error. */
static int load_session(const char *login_id, struct auth *a)
{
	struct db_result r;
	if (login_read_session(login_id, &r) < 0)
		return -1;
	return take_session(&r, login_id, a);
}

/* A self-contained token's claims: 0 usable, 1 not, -1 database error. */
static int load_stateless(json_t *claims, struct auth *a)
{
	json_t *cnb = json_object_get(claims, "cnb"), *iat = json_object_get(claims, "iat"),
	       *exp = json_object_get(claims, "exp");
	struct token_ref t = {
		.jti = json_string_value(json_object_get(claims, "jti")),
		.client_id = json_string_value(json_object_get(claims, "client_id")),
		.skh = json_string_value(json_object_get(claims, "skh")),
		.scope = json_string_value(json_object_get(claims, "scope")),
	};
	if (!crypto_is_uuid(t.jti) || !crypto_is_uuid(t.client_id) || !t.skh || strlen(t.skh) != 16 ||
	    !json_is_integer(cnb) || !json_is_integer(iat) || !json_is_integer(exp))
		return 1;
	t.cnb = (long long)json_integer_value(cnb);
	t.iat = (long long)json_integer_value(iat);
	struct db_result r;
	if (clients_read_token_session(&t, &r) < 0)
		return -1;
	int rc = take_session(&r, t.jti, a);
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
	/* An external auth provider's token (§4) stands for a Login of its own. */
	char external[37];
	int ext = extbearer_login(token, external);
	if (ext != 2) {
		int rc = ext == 0 ? load_session(external, a) : ext;
		return rc == 0 ? third_party_client(a) : rc;
	}
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
	if (rc == 0)
		rc = third_party_client(a);
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

static int basic(const char *header, struct auth *a)
{
	char id[128], secret[256];
	if (!parse_basic_auth(header, id, sizeof id, secret, sizeof secret))
		return 1;
	struct client c;
	struct db_result r = { 0 };
	int rc = !crypto_is_uuid(id) ? 1 : clients_read_basic(id, &r) < 0 ? -1 : r.nrows == 1 ? 0 : 1;
	if (rc == 0)
		clients_from_row(&r, &c);
	/* A client registered for keys (private_key_jwt) never gets in with its secret, nor one
	 * registered without client_credentials (Basic is that grant's access without a token). */
	bool ok = rc == 0 && clients_secret_ok(&c, secret, false) && clients_usable(&c) &&
		  strcmp(c.auth_method, "private_key_jwt") && clients_grant_allowed(c.grant_types, "client_credentials");
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
	if (members_read_detail(a->login.membership_id, &a->detail) < 0)
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
	struct token_ref ref = { 0 };
	if (kind == 2) {
		ref = (struct token_ref){
			.jti = json_string_value(json_object_get(claims, "jti")),
			.client_id = json_string_value(json_object_get(claims, "client_id")),
			.skh = json_string_value(json_object_get(claims, "skh")),
			.scope = json_string_value(json_object_get(claims, "scope")),
			.cnb = (long long)json_integer_value(json_object_get(claims, "cnb")),
		};
	}
	struct db_result r;
	int rc = clients_read_introspection(caller_id,
					    kind == 1 ? json_string_value(json_object_get(claims, "login_id")) : NULL,
					    kind == 2 ? &ref : NULL, &r);
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

/* "ProjectMembership/<id>" or "<ProfileType>/<id>": the membership of the caller's project it
 * names. 0 (row), 1 none or malformed, -1. */
static int on_behalf_target(const struct auth *a, const char *value, struct db_result *r)
{
	const char *slash = strchr(value, '/');
	char type[32];
	if (!slash || (size_t)(slash - value) >= sizeof type || !crypto_is_uuid(slash + 1))
		return 1;
	memcpy(type, value, (size_t)(slash - value));
	type[slash - value] = '\0';
	bool membership = !strcmp(type, "ProjectMembership");
	if (!membership && strcmp(type, "Patient") && strcmp(type, "Practitioner") && strcmp(type, "RelatedPerson") &&
	    strcmp(type, "ClientApplication") && strcmp(type, "Bot"))
		return 1;
	if (members_on_behalf(a->project_id, membership ? slash + 1 : NULL, membership ? NULL : type,
			      membership ? NULL : slash + 1, r) < 0)
		return -1;
	if (r->nrows == 1)
		return 0;
	db_result_free(r);
	return 1;
}

int auth_on_behalf(struct auth *a, const char *value, struct refusal *err)
{
	if (!value || !*value)
		return 0;
	/* An admin's token narrowed by a SMART scope acts for nobody else (admin_rights_whole). */
	if ((!a->admin && !a->super_admin) || smart_scope_narrows(a->login.scope))
		return refuse(err, 403, "Forbidden", NULL);
	struct db_result r;
	int rc = a->project_id[0] ? on_behalf_target(a, value, &r) : 1;
	if (rc != 0)
		return rc < 0 ? -1 : refuse(err, 400, AUTH_ON_BEHALF_INVALID, NULL);
	/* From here on the request is the target's: its membership, profile, policy and rights
	 * (never more than the target has; a super admin acting for a member is that member). */
	text_copy(a->login.membership_id, sizeof a->login.membership_id, db_cell(&r, 0, 0));
	text_copy(a->profile_type, sizeof a->profile_type, db_cell(&r, 0, 1));
	text_copy(a->profile_id, sizeof a->profile_id, db_cell(&r, 0, 2));
	a->admin = text_true(db_cell(&r, 0, 3));
	a->super_admin = false;
	a->on_behalf = true;
	db_result_free(&r);
	/* The details read with the caller's token are the caller's: read again for the target. */
	db_result_free(&a->detail);
	return 0;
}
