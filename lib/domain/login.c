/* SPDX-License-Identifier: BSD-2-Clause */
/* login: creating and revoking Login rows. */
#include "domain/login.h"
#include "core/text.h"
#include "core/crypto.h"
#include "core/db.h"
#include "core/fhir.h"
#include "domain/audit.h"
#include "domain/sessionrow.h"
#include "domain/storequery.h"
#include "http/request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int login_ref(const char *login_id, char out[LOGIN_REF_LEN + 1])
{
	return crypto_keyed_ref("login", login_id, out);
}

#define TEXT(member) text_copy(l->member, sizeof l->member, v)

void login_take_row(const struct db_result *r, const unsigned char *columns, unsigned n, struct login *l)
{
	for (unsigned k = 0; k < n; k++) {
		const char *v = db_cell(r, 0, k);
		switch ((enum login_member)columns[k]) {
		case LM_ID: TEXT(id); break;
		case LM_USER_TYPE: TEXT(user_type); break;
		case LM_USER_ID: TEXT(user_id); break;
		case LM_CLIENT_ID: TEXT(client_id); break;
		case LM_PROJECT_ID: TEXT(project_id); break;
		case LM_PROJECT_NEW: l->project_new = text_true(v); break;
		case LM_PROFILE_TYPE: TEXT(profile_type); break;
		case LM_MEMBERSHIP_ID: TEXT(membership_id); break;
		case LM_AUTH_METHOD: TEXT(auth_method); break;
		case LM_CONFINED: l->confined = text_true(v); break;
		case LM_AUTH_TIME: l->auth_time = (time_t)strtoll(v ? v : "0", NULL, 10); break;
		case LM_SCOPE: TEXT(scope); break;
		case LM_NONCE: TEXT(nonce); break;
		case LM_REDIRECT_URI: TEXT(redirect_uri); break;
		case LM_CODE_CHALLENGE: TEXT(code_challenge); break;
		case LM_CODE_CHALLENGE_METHOD: TEXT(code_challenge_method); break;
		case LM_REFRESH_ALLOWED: l->refresh_allowed = text_true(v); break;
		case LM_MFA_VERIFIED: l->mfa_verified = text_true(v); break;
		case LM_GRANTED: l->granted = text_true(v); break;
		case LM_REVOKED: l->revoked = text_true(v); break;
		case LM_WAS_GRANTED: l->was_granted = text_true(v); break;
		case LM_CODE_OUTSTANDING: l->code_outstanding = text_true(v); break;
		case LM_MFA_ENROLLED: l->mfa_enrolled = text_true(v); break;
		case LM_REMOTE_ADDR: TEXT(remote_addr); break;
		/* a code without an expiry counts as expired */
		case LM_CODE_EXPIRED: l->code_expired = !v || text_true(v); break;
		case LM_MEMBERSHIP_ACTIVE: l->membership_active = text_true(v); break;
		}
	}
}

#undef TEXT

int login_revoke_token(const char *jti, const char *client_id, long long exp)
{
	/* Kept until a minute after the token expires (tessera-admin purge): a token presented
	 * later is refused for its exp anyway. */
	return db_exec(NULL,
		       "INSERT IGNORE INTO token_revocation (jti, client_id, expires_at) VALUES (?, NULLIF(?, ''), FROM_UNIXTIME(?))",
		       "ssi", jti, client_id ? client_id : "", exp);
}

struct token_revocation {
	const char *jti, *project_id, *client_id, *audit_type;
	long long exp;
};

static int token_revocation_steps(void *ctx)
{
	const struct token_revocation *t = ctx;
	char entity[48];
	snprintf(entity, sizeof entity, "Login/%s", t->jti);
	if (login_revoke_token(t->jti, t->client_id, t->exp) < 0 ||
	    audit_write(&(struct audit_event){ .type = t->audit_type, .project_id = t->project_id,
					       .agent_type = "ClientApplication", .agent_id = t->client_id,
					       .entity = entity }) < 0)
		return -1;
	return 0;
}

int login_revoke_token_audited(const char *jti, const char *project_id, const char *client_id, long long exp,
			       const char *audit_type)
{
	struct token_revocation t = { jti, project_id, client_id, audit_type, exp };
	return db_transaction(token_revocation_steps, &t) == 0 ? 0 : -1;
}

int login_revoke(const char *id)
{
	return db_exec(NULL, "UPDATE login SET revoked = TRUE, updated_at = UTC_TIMESTAMP(3) WHERE id = ?", "s", id);
}

int login_revoke_user(const char *user_id, const char *except_id)
{
	return db_exec(NULL,
		       "UPDATE login SET revoked = TRUE, updated_at = UTC_TIMESTAMP(3) "
		       "WHERE user_id = ? AND NOT revoked AND id <> COALESCE(?, '')",
		       "ss", user_id, except_id);
}

/* The login's project and user, read inside the revoking transaction. */
static int revoke_subject(const char *id, char project[37], char user_type[32], char user_id[37])
{
	struct db_result r;
	if (db_query(&r, "SELECT project_id, user_type, user_id FROM login WHERE id = ? FOR UPDATE", "s", id) < 0)
		return -1;
	text_copy(project, 37, db_cell(&r, 0, 0));
	text_copy(user_type, 32, db_cell(&r, 0, 1));
	text_copy(user_id, 37, db_cell(&r, 0, 2));
	db_result_free(&r);
	return 0;
}

struct login_revocation {
	const char *id, *audit_type;
};

static int login_revocation_steps(void *ctx)
{
	const struct login_revocation *v = ctx;
	char project[37], user_type[32], user_id[37], entity[48];
	snprintf(entity, sizeof entity, "Login/%s", v->id);
	if (revoke_subject(v->id, project, user_type, user_id) < 0 || login_revoke(v->id) < 0 ||
	    audit_write(&(struct audit_event){ .type = v->audit_type, .project_id = project, .agent_type = user_type,
					       .agent_id = user_id, .entity = entity }) < 0)
		return -1;
	return 0;
}

/* Run again when it loses a deadlock or a Galera certification conflict (a sign-out through
 * one node while the same Login is refreshed through another). */
int login_revoke_audited(const char *id, const char *audit_type)
{
	struct login_revocation v = { id, audit_type };
	return db_transaction(login_revocation_steps, &v) == 0 ? 0 : -1;
}

int login_purge(const char *before)
{
	unsigned long long n;
	do {
		if (db_exec(&n, "DELETE FROM login WHERE updated_at < ? LIMIT 5000", "s", before) < 0)
			return -1;
	} while (n == 5000);
	return 0;
}

static const char *const select_code =
	"SELECT l.id, l.client_id, l.membership_id, l.granted, l.revoked, l.code_expires_at < UTC_TIMESTAMP(3), "
	"l.redirect_uri, l.code_challenge, l.code_challenge_method, l.refresh_allowed, m.active "
	"FROM login l LEFT JOIN project_membership m ON m.id = l.membership_id WHERE l.code_hash = ?";

/* The members select_code's columns fill, in order. */
static const unsigned char code_columns[] = { LM_ID, LM_CLIENT_ID, LM_MEMBERSHIP_ID, LM_GRANTED, LM_REVOKED,
					      LM_CODE_EXPIRED, LM_REDIRECT_URI, LM_CODE_CHALLENGE,
					      LM_CODE_CHALLENGE_METHOD, LM_REFRESH_ALLOWED, LM_MEMBERSHIP_ACTIVE };

int login_find_code(const char *code, struct login *cl)
{
	uint8_t digest[32];
	crypto_sha256(code, strlen(code), digest);
	memset(cl, 0, sizeof *cl);
	struct db_result r;
	if (db_query(&r, select_code, "b", digest, sizeof digest) < 0)
		return -1;
	int found = r.nrows == 1;
	if (found)
		login_take_row(&r, code_columns, sizeof code_columns, cl);
	db_result_free(&r);
	return found;
}

int login_redeem_code(const char *id, const uint8_t refresh_digest[32], const char *client_auth)
{
	unsigned long long n = 0;
	if (db_exec(&n,
		    "UPDATE login SET granted = TRUE, granted_at = UTC_TIMESTAMP(3), refresh_hash = ?, "
		    "client_auth_method = COALESCE(?, client_auth_method), "
		    "updated_at = UTC_TIMESTAMP(3) WHERE id = ? AND NOT granted AND NOT revoked",
		    "bss", refresh_digest, (size_t)(refresh_digest ? 32 : 0), client_auth, id) < 0)
		return -1;
	return n == 1 ? 0 : 1;
}

int login_rotate_refresh(const char *id, const uint8_t old_digest[32], const uint8_t new_digest[32],
			 const char *client_auth, const char *remote_addr, const char *user_agent)
{
	char ua[513];
	text_copy(ua, sizeof ua, user_agent ? user_agent : "");
	unsigned long long n = 0;
	if (db_exec(&n,
		    "UPDATE login SET refresh_hash = ?, refreshed_at = UTC_TIMESTAMP(3), refresh_count = refresh_count + 1, "
		    "client_auth_method = COALESCE(?, client_auth_method), remote_address = ?, user_agent = ?, "
		    "updated_at = UTC_TIMESTAMP(3) WHERE id = ? AND refresh_hash = ? AND NOT revoked",
		    "bssssb", new_digest, (size_t)32, client_auth, remote_addr, ua, id, old_digest, (size_t)32) < 0)
		return -1;
	return n == 1 ? 0 : 1;
}

int login_by_cookie(const char *cookie_value, char id[37])
{
	uint8_t digest[32];
	struct db_result r;
	id[0] = '\0';
	crypto_sha256(cookie_value, strlen(cookie_value), digest);
	if (db_query(&r, "SELECT id FROM login WHERE cookie_hash = ?", "b", digest, sizeof digest) < 0)
		return -1;
	if (r.nrows)
		text_copy(id, 37, db_cell(&r, 0, 0));
	db_result_free(&r);
	return id[0] ? 0 : 1;
}

int login_reopen(const char *id, const char *nonce, const char *code_challenge, const char *challenge_method,
		 const char *launch_id, const char *redirect_uri)
{
	return db_exec(NULL,
		       "UPDATE login SET nonce = ?, code_challenge = COALESCE(?, code_challenge), "
		       "code_challenge_method = COALESCE(?, code_challenge_method), launch_id = COALESCE(?, launch_id), "
		       "redirect_uri = ?, granted = FALSE, updated_at = UTC_TIMESTAMP(3) WHERE id = ?",
		       "ssssss", nonce, code_challenge, challenge_method, launch_id, redirect_uri, id);
}

int login_revoke_own(const char *id, const char *user_id, const char *project_id)
{
	/* project_id NULL: any project of the user's (COALESCE keeps one statement for both). */
	unsigned long long n = 0;
	if (db_exec(&n,
		    "UPDATE login SET revoked = TRUE, updated_at = UTC_TIMESTAMP(3) WHERE id = ? AND user_id = ? "
		    "AND project_id <=> COALESCE(?, project_id)",
		    "sss", id, user_id, project_id) < 0)
		return -1;
	if (n > 0)
		return 0;
	struct db_result r;
	if (db_query(&r, "SELECT 1 FROM login WHERE id = ? AND user_id = ? AND project_id <=> COALESCE(?, project_id)", "sss",
		     id, user_id, project_id) < 0)
		return -1;
	int rc = r.nrows ? 0 : 1;
	db_result_free(&r);
	return rc;
}

/* ---- a sign-in's Login, stage by stage ---- */

int login_insert(const struct login *l, const char *launch_id, const char *user_agent)
{
	char ua[513], ref[LOGIN_REF_LEN + 1];
	text_copy(ua, sizeof ua, user_agent ? user_agent : "");
	/* Without a hash_key there is no reference: the Login is not served by the resource API. */
	bool has_ref = login_ref(l->id, ref) == 0;
	return db_exec(NULL,
		       "INSERT INTO login (id, user_type, user_id, client_id, project_id, project_new, profile_type, auth_method, "
		       "confined, auth_time, scope, nonce, code_challenge, code_challenge_method, redirect_uri, refresh_allowed, "
		       "launch_id, remote_address, user_agent, ref) "
		       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, FROM_UNIXTIME(?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		       "sssssissiisssssissss", l->id, l->user_type, l->user_id, l->client_id[0] ? l->client_id : NULL,
		       l->project_id[0] ? l->project_id : NULL, (long long)l->project_new,
		       l->profile_type[0] ? l->profile_type : NULL, l->auth_method, (long long)l->confined,
		       (long long)l->auth_time, l->scope, l->nonce,
		       l->code_challenge[0] ? l->code_challenge : NULL,
		       l->code_challenge_method[0] ? l->code_challenge_method : NULL,
		       l->redirect_uri[0] ? l->redirect_uri : NULL, (long long)l->refresh_allowed, launch_id, l->remote_addr,
		       ua, has_ref ? ref : NULL);
}

int login_delete_unplaced(const char *id)
{
	return db_exec(NULL, "DELETE FROM login WHERE id = ? AND membership_id IS NULL", "s", id);
}

static const char *const select_login =
	"SELECT l.user_type, l.user_id, l.client_id, l.project_id, l.project_new, l.profile_type, l.membership_id, "
	"l.auth_method, UNIX_TIMESTAMP(l.auth_time), l.scope, l.nonce, l.redirect_uri, l.code_challenge, "
	"l.code_challenge_method, l.refresh_allowed, l.mfa_verified, l.granted, l.revoked, u.mfa_enrolled, "
	"l.remote_address, l.granted_at IS NOT NULL, l.confined, "
	"l.code_hash IS NOT NULL AND NOT l.granted AND l.code_expires_at > UTC_TIMESTAMP(3) "
	"FROM login l LEFT JOIN user u ON u.id = l.user_id WHERE l.id = ?";

/* The members select_login's columns fill, in order. */
static const unsigned char load_columns[] = {
	LM_USER_TYPE, LM_USER_ID, LM_CLIENT_ID, LM_PROJECT_ID, LM_PROJECT_NEW, LM_PROFILE_TYPE, LM_MEMBERSHIP_ID,
	LM_AUTH_METHOD, LM_AUTH_TIME, LM_SCOPE, LM_NONCE, LM_REDIRECT_URI, LM_CODE_CHALLENGE, LM_CODE_CHALLENGE_METHOD,
	LM_REFRESH_ALLOWED, LM_MFA_VERIFIED, LM_GRANTED, LM_REVOKED, LM_MFA_ENROLLED, LM_REMOTE_ADDR, LM_WAS_GRANTED,
	LM_CONFINED, LM_CODE_OUTSTANDING
};

int login_load(const char *id, struct login *l)
{
	memset(l, 0, sizeof *l);
	if (!crypto_is_uuid(id))
		return 1;
	struct db_result r;
	if (db_query(&r, select_login, "s", id) < 0)
		return -1;
	if (r.nrows == 0) {
		db_result_free(&r);
		return 1;
	}
	text_copy(l->id, sizeof l->id, id);
	login_take_row(&r, load_columns, sizeof load_columns, l);
	db_result_free(&r);
	return 0;
}

int login_place(const char *id, const char *membership_id, const char *project_id, bool refresh_allowed)
{
	unsigned long long n = 0;
	if (db_exec(&n,
		    "UPDATE login SET membership_id = ?, project_id = ?, refresh_allowed = ?, updated_at = UTC_TIMESTAMP(3) "
		    "WHERE id = ? AND membership_id IS NULL AND NOT granted AND NOT revoked",
		    "ssis", membership_id, project_id, (long long)refresh_allowed, id) < 0)
		return -1;
	return n == 1 ? 0 : 1;
}

int login_join_project(const char *id, const char *membership_id, const char *project_id)
{
	unsigned long long n = 0;
	if (db_exec(&n,
		    "UPDATE login SET membership_id = ?, project_id = ?, project_new = FALSE, updated_at = UTC_TIMESTAMP(3) "
		    "WHERE id = ? AND membership_id IS NULL AND NOT granted AND NOT revoked",
		    "sss", membership_id, project_id, id) < 0)
		return -1;
	return n == 1 ? 0 : 1;
}

int login_set_scope(const char *id, const char *scope)
{
	return db_exec(NULL, "UPDATE login SET scope = ?, updated_at = UTC_TIMESTAMP(3) WHERE id = ?", "ss", scope, id);
}

int login_launch_outside(const char *id, const char *project_id)
{
	struct db_result r;
	if (db_query(&r,
		     "SELECT 1 FROM login l LEFT JOIN smart_app_launch la ON la.id = l.launch_id WHERE l.id = ? "
		     "AND l.launch_id IS NOT NULL AND (la.id IS NULL OR la.project_id <> ?)",
		     "ss", id, project_id) < 0)
		return -1;
	int rc = r.nrows ? 1 : 0;
	db_result_free(&r);
	return rc;
}

int login_issue_code(const char *id, const uint8_t code_hash[32], int lifetime, const uint8_t cookie_hash[32])
{
	unsigned long long n = 0;
	if (db_exec(&n,
		    "UPDATE login SET code_hash = ?, code_expires_at = UTC_TIMESTAMP(3) + INTERVAL ? SECOND, "
		    "cookie_hash = COALESCE(?, cookie_hash), updated_at = UTC_TIMESTAMP(3) "
		    "WHERE id = ? AND NOT granted AND NOT revoked",
		    "bibs", code_hash, (size_t)32, (long long)lifetime, cookie_hash, (size_t)(cookie_hash ? 32 : 0), id) < 0)
		return -1;
	return n == 1 ? 0 : 1;
}

int login_revoke_membership(const char *membership_id)
{
	return db_exec(NULL, "UPDATE login SET revoked = TRUE, updated_at = UTC_TIMESTAMP(3) WHERE membership_id = ?", "s",
		       membership_id);
}

int login_sessions(const char *user_id, const char *project_id, struct db_result *out)
{
	return db_query(out,
			"SELECT id, DATE_FORMAT(updated_at, '%Y-%m-%dT%H:%i:%s.%fZ'), auth_method, remote_address, user_agent "
			"FROM login WHERE user_id = ? AND updated_at > UTC_TIMESTAMP(3) - INTERVAL 1 HOUR "
			"AND membership_id IS NOT NULL AND granted_at IS NOT NULL AND NOT revoked "
			"AND project_id <=> COALESCE(?, project_id) ORDER BY updated_at DESC LIMIT 100",
			"ss", user_id, project_id);
}

int login_membership_sessions(const char *user_id, const char *membership_id, struct db_result *out)
{
	return db_query(out,
			"SELECT DATE_FORMAT(created_at, '%Y-%m-%d %H:%i'), DATE_FORMAT(updated_at, '%Y-%m-%d %H:%i'), "
			"auth_method, remote_address, user_agent, client_id FROM login WHERE user_id = ? AND membership_id = ? "
			"AND updated_at > UTC_TIMESTAMP(3) - INTERVAL 8 HOUR AND NOT revoked ORDER BY updated_at DESC LIMIT 100",
			"ss", user_id, membership_id);
}

long long login_purge_idle(long long seconds)
{
	return db_purge("DELETE FROM login WHERE updated_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND LIMIT " DB_PURGE_BATCH_TEXT,
			seconds);
}

int login_revoke_client(const char *client_id)
{
	return db_exec(NULL, "UPDATE login SET revoked = TRUE, updated_at = UTC_TIMESTAMP(3) WHERE user_id = ? OR client_id = ?",
		       "ss", client_id, client_id);
}

int login_revoke_project_except(const char *project_id, const char *method)
{
	/* login_project (project_id, created_at) finds the project's rows without a scan. */
	return db_exec(NULL,
		       "UPDATE login SET revoked = TRUE, updated_at = UTC_TIMESTAMP(3) "
		       "WHERE project_id = ? AND auth_method <> ? AND NOT revoked",
		       "ss", project_id, method);
}

/* ---- the read models: what a hot path needs about a Login, one round trip each ---- */

static const char *const select_session =
	"SELECT STRAIGHT_JOIN l.user_type, l.user_id, l.client_id, l.membership_id, l.auth_method, UNIX_TIMESTAMP(l.auth_time), "
	"l.scope, l.revoked, l.granted, m.project_id, m.profile_type, m.profile_id, m.admin, m.active, p.super_admin, "
	"p.system_setting, l.confined, " SESSIONROW_DETAIL_COLUMNS
	"FROM login l JOIN project_membership m ON m.id = l.membership_id JOIN project p ON p.id = m.project_id "
	SESSIONROW_DETAIL_JOINS "WHERE l.id = ?";

int login_read_session(const char *id, struct db_result *out)
{
	return db_query(out, select_session, "s", id);
}

static const char *const select_grant =
	"SELECT l.user_type, l.user_id, l.client_id, l.scope, l.nonce, UNIX_TIMESTAMP(l.auth_time), m.profile_type, "
	"m.profile_id, COALESCE(pr.display, pc.name), m.project_id, p.name, u.email, c.access_token_lifetime, "
	"c.refresh_token_lifetime, la.patient_id, l.refresh_hash, l.revoked, m.active, c.status, "
	"c.token_endpoint_auth_method, l.client_auth_method, la.encounter_id, "
	"JSON_EXTRACT(c.registration, '$.grant_types') "
	"FROM login l JOIN project_membership m ON m.id = l.membership_id JOIN project p ON p.id = m.project_id "
	"LEFT JOIN profile pr ON pr.id = m.profile_id LEFT JOIN client_application pc ON pc.id = m.profile_id "
	"LEFT JOIN user u ON u.id = l.user_id AND l.user_type = 'User' "
	"LEFT JOIN client_application c ON c.id = l.client_id "
	/* a launch of another project gives no context (PROTOCOL.md §11.2) */
	"LEFT JOIN smart_app_launch la ON la.id = l.launch_id AND la.project_id = m.project_id WHERE l.id = ?";

int login_read_grant(const char *id, struct db_result *out)
{
	return db_query(out, select_grant, "s", id);
}

#define LOGIN_COLUMNS \
	"COALESCE(m.profile_type, l.user_type), COALESCE(m.profile_id, l.user_id), l.client_id, l.id, l.remote_address, " \
	"l.user_agent, NULL"
#define LOGIN_FROM " FROM login l LEFT JOIN project_membership m ON m.id = l.membership_id WHERE "

/* Every event row, with its project, of the audit_event rows matching audit_cond and of the
 * login rows matching login_cond (a subquery of the statements below, which read FROM it). A login's events are named "<ref>.<kind>" (login_ref; the
 * id for a row older than its ref column, which audit_event_resource turns into the ref). */
#define EVENT_ROWS(audit_cond, login_cond) \
	"(SELECT id, recorded, type, outcome_desc AS reason, agent_type, agent_id, client_id, login_id, remote_address, " \
	"user_agent, entity, NULL AS grant_type, project_id FROM audit_event WHERE " audit_cond ")" \
	" UNION ALL SELECT CONCAT(COALESCE(l.ref, l.id), '.signin'), l.created_at, IF(l.auth_method = 'client', '" \
	AUDIT_TOKEN_ISSUED "', '" AUDIT_SIGNIN_SUCCESS "'), NULL, " LOGIN_COLUMNS \
	", IF(l.auth_method = 'client', 'client_credentials', NULL), l.project_id" LOGIN_FROM login_cond \
	" UNION ALL SELECT CONCAT(COALESCE(l.ref, l.id), '.code'), l.granted_at, '" AUDIT_TOKEN_ISSUED "', NULL, " \
	LOGIN_COLUMNS ", 'authorization_code', l.project_id" LOGIN_FROM login_cond " AND l.granted_at IS NOT NULL" \
	" UNION ALL SELECT CONCAT(COALESCE(l.ref, l.id), '.refresh'), l.refreshed_at, '" AUDIT_TOKEN_REFRESHED \
	"', CONCAT(l.refresh_count, ' refresh grant(s), this the latest'), " LOGIN_COLUMNS ", 'refresh_token', " \
	"l.project_id" LOGIN_FROM login_cond " AND l.refreshed_at IS NOT NULL"

#define EVENT_SELECT \
	"SELECT id, DATE_FORMAT(recorded, '%Y-%m-%dT%H:%i:%s.%fZ'), type, reason, agent_type, agent_id, client_id, " \
	"login_id, remote_address, user_agent, entity, grant_type, project_id FROM ("

#define PROJECT_IS(col) "(? IS NULL OR " col " = ?)"

/* client_credentials tokens are self-contained (no Login): a count per client, minute and web
 * node, written in batches (lib/domain/grantcount.c), one event each. */
#define SEARCH_SQL(order) \
	EVENT_SELECT EVENT_ROWS(PROJECT_IS("project_id"), PROJECT_IS("l.project_id")) \
	" UNION ALL SELECT CONCAT('cc.', g.client_id, '.', DATE_FORMAT(g.minute, '%Y%m%d%H%i'), " \
	"IF(g.node = '', '', CONCAT('.', g.node))), g.updated_at, '" \
	AUDIT_TOKEN_ISSUED "', CONCAT(g.grants, ' client_credentials token(s) in the minute from ', " \
	"DATE_FORMAT(g.minute, '%Y-%m-%dT%H:%iZ')), 'ClientApplication', g.client_id, g.client_id, NULL, g.remote_address, " \
	"g.user_agent, CONCAT('ClientApplication/', g.client_id), 'client_credentials', g.project_id " \
	"FROM client_grant_minute g WHERE " PROJECT_IS("g.project_id") \
	") e WHERE (? IS NULL OR type = ?) AND (? IS NULL OR agent_id = ?) AND (? IS NULL OR recorded >= ?) " \
	"AND (? IS NULL OR recorded < ?) AND (? IS NULL OR recorded > ?) AND (? IS NULL OR recorded <= ?) " \
	"AND (? IS NULL OR entity = ?) ORDER BY recorded " order ", id " order " LIMIT ? OFFSET ?"

int login_audit_search(const struct audit_filter *f, long limit, long offset, struct db_result *out)
{
	const char *p = f->project_id;
	/* the project: twice for audit_event, for each of the three login parts and for the counts */
	return db_query(out, f->oldest_first ? SEARCH_SQL("ASC") : SEARCH_SQL("DESC"), "ssssssssssssssssssssssssii", p, p, p,
			p, p, p, p, p, p, p, f->type, f->type, f->agent_id, f->agent_id, f->since, f->since, f->until, f->until, f->after,
			f->after, f->through, f->through, f->entity, f->entity, (long long)limit, (long long)offset);
}

int login_audit_get(const char *id, const char *ref, struct db_result *out)
{
	return db_query(out, EVENT_SELECT EVENT_ROWS("id = ?", "l.ref = ?") ") e WHERE id = ?", "sssss", id, ref, ref, ref, id);
}

/* ---- Login resources (the resource API, PROTOCOL.md §11.4) ---- */

/* A Login as the API shows it: named by its reference, never its id; no code, cookie,
 * refresh secret, nonce, PKCE pair or redirect URI (secrets of the sign-in, or of no use to a
 * reader). */
/* A derived table (merged into the outer query by MariaDB, so its conditions still use the
 * indexes) whose id is the reference, for the shared search clauses (store.h STORE_WHERE). */
#define LOGIN_RESOURCE_SELECT \
	"SELECT * FROM (SELECT l.ref AS id, l.project_id, l.user_type, l.user_id, l.client_id, m.profile_type, " \
	"m.profile_id, l.membership_id, l.auth_method, " FHIR_INSTANT_SQL("l.auth_time") " AS auth_time, l.scope, " \
	"l.granted, l.revoked, l.mfa_verified, l.launch_id, l.remote_address, l.user_agent, " \
	FHIR_VERSION_SQL("l.updated_at") " AS version, " FHIR_INSTANT_SQL("l.updated_at") " AS last_updated, " \
	"l.updated_at FROM login l LEFT JOIN project_membership m ON m.id = l.membership_id WHERE l.ref IS NOT NULL) x "
#define LOGIN_RESOURCE_WHERE STORE_WHERE("project_id = ?", "? IS NULL", "? IS NULL", "? IS NULL")
enum { LR_REF, LR_PROJECT, LR_UTYPE, LR_UID, LR_CLIENT, LR_PTYPE, LR_PID, LR_MEMBERSHIP, LR_METHOD, LR_AUTH_TIME,
       LR_SCOPE, LR_GRANTED, LR_REVOKED, LR_MFA, LR_LAUNCH, LR_ADDRESS, LR_UA, LR_VERSION, LR_UPDATED };

static void set_reference(json_t *o, const char *key, const char *type, const char *id)
{
	if (type && id)
		json_object_set_new(o, key, fhir_reference(type, id, NULL));
}

static void set_text(json_t *o, const char *key, const char *value)
{
	if (value && *value)
		json_object_set_new(o, key, json_string(value));
}

static json_t *login_resource(const struct db_result *r, unsigned i)
{
	json_t *l = json_pack("{s:s, s:s}", "resourceType", "Login", "id", db_cell(r, i, LR_REF));
	set_reference(l, "user", db_cell(r, i, LR_UTYPE), db_cell(r, i, LR_UID));
	set_reference(l, "client", "ClientApplication", db_cell(r, i, LR_CLIENT));
	set_reference(l, "profile", db_cell(r, i, LR_PTYPE), db_cell(r, i, LR_PID));
	set_reference(l, "membership", "ProjectMembership", db_cell(r, i, LR_MEMBERSHIP));
	set_reference(l, "project", "Project", db_cell(r, i, LR_PROJECT));
	set_reference(l, "launch", "SmartAppLaunch", db_cell(r, i, LR_LAUNCH));
	set_text(l, "authMethod", db_cell(r, i, LR_METHOD));
	set_text(l, "authTime", db_cell(r, i, LR_AUTH_TIME));
	set_text(l, "scope", db_cell(r, i, LR_SCOPE));
	set_text(l, "remoteAddress", db_cell(r, i, LR_ADDRESS));
	set_text(l, "userAgent", db_cell(r, i, LR_UA));
	json_object_set_new(l, "granted", json_boolean(text_true(db_cell(r, i, LR_GRANTED))));
	json_object_set_new(l, "revoked", json_boolean(text_true(db_cell(r, i, LR_REVOKED))));
	json_object_set_new(l, "mfaVerified", json_boolean(text_true(db_cell(r, i, LR_MFA))));
	fhir_set_meta(l, db_cell(r, i, LR_PROJECT), db_cell(r, i, LR_VERSION), db_cell(r, i, LR_UPDATED));
	return l;
}

static int login_get_resource(const char *ref, json_t **out)
{
	*out = NULL;
	if (!crypto_is_hex(ref, LOGIN_REF_LEN))
		return 1;
	struct db_result r;
	if (db_query(&r, LOGIN_RESOURCE_SELECT "WHERE id = ?", "s", ref) < 0)
		return -1;
	if (r.nrows)
		*out = login_resource(&r, 0);
	db_result_free(&r);
	return *out ? 0 : 1;
}

static int login_find_resources(const struct store_query *q, json_t **rows, long long *total)
{
	return store_find_rows(q, 1,
			       q->oldest_first ? LOGIN_RESOURCE_SELECT LOGIN_RESOURCE_WHERE STORE_OLDEST
					       : LOGIN_RESOURCE_SELECT LOGIN_RESOURCE_WHERE STORE_NEWEST,
			       "SELECT COUNT(*) FROM (" LOGIN_RESOURCE_SELECT LOGIN_RESOURCE_WHERE ") c", login_resource, rows,
			       total);
}

/* Read and search only: a Login is written by the sign-in, never through the API. */
const struct resource_store login_store = {
	.type = "Login",
	.get = login_get_resource,
	.find = login_find_resources,
};

long long login_purge_revocations(long long seconds)
{
	return db_purge("DELETE FROM token_revocation WHERE expires_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND "
			"LIMIT " DB_PURGE_BATCH_TEXT,
			seconds);
}
