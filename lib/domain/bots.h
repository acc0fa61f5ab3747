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

#endif
