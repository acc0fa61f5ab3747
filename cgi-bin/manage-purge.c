/* POST /admin/super/purge: a super admin deletes logins or audit events older than a date. */
#include "manage-api.h"
#include "domain/audit.h"
#include "core/db.h"
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
	if (super_only(req))
		return 0;
	char before[20];
	fhir_datetime_utc(req_param(req, "before"), before);
	audit_change(AUDIT_PURGE, NULL, NULL, NULL);
	const char *sql = !strcmp(req_param(req, "resourceType"), "Login")
				  ? "DELETE FROM login WHERE updated_at < ? LIMIT 5000"
				  : "DELETE FROM audit_event WHERE recorded < ? LIMIT 5000";
	/* In batches, so a large purge never holds long locks on a busy table. */
	unsigned long long n;
	do {
		if (db_exec(&n, sql, "s", before) < 0)
			return -1;
	} while (n == 5000);
	send_all_ok(req);
	return 0;
}

/* ---- input tables ---- */

const struct input purge_inputs[] = {
	{ "resourceType", IN_TOKEN, true, 16, "Invalid resource type", purge_type_ok },
	{ "before", IN_TOKEN, true, 40, "Invalid before date", before_ok },
	{ 0 },
};
