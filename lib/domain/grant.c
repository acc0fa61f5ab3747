/* SPDX-License-Identifier: BSD-2-Clause */
/* grant: the subject of a token response. */
#include "domain/grant.h"
#include "core/text.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const select_grant =
	"SELECT l.user_type, l.user_id, l.client_id, l.scope, l.nonce, UNIX_TIMESTAMP(l.auth_time), m.profile_type, "
	"m.profile_id, COALESCE(pr.display, pc.name), m.project_id, p.name, u.email, c.access_token_lifetime, "
	"c.refresh_token_lifetime, la.patient_id, l.refresh_hash, l.revoked, m.active, c.status, "
	"c.token_endpoint_auth_method, l.client_auth_method, la.encounter_id "
	"FROM login l JOIN project_membership m ON m.id = l.membership_id JOIN project p ON p.id = m.project_id "
	"LEFT JOIN profile pr ON pr.id = m.profile_id LEFT JOIN client_application pc ON pc.id = m.profile_id "
	"LEFT JOIN user u ON u.id = l.user_id AND l.user_type = 'User' "
	"LEFT JOIN client_application c ON c.id = l.client_id "
	"LEFT JOIN smart_app_launch la ON la.id = l.launch_id AND la.project_id = m.project_id WHERE l.id = ?";

bool scope_has(const char *scope, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = scope; p && (p = strstr(p, word)); p += n)
		if ((p == scope || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

int grant_load(const char *login_id, struct grant_subject *g)
{
	memset(g, 0, sizeof *g);
	struct db_result r;
	if (db_query(&r, select_grant, "s", login_id) < 0)
		return -1;
	if (r.nrows == 0) {
		db_result_free(&r);
		return 1;
	}
	text_copy(g->login_id, sizeof g->login_id, login_id);
	text_copy(g->user_type, sizeof g->user_type, db_cell(&r, 0, 0));
	text_copy(g->user_id, sizeof g->user_id, db_cell(&r, 0, 1));
	text_copy(g->client_id, sizeof g->client_id, db_cell(&r, 0, 2));
	text_copy(g->scope, sizeof g->scope, db_cell(&r, 0, 3));
	text_copy(g->nonce, sizeof g->nonce, db_cell(&r, 0, 4));
	g->auth_time = (time_t)strtoll(db_cell(&r, 0, 5), NULL, 10);
	text_copy(g->profile_type, sizeof g->profile_type, db_cell(&r, 0, 6));
	text_copy(g->profile_id, sizeof g->profile_id, db_cell(&r, 0, 7));
	text_copy(g->profile_display, sizeof g->profile_display, db_cell(&r, 0, 8));
	text_copy(g->project_id, sizeof g->project_id, db_cell(&r, 0, 9));
	text_copy(g->project_display, sizeof g->project_display, db_cell(&r, 0, 10));
	/* The email claim only with the email scope, and only for people (§3). */
	if (scope_has(g->scope, "email"))
		text_copy(g->email, sizeof g->email, db_cell(&r, 0, 11));
	g->access_lifetime = config_duration_or(db_cell(&r, 0, 12), cfg.access_token_lifetime);
	g->refresh_lifetime = config_duration_or(db_cell(&r, 0, 13), cfg.refresh_token_lifetime);
	text_copy(g->patient, sizeof g->patient,
	    db_cell(&r, 0, 14) ? db_cell(&r, 0, 14) : (!strcmp(g->profile_type, "Patient") ? g->profile_id : ""));
	g->has_refresh_hash = db_cell(&r, 0, 15) && db_len(&r, 0, 15) == sizeof g->refresh_hash;
	if (g->has_refresh_hash)
		memcpy(g->refresh_hash, db_cell(&r, 0, 15), sizeof g->refresh_hash);
	g->revoked = text_true(db_cell(&r, 0, 16));
	g->membership_active = text_true(db_cell(&r, 0, 17));
	text_copy(g->client_status, sizeof g->client_status, db_cell(&r, 0, 18));
	text_copy(g->client_auth_method, sizeof g->client_auth_method, db_cell(&r, 0, 19));
	text_copy(g->issued_auth, sizeof g->issued_auth, db_cell(&r, 0, 20));
	text_copy(g->encounter, sizeof g->encounter, db_cell(&r, 0, 21));
	db_result_free(&r);
	return 0;
}

void grant_tokens(const struct grant_subject *g, const char *refresh_secret, struct token_grant *t)
{
	*t = (struct token_grant){
		.login_id = g->login_id, .user_id = g->user_id, .client_id = g->client_id, .scope = g->scope,
		.nonce = g->nonce, .email = g->email, .profile_type = g->profile_type, .profile_id = g->profile_id,
		.profile_display = g->profile_display, .project_id = g->project_id,
		.project_display = g->project_display, .patient = g->patient, .encounter = g->encounter, .refresh_secret = refresh_secret,
		.auth_time = g->auth_time, .access_lifetime = g->access_lifetime, .refresh_lifetime = g->refresh_lifetime,
	};
}
