/* SPDX-License-Identifier: BSD-2-Clause */
/* auditevents: AuditEvent resources for the resource API (PROTOCOL.md §11.4): read and search
 * only. The events are read where their rows are (login_audit_search, login_audit_get: the
 * trail reads the Login rows, so it stands in their owner) and shaped by audit.c
 * (audit_event_resource); this module joins the two, which cannot include each other (login
 * records its revocations through audit). Search in SQL: type (or subtype), date with ge, gt,
 * le, lt (each once), entity, agent or user, _count, _offset, _sort; any other parameter is
 * 400. */
#ifndef TESSERA_AUDITEVENTS_H
#define TESSERA_AUDITEVENTS_H
#include "domain/store.h"

extern const struct resource_store audit_store;

#endif
