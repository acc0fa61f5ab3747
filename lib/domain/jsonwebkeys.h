/* SPDX-License-Identifier: BSD-2-Clause */
/* jsonwebkeys: the signing keys as JsonWebKey resources for the resource API (PROTOCOL.md
 * §11.5), super admins only, read and search only: id (the kid), alg, use, active, the
 * public parts (kty, crv, x, y or n, e) while the key still verifies, and when it was
 * created, retired and expires. Never the private key. Keys are made and retired by the
 * operator (`tessera-admin keys rotate`), not through the API: create, update and delete are
 * refused (403). */
#ifndef TESSERA_JSONWEBKEYS_H
#define TESSERA_JSONWEBKEYS_H
#include "domain/store.h"

extern const struct resource_store jsonwebkeys_store;

#endif
