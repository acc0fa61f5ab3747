/* SPDX-License-Identifier: BSD-2-Clause */
/* POST /admin/super/purge: a super admin deletes logins or audit events older than a date. */
#include "manage-api.h"
#include "domain/audit.h"
#include "domain/login.h"
#include "core/fhir.h"
#include "http/request.h"
#include "http/response.h"

#include <string.h>

/* ---- POST /admin/super/purge ---- */

static bool before_ok(const char *v)
{
	char utc[20];
	return fhir_datetime_utc(v, utc);
}

static bool purge_type_ok(const char *v)
{
	return !strcmp(v, "AuditEvent") || !strcmp(v, "Login");
}

int super_purge(struct request *req)
{
	char before[20];
	fhir_datetime_utc(req_param(req, "before"), before);
	audit_change(AUDIT_PURGE, NULL, NULL, NULL);
	int rc = !strcmp(req_param(req, "resourceType"), "Login") ? login_purge(before) : audit_purge(before);
	if (rc < 0)
		return -1;
	send_all_ok(req);
	return 0;
}

/* ---- input tables ---- */

const struct input purge_inputs[] = {
	{ "resourceType", IN_TOKEN, true, 16, "Invalid resource type", purge_type_ok },
	{ "before", IN_TOKEN, true, 40, "Invalid before date", before_ok },
	{ 0 },
};
