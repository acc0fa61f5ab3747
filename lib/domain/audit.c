/* SPDX-License-Identifier: BSD-2-Clause */
/* audit: audit_event rows (see audit.h). */
#include "domain/audit.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/db.h"
#include "core/fhir.h"
#include "core/log.h"
#include "http/request.h"
#include "core/text.h"

#include <stdio.h>
#include <string.h>

/* DICOM codes (http://dicom.nema.org/resources/ontology/DCM) by kind of event. */
#define DCM_AUTH "110114"      /* User Authentication */
#define DCM_ALERT "110113"     /* Security Alert */
#define DCM_ATTRS "110137"     /* User Security Attributes Changed */
#define DCM_ROLES "110136"     /* Security Roles Changed */
#define DCM_APP "110100"       /* Application Activity */

static const struct audit_type {
	const char *name;
	const char *dicom;
	char action;               /* FHIR AuditEvent.action: C R U D E */
	const char *outcome;       /* 0 success, 4 minor failure, 8 serious failure */
} types[] = {
	{ AUDIT_SIGNIN_SUCCESS, DCM_AUTH, 'E', "0" },
	{ AUDIT_SIGNIN_FAILURE, DCM_AUTH, 'E', "4" },
	{ AUDIT_MFA_SUCCESS, DCM_AUTH, 'E', "0" },
	{ AUDIT_MFA_FAILURE, DCM_AUTH, 'E', "4" },
	{ AUDIT_TOKEN_ISSUED, DCM_AUTH, 'E', "0" },
	{ AUDIT_TOKEN_REFRESHED, DCM_AUTH, 'E', "0" },
	{ AUDIT_REFRESH_REUSE, DCM_ALERT, 'E', "8" },
	{ AUDIT_CODE_REUSE, DCM_ALERT, 'E', "8" },
	{ AUDIT_LOGOUT, DCM_AUTH, 'E', "0" },
	{ AUDIT_SESSION_REVOKED, DCM_AUTH, 'U', "0" },
	{ AUDIT_TOKEN_REVOKED, DCM_AUTH, 'U', "0" },
	{ AUDIT_PASSWORD_RESET, DCM_ATTRS, 'C', "0" },
	{ AUDIT_PASSWORD_SET, DCM_ATTRS, 'U', "0" },
	{ AUDIT_PASSWORD_CHANGED, DCM_ATTRS, 'U', "0" },
	{ AUDIT_ADMIN_PASSWORD, DCM_ATTRS, 'U', "0" },
	{ AUDIT_INVITE, DCM_ROLES, 'C', "0" },
	{ AUDIT_MEMBER_UPDATED, DCM_ROLES, 'U', "0" },
	{ AUDIT_MEMBER_DELETED, DCM_ROLES, 'D', "0" },
	{ AUDIT_MEMBER_PROVISIONED, DCM_ROLES, 'C', "0" },
	{ AUDIT_MEMBER_DEACTIVATED, DCM_ROLES, 'U', "0" },
	{ AUDIT_MEMBER_DEPROVISIONED, DCM_ROLES, 'D', "0" },
	{ AUDIT_CLIENT_CREATED, DCM_ROLES, 'C', "0" },
	{ AUDIT_CLIENT_ROTATED, DCM_ATTRS, 'U', "0" },
	{ AUDIT_CLIENT_UPDATED, DCM_ATTRS, 'U', "0" },
	{ AUDIT_SETTINGS, DCM_APP, 'U', "0" },
	{ AUDIT_TEMPLATE, DCM_APP, 'U', "0" },
	{ AUDIT_PURGE, DCM_APP, 'D', "0" },
	{ AUDIT_RESOURCE_CREATED, DCM_APP, 'C', "0" },
	{ AUDIT_RESOURCE_UPDATED, DCM_APP, 'U', "0" },
	{ AUDIT_RESOURCE_DELETED, DCM_APP, 'D', "0" },
	{ AUDIT_RESOURCE_CREATE_REFUSED, DCM_APP, 'C', "4" },
	{ AUDIT_RESOURCE_UPDATE_REFUSED, DCM_APP, 'U', "4" },
	{ AUDIT_RESOURCE_DELETE_REFUSED, DCM_APP, 'D', "4" },
	{ NULL, NULL, 0, NULL },
};

static const struct audit_type *find_type(const char *name)
{
	for (const struct audit_type *t = types; name && t->name; t++)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

const char *audit_type_at(unsigned i)
{
	return i < sizeof types / sizeof types[0] ? types[i].name : NULL;
}

bool audit_type_known(const char *type)
{
	return find_type(type) != NULL;
}

const char *audit_type_dicom(const char *type, const char **display)
{
	const struct audit_type *t = find_type(type);
	const char *code = t ? t->dicom : DCM_APP;
	if (display)
		*display = !strcmp(code, DCM_AUTH)    ? "User Authentication"
			   : !strcmp(code, DCM_ALERT) ? "Security Alert"
			   : !strcmp(code, DCM_ATTRS) ? "User Security Attributes Changed"
			   : !strcmp(code, DCM_ROLES) ? "Security Roles Changed"
						      : "Application Activity";
	return code;
}

char audit_type_action(const char *type)
{
	const struct audit_type *t = find_type(type);
	return t ? t->action : 'E';
}

const char *audit_type_outcome(const char *type)
{
	const struct audit_type *t = find_type(type);
	return t ? t->outcome : "0";
}

/* ---- the request being served ---- */

static const struct request *current;
static struct {
	bool known;
	char project[37], profile_type[32], profile_id[37], client[37], login[37];
} actor;

void audit_request(const struct request *req)
{
	current = req;
	actor.known = false;
}

void audit_set_actor(const struct audit_actor *a)
{
	memset(&actor, 0, sizeof actor);
	if (!a)
		return;
	actor.known = true;
	text_copy(actor.project, sizeof actor.project, a->project_id);
	text_copy(actor.profile_type, sizeof actor.profile_type, a->profile_type);
	text_copy(actor.profile_id, sizeof actor.profile_id, a->profile_id);
	text_copy(actor.client, sizeof actor.client, a->client_id);
	text_copy(actor.login, sizeof actor.login, a->login_id);
}

/* An event with every field resolved to stored text. */
struct stored {
	char type[64], reason[256], project[37], agent_type[32], agent_id[37], client[37], login[37], entity[80];
	char remote[64], ua[513];  /* copied: an event held past the response outlives its request */
};

static void resolve(const struct audit_event *e, struct stored *s)
{
	bool a = current && actor.known;
	memset(s, 0, sizeof *s);
	text_copy(s->type, sizeof s->type, e->type);
	text_copy(s->reason, sizeof s->reason, e->reason);
	text_copy(s->project, sizeof s->project, e->project_id ? e->project_id : a ? actor.project : NULL);
	text_copy(s->agent_type, sizeof s->agent_type, e->agent_type ? e->agent_type : a ? actor.profile_type : NULL);
	text_copy(s->agent_id, sizeof s->agent_id, e->agent_id ? e->agent_id : a ? actor.profile_id : NULL);
	text_copy(s->client, sizeof s->client, a ? actor.client : NULL);
	text_copy(s->login, sizeof s->login, a ? actor.login : NULL);
	text_copy(s->entity, sizeof s->entity, e->entity);
	text_copy(s->remote, sizeof s->remote, current ? current->remote_addr : NULL);
	text_copy(s->ua, sizeof s->ua, current ? current->user_agent : NULL);
}

static const char *or_null(const char *s)
{
	return s && *s ? s : NULL;
}

static int insert(const struct stored *s)
{
	char id[37];
	const struct audit_type *t = find_type(s->type);
	if (!t) {
		log_error("audit: unknown event type %s", s->type);
		return -1;
	}
	if (crypto_uuid_v4(id) < 0)
		return -1;
	char action[2] = { t->action, '\0' };
	return db_exec(NULL,
		       "INSERT INTO audit_event (id, type, action, outcome, outcome_desc, project_id, agent_type, agent_id, "
		       "client_id, login_id, remote_address, user_agent, entity) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		       "sssssssssssss", id, s->type, action, t->outcome, or_null(s->reason), or_null(s->project),
		       or_null(s->agent_type), or_null(s->agent_id), or_null(s->client), or_null(s->login),
		       or_null(s->remote), or_null(s->ua), or_null(s->entity));
}

int audit_write(const struct audit_event *e)
{
	struct stored s;
	resolve(e, &s);
	return insert(&s);
}

/* ---- staged events ---- */

#define MAX_STAGED 4
static struct stored staged[MAX_STAGED];
static int nstaged;
/* The staged event whose entity id is still being made (audit_stage_late), and where. */
static int late_index = -1;
static const char *late_id;

static void settle_late(void)
{
	if (late_index >= 0 && late_index < nstaged) {
		char prefix[sizeof staged[0].entity];
		text_copy(prefix, sizeof prefix, staged[late_index].entity);
		snprintf(staged[late_index].entity, sizeof staged[late_index].entity, "%s/%s", prefix, late_id);
	}
	late_index = -1;
	late_id = NULL;
}

/* db_commit's hook: the staged events join the transaction being committed. They are
 * forgotten either way: a failed insert rolls that transaction back, and a transaction run
 * again (db_transaction) stages its events again. */
static int write_staged(void)
{
	settle_late();
	int n = nstaged;
	nstaged = 0;
	for (int i = 0; i < n; i++)
		if (insert(&staged[i]) < 0)
			return -1;
	return 0;
}

void audit_stage(const struct audit_event *e)
{
	if (nstaged == MAX_STAGED) {
		log_error("audit: too many events in one request, %s dropped", e->type);
		return;
	}
	resolve(e, &staged[nstaged++]);
	db_before_commit(write_staged);
}

void audit_stage_late(const struct audit_event *e, const char *type, const char *id)
{
	struct audit_event with = *e;
	with.entity = type;
	int before = nstaged;
	audit_stage(&with);
	if (nstaged > before) {
		late_index = nstaged - 1;
		late_id = id;
	}
}

int audit_staged_write(void)
{
	return write_staged();
}

void audit_staged_forget(void)
{
	late_index = -1;
	late_id = NULL;
	nstaged = 0;
}

/* A transaction run again (audit_transaction) starts from the events staged before its first
 * attempt: a failed COMMIT has already taken them (write_staged forgets what it took), and an
 * attempt may have staged its own, which it stages again. */
static struct stored before_staged[MAX_STAGED];
static int before_nstaged, before_late_index;
static const char *before_late_id;

struct attempt {
	int (*steps)(void *ctx);
	void *ctx;
	int tries;
};

static int attempt_steps(void *p)
{
	struct attempt *a = p;
	if (a->tries++ > 0) {
		memcpy(staged, before_staged, sizeof staged);
		nstaged = before_nstaged;
		late_index = before_late_index;
		late_id = before_late_id;
		if (nstaged > 0)
			db_before_commit(write_staged);
	}
	return a->steps(a->ctx);
}

int audit_transaction(int (*steps)(void *ctx), void *ctx)
{
	memcpy(before_staged, staged, sizeof staged);
	before_nstaged = nstaged;
	before_late_index = late_index;
	before_late_id = late_id;
	return db_transaction(attempt_steps, &(struct attempt){ steps, ctx, 0 });
}

static struct stored held;

void audit_hold(const struct audit_event *e)
{
	resolve(e, &held);
}

int audit_write_held(const char *reason)
{
	if (reason)
		text_copy(held.reason, sizeof held.reason, reason);
	return insert(&held);
}

void audit_stage_held(void)
{
	if (nstaged == MAX_STAGED) {
		log_error("audit: too many events in one request, %s dropped", held.type);
		return;
	}
	staged[nstaged++] = held;
	db_before_commit(write_staged);
}

int audit_finish(bool success)
{
	int n = nstaged;
	int rc = success ? write_staged() : 0;
	if (rc < 0)
		log_error("audit: %d event(s) of request %s not written", n, current ? current->request_id : "-");
	audit_staged_forget();
	current = NULL;
	return rc;
}

int audit_purge(const char *before)
{
	unsigned long long n;
	do {
		if (db_exec(&n, "DELETE FROM audit_event WHERE recorded < ? LIMIT 5000", "s", before) < 0)
			return -1;
	} while (n == 5000);
	return 0;
}

/* ---- AuditEvent resources ---- */

#define USER_AGENT_URL "https://tessera.invalid/fhir/StructureDefinition/user-agent"
/* The keyed reference of a login (the same as lib/domain/login.c login_ref, which this module
 * cannot include: login records its revocations here). */
#define REF_KIND "login"

static json_t *agent_of(const struct db_result *r, unsigned row)
{
	json_t *agent = json_pack("{s:b}", "requestor", 1);
	const char *type = db_cell(r, row, AE_AGENT_TYPE), *id = db_cell(r, row, AE_AGENT_ID);
	if (type && id)
		json_object_set_new(agent, "who", fhir_reference(type, id, NULL));
	if (db_cell(r, row, AE_ADDRESS))
		json_object_set_new(agent, "network", json_pack("{s:s, s:s}", "address", db_cell(r, row, AE_ADDRESS), "type", "2"));
	if (db_cell(r, row, AE_UA))
		json_object_set_new(agent, "extension",
				    json_pack("[{s:s, s:s}]", "url", USER_AGENT_URL, "valueString", db_cell(r, row, AE_UA)));
	return agent;
}

/* A login id is a bearer secret of its sign-in (issue 14): "Login/<id>" → "Login/<ref>". */
static void login_reference(const char *id, char *out, size_t outlen)
{
	char ref[CRYPTO_REF_LEN + 1];
	crypto_keyed_ref(REF_KIND, id, ref);
	snprintf(out, outlen, "Login/%s", ref);
}

/* An event read from a login row older than its ref is "<login id>.<suffix>": "<ref>.<suffix>"
 * (every other id is left as it is). */
static void event_id(const char *id, char *out, size_t outlen)
{
	char login[UUID_LEN + 1], ref[CRYPTO_REF_LEN + 1];
	snprintf(login, sizeof login, "%s", id);
	if (strlen(id) > UUID_LEN && id[UUID_LEN] == '.' && crypto_is_uuid(login) && crypto_keyed_ref(REF_KIND, login, ref) == 0)
		snprintf(out, outlen, "%s%s", ref, id + UUID_LEN);
	else
		snprintf(out, outlen, "%s", id);
}

/* What the event is about: the changed resource, the Login (with the grant type). */
static json_t *entities_of(const struct db_result *r, unsigned row)
{
	json_t *list = json_array();
	const char *entity = db_cell(r, row, AE_ENTITY);
	char reference[80];
	if (entity && !strncmp(entity, "Login/", 6))
		login_reference(entity + 6, reference, sizeof reference);
	if (entity) {
		json_t *e = json_pack("{s:{s:s}}", "what", "reference", strncmp(entity, "Login/", 6) ? entity : reference);
		/* A grant without a Login (the per-minute client_credentials count): its type here. */
		if (e && !db_cell(r, row, AE_LOGIN) && db_cell(r, row, AE_GRANT))
			json_object_set_new(e, "detail", json_pack("[{s:s, s:s}]", "type", "grant-type", "valueString",
								   db_cell(r, row, AE_GRANT)));
		json_array_append_new(list, e);
	}
	if (db_cell(r, row, AE_LOGIN)) {
		login_reference(db_cell(r, row, AE_LOGIN), reference, sizeof reference);
		json_t *e = json_pack("{s:{s:s}}", "what", "reference", reference);
		json_t *detail = json_array();
		if (db_cell(r, row, AE_GRANT))
			json_array_append_new(detail,
					      json_pack("{s:s, s:s}", "type", "grant-type", "valueString", db_cell(r, row, AE_GRANT)));
		json_object_set_new(e, "detail", detail);
		json_array_append_new(list, e);
	}
	return list;
}

json_t *audit_event_resource(const struct db_result *r, unsigned row)
{
	const char *type = db_cell(r, row, AE_TYPE), *display;
	const char *code = audit_type_dicom(type, &display);
	json_t *agents = json_array();
	json_array_append_new(agents, agent_of(r, row));
	if (db_cell(r, row, AE_CLIENT))
		json_array_append_new(agents, json_pack("{s:o, s:b}", "who",
							 fhir_reference("ClientApplication", db_cell(r, row, AE_CLIENT), NULL),
							 "requestor", 0));
	char action[2] = { audit_type_action(type), '\0' }, id[80];
	event_id(db_cell(r, row, AE_ID), id, sizeof id);
	json_t *meta = json_pack("{s:s, s:s}", "versionId", "1", "lastUpdated", db_cell(r, row, AE_RECORDED));
	if (db_cell(r, row, AE_PROJECT))
		json_object_set_new(meta, "project", json_string(db_cell(r, row, AE_PROJECT)));
	json_t *e = json_pack("{s:s, s:s, s:o, s:{s:s, s:s, s:s}, s:[{s:s, s:s}], s:s, s:s, s:s, s:o, "
			      "s:{s:{s:{s:s}}}, s:o}",
			      "resourceType", "AuditEvent", "id", id, "meta", meta, "type", "system",
			      "http://dicom.nema.org/resources/ontology/DCM", "code", code, "display", display, "subtype",
			      "system", "https://tessera.invalid/audit-event-type", "code", type, "action", action, "recorded",
			      db_cell(r, row, AE_RECORDED), "outcome", audit_type_outcome(type), "agent", agents, "source",
			      "observer", "identifier", "value", cfg.base_url, "entity", entities_of(r, row));
	if (e && db_cell(r, row, AE_REASON))
		json_object_set_new(e, "outcomeDesc", json_string(db_cell(r, row, AE_REASON)));
	return e;
}

long long audit_purge_older(long long seconds)
{
	return db_purge("DELETE FROM audit_event WHERE recorded < UTC_TIMESTAMP(3) - INTERVAL ? SECOND LIMIT " DB_PURGE_BATCH_TEXT,
			seconds);
}
