/* SPDX-License-Identifier: BSD-2-Clause */
/* sessionrow: the columns of an authenticated caller's row. Each way of calling has its read in
 * the owner of the table it starts from -- a Bearer token's Login (login.c), a self-contained
 * token's or Basic's client (clients.c), a membership's details alone (members.c) -- and each
 * ends with the same detail columns (auth.h enum auth_detail), so lib/domain/auth.c takes them
 * all the same way and /auth/me and userinfo cost one round trip. Only SQL text: no statement
 * stands here. */
#ifndef TESSERA_SESSIONROW_H
#define TESSERA_SESSIONROW_H

/* A session row (the Login's, or a self-contained token's shaped like it) starts with these
 * SESSIONROW_LEADING columns, then the detail columns:
 * user_type, user_id, client_id, membership_id, auth_method, auth_time (Unix), scope, revoked,
 * granted, project_id, profile_type, profile_id, admin, the membership's active, the project's
 * super_admin, the project's system_setting, the Login's confined (FALSE for a client's own
 * token: a client is no account, PROTOCOL.md §S.25). */
enum {
	SR_USER_TYPE, SR_USER_ID, SR_CLIENT_ID, SR_MEMBERSHIP_ID, SR_AUTH_METHOD, SR_AUTH_TIME, SR_SCOPE, SR_REVOKED,
	SR_GRANTED, SR_PROJECT_ID, SR_PROFILE_TYPE, SR_PROFILE_ID, SR_ADMIN, SR_ACTIVE, SR_SUPER_ADMIN, SR_SETTING,
	SR_CONFINED,
	SESSIONROW_LEADING
};

/* The auth_detail columns, in enum order, over membership m and project p, and the joins they
 * need besides m and p. */
#define SESSIONROW_DETAIL_COLUMNS \
	"p.name, p.description, p.strict_mode, m.access_policy_id, m.identifier, m.user_type, m.user_id, " \
	"COALESCE(pr.display, c.name, b.name), pr.resource, UNIX_TIMESTAMP(pr.updated_at), c.description, " \
	"c.status, c.redirect_uris, ap.resource, u.email, u.email_verified, u.identifier, u.mfa_enrolled, " \
	"u.first_name, u.last_name, m.admin, p.super_admin, m.access "
#define SESSIONROW_DETAIL_JOINS \
	"LEFT JOIN profile pr ON pr.id = m.profile_id " \
	"LEFT JOIN client_application c ON c.id = m.profile_id " \
	"LEFT JOIN bot b ON b.id = m.profile_id " \
	"LEFT JOIN access_policy ap ON ap.id = m.access_policy_id AND ap.project_id = m.project_id " \
	"LEFT JOIN user u ON u.id = m.user_id AND m.user_type = 'User' "

/* The same columns for a client's own membership (its profile is the client, alias cl): no
 * profile, bot or user to join. */
#define SESSIONROW_CLIENT_DETAIL_COLUMNS(cl) \
	"p.name, p.description, p.strict_mode, m.access_policy_id, m.identifier, m.user_type, m.user_id, " \
	#cl ".name, NULL, NULL, " #cl ".description, " #cl ".status, " #cl ".redirect_uris, ap.resource, NULL, NULL, " \
	"NULL, NULL, NULL, NULL, m.admin, p.super_admin, m.access "
/* The policy a client's membership names, within its project. */
#define SESSIONROW_POLICY_JOIN "LEFT JOIN access_policy ap ON ap.id = m.access_policy_id AND ap.project_id = m.project_id "

#endif
