/* SPDX-License-Identifier: BSD-2-Clause */
/* shape: checks of the members of a resource body sent to the resource API, shared by the
 * owners of the tables: each returns false when the member is present with the wrong shape
 * (absent and null are fine, *out then NULL / unchanged). */
#ifndef TESSERA_SHAPE_H
#define TESSERA_SHAPE_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* A string of 1..max characters (code points) without control characters. */
bool shape_string(json_t *o, const char *key, size_t max, const char **out);
/* A boolean: *out 0/1, or left as it is when absent. */
bool shape_bool(json_t *o, const char *key, int *out);
/* An absolute http(s) URI of at most 2048 bytes. */
bool shape_uri(json_t *o, const char *key, const char **out);
/* An array of at most max_items strings, each accepted by ok (NULL: any one-line text of at most
 * max_len bytes); *out the array (borrowed) or NULL. */
bool shape_strings(json_t *o, const char *key, size_t max_items, size_t max_len, bool (*ok)(const char *),
		   json_t **out);
/* {"reference": "<type>/<uuid>"}: id_out filled ("" when absent). */
bool shape_reference(json_t *o, const char *key, const char *type, char id_out[37]);
/* identifier[]: at most max Identifiers {system?: URI-like text, value: text} (each at most 255
 * characters; use, type and period are not kept); *out a clean copy (new reference) or NULL. */
bool shape_identifiers(json_t *o, const char *key, size_t max, json_t **out);
/* An IdentityProvider (§2): authorizeUrl, tokenUrl, userInfoUrl (URIs), clientId,
 * clientSecret, tokenAuthMethod (client_secret_basic|client_secret_post), usePkce,
 * useSubject; *out a clean copy (new reference) or NULL when absent. */
bool shape_identity_provider(json_t *o, const char *key, json_t **out);

#endif
