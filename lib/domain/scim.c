/* SPDX-License-Identifier: BSD-2-Clause */
/* scim: SCIM 2.0 Users over memberships (members.c), users and profiles (people.c) and sessions
 * (login.c). PROTOCOL.md §10 says what is answered and why. */
#include "domain/scim.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/db.h"
#include "core/scimfilter.h"
#include "core/text.h"
#include "domain/audit.h"
#include "domain/auth.h"
#include "domain/login.h"
#include "domain/members.h"
#include "domain/people.h"
#include "domain/projects.h"
#include "http/input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define USER_SCHEMA "urn:ietf:params:scim:schemas:core:2.0:User"
#define LIST_SCHEMA "urn:ietf:params:scim:api:messages:2.0:ListResponse"
#define PATCH_SCHEMA "urn:ietf:params:scim:api:messages:2.0:PatchOp"
#define ENTERPRISE_PREFIX "urn:ietf:params:scim:schemas:extension:"
#define ALREADY_MEMBER "User is already a member of this project"
#define MAX_NAME 128          /* user.first_name, last_name */
#define MAX_ID 255            /* userName, externalId */
#define MAX_EMAILS 10
#define MAX_OPERATIONS 100

int scim_caller_project(struct auth *a, char project[37], struct refusal *err)
{
	int rc = auth_load_detail(a);
	if (rc < 0)
		return -1;
	const char *type = auth_detail_cell(a, AD_USER_TYPE);
	if (rc != 0 || !type || strcmp(type, "ClientApplication") || !text_true(auth_detail_cell(a, AD_ADMIN)))
		return refuse(err, 403, "Forbidden", NULL);
	text_copy(project, 37, a->project_id);
	return 0;
}

/* ---- the resource ---- */

static json_t *user_json(const struct db_result *r, unsigned i)
{
	const char *id = db_cell(r, i, MS_ID), *email = db_cell(r, i, MS_EMAIL);
	/* A membership made outside SCIM has no userName: its email, else its profile, names it. */
	const char *user_name = db_cell(r, i, MS_USER_NAME) ? db_cell(r, i, MS_USER_NAME)
				: email			    ? email
							    : db_cell(r, i, MS_PROFILE_ID);
	char location[700], version[64];
	snprintf(location, sizeof location, "%sscim/v2/Users/%s", cfg.base_url, id);
	snprintf(version, sizeof version, "W/\"%s\"", db_cell(r, i, MS_VERSION));
	json_t *u = json_pack("{s:[s], s:s, s:s, s:{s:s, s:s}, s:b, s:s, s:{s:s, s:s, s:s, s:s, s:s}}", "schemas",
			      USER_SCHEMA, "id", id, "userName", user_name, "name", "givenName",
			      db_cell(r, i, MS_FIRST_NAME), "familyName", db_cell(r, i, MS_LAST_NAME), "active",
			      text_true(db_cell(r, i, MS_ACTIVE)), "userType", db_cell(r, i, MS_PROFILE_TYPE), "meta",
			      "resourceType", "User", "created", db_cell(r, i, MS_CREATED), "lastModified",
			      db_cell(r, i, MS_MODIFIED), "location", location, "version", version);
	if (u && db_cell(r, i, MS_EXTERNAL_ID))
		json_object_set_new(u, "externalId", json_string(db_cell(r, i, MS_EXTERNAL_ID)));
	if (u && email)
		json_object_set_new(u, "emails", json_pack("[{s:s, s:b}]", "value", email, "primary", 1));
	return u;
}

/* The User now, as its client sees it. */
static int read_user(const char *project, const char *id, json_t **out, struct refusal *err)
{
	struct db_result r;
	int rc = members_scim_get(project, id, false, &r);
	if (rc == 1)
		return refuse(err, 404, "Not found", NULL);
	if (rc < 0)
		return -1;
	*out = user_json(&r, 0);
	db_result_free(&r);
	return *out ? 0 : -1;
}

int scim_get(const char *project, const char *id, json_t **out, struct refusal *err)
{
	return read_user(project, id, out, err);
}

/* ---- the list ---- */

/* A whole number (optionally signed) into *out; false when the text is not one. */
static bool whole_number(const char *s, long long *out)
{
	char *end;
	if (!s || !*s || strlen(s) > 18)
		return false;
	*out = strtoll(s, &end, 10);
	return *end == '\0';
}

int scim_list(const char *project, const char *filter, const char *start_index, const char *count, json_t **out,
	      struct refusal *err)
{
	long long start = 1, n = SCIM_DEFAULT_COUNT;
	if (start_index && !whole_number(start_index, &start))
		return refuse_scim(err, 400, "invalidValue", "startIndex must be a whole number");
	if (count && !whole_number(count, &n))
		return refuse_scim(err, 400, "invalidValue", "count must be a whole number");
	/* RFC 7644 §3.4.2.4: below 1 means 1, a negative count means 0; the page is bounded. */
	start = start < 1 ? 1 : start;
	if (start > SCIM_MAX_START)
		return refuse_scim(err, 400, "invalidValue", "startIndex is too large");
	n = n < 0 ? 0 : n > SCIM_MAX_COUNT ? SCIM_MAX_COUNT : n;
	struct scimfilter f;
	if (filter && scimfilter_parse(filter, &f) < 0) {
		refuse_copy(err, 400, f.error, NULL);
		err->scim_type = "invalidFilter";
		scimfilter_free(&f);
		return 1;
	}
	long long total = 0;
	struct db_result r;
	int rc = members_scim_search(project, filter ? &f : NULL, (unsigned)(start - 1), (unsigned)n, &total, &r);
	if (filter)
		scimfilter_free(&f);
	if (rc < 0)
		return -1;
	json_t *list = json_array();
	for (unsigned i = 0; list && i < r.nrows; i++)
		json_array_append_new(list, user_json(&r, i));
	db_result_free(&r);
	*out = json_pack("{s:[s], s:I, s:I, s:I, s:o}", "schemas", LIST_SCHEMA, "totalResults", (json_int_t)total,
			 "itemsPerPage", (json_int_t)json_array_size(list), "startIndex", (json_int_t)start, "Resources",
			 list);
	return *out ? 0 : -1;
}

/* ---- reading a User body ---- */

/* What a create or replace body says. A replace leaves name and emails as they are when the
 * body has none (has_name, has_email false), and active too. */
struct values {
	const char *user_name;
	const char *external_id;
	const char *first, *last;
	const char *email;          /* NULL: none */
	const char *user_type;      /* NULL: not given */
	bool has_name, has_email, has_active;
	bool active;
};

/* A short line of text: no control characters, valid UTF-8 (checked at parse time), at most max bytes. */
static bool plain_text(const char *s, size_t max)
{
	return s && strlen(s) <= max && valid_text(s) && !strpbrk(s, "\t\r\n");
}

/* A boolean as SCIM clients send it: true/false, or Entra ID's strings "True"/"False". */
static int as_bool(json_t *v, bool *out)
{
	const char *s = json_string_value(v);
	if (json_is_boolean(v))
		*out = json_is_true(v);
	else if (s && (!strcasecmp(s, "true") || !strcasecmp(s, "false")))
		*out = !strcasecmp(s, "true");
	else
		return -1;
	return 0;
}

static bool has_schema(json_t *body, const char *schema)
{
	size_t i;
	json_t *s;
	json_array_foreach(json_object_get(body, "schemas"), i, s)
		if (json_is_string(s) && !strcmp(json_string_value(s), schema))
			return true;
	return false;
}

static int read_name(json_t *body, struct values *v, struct refusal *err)
{
	json_t *name = json_object_get(body, "name");
	v->first = v->last = "";
	if (!name || json_is_null(name))
		return 0;
	json_t *g = json_object_get(name, "givenName"), *f = json_object_get(name, "familyName");
	if (!json_is_object(name) || (g && !json_is_null(g) && !plain_text(json_string_value(g), MAX_NAME)) ||
	    (f && !json_is_null(f) && !plain_text(json_string_value(f), MAX_NAME)))
		return refuse_scim(err, 400, "invalidValue", "name.givenName and name.familyName must be short strings");
	v->has_name = true;
	v->first = json_is_string(g) ? json_string_value(g) : "";
	v->last = json_is_string(f) ? json_string_value(f) : "";
	return 0;
}

/* The primary address, else the first; an empty list means none. */
static int read_emails(json_t *body, struct values *v, struct refusal *err)
{
	json_t *emails = json_object_get(body, "emails"), *e, *pick = NULL;
	size_t i;
	if (!emails || json_is_null(emails))
		return 0;
	if (!json_is_array(emails) || json_array_size(emails) > MAX_EMAILS)
		return refuse_scim(err, 400, "invalidValue", "emails must be a list of at most 10 addresses");
	json_array_foreach(emails, i, e) {
		if (!json_is_object(e))
			return refuse_scim(err, 400, "invalidValue", "Each email must be an object with a value");
		json_t *primary = json_object_get(e, "primary");
		bool is_primary = false;
		if (primary && as_bool(primary, &is_primary) < 0)
			return refuse_scim(err, 400, "invalidValue", "emails.primary must be a boolean");
		if (!pick || (is_primary && !json_is_true(json_object_get(pick, "primary"))))
			pick = e;
	}
	v->has_email = true;
	v->email = pick ? json_string_value(json_object_get(pick, "value")) : NULL;
	if (pick && (!v->email || strlen(v->email) > 320 || !valid_email(v->email)))
		return refuse_scim(err, 400, "invalidValue", "Invalid email address");
	return 0;
}

static int read_body(json_t *body, struct values *v, struct refusal *err)
{
	memset(v, 0, sizeof *v);
	if (!json_is_object(body) || !has_schema(body, USER_SCHEMA))
		return refuse_scim(err, 400, "invalidSyntax", "schemas must list " USER_SCHEMA);
	json_t *x = json_object_get(body, "userName");
	v->user_name = json_string_value(x);
	if (!v->user_name || !*v->user_name || !plain_text(v->user_name, MAX_ID))
		return refuse_scim(err, 400, "invalidValue", "userName is required (at most 255 characters)");
	x = json_object_get(body, "externalId");
	v->external_id = json_is_string(x) && *json_string_value(x) ? json_string_value(x) : NULL;
	if ((x && !json_is_null(x) && !json_is_string(x)) || (v->external_id && !plain_text(v->external_id, MAX_ID)))
		return refuse_scim(err, 400, "invalidValue", "externalId must be a string of at most 255 characters");
	x = json_object_get(body, "active");
	v->active = true;
	if (x && !json_is_null(x)) {
		if (as_bool(x, &v->active) < 0)
			return refuse_scim(err, 400, "invalidValue", "active must be a boolean");
		v->has_active = true;
	}
	x = json_object_get(body, "userType");
	v->user_type = json_string_value(x);
	if (x && !json_is_null(x) && (!v->user_type || (strcmp(v->user_type, "Practitioner") &&
						       strcmp(v->user_type, "Patient") && strcmp(v->user_type, "RelatedPerson"))))
		return refuse_scim(err, 400, "invalidValue", "userType must be Practitioner, Patient or RelatedPerson");
	return read_name(body, v, err) || read_emails(body, v, err) ? 1 : 0;
}

/* The audit event of a change, staged by each attempt: audit_transaction gives an attempt run
 * again the events as they were before the first (a COMMIT lost to a certification conflict
 * has taken them), so it is staged neither twice nor never; it commits with the change (or is
 * forgotten with a refusal). */
static void stage_event(const char *type, const char *id)
{
	char entity[80];
	snprintf(entity, sizeof entity, "ProjectMembership/%s", id);
	audit_stage(&(struct audit_event){ .type = type, .entity = entity });
}

struct attempt {
	int (*step)(void *ctx, struct refusal *err);
	void *ctx;
	struct refusal *err;
};

static int attempt_step(void *p)
{
	struct attempt *a = p;
	return a->step(a->ctx, a->err);
}

/* Runs a transaction step (0 done, 1 refused with err filled, -1 failure), again when it lost
 * a deadlock or a certification conflict; a refusal rolls back like a failure. */
static int in_transaction(int (*step)(void *ctx, struct refusal *err), void *ctx, struct refusal *err)
{
	int rc = audit_transaction(attempt_step, &(struct attempt){ step, ctx, err });
	return rc == 0 || rc == 1 ? rc : -1;
}

/* ---- create ---- */

struct create_ctx {
	const char *project;
	const struct values *v;
	const char *policy;
	char id[37];                       /* chosen before the first try */
};

/* The person's account in this project: the one an earlier, deprovisioned membership left with
 * this address (provisioned again), else a new one. */
static int project_user(struct create_ctx *c, char user_id[37], struct refusal *err)
{
	const struct values *v = c->v;
	if (v->email) {
		int rc = members_email_taken(c->project, v->email, NULL);
		if (rc != 0)
			return rc < 0 ? -1 : refuse_scim(err, 409, "uniqueness", ALREADY_MEMBER);
		struct person p;
		rc = people_find_user(v->email, c->project, &p);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			text_copy(user_id, 37, p.id);
			return people_scim_update_user(p.id, v->first, v->last, v->email) < 0 ? -1 : 0;
		}
	}
	int rc = people_create_user(v->email, v->first, v->last, NULL, c->project, user_id);
	return rc == 1 ? refuse_scim(err, 409, "uniqueness", ALREADY_MEMBER) : rc;
}

static int create_step(void *ctx, struct refusal *err)
{
	struct create_ctx *c = ctx;
	const struct values *v = c->v;
	const char *type = v->user_type ? v->user_type : "Practitioner";
	char user_id[37], profile_id[37];
	int rc = project_user(c, user_id, err);
	if (rc != 0)
		return rc;
	if (people_create_profile(type, c->project, v->first, v->last, v->email, profile_id) < 0)
		return -1;
	struct member_fields f = { .active = v->active, .user_name = v->user_name, .external_id = v->external_id };
	text_copy(f.access_policy_id, sizeof f.access_policy_id, c->policy);
	rc = members_insert_with_id(c->project, "User", user_id, type, profile_id, &f, c->id);
	if (rc == 0)
		stage_event(AUDIT_MEMBER_PROVISIONED, c->id);
	return rc == 1 ? refuse_scim(err, 409, "uniqueness", ALREADY_MEMBER) : rc;
}

int scim_create(const char *project, json_t *body, json_t **out, struct refusal *err)
{
	struct values v;
	if (read_body(body, &v, err))
		return 1;
	struct create_ctx c = { .project = project, .v = &v };
	char name[PROJECT_NAME_SIZE], policy[37] = "";
	/* A patient sees what the project's patient policy lets them (Medplum's rule for SCIM). */
	if (v.user_type && !strcmp(v.user_type, "Patient")) {
		int rc = projects_patient_policy(project, name, policy);
		if (rc < 0)
			return -1;
		if (!policy[0])
			return refuse_scim(err, 400, "invalidValue", "Missing defaultPatientAccessPolicy");
		c.policy = policy;
	}
	if (crypto_uuid_v4(c.id) < 0)
		return -1;
	int rc = in_transaction(create_step, &c, err);
	return rc != 0 ? rc : read_user(project, c.id, out, err);
}

/* ---- replace and patch ---- */

struct replace_ctx {
	const char *project;
	const char *id;
	json_t *body;                      /* replace: the body; patch: the PatchOp */
	int (*prepare)(struct replace_ctx *c, const struct db_result *row, struct refusal *err);
	json_t *patched;                   /* patch: the User after the operations */
	struct values v;
};

static bool same(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

/* The user's name and email are the directory's to change only when the account belongs to this
 * project alone (SCIM made it here); a server account's are its owner's: a change is refused. */
static int apply_person(const struct replace_ctx *c, const struct db_result *row, struct refusal *err)
{
	const struct values *v = &c->v;
	const char *first = v->has_name ? v->first : db_cell(row, 0, MS_FIRST_NAME);
	const char *last = v->has_name ? v->last : db_cell(row, 0, MS_LAST_NAME);
	const char *email = v->has_email ? v->email : db_cell(row, 0, MS_EMAIL);
	char lower[321] = "";
	if (email)
		people_lower_email(email, lower, sizeof lower);
	bool names_changed = !same(first, db_cell(row, 0, MS_FIRST_NAME)) || !same(last, db_cell(row, 0, MS_LAST_NAME));
	if (!names_changed && same(lower, db_cell(row, 0, MS_EMAIL)))
		return 0;
	if (!same(db_cell(row, 0, MS_USER_PROJECT), c->project))
		return refuse_scim(err, 400, "mutability",
				   "The name and email of this user belong to a server account and cannot be changed here");
	/* Another member's address would make a second account of it in the project (§10.4). */
	int rc = lower[0] && !same(lower, db_cell(row, 0, MS_EMAIL)) ? members_email_shared(db_cell(row, 0, MS_USER_ID), lower) : 0;
	if (rc == 0)
		rc = people_scim_update_user(db_cell(row, 0, MS_USER_ID), first, last, lower[0] ? lower : NULL);
	if (rc == 1)
		return refuse_scim(err, 409, "uniqueness", "Email already registered");
	if (rc == 0 && names_changed)
		rc = people_scim_rename_profile(db_cell(row, 0, MS_PROFILE_ID), first, last);
	return rc;
}

/* The User's row, locked until the transaction ends: 0, 1 refused (404), -1. */
static int locked_user(const char *project, const char *id, struct db_result *row, struct refusal *err)
{
	int rc = members_scim_get(project, id, true, row);
	return rc == 1 ? refuse(err, 404, "Not found", NULL) : rc;
}

static int replace_step(void *ctx, struct refusal *err)
{
	struct replace_ctx *c = ctx;
	struct db_result row;
	int rc = locked_user(c->project, c->id, &row, err);
	if (rc != 0)
		return rc;
	rc = c->prepare(c, &row, err);
	const struct values *v = &c->v;
	bool was_active = text_true(db_cell(&row, 0, MS_ACTIVE));
	bool active = v->has_active ? v->active : was_active;
	if (rc == 0 && v->user_type && strcmp(v->user_type, db_cell(&row, 0, MS_PROFILE_TYPE)))
		rc = refuse_scim(err, 400, "mutability", "userType cannot be changed");
	if (rc == 0 && !active && text_true(db_cell(&row, 0, MS_OWNER)))
		rc = refuse_scim(err, 400, "mutability", "Cannot deactivate the owner of the project");
	if (rc == 0)
		rc = apply_person(c, &row, err);
	if (rc == 0) {
		rc = members_scim_set(c->id, active, v->user_name, v->external_id);
		if (rc == 1)
			rc = refuse_scim(err, 409, "uniqueness", ALREADY_MEMBER);
	}
	/* Deactivation ends every session of the membership now: its access and refresh tokens
	 * stop working, and reactivating does not bring them back. */
	if (rc == 0 && was_active && !active)
		rc = login_revoke_membership(c->id);
	if (rc == 0)
		stage_event(was_active && !active ? AUDIT_MEMBER_DEACTIVATED : AUDIT_MEMBER_UPDATED, c->id);
	db_result_free(&row);
	return rc;
}

static int prepare_replace(struct replace_ctx *c, const struct db_result *row, struct refusal *err)
{
	(void)row;
	return read_body(c->body, &c->v, err);
}

static int replace_with(struct replace_ctx *c, json_t **out, struct refusal *err)
{
	int rc = in_transaction(replace_step, c, err);
	json_decref(c->patched);
	return rc != 0 ? rc : read_user(c->project, c->id, out, err);
}

int scim_replace(const char *project, const char *id, json_t *body, json_t **out, struct refusal *err)
{
	struct replace_ctx c = { .project = project, .id = id, .body = body, .prepare = prepare_replace };
	return replace_with(&c, out, err);
}

/* Attribute paths a patch may name that Tessera does not keep (Entra ID and Okta send them):
 * accepted and ignored, as a replace ignores them. */
static bool ignored_path(const char *p)
{
	static const char *const names[] = { "displayName", "nickName", "title", "preferredLanguage", "locale",
					     "timezone", "profileUrl", "phoneNumbers", "addresses", "photos", "roles",
					     "entitlements", "ims", "x509Certificates", "name.formatted",
					     "name.middleName", "name.honorificPrefix", "name.honorificSuffix", NULL };
	if (!strncasecmp(p, ENTERPRISE_PREFIX, strlen(ENTERPRISE_PREFIX)))
		return true;
	for (int i = 0; names[i]; i++) {
		size_t n = strlen(names[i]);
		if (!strncasecmp(p, names[i], n) && (p[n] == '\0' || p[n] == '[' || p[n] == '.'))
			return true;
	}
	return false;
}

/* emails, emails.value, or a value path into it (Entra ID: emails[type eq "work"].value).
 * Tessera keeps one address, so the filter inside the brackets chooses nothing. */
static bool email_path(const char *p)
{
	if (!strcasecmp(p, "emails") || !strcasecmp(p, "emails.value"))
		return true;
	const char *close = strchr(p, ']');
	return !strncasecmp(p, "emails[", 7) && close && (!strcasecmp(close, "]") || !strcasecmp(close, "].value"));
}

enum op { OP_ADD, OP_REPLACE, OP_REMOVE };

static json_t *name_of(json_t *u)
{
	json_t *n = json_object_get(u, "name");
	if (!json_is_object(n)) {
		n = json_object();
		json_object_set_new(u, "name", n);
	}
	return n;
}

static int set_email(json_t *u, enum op op, const char *path, json_t *value, struct refusal *err)
{
	if (op == OP_REMOVE) {
		json_object_set_new(u, "emails", json_array());
		return 0;
	}
	/* A list gives the address (one is kept: for add as for replace, the list's primary, else its
	 * first). */
	if (!strcasecmp(path, "emails") && json_is_array(value)) {
		json_object_set(u, "emails", value);
		return 0;
	}
	if (!json_is_string(value))
		return refuse_scim(err, 400, "invalidValue", "An email value must be a string");
	json_object_set_new(u, "emails", json_pack("[{s:O, s:b}]", "value", value, "primary", 1));
	return 0;
}

/* One operation on one attribute path of the User document u. */
static int apply_path(json_t *u, enum op op, const char *path, json_t *value, struct refusal *err)
{
	static const char core[] = USER_SCHEMA ":";
	if (!strncasecmp(path, core, sizeof core - 1))
		path += sizeof core - 1;
	if (op != OP_REMOVE && !value)
		return refuse_scim(err, 400, "invalidValue", "The operation needs a value");
	if (!strcasecmp(path, "active")) {
		bool b;
		if (op == OP_REMOVE || as_bool(value, &b) < 0)
			return refuse_scim(err, 400, "invalidValue", "active must be a boolean");
		json_object_set_new(u, "active", json_boolean(b));
	} else if (!strcasecmp(path, "userName")) {
		if (op == OP_REMOVE)
			return refuse_scim(err, 400, "mutability", "userName is required");
		json_object_set(u, "userName", value);
	} else if (!strcasecmp(path, "externalId")) {
		if (op == OP_REMOVE)
			json_object_del(u, "externalId");
		else
			json_object_set(u, "externalId", value);
	} else if (!strcasecmp(path, "name")) {
		if (op != OP_REMOVE && !json_is_object(value))
			return refuse_scim(err, 400, "invalidValue", "name must be an object");
		if (op == OP_ADD)
			json_object_update(name_of(u), value);
		else
			json_object_set_new(u, "name", op == OP_REMOVE ? json_object() : json_deep_copy(value));
	} else if (!strcasecmp(path, "name.givenName") || !strcasecmp(path, "name.familyName")) {
		const char *member = path + 5;
		if (op == OP_REMOVE)
			json_object_del(name_of(u), !strcasecmp(member, "givenName") ? "givenName" : "familyName");
		else
			json_object_set(name_of(u), !strcasecmp(member, "givenName") ? "givenName" : "familyName", value);
	} else if (email_path(path)) {
		return set_email(u, op, path, value, err);
	} else if (!strcasecmp(path, "userType")) {
		if (op == OP_REMOVE)
			return refuse_scim(err, 400, "mutability", "userType cannot be changed");
		json_object_set(u, "userType", value);
	} else if (!strcasecmp(path, "id") || !strncasecmp(path, "meta", 4) || !strcasecmp(path, "schemas")) {
		return refuse_scim(err, 400, "mutability", "This attribute is read-only");
	} else if (!ignored_path(path)) {
		return refuse_scim(err, 400, "invalidPath", "Unsupported attribute path");
	}
	return 0;
}

static int apply_operation(json_t *u, json_t *operation, struct refusal *err)
{
	const char *name = json_string_value(json_object_get(operation, "op"));
	json_t *path = json_object_get(operation, "path"), *value = json_object_get(operation, "value");
	enum op op;
	/* Entra ID capitalises the operation ("Replace"). */
	if (name && !strcasecmp(name, "add"))
		op = OP_ADD;
	else if (name && !strcasecmp(name, "replace"))
		op = OP_REPLACE;
	else if (name && !strcasecmp(name, "remove"))
		op = OP_REMOVE;
	else
		return refuse_scim(err, 400, "invalidSyntax", "op must be add, replace or remove");
	if (path && !json_is_null(path)) {
		if (!json_is_string(path) || !*json_string_value(path) || json_string_length(path) > 256)
			return refuse_scim(err, 400, "invalidPath", "path must be an attribute path");
		return apply_path(u, op, json_string_value(path), value, err);
	}
	/* Without a path the value holds attribute paths and their values (Okta: {"active": false}). */
	if (op == OP_REMOVE)
		return refuse_scim(err, 400, "noTarget", "remove needs a path");
	if (!json_is_object(value))
		return refuse_scim(err, 400, "invalidValue", "Without a path the value must be an object");
	const char *key;
	json_t *v;
	json_object_foreach(value, key, v) {
		if (apply_path(u, op, key, v, err))
			return 1;
	}
	return 0;
}

/* The User as stored, the operations applied in order, then read like a replace body. */
static int prepare_patch(struct replace_ctx *c, const struct db_result *row, struct refusal *err)
{
	json_t *ops = json_object_get(c->body, "Operations");
	if (!json_is_object(c->body) || !has_schema(c->body, PATCH_SCHEMA))
		return refuse_scim(err, 400, "invalidSyntax", "schemas must list " PATCH_SCHEMA);
	if (!json_is_array(ops) || json_array_size(ops) == 0 || json_array_size(ops) > MAX_OPERATIONS)
		return refuse_scim(err, 400, "invalidSyntax", "Operations must list 1 to 100 operations");
	json_decref(c->patched);
	c->patched = user_json(row, 0);
	if (!c->patched)
		return -1;
	size_t i;
	json_t *op;
	json_array_foreach(ops, i, op) {
		if (!json_is_object(op))
			return refuse_scim(err, 400, "invalidSyntax", "Each operation must be an object");
		if (apply_operation(c->patched, op, err))
			return 1;
	}
	/* What the stored User already had counts as given: nothing is kept by omission. */
	if (!json_object_get(c->patched, "name"))
		json_object_set_new(c->patched, "name", json_object());
	if (!json_object_get(c->patched, "emails"))
		json_object_set_new(c->patched, "emails", json_array());
	return read_body(c->patched, &c->v, err);
}

int scim_patch(const char *project, const char *id, json_t *body, json_t **out, struct refusal *err)
{
	struct replace_ctx c = { .project = project, .id = id, .body = body, .prepare = prepare_patch };
	return replace_with(&c, out, err);
}

/* ---- delete ---- */

struct delete_ctx {
	const char *project;
	const char *id;
};

static int delete_step(void *ctx, struct refusal *err)
{
	struct delete_ctx *c = ctx;
	struct db_result row;
	int rc = locked_user(c->project, c->id, &row, err);
	if (rc != 0)
		return rc;
	bool owner = text_true(db_cell(&row, 0, MS_OWNER));
	db_result_free(&row);
	if (owner)
		return refuse_scim(err, 400, "mutability", "Cannot delete the owner of the project");
	rc = members_scim_deprovision(c->id);
	if (rc == 0)
		rc = login_revoke_membership(c->id);
	if (rc == 0)
		stage_event(AUDIT_MEMBER_DEPROVISIONED, c->id);
	return rc;
}

int scim_delete(const char *project, const char *id, struct refusal *err)
{
	struct delete_ctx c = { .project = project, .id = id };
	return in_transaction(delete_step, &c, err);
}
