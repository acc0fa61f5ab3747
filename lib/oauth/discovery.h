/* SPDX-License-Identifier: BSD-2-Clause */
/* discovery: what Tessera implements, as tables. The token program dispatches on the grant
 * table and the well-known documents are generated from the same tables, so what is
 * advertised is exactly what works. */
#ifndef TESSERA_DISCOVERY_H
#define TESSERA_DISCOVERY_H
#include <jansson.h>

extern const char *const grant_types_supported[];
extern const char *const token_auth_methods_supported[];
extern const char *const signing_algs_supported[];
extern const char *const scopes_supported[];
extern const char *const code_challenge_methods_supported[];

json_t *discovery_openid_configuration(void);
json_t *discovery_smart_configuration(void);
/* NULL-terminated list → JSON array */
json_t *discovery_list(const char *const *items);

#endif
