/* SPDX-License-Identifier: BSD-2-Clause */
/* auth: Bearer and Basic authentication of API requests. */
#include "domain/auth.h"
#include "core/text.h"
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
	"u.first_name, u.last_name, m.admin, p.super_admin "
#define DETAIL_JOINS \
	"LEFT JOIN profile pr ON pr.id = m.profile_id " \
	"LEFT JOIN client_application c ON c.id = m.profile_id " \
	"LEFT JOIN bot b ON b.id = m.profile_id " \
	"LEFT JOIN access_policy ap ON ap.id = m.access_policy_id " \
	"LEFT JOIN user u ON u.id = m.user_id AND m.user_type = 'User' "

enum { SESSION_COLUMNS = 16 };
#define SESSION_SELECT \
	"SELECT l.user_type, l.user_id, l.client_id, l.membership_id, l.auth_method, UNIX_TIMESTAMP(l.auth_time), " \
	"l.scope, l.revoked, l.granted, m.project_id, m.profile_type, m.profile_id, m.admin, m.active, p.super_admin, " \
	"p.system_setting, " DETAIL_COLUMNS
#define SESSION_FROM \
	"FROM login l JOIN project_membership m ON m.id = l.membership_id JOIN project p ON p.id = m.project_id " \
	DETAIL_JOINS "WHERE l.id = ?"
static const char *const select_session = SESSION_SELECT SESSION_FROM;
/* The same, carrying the request's per-IP count (lib/ratelimit.h): its last column. */
static const char *const select_session_counting = SESSION_SELECT ", tessera_hit(?, ?) " SESSION_FROM;

static int query_session(struct db_result *r, const char *login_id, struct request *count_for)
{
	/* Without the function (not migrated, or no EXECUTE right) the count takes its own statement. */
	static bool function_refused;
	struct rl_ride ride;
	if (function_refused || !count_for || !count_for->rl.pending || !ratelimit_ride(count_for, &ride))
		return db_query(r, select_session, "s", login_id);
	if (db_query(r, select_session_counting, "bis", ride.bucket, sizeof ride.bucket, ride.window, login_id) < 0) {
		if (db_unavailable())
			return -1;
		/* A failed count must not fail the request (a full MEMORY table, say): read the Login
		 * alone; the dispatcher then counts on its own, and logs if that fails too. */
		if (db_routine_refused() && !function_refused) {
			function_refused = true;
			log_error("tessera_hit() refused: run tessera-admin migrate and GRANT EXECUTE to the web account");
		}
		return db_query(r, select_session, "s", login_id);
	}
	const char *hits = r->nrows == 1 ? db_cell(r, 0, r->ncols - 1) : NULL;
	if (hits)
		ratelimit_rode(count_for, &ride, strtoll(hits, NULL, 10));
	return 0;
}

static const char *const select_detail =
	"SELECT " DETAIL_COLUMNS "FROM project_membership m JOIN project p ON p.id = m.project_id " DETAIL_JOINS
	"WHERE m.id = ?";

/* 0 found and usable, 1 missing/revoked/inactive, -1 database error. */
static int load_session(const char *login_id, struct auth *a, struct request *count_for)
{
	struct db_result r;
	if (query_session(&r, login_id, count_for) < 0)
		return -1;
	int rc = 1;
	if (r.nrows == 1 && !text_true(db_cell(&r, 0, 7)) && text_true(db_cell(&r, 0, 13))) {
		struct login *l = &a->login;
		text_copy(l->id, sizeof l->id, login_id);
		text_copy(l->user_type, sizeof l->user_type, db_cell(&r, 0, 0));
		text_copy(l->user_id, sizeof l->user_id, db_cell(&r, 0, 1));
		text_copy(l->client_id, sizeof l->client_id, db_cell(&r, 0, 2));
		text_copy(l->membership_id, sizeof l->membership_id, db_cell(&r, 0, 3));
		text_copy(l->auth_method, sizeof l->auth_method, db_cell(&r, 0, 4));
		l->auth_time = (time_t)strtoll(db_cell(&r, 0, 5), NULL, 10);
		text_copy(l->scope, sizeof l->scope, db_cell(&r, 0, 6));
		l->granted = text_true(db_cell(&r, 0, 8));
		text_copy(a->project_id, sizeof a->project_id, db_cell(&r, 0, 9));
		text_copy(a->profile_type, sizeof a->profile_type, db_cell(&r, 0, 10));
		text_copy(a->profile_id, sizeof a->profile_id, db_cell(&r, 0, 11));
		a->admin = text_true(db_cell(&r, 0, 12));
		a->super_admin = text_true(db_cell(&r, 0, 14));
		ratelimit_parse_settings(db_cell(&r, 0, 15), &a->rl);
		a->detail = r;
		a->detail_base = SESSION_COLUMNS;
		return 0;
	}
	db_result_free(&r);
	return rc;
}

int auth_from_login(const char *login_id, struct auth *a)
{
	memset(a, 0, sizeof *a);
	return load_session(login_id, a, NULL);
}

static int from_token(const char *token, struct auth *a, struct request *count_for)
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
	int rc = load_session(json_string_value(lid), a, count_for);
	if (rc != 0) {
		json_decref(claims);
		return rc;
	}
	a->claims = claims;
	return 0;
}

int auth_from_token(const char *token, struct auth *a)
{
	return from_token(token, a, NULL);
}

static int basic(const char *header, struct auth *a)
{
	char id[128], secret[256];
	if (!parse_basic_auth(header, id, sizeof id, secret, sizeof secret))
		return 1;
	struct client c;
	int rc = clients_get(id, &c);
	bool ok = rc == 0 && clients_secret_ok(&c, secret, false) && clients_usable(&c);
	memset(secret, 0, sizeof secret);
	if (rc < 0)
		return -1;
	if (!ok)
		return 1;
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
		return from_token(h + 7, a, req);
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
