/* SPDX-License-Identifier: BSD-2-Clause */
/* What the admin API modules of tessera-manage share: the audit event of a change, reading optional parameters, and the error answers in the shape of the input
 * tables (§1.3). */
#include "manage-api.h"
#include "domain/admin.h"
#include "domain/audit.h"
#include "domain/auth.h"
#include "core/crypto.h"
#include "domain/members.h"
#include "http/request.h"
#include "http/response.h"

#include <stdio.h>
#include <string.h>

/* ---- small helpers ---- */

/* The audit event of an admin change to entity type/id of project, written with the change. */
void audit_change(const char *event, const char *project, const char *type, const char *id)
{
	char entity[80] = "";
	if (type && id)
		snprintf(entity, sizeof entity, "%s/%s", type, id);
	audit_stage(&(struct audit_event){ .type = event, .project_id = project, .entity = entity });
}

bool param_true(const struct request *req, const char *name)
{
	const char *v = req_param(req, name);
	return v && !strcmp(v, "true");
}

const char *param_or_null(const struct request *req, const char *name)
{
	const char *v = req_param(req, name);
	return v && *v ? v : NULL;
}

/* A validation failure found by a handler, in the shape the input tables give (§1.3). */
void send_invalid(struct request *req, const char *text, const char *field)
{
	char id[37];
	crypto_uuid_v4(id);
	send_outcome(req, 400, id, "invalid", text, field);
}

/* ---- input checks ---- */

bool one_line_name(const char *v)
{
	return valid_chars_between(v, 1, 255);
}
