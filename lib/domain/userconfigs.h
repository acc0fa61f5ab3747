/* SPDX-License-Identifier: BSD-2-Clause */
/* userconfigs: UserConfiguration resources for the resource API (PROTOCOL.md §11.5), in their
 * project: name, menu [{title, link [{name, target}]}], search [{name, criteria}], option [{id,
 * value[x]}]. Kept as sent once checked: objects of short texts, booleans and integers, arrays
 * of at most 100 of them, at most 64 KiB in all; a membership names one by reference. */
#ifndef TESSERA_USERCONFIGS_H
#define TESSERA_USERCONFIGS_H
#include "domain/store.h"

extern const struct resource_store userconfigs_store;

#endif
