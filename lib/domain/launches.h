/* SPDX-License-Identifier: BSD-2-Clause */
/* launches: SmartAppLaunch rows, the launch contexts an EHR hands a SMART app: its patient (a
 * Patient of the same project) and encounter, which the token response carries (§2, §11.2). */
#ifndef TESSERA_LAUNCHES_H
#define TESSERA_LAUNCHES_H
#include "domain/store.h"

/* 0 a launch with this id exists in the project (any project when NULL or ""), 1 none: a
 * launch of another project is no launch for this sign-in (PROTOCOL.md §11.2). -1 database
 * failure. */
int launches_exists(const char *id, const char *project);

/* SmartAppLaunch resources for the resource API. */
extern const struct resource_store launches_store;

#endif
