/* SPDX-License-Identifier: BSD-2-Clause */
/* auditevents: the AuditEvent store (see auditevents.h). */
#include "domain/auditevents.h"
#include "core/crypto.h"
#include "core/db.h"
#include "core/fhir.h"
#include "domain/audit.h"
#include "domain/login.h"

#include <string.h>

static json_t *events_of(const struct db_result *r)
{
	json_t *list = json_array();
	for (unsigned i = 0; i < r->nrows; i++)
		json_array_append_new(list, audit_event_resource(r, i));
	return list;
}

/* An event by its id: an audit_event row's, or "<login ref>.<signin|code|refresh>". The
 * per-minute client_credentials counts are found by search only. */
static int event_get(const char *id, json_t **out)
{
	*out = NULL;
	char ref[CRYPTO_REF_LEN + 1] = "";
	size_t n = strlen(id);
	if (!crypto_is_uuid(id) && (n <= CRYPTO_REF_LEN || id[CRYPTO_REF_LEN] != '.' || n > CRYPTO_REF_LEN + 8))
		return 1;
	if (!crypto_is_uuid(id)) {
		memcpy(ref, id, CRYPTO_REF_LEN);
		if (!crypto_is_hex(ref, CRYPTO_REF_LEN))
			return 1;
	}
	struct db_result r;
	if (login_audit_get(id, ref, &r) < 0)
		return -1;
	if (r.nrows)
		*out = audit_event_resource(&r, 0);
	db_result_free(&r);
	return *out ? 0 : 1;
}

/* The date parameter: ge, gt, le or lt and an ISO date; each bound once. */
static int date_bound(const char *v, struct audit_filter *f, char bounds[4][20], struct refusal *err)
{
	static const char *const prefixes[] = { "ge", "gt", "le", "lt" };
	const char **slot[] = { &f->since, &f->after, &f->through, &f->until };
	for (int i = 0; v && i < 4; i++)
		if (!strncmp(v, prefixes[i], 2) && !*slot[i] && fhir_datetime_utc(v + 2, bounds[i])) {
			*slot[i] = bounds[i];
			return 0;
		}
	return refuse(err, 400, "Invalid date", "date");
}

/* "Type/id" or an id: the id. */
static const char *reference_id(const char *v)
{
	const char *slash = strrchr(v, '/');
	return slash ? slash + 1 : v;
}

static int filter_of(json_t *params, struct audit_filter *f, char bounds[4][20], struct refusal *err)
{
	const char *k;
	json_t *v;
	json_object_foreach(params, k, v) {
		const char *s = json_string_value(v);
		if (!strcmp(k, "date")) {
			size_t i;
			json_t *d;
			if (s && date_bound(s, f, bounds, err))
				return 1;
			json_array_foreach(v, i, d) if (date_bound(json_string_value(d), f, bounds, err)) return 1;
		} else if (!s) {
			return refuse(err, 400, "Repeated search parameter", k);
		} else if (!strcmp(k, "type") || !strcmp(k, "subtype")) {
			if (!audit_type_known(s) || (f->type && strcmp(f->type, s)))
				return refuse(err, 400, "Invalid type", k);
			f->type = s;
		} else if (!strcmp(k, "agent") || !strcmp(k, "user")) {
			if (!crypto_is_uuid(reference_id(s)) || (f->agent_id && strcmp(f->agent_id, reference_id(s))))
				return refuse(err, 400, "Invalid agent", k);
			f->agent_id = reference_id(s);
		} else if (!strcmp(k, "entity")) {
			if (strlen(s) > 80 || !strchr(s, '/'))
				return refuse(err, 400, "Invalid entity", k);
			f->entity = s;
		} else {
			return refuse(err, 400, "Unknown search parameter", k);
		}
	}
	return 0;
}

static int event_search(const char *project, const struct resource_search *q, json_t **out, struct refusal *err)
{
	*out = NULL;
	char bounds[4][20];
	struct audit_filter f = { .project_id = project, .oldest_first = q->oldest_first };
	if (filter_of(q->params, &f, bounds, err))
		return 1;
	struct db_result r;
	if (login_audit_search(&f, q->count, q->offset, &r) < 0)
		return -1;
	*out = events_of(&r);
	db_result_free(&r);
	return 0;
}

/* Read and search only: events are written by what they record, never through the API. */
const struct resource_store audit_store = {
	.type = "AuditEvent",
	.get = event_get,
	.search = event_search,
};
