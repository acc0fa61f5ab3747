/* SPDX-License-Identifier: BSD-2-Clause */
/* bots: Bot resources for the resource API (PROTOCOL.md §11.5), in their project: name,
 * description, identifier, runtimeVersion, sourceCode, executableCode, cronString, timeout.
 * A Bot created through the API gets a secret, handed out once in the create's answer (like a
 * ClientApplication's) and kept only as its keyed hash; it is never returned again. Deleting a
 * Bot deletes its memberships and revokes its sessions. */
#ifndef TESSERA_BOTS_H
#define TESSERA_BOTS_H
#include "domain/store.h"

extern const struct resource_store bots_store;

/* A new secret for the project's bot (the admin pages, PROTOCOL.md §9.3): the earlier one stops
 * working now; secret_out (64 hex digits) is shown once, only its keyed hash is kept. 0, 1 no
 * such bot in this project, -1. */
int bots_rotate_secret(const char *project, const char *id, char secret_out[65]);

#endif
