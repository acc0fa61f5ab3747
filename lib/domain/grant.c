/* SPDX-License-Identifier: BSD-2-Clause */
/* grant: the subject of a token response. */
#include "domain/grant.h"
#include "core/text.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/db.h"
#include "domain/login.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The members of struct login that login_read_grant's first columns fill, in order. */
static const unsigned char login_columns[] = { LM_USER_TYPE, LM_USER_ID, LM_CLIENT_ID, LM_SCOPE, LM_NONCE, LM_AUTH_TIME };
enum {
	G_PROFILE_TYPE = sizeof login_columns, G_PROFILE_ID, G_PROFILE_DISPLAY, G_PROJECT_ID, G_PROJECT_NAME, G_EMAIL,
	G_ACCESS_LIFETIME, G_REFRESH_LIFETIME, G_PATIENT, G_REFRESH_HASH, G_REVOKED, G_ACTIVE, G_CLIENT_STATUS,
	G_CLIENT_AUTH, G_ISSUED_AUTH, G_ENCOUNTER, G_CLIENT_GRANTS
};

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
	if (login_read_grant(login_id, &r) < 0)
		return -1;
	if (r.nrows == 0) {
		db_result_free(&r);
		return 1;
	}
	struct login *l = &g->login;
	text_copy(l->id, sizeof l->id, login_id);
	login_take_row(&r, login_columns, sizeof login_columns, l);
	l->revoked = text_true(db_cell(&r, 0, G_REVOKED));
	text_copy(g->profile_type, sizeof g->profile_type, db_cell(&r, 0, G_PROFILE_TYPE));
	text_copy(g->profile_id, sizeof g->profile_id, db_cell(&r, 0, G_PROFILE_ID));
	text_copy(g->profile_display, sizeof g->profile_display, db_cell(&r, 0, G_PROFILE_DISPLAY));
	text_copy(g->project_id, sizeof g->project_id, db_cell(&r, 0, G_PROJECT_ID));
	text_copy(g->project_display, sizeof g->project_display, db_cell(&r, 0, G_PROJECT_NAME));
	/* The email claim only with the email scope, and only for people (§3). */
	if (scope_has(l->scope, "email"))
		text_copy(g->email, sizeof g->email, db_cell(&r, 0, G_EMAIL));
	g->access_lifetime = config_duration_or(db_cell(&r, 0, G_ACCESS_LIFETIME), cfg.access_token_lifetime);
	g->refresh_lifetime = config_duration_or(db_cell(&r, 0, G_REFRESH_LIFETIME), cfg.refresh_token_lifetime);
	text_copy(g->patient, sizeof g->patient,
	    db_cell(&r, 0, G_PATIENT) ? db_cell(&r, 0, G_PATIENT) : (!strcmp(g->profile_type, "Patient") ? g->profile_id : ""));
	g->has_refresh_hash = db_cell(&r, 0, G_REFRESH_HASH) && db_len(&r, 0, G_REFRESH_HASH) == sizeof g->refresh_hash;
	if (g->has_refresh_hash)
		memcpy(g->refresh_hash, db_cell(&r, 0, G_REFRESH_HASH), sizeof g->refresh_hash);
	g->membership_active = text_true(db_cell(&r, 0, G_ACTIVE));
	text_copy(g->client_status, sizeof g->client_status, db_cell(&r, 0, G_CLIENT_STATUS));
	text_copy(g->client_auth_method, sizeof g->client_auth_method, db_cell(&r, 0, G_CLIENT_AUTH));
	text_copy(g->issued_auth, sizeof g->issued_auth, db_cell(&r, 0, G_ISSUED_AUTH));
	text_copy(g->encounter, sizeof g->encounter, db_cell(&r, 0, G_ENCOUNTER));
	text_copy(g->client_grant_types, sizeof g->client_grant_types, db_cell(&r, 0, G_CLIENT_GRANTS));
	db_result_free(&r);
	return 0;
}

void grant_tokens(const struct grant_subject *g, const char *refresh_secret, struct token_grant *t)
{
	*t = (struct token_grant){
		.login_id = g->login.id, .user_id = g->login.user_id, .client_id = g->login.client_id,
		.scope = g->login.scope, .nonce = g->login.nonce, .email = g->email, .profile_type = g->profile_type, .profile_id = g->profile_id,
		.profile_display = g->profile_display, .project_id = g->project_id,
		.project_display = g->project_display, .patient = g->patient, .encounter = g->encounter, .refresh_secret = refresh_secret,
		.auth_time = g->login.auth_time, .access_lifetime = g->access_lifetime, .refresh_lifetime = g->refresh_lifetime,
	};
}
