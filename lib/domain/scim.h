/* SPDX-License-Identifier: BSD-2-Clause */
/* scim: SCIM 2.0 Users (RFC 7643 §4.1, RFC 7644; PROTOCOL.md §10) over Tessera's rows. A SCIM User
 * is a project membership of a User (id = the membership's id) with its user's name and email:
 * the directory's client lists, finds (filter), creates, reads, replaces, patches and deletes
 * (deprovisions) them, always inside its own project. Deactivation ends the member's sessions in
 * the same transaction. Every function answers 0 (out filled), 1 refused (err filled with the
 * status, scimType and text), -1 failure. */
#ifndef TESSERA_SCIM_H
#define TESSERA_SCIM_H
#include "core/refusal.h"
#include <jansson.h>

struct auth;

#define SCIM_MAX_COUNT 1000          /* Users in one page */
#define SCIM_DEFAULT_COUNT 100
#define SCIM_MAX_START 1000000       /* the largest startIndex */

/* The project a caller provisions: a ClientApplication whose membership is a project admin, in
 * its own project only. Anyone else (users included) is refused 403. */
int scim_caller_project(struct auth *a, char project[37], struct refusal *err);

/* GET /Users: filter (NULL: all), startIndex and count as sent (NULL: defaults). */
int scim_list(const char *project, const char *filter, const char *start_index, const char *count, json_t **out,
	      struct refusal *err);
int scim_get(const char *project, const char *id, json_t **out, struct refusal *err);
int scim_create(const char *project, json_t *body, json_t **out, struct refusal *err);
int scim_replace(const char *project, const char *id, json_t *body, json_t **out, struct refusal *err);
int scim_patch(const char *project, const char *id, json_t *body, json_t **out, struct refusal *err);
int scim_delete(const char *project, const char *id, struct refusal *err);

#endif
