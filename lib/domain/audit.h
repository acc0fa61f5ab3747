/* SPDX-License-Identifier: BSD-2-Clause */
/* audit: security events as rows of audit_event (PROTOCOL.md §S.15), read back by admins as
 * FHIR AuditEvent resources (PROTOCOL.md §13.6 shape).
 *
 * One call records an event: audit_stage() for an event that describes a change (it is
 * written inside the change's transaction by the next db_commit, or, for a change made by a
 * single statement, right after a successful response), audit_write() for an event that is
 * the only thing to write (a refused sign-in). The remote address and user agent come from the
 * request app_handle is serving (audit_request), so library code never passes them around.
 *
 * Token issuance on the hot paths (client_credentials, authorization_code, refresh_token) is
 * not written here: the login row those grants already write is the record, and the audit
 * API reads it as events (see cgi-bin/manage-audit.c). */
#ifndef TESSERA_AUDIT_H
#define TESSERA_AUDIT_H
#include "core/db.h"
#include "domain/store.h"
#include <stdbool.h>

/* Event types (AuditEvent.subtype code, the API's type filter). */
#define AUDIT_SIGNIN_SUCCESS "sign-in-success"     /* read from login rows */
#define AUDIT_SIGNIN_FAILURE "sign-in-failure"
#define AUDIT_MFA_SUCCESS "mfa-success"
#define AUDIT_MFA_FAILURE "mfa-failure"
#define AUDIT_TOKEN_ISSUED "token-issued"          /* read from login rows */
#define AUDIT_TOKEN_REFRESHED "token-refreshed"    /* read from login rows */
#define AUDIT_REFRESH_REUSE "refresh-reuse"
#define AUDIT_CODE_REUSE "code-reuse"
#define AUDIT_LOGOUT "logout"
#define AUDIT_SESSION_REVOKED "session-revoked"
#define AUDIT_TOKEN_REVOKED "token-revoked"
#define AUDIT_PASSWORD_RESET "password-reset-requested"
#define AUDIT_PASSWORD_SET "password-set"
#define AUDIT_PASSWORD_CHANGED "password-changed"
#define AUDIT_ADMIN_PASSWORD "admin-password-set"
#define AUDIT_INVITE "invite-sent"
#define AUDIT_MEMBER_UPDATED "membership-updated"
#define AUDIT_MEMBER_DELETED "membership-deleted"
/* SCIM (PROTOCOL.md §10): a directory made, ended (active false) or deleted a membership. */
#define AUDIT_MEMBER_PROVISIONED "membership-provisioned"
#define AUDIT_MEMBER_DEACTIVATED "membership-deactivated"
#define AUDIT_MEMBER_DEPROVISIONED "membership-deprovisioned"
#define AUDIT_CLIENT_CREATED "client-created"
#define AUDIT_CLIENT_ROTATED "client-secret-rotated"
#define AUDIT_CLIENT_UPDATED "client-updated"
#define AUDIT_SETTINGS "settings-updated"
#define AUDIT_TEMPLATE "email-template-changed"
#define AUDIT_PURGE "purge"
/* The resource API's writes (PROTOCOL.md §11.4) and their refusals. */
#define AUDIT_RESOURCE_CREATED "resource-created"
#define AUDIT_RESOURCE_UPDATED "resource-updated"
#define AUDIT_RESOURCE_DELETED "resource-deleted"
#define AUDIT_RESOURCE_CREATE_REFUSED "resource-create-refused"
#define AUDIT_RESOURCE_UPDATE_REFUSED "resource-update-refused"
#define AUDIT_RESOURCE_DELETE_REFUSED "resource-delete-refused"

struct request;

struct audit_event {
	const char *type;          /* one of AUDIT_* */
	const char *reason;        /* failures: why (never a secret or the typed value) */
	const char *project_id;    /* whose admins may read it; NULL: the request's */
	const char *agent_type;    /* the profile or client acting, or "User"; NULL: the request's */
	const char *agent_id;
	const char *entity;        /* what was changed, "Type/id" (membership, client, ...) */
};

/* The i-th event type (from 0), NULL past the last: the choices of the audit page's filter. */
const char *audit_type_at(unsigned i);
/* The FHIR AuditEvent codes of a type: false for an unknown type. */
bool audit_type_known(const char *type);
const char *audit_type_dicom(const char *type, const char **display);
char audit_type_action(const char *type);
const char *audit_type_outcome(const char *type);

/* The request being served (app_handle); NULL when it ends. Its caller is unknown until
 * audit_set_actor names it. */
void audit_request(const struct request *req);
/* Who the request being served comes from, once authenticated: the fields an event takes
 * when it names none of its own. NULL members are unknown; NULL forgets the caller. */
struct audit_actor {
	const char *project_id, *profile_type, *profile_id, *client_id, *login_id;
};
void audit_set_actor(const struct audit_actor *a);
/* Writes the event now (in the caller's transaction, if any). 0 or -1. */
int audit_write(const struct audit_event *e);
/* Records the event with the change the request is about to make (see the header). */
void audit_stage(const struct audit_event *e);
/* A change whose entity id is made inside the store's write (a create): the event is staged
 * now with entity "<type>/<the text in id when it is written>"; id must stay valid until
 * audit_staged_write or audit_staged_forget. */
void audit_stage_late(const struct audit_event *e, const char *type, const char *id);
/* After the change succeeded: writes what its transaction did not (a change made by a single
 * statement), so the event follows the change at once. 0 or -1. */
int audit_staged_write(void);
/* After the change failed: its staged events are dropped. */
void audit_staged_forget(void);
/* db_transaction for a change whose events were staged before it (a store's write): an
 * attempt run again after a lost deadlock or certification conflict has them staged again, as
 * they were before the first attempt. The steps make their ids and secrets afresh on each
 * attempt. 0, or what the last attempt returned. */
int audit_transaction(int (*steps)(void *ctx), void *ctx);
/* Work after the response (app_after_response) has no request any more: audit_hold resolves an
 * event while the request is served (its address and user agent copied), and after the
 * response audit_write_held writes it, or audit_stage_held stages it for the transaction then
 * running. One event is held at a time. */
void audit_hold(const struct audit_event *e);
int audit_write_held(const char *reason); /* reason: replaces the held one, unless NULL */
void audit_stage_held(void);
/* app_handle after the handler: writes what is still staged when the request succeeded,
 * forgets it otherwise. 0 or -1. */
int audit_finish(bool success);

/* Deletes the events recorded before a UTC time ("YYYY-MM-DD HH:MM:SS"), in batches. 0 or -1. */
int audit_purge(const char *before);
/* tessera-admin purge: deletes the events recorded more than seconds ago. The number deleted,
 * or -1. */
long long audit_purge_older(long long seconds);

/* What a search of a project's events (login_audit_search: the audit trail reads the Login
 * rows first, so it stands in their owner) matches: NULL filters match everything; since is
 * inclusive, until exclusive (UTC "YYYY-MM-DD HH:MM:SS"). Rows have the audit_column columns. */
struct audit_filter {
	const char *project_id;    /* NULL: every project (super admins through the resource API) */
	const char *type, *agent_id, *since, *until;
	const char *after, *through; /* exclusive and inclusive bounds (the API's gt and le) */
	const char *entity;        /* "Type/id" of the changed resource */
	bool oldest_first;
};
enum audit_column {
	AE_ID, AE_RECORDED, AE_TYPE, AE_REASON, AE_AGENT_TYPE, AE_AGENT_ID, AE_CLIENT, AE_LOGIN, AE_ADDRESS, AE_UA, AE_ENTITY,
	AE_GRANT, AE_PROJECT
};
/* One row of login_audit_search as a FHIR AuditEvent (§13.6 shape): a Login is named by its
 * reference (login_ref), never its id. NULL when out of memory. */
json_t *audit_event_resource(const struct db_result *r, unsigned row);

#endif
