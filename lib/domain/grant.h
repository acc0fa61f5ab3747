/* SPDX-License-Identifier: BSD-2-Clause */
/* grant: everything a token response needs about a Login, read in one query (login,
 * membership, project, profile, user, client lifetimes, launch: login_read_grant). */
#ifndef TESSERA_GRANT_H
#define TESSERA_GRANT_H
#include "domain/login.h"
#include "domain/projects.h"
#include "oauth/tokens.h"
#include <stdbool.h>
#include <time.h>

struct grant_subject {
	struct login login;   /* id, user_type, user_id, client_id, scope, nonce, auth_time, revoked */
	char email[321];
	char profile_type[32];
	char profile_id[37];
	char profile_display[512];
	char project_id[37];
	char project_display[PROJECT_NAME_SIZE];
	char patient[37];          /* the launch's patient, else a Patient profile */
	char encounter[37];        /* the launch's encounter */
	long access_lifetime;
	long refresh_lifetime;
	/* For the refresh_token grant, which reads them in the same query. */
	bool has_refresh_hash, membership_active;
	unsigned char refresh_hash[32];
	char client_status[16];      /* "" when the login has no client */
	char client_auth_method[32]; /* the client's tokenEndpointAuthMethod */
	char client_grant_types[128]; /* the client's registered grant_types, "" none (domain/clients.h) */
	char issued_auth[32];        /* how the client authenticated when the refresh token was issued; "" not */
};

/* 0 found (with a membership), 1 not found, -1 database error. */
int grant_load(const char *login_id, struct grant_subject *g);
/* Fills a token_grant that points into g. */
void grant_tokens(const struct grant_subject *g, const char *refresh_secret, struct token_grant *t);
bool scope_has(const char *scope, const char *word);

#endif
