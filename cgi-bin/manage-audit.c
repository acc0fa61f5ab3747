/* SPDX-License-Identifier: BSD-2-Clause */
/* GET /admin/projects/:projectId/audit: a project's security events as a FHIR searchset
 * Bundle of AuditEvent resources, newest first.
 *
 * Three sources, one list: audit_event rows (lib/audit.c), the login rows the hot paths
 * already write, and the per-minute client_credentials counts (client_grant_minute). A login row is a sign-in (auth_method password) or a client_credentials
 * token (auth_method client) at created_at; its granted_at is the authorization_code token
 * and its refreshed_at the latest refresh_token grant (refresh_count of them). Reading them
 * here, rather than writing an audit row per token, keeps client_credentials at one durable
 * write. A Login is named by its reference (login_ref), never its id, which is a bearer
 * secret while its sign-in is in progress. Filters: type, user (the agent: "Type/id" or id),
 * since and until (ISO dates, since inclusive, until exclusive), _count (1..1000, default
 * 100) and _offset. */
#include "manage-audit.h"
#include "manage-api.h"
#include "domain/admin.h"
#include "domain/audit.h"
#include "domain/login.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/db.h"
#include "core/fhir.h"
#include "http/redirect.h"
#include "http/request.h"
#include "http/response.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* ---- inputs ---- */

static bool type_ok(const char *v)
{
	return audit_type_known(v);
}

/* "Practitioner/<uuid>" or "<uuid>"; the id is what is compared. */
const char *manage_audit_user_id(const char *v)
{
	const char *slash = v ? strchr(v, '/') : NULL;
	return slash ? slash + 1 : v;
}

bool manage_audit_user_ok(const char *v)
{
	return crypto_is_uuid(manage_audit_user_id(v));
}

bool manage_audit_date_ok(const char *v)
{
	char utc[20];
	return fhir_datetime_utc(v, utc);
}

static bool number_between(const char *v, long lo, long hi)
{
	char *end;
	long n = strtol(v, &end, 10);
	return v[0] >= '0' && v[0] <= '9' && !*end && strlen(v) <= 7 && n >= lo && n <= hi;
}

static bool count_ok(const char *v)
{
	return number_between(v, 1, 1000);
}

static bool offset_ok(const char *v)
{
	return number_between(v, 0, 1000000);
}

const struct input manage_audit_inputs[] = {
	{ "type", IN_TOKEN, false, 64, "Invalid type", type_ok },
	{ "user", IN_TOKEN, false, 80, "Invalid user", manage_audit_user_ok },
	{ "since", IN_TOKEN, false, 40, "Invalid since date", manage_audit_date_ok },
	{ "until", IN_TOKEN, false, 40, "Invalid until date", manage_audit_date_ok },
	{ "_count", IN_TOKEN, false, 7, "Invalid _count", count_ok },
	{ "_offset", IN_TOKEN, false, 7, "Invalid _offset", offset_ok },
	{ 0 },
};

/* A login id is a bearer secret of its sign-in (issue 14): admins see its reference
 * (login_ref), the same for every event of that login. "Login/<id>" → "Login/<ref>". */
void manage_audit_login_reference(const char *id, char *out, size_t outlen)
{
	char ref[LOGIN_REF_LEN + 1];
	login_ref(id, ref);
	snprintf(out, outlen, "Login/%s", ref);
}

/* ---- the bundle ---- */

static json_t *page_link(const struct request *req, const char *project, const char *relation, long offset, long count)
{
	char base[2200], n[24], o[24];
	snprintf(base, sizeof base, "%sadmin/projects/%s/audit", cfg.base_url, project);
	snprintf(n, sizeof n, "%ld", count);
	snprintf(o, sizeof o, "%ld", offset);
	struct url_builder u;
	url_start(&u, base);
	static const char *const kept[] = { "type", "user", "since", "until", NULL };
	for (int i = 0; kept[i]; i++)
		url_param(&u, kept[i], req_param(req, kept[i]));
	url_param(&u, "_count", n);
	url_param(&u, "_offset", o);
	json_t *link = url_get(&u) ? json_pack("{s:s, s:s}", "relation", relation, "url", url_get(&u)) : NULL;
	url_free(&u);
	return link;
}

static json_t *bundle_of(const struct request *req, const struct db_result *r, const char *project, long offset,
			 long count)
{
	json_t *entries = json_array(), *links = json_array();
	unsigned shown = r->nrows > (unsigned)count ? (unsigned)count : r->nrows;
	for (unsigned i = 0; i < shown; i++)
		json_array_append_new(entries, json_pack("{s:o}", "resource", audit_event_resource(r, i)));
	json_array_append_new(links, page_link(req, project, "self", offset, count));
	if (r->nrows > (unsigned)count)
		json_array_append_new(links, page_link(req, project, "next", offset + count, count));
	if (offset > 0)
		json_array_append_new(links, page_link(req, project, "previous", offset > count ? offset - count : 0, count));
	return json_pack("{s:s, s:s, s:o, s:o}", "resourceType", "Bundle", "type", "searchset", "link", links, "entry",
			 entries);
}

int manage_audit_list(struct request *req)
{
	const char *project = req->admin_project;
	char since[20], until[20];
	const char *type = param_or_null(req, "type"), *user = manage_audit_user_id(param_or_null(req, "user"));
	const char *s = param_or_null(req, "since") && fhir_datetime_utc(req_param(req, "since"), since) ? since : NULL;
	const char *u = param_or_null(req, "until") && fhir_datetime_utc(req_param(req, "until"), until) ? until : NULL;
	long count = param_or_null(req, "_count") ? atol(req_param(req, "_count")) : 100;
	long offset = param_or_null(req, "_offset") ? atol(req_param(req, "_offset")) : 0;
	struct db_result r;
	/* One row more than the page: its presence is the next link. */
	if (login_audit_search(&(struct audit_filter){ .project_id = project, .type = type, .agent_id = user, .since = s,
						       .until = u },
			       count + 1, offset, &r) < 0)
		return -1;
	json_t *b = bundle_of(req, &r, project, offset, count);
	db_result_free(&r);
	if (!b)
		return -1;
	send_fhir(req, 200, b);
	return 0;
}
