/* SPDX-License-Identifier: BSD-2-Clause */
/* launches: SmartAppLaunch rows, the launch contexts an EHR hands a SMART app. */
#ifndef TESSERA_LAUNCHES_H
#define TESSERA_LAUNCHES_H

/* 0 a launch with this id exists, 1 none, -1 database failure. */
int launches_exists(const char *id);

#endif
