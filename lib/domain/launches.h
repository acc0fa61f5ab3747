/* SPDX-License-Identifier: BSD-2-Clause */
/* launches: SmartAppLaunch rows, the launch contexts an EHR hands a SMART app: its patient (a
 * Patient of the same project) and encounter, which the token response carries (§2, §11.2). */
#ifndef TESSERA_LAUNCHES_H
#define TESSERA_LAUNCHES_H
#include "domain/store.h"

/* 0 a launch with this id exists, 1 none, -1 database failure. */
int launches_exists(const char *id);

/* SmartAppLaunch resources for the resource API. */
extern const struct resource_store launches_store;

#endif
