/* SPDX-License-Identifier: BSD-2-Clause */
/* manage-audit: GET /admin/projects/:projectId/audit (see manage-audit.c). */
#ifndef TESSERA_MANAGE_AUDIT_H
#define TESSERA_MANAGE_AUDIT_H
#include "http/input.h"

struct request;

extern const struct input manage_audit_inputs[];
int manage_audit_list(struct request *req);

#endif
