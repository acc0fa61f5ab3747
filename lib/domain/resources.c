/* SPDX-License-Identifier: BSD-2-Clause */
/* resources: the resource API's decisions (issue 16, PROTOCOL.md §11). */
#include "domain/resources.h"
#include "core/crypto.h"
#include "core/fhirsearch.h"
#include "domain/accesspolicy.h"
#include "domain/audit.h"
#include "domain/auditevents.h"
#include "domain/bots.h"
#include "domain/clients.h"
#include "domain/domains.h"
#include "domain/jsonwebkeys.h"
#include "domain/launches.h"
#include "domain/login.h"
#include "domain/members.h"
#include "domain/memberstore.h"
#include "domain/people.h"
#include "domain/policies.h"
#include "domain/projects.h"
#include "domain/secreq.h"
#include "domain/userconfigs.h"
#include "domain/users.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct resource_store *const stores[] = {
	&policies_store, &clients_store, &members_store, &projects_store, &domains_store, &launches_store,
	&people_patient_store, &people_practitioner_store, &people_related_store, &users_store, &bots_store,
	&userconfigs_store, &jsonwebkeys_store, &login_store, &audit_store, &secreq_store, NULL,
};

/* Attempts of an update or delete whose version moved under it (no If-Match). */
#define ATTEMPTS 3

const struct resource_store *resources_store(const char *type)
{
	for (const struct resource_store *const *s = stores; type && *s; s++)
		if (!strcmp((*s)->type, type))
			return *s;
	return NULL;
}

static int forbidden(struct refusal *err)
{
	return refuse(err, 403, "Forbidden", NULL);
}

static int not_found(struct refusal *err)
{
	return refuse(err, 404, "Not found", NULL);
}

static const char *meta_str(json_t *r, const char *key)
{
	return json_string_value(json_object_get(json_object_get(r, "meta"), key));
}

/* The caller's project holds the resource (super admins: every project; global types: super
 * admins only). */
static bool in_reach(const struct resource_caller *c, const struct resource_store *s, json_t *r)
{
	if (c->super_admin)
		return true;
	if (s->global)
		return false;
	const char *p = meta_str(r, "project");
	return p && c->project && !strcmp(p, c->project);
}

/* 0 the stored resource the caller may read (*out), 1 refused, -1. */
static int load_readable(const struct resource_caller *c, const struct resource_store *s, const char *id, json_t **out,
			 struct refusal *err)
{
	*out = NULL;
	int rc = s->get(id, out);
	if (rc != 0)
		return rc < 0 ? -1 : not_found(err);
	int reach = in_reach(c, s, *out);
	if (!reach && s->linked && c->project && (reach = s->linked(id, c->project)) < 0) {
		json_decref(*out);
		*out = NULL;
		return -1;
	}
	if (!reach || !accesspolicy_allows(c->policy, s->type, *out, AP_READ)) {
		json_decref(*out);
		*out = NULL;
		return not_found(err);
	}
	return 0;
}

static void hand_out(const struct resource_caller *c, const char *type, json_t *r, const char *elements)
{
	accesspolicy_hide(c->policy, type, r);
	if (elements)
		resources_elements(r, elements);
}

int resources_read(const struct resource_caller *c, const char *type, const char *id, json_t **out,
		   struct refusal *err)
{
	*out = NULL;
	const struct resource_store *s = resources_store(type);
	if (!s)
		return not_found(err);
	if (!accesspolicy_allows_type(c->policy, type, AP_READ))
		return forbidden(err);
	int rc = load_readable(c, s, id, out, err);
	if (rc == 0)
		hand_out(c, type, *out, NULL);
	return rc;
}

void resources_elements(json_t *r, const char *elements)
{
	const char *k;
	json_t *v;
	void *tmp;
	json_object_foreach_safe(r, tmp, k, v) {
		if (!strcmp(k, "resourceType") || !strcmp(k, "id") || !strcmp(k, "meta"))
			continue;
		bool keep = false;
		size_t n = strlen(k);
		for (const char *e = elements; *e && !keep;) {
			size_t len = strcspn(e, ",");
			keep = len == n && !strncmp(e, k, n);
			e += len;
			if (*e == ',')
				e++;
		}
		if (!keep)
			json_object_del(r, k);
	}
}

static bool search_match(json_t *r, json_t *params)
{
	const char *k;
	json_t *v;
	json_object_foreach(params, k, v) {
		/* a repeated date: every value must match (a range) */
		size_t i;
		json_t *each;
		if (json_is_string(v) && !fhirsearch_param(r, k, json_string_value(v)))
			return false;
		json_array_foreach(v, i, each) if (!fhirsearch_param(r, k, json_string_value(each))) return false;
	}
	return true;
}

/* The filters a search hands to the owner's SQL, with the buffers they point into. */
struct sql_filters {
	struct store_query q;
	char name_like[2 * 256 + 2];
	char email[321];
	char *identifier;        /* JSON text, freed by filters_free */
	json_t *rest;            /* the parameters left for C (fhirsearch) */
};

/* name: a prefix, case-insensitive (the column's collation); LIKE's own characters escaped. */
static bool like_prefix(const char *v, char *out, size_t cap)
{
	size_t o = 0;
	for (const char *p = v; *p; p++) {
		if (o + 3 >= cap)
			return false;
		if (*p == '%' || *p == '_' || *p == '\\')
			out[o++] = '\\';
		out[o++] = *p;
	}
	out[o++] = '%';
	out[o] = '\0';
	return true;
}

/* identifier: "value" or "system|value" (both present); "|value" and "system|" stay with C. */
static char *identifier_json(const char *v)
{
	const char *bar = strchr(v, '|');
	json_t *o = NULL;
	if (!bar)
		o = json_pack("{s:s}", "value", v);
	else if (bar != v && bar[1] && !strchr(bar + 1, '|')) {
		o = json_pack("{s:s%, s:s}", "system", v, (size_t)(bar - v), "value", bar + 1);
	}
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return text;
}

/* Whether a filter may go to SQL: the owner answers it, the caller sees the field it reads
 * (a hidden field never decides whether a resource is found), one value (commas stay with C). */
static bool pushable(const struct resource_caller *c, const struct resource_store *s, unsigned by, const char *field,
		     const char *v)
{
	if (!(s->find_by & by) || strchr(v, ',') || !*v)
		return false;
	if (accesspolicy_hides(c->policy, s->type, field))
		return false;
	/* a User's name is firstName and lastName */
	return strcmp(field, "name") ||
	       (!accesspolicy_hides(c->policy, s->type, "firstName") && !accesspolicy_hides(c->policy, s->type, "lastName"));
}

static void filters_of(const struct resource_caller *c, const struct resource_store *s, json_t *params,
		       struct sql_filters *f)
{
	const char *k;
	json_t *v;
	f->rest = json_object();
	json_object_foreach(params, k, v) {
		const char *val = json_string_value(v);
		if (!val) {
			/* a repeated date (an array): matched in C */
			json_object_set(f->rest, k, v);
		} else if (!strcmp(k, "_id") && *val && !f->q.ids) {
			f->q.ids = val;
		} else if (!strcmp(k, "name") && pushable(c, s, STORE_BY_NAME, "name", val) &&
			   like_prefix(val, f->name_like, sizeof f->name_like)) {
			f->q.name_like = f->name_like;
		} else if (!strcmp(k, "email") && pushable(c, s, STORE_BY_EMAIL, "email", val) &&
			   !accesspolicy_hides(c->policy, s->type, "telecom") && strlen(val) < sizeof f->email) {
			for (size_t i = 0; val[i]; i++)
				f->email[i] = (char)tolower((unsigned char)val[i]);
			f->email[strlen(val)] = '\0';
			f->q.email = f->email;
		} else if (!strcmp(k, "identifier") && pushable(c, s, STORE_BY_IDENTIFIER, "identifier", val) &&
			   (f->identifier = identifier_json(val))) {
			f->q.identifier = f->identifier;
		} else {
			json_object_set(f->rest, k, v);
		}
	}
}

static void filters_free(struct sql_filters *f)
{
	free(f->identifier);
	json_decref(f->rest);
}

/* The candidates of a search, from the owner's SQL (confined to the project, filtered by what SQL
 * answers): the page itself when the database decides everything (*paged), else at most
 * STORE_SCAN rows for C to filter (by the parameters left in *left) and page. */
static int candidates(const struct resource_caller *c, const struct resource_store *s, const char *project,
		      const struct resource_search *q, json_t **rows, long long *total, bool *paged, json_t **left)
{
	*paged = false;
	*left = NULL;
	struct sql_filters f = { .q = { .project = project, .oldest_first = q->oldest_first } };
	filters_of(c, s, q->params, &f);
	*paged = !json_object_size(f.rest) && accesspolicy_allows_all(c->policy, s->type, AP_SEARCH);
	f.q.limit = *paged ? q->count : STORE_SCAN;
	f.q.offset = *paged ? q->offset : 0;
	int rc = s->find(&f.q, rows, *paged ? total : NULL);
	if (rc < 0) {
		json_decref(*rows);
		*rows = NULL;
	}
	*left = json_incref(f.rest);
	filters_free(&f);
	return rc;
}

static void add_entry(json_t *entries, const struct resource_search *q, const char *type, json_t *seen)
{
	if (q->elements)
		resources_elements(seen, q->elements);
	char full[512];
	snprintf(full, sizeof full, "%s%s/%s", q->base_url, type, json_string_value(json_object_get(seen, "id")));
	json_array_append_new(entries,
			      json_pack("{s:s, s:o, s:{s:s}}", "fullUrl", full, "resource", seen, "search", "mode", "match"));
}

/* A store that filters and pages in SQL (store.h): its page, still decided resource by
 * resource; the total is not known, so the Bundle has none (it is optional in FHIR). */
static int search_in_store(const struct resource_caller *c, const struct resource_store *s, const char *project,
			   const struct resource_search *q, json_t **bundle, struct refusal *err)
{
	json_t *rows = NULL;
	int rc = s->search(project, q, &rows, err);
	if (rc != 0)
		return rc;
	json_t *entries = json_array();
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		if (!in_reach(c, s, r) || !accesspolicy_allows(c->policy, s->type, r, AP_SEARCH))
			continue;
		json_t *seen = json_deep_copy(r);
		accesspolicy_hide(c->policy, s->type, seen);
		add_entry(entries, q, s->type, seen);
	}
	json_decref(rows);
	*bundle = json_pack("{s:s, s:s, s:o}", "resourceType", "Bundle", "type", "searchset", "entry", entries);
	return *bundle ? 0 : -1;
}

int resources_search(const struct resource_caller *c, const char *type, const struct resource_search *q,
		     json_t **bundle, struct refusal *err)
{
	*bundle = NULL;
	const struct resource_store *s = resources_store(type);
	if (!s)
		return not_found(err);
	if (!accesspolicy_allows_type(c->policy, type, AP_SEARCH))
		return forbidden(err);
	/* Project admins and members search their own project; super admins any or all. */
	const char *project = c->super_admin ? q->project : c->project;
	if (!c->super_admin && s->global)
		return forbidden(err);
	if (s->search)
		return search_in_store(c, s, project, q, bundle, err);
	json_t *rows = NULL;
	long long counted = 0;
	bool paged;
	json_t *left = NULL;
	if (candidates(c, s, s->global ? NULL : project, q, &rows, &counted, &paged, &left) < 0) {
		json_decref(left);
		return -1;
	}
	json_t *entries = json_array();
	size_t i;
	long long total = 0;
	json_t *r;
	json_array_foreach(rows, i, r) {
		/* the owner's find is already confined to the project */
		if (!accesspolicy_allows(c->policy, type, r, AP_SEARCH))
			continue;
		/* parameters are matched against what the caller may see: a hidden field never
		 * decides whether a resource is found */
		json_t *seen = json_deep_copy(r);
		accesspolicy_hide(c->policy, type, seen);
		if (!search_match(seen, left) ||
		    (!paged && (total++ < (long long)q->offset || json_array_size(entries) >= q->count))) {
			json_decref(seen);
			continue;
		}
		add_entry(entries, q, type, seen);
	}
	json_decref(rows);
	json_decref(left);
	*bundle = json_pack("{s:s, s:s, s:I, s:o}", "resourceType", "Bundle", "type", "searchset", "total",
			    (json_int_t)(paged ? counted : total), "entry", entries);
	return *bundle ? 0 : -1;
}

/* A body must name the type it is sent to (and, for an update, the id). */
static int body_names(json_t *body, const char *type, const char *id, struct refusal *err)
{
	const char *rt = json_string_value(json_object_get(body, "resourceType"));
	if (!rt || strcmp(rt, type))
		return refuse(err, 400, "Incorrect resource type", "resourceType");
	const char *bid = json_string_value(json_object_get(body, "id"));
	if (id && (!bid || strcmp(bid, id)))
		return refuse(err, 400, "Incorrect ID", "id");
	return 0;
}

/* Members the owner does not know are refused, not dropped: a client must not believe a
 * field was stored. */
static int known_fields(const struct resource_store *s, json_t *body, struct refusal *err)
{
	const char *k;
	json_t *v;
	if (!s->fields)
		return 0;
	json_object_foreach(body, k, v) {
		if (!strcmp(k, "resourceType") || !strcmp(k, "id") || !strcmp(k, "meta"))
			continue;
		const char *const *f = s->fields;
		while (*f && strcmp(*f, k))
			f++;
		if (!*f)
			return refuse(err, 400, "Unknown field", k);
	}
	return 0;
}

/* The project a create goes to: the caller's, or for a super admin the body's meta.project. */
static int create_project(const struct resource_caller *c, json_t *body, char project[37], struct refusal *err)
{
	const char *p = meta_str(body, "project");
	if (!p || !c->super_admin || !strcmp(p, c->project ? c->project : "")) {
		snprintf(project, 37, "%s", c->project ? c->project : "");
		return 0;
	}
	char name[PROJECT_NAME_SIZE];
	if (!crypto_is_uuid(p))
		return refuse(err, 400, "Invalid meta.project", "meta.project");
	if (projects_name(p, name, sizeof name) < 0)
		return -1;
	if (!name[0])
		return refuse(err, 400, "Invalid meta.project", "meta.project");
	snprintf(project, 37, "%s", p);
	return 0;
}

/* The checked resource as the caller's policy sees it: type, id, meta of the project. */
static json_t *candidate(json_t *checked, const char *type, const char *id, const char *project, bool global)
{
	json_t *r = json_deep_copy(checked);
	json_object_set_new(r, "resourceType", json_string(type));
	if (id)
		json_object_set_new(r, "id", json_string(id));
	json_object_set_new(r, "meta", global ? json_object() : json_pack("{s:s}", "project", project));
	return r;
}

static int create(const struct resource_caller *c, const char *type, json_t *body, json_t **out,
		  struct refusal *err)
{
	*out = NULL;
	const struct resource_store *s = resources_store(type);
	if (!s)
		return not_found(err);
	if (!accesspolicy_allows_type(c->policy, type, AP_CREATE) || !s->insert || !s->check ||
	    (s->global && !c->super_admin))
		return forbidden(err);
	char project[37];
	int rc = body_names(body, type, NULL, err);
	if (rc == 0)
		rc = known_fields(s, body, err);
	if (rc == 0)
		rc = create_project(c, body, project, err);
	json_t *checked = NULL;
	if (rc == 0)
		rc = s->check(body, NULL, project, &checked, err);
	if (rc != 0)
		return rc;
	json_t *cand = candidate(checked, type, NULL, project, s->global);
	bool ok = accesspolicy_allows(c->policy, type, cand, AP_CREATE);
	json_decref(cand);
	if (!ok) {
		json_decref(checked);
		return forbidden(err);
	}
	char id[37] = "";
	json_t *once = NULL;
	/* The event joins the store's transaction, if it has one; the id is known only once the
	 * store has made it (PROTOCOL.md §11.4). */
	audit_stage_late(&(struct audit_event){ .type = AUDIT_RESOURCE_CREATED, .project_id = s->global ? NULL : project },
			 s->type, id);
	rc = s->insert(project, checked, id, &once, err);
	json_decref(checked);
	if (rc == 0)
		rc = audit_staged_write();
	else
		audit_staged_forget();
	if (rc == 0 && (rc = s->get(id, out)) == 0) {
		hand_out(c, type, *out, NULL);
		if (once)
			json_object_update(*out, once);
	}
	json_decref(once);
	return rc;
}

/* The version a client holds, from If-Match (W/"v" or "v" or v). */
static void version_of(const char *if_match, char out[64])
{
	out[0] = '\0';
	if (!if_match)
		return;
	const char *p = if_match;
	if (!strncmp(p, "W/", 2))
		p += 2;
	size_t n = strlen(p);
	if (n >= 2 && p[0] == '"' && p[n - 1] == '"') {
		p++;
		n -= 2;
	}
	if (n < 64) {
		memcpy(out, p, n);
		out[n] = '\0';
	}
}

/* The store's update (resource) or delete (NULL), with its event staged so that it joins
 * the store's transaction, if it has one, or is written right after the change. */
static int write_audited(const struct resource_store *s, const char *id, const char *project, json_t *resource,
			 const char *version, struct refusal *err)
{
	char entity[128];
	snprintf(entity, sizeof entity, "%s/%s", s->type, id);
	audit_stage(&(struct audit_event){ .type = resource ? AUDIT_RESOURCE_UPDATED : AUDIT_RESOURCE_DELETED,
					   .project_id = s->global || !*project ? NULL : project, .entity = entity });
	int rc = resource ? s->update(id, version, resource, err) : s->remove(id, version, err);
	if (rc == 0)
		return audit_staged_write();
	audit_staged_forget();
	return rc;
}

static int write_once(const struct resource_caller *c, const struct resource_store *s, const char *id,
		      const char *if_match, json_t *body, json_t **out, struct refusal *err)
{
	json_t *stored;
	int rc = load_readable(c, s, id, &stored, err);
	if (rc != 0)
		return rc;
	char version[64], held[64];
	snprintf(version, sizeof version, "%s", meta_str(stored, "versionId") ? meta_str(stored, "versionId") : "");
	version_of(if_match, held);
	if (if_match && strcmp(held, version)) {
		json_decref(stored);
		return refuse(err, 412, "Precondition Failed", NULL);
	}
	unsigned op = body ? AP_UPDATE : AP_DELETE;
	/* A resource reached through a link (a User of a member) is read, never written, there. */
	if (!in_reach(c, s, stored) || !accesspolicy_allows(c->policy, s->type, stored, op)) {
		json_decref(stored);
		return forbidden(err);
	}
	char proj[37];
	snprintf(proj, sizeof proj, "%s", meta_str(stored, "project") ? meta_str(stored, "project") : "");
	if (!body) {
		json_decref(stored);
		return write_audited(s, id, proj, NULL, version, err);
	}
	/* Hidden and read-only fields keep their stored values: never read, never changed. */
	json_t *wanted = json_deep_copy(body);
	accesspolicy_restore(c->policy, s->type, wanted, stored);
	json_t *checked = NULL;
	rc = s->check(wanted, stored, proj, &checked, err);
	json_decref(wanted);
	json_decref(stored);
	if (rc != 0)
		return rc;
	/* The result must still be the caller's to write (criteria cannot be escaped). */
	json_t *cand = candidate(checked, s->type, id, proj, s->global);
	bool ok = accesspolicy_allows(c->policy, s->type, cand, AP_UPDATE);
	json_decref(cand);
	if (!ok) {
		json_decref(checked);
		return forbidden(err);
	}
	rc = write_audited(s, id, proj, checked, version, err);
	json_decref(checked);
	if (rc == 0 && (rc = s->get(id, out)) == 0)
		hand_out(c, s->type, *out, NULL);
	return rc;
}

static int write(const struct resource_caller *c, const char *type, const char *id, const char *if_match,
		 json_t *body, json_t **out, struct refusal *err)
{
	const struct resource_store *s = resources_store(type);
	if (!s)
		return not_found(err);
	if (!accesspolicy_allows_type(c->policy, type, body ? AP_UPDATE : AP_DELETE) ||
	    (body ? !s->update || !s->check : !s->remove))
		return forbidden(err);
	int rc = body ? body_names(body, type, id, err) : 0;
	if (rc == 0 && body)
		rc = known_fields(s, body, err);
	for (int attempt = 0; rc == 0 && attempt < ATTEMPTS; attempt++) {
		rc = write_once(c, s, id, if_match, body, out, err);
		if (rc != 2)
			return rc;
		/* The row changed between the read and the write: with If-Match that is the
		 * client's conflict, else read it again and decide again. */
		if (if_match)
			return refuse(err, 412, "Precondition Failed", NULL);
		rc = 0;
	}
	return rc == 0 ? refuse(err, 409, "Concurrent update", NULL) : rc;
}

/* A refused write is recorded at once (PROTOCOL.md §11.4): what was tried, on what, and why.
 * The type and id are the caller's text: named only when they are a served type and an id's
 * shape, so nothing else reaches the event. */
static int refused(const char *event, const char *type, const char *id, const struct refusal *err)
{
	char entity[128] = "", reason[300];
	const struct resource_store *s = resources_store(type);
	if (s)
		snprintf(entity, sizeof entity, "%s%s%s", s->type, id ? "/" : "",
			 id && (crypto_is_uuid(id) || crypto_is_hex(id, LOGIN_REF_LEN)) ? id : "");
	snprintf(reason, sizeof reason, "%d %s", err->status, err->text ? err->text : "");
	/* A refusal stays a refusal when its record cannot be written (audit_write logs it). */
	audit_write(&(struct audit_event){ .type = event, .reason = reason, .entity = entity[0] ? entity : NULL });
	return 1;
}

int resources_create(const struct resource_caller *c, const char *type, json_t *body, json_t **out,
		     struct refusal *err)
{
	int rc = create(c, type, body, out, err);
	return rc == 1 ? refused(AUDIT_RESOURCE_CREATE_REFUSED, type, NULL, err) : rc;
}

int resources_update(const struct resource_caller *c, const char *type, const char *id, const char *if_match,
		     json_t *body, json_t **out, struct refusal *err)
{
	*out = NULL;
	int rc = write(c, type, id, if_match, body, out, err);
	return rc == 1 ? refused(AUDIT_RESOURCE_UPDATE_REFUSED, type, id, err) : rc;
}

int resources_delete(const struct resource_caller *c, const char *type, const char *id, const char *if_match,
		     struct refusal *err)
{
	json_t *unused = NULL;
	int rc = write(c, type, id, if_match, NULL, &unused, err);
	return rc == 1 ? refused(AUDIT_RESOURCE_DELETE_REFUSED, type, id, err) : rc;
}
