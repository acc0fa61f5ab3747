/* SPDX-License-Identifier: BSD-2-Clause */
/* secreq: UserSecurityRequest rows (PROTOCOL.md §2, §6.14, §13): the invite, password reset and
 * email verification links <app_base_url>setpassword/<id>/<secret>. A request is single use,
 * expires (reset 1 hour, invite and verify-email 7 days), and a new one supersedes the older
 * unused requests of the same type for that user (invites: of that user and project). Only a
 * keyed hash of the 128-bit secret is stored (HMAC-SHA256 under hash_key), compared in
 * constant time. */
#ifndef TESSERA_SECREQ_H
#define TESSERA_SECREQ_H
#include "core/refusal.h"
#include "domain/store.h"
#include <stdbool.h>
#include <stddef.h>

#define SECREQ_SECRET_LEN 32 /* hex characters */
/* A link's buffer: app_base_url (a longer one makes secreq_link fail) + "setpassword/" + id +
 * "/" + secret. */
#define SECREQ_LINK_LEN (4096 + 12 + 36 + 1 + SECREQ_SECRET_LEN + 1)

struct secreq {
	char id[37];
	char type[16];             /* invite | reset | verify-email */
	char user_id[37];
	char project_id[37];       /* the user's project; empty for server-scoped users */
	char redirect_uri[2049];
};


/* Creates a request of type for the user; writes its id and the secret (32 hex, to put in
 * the link, never stored) to id_out and secret_out. Two writes (supersede, insert): call it
 * inside the caller's transaction, which also holds the email that carries the link.
 * reset and verify-email requests are limited to account_email_limit per user per hour (the
 * user's row is locked to count): beyond it nothing is written, nothing superseded.
 * Returns 0, 1 limited, or -1 on a database failure. */
int secreq_create(const char *type, const char *user_id, const char *project_id, const char *redirect_uri,
		  char id_out[37], char secret_out[SECREQ_SECRET_LEN + 1]);

/* The link an email carries: <app_base_url>verifyemail/<id>/<secret> for verify-email,
 * <app_base_url>setpassword/<id>/<secret> for invite and reset. Templates get only this
 * {{link}}, never the id or the secret, so a project's template cannot send them elsewhere
 * on their own. 0, or -1 when out is too small. */
int secreq_link(const char *type, const char *id, const char *secret, char *out, size_t outlen);

/* What a route accepts: the types (NULL-terminated), the text for another type, and whether
 * the type is judged before "Already used" (/auth/verifyemail) or after it (/auth/setpassword). */
struct secreq_want {
	const char *const *types;
	const char *wrong_type_text;
	bool type_first;
};

/* Checks a request presented with its secret, in Medplum's order: unknown → 404; used →
 * "Already used" and a type not wanted → want->wrong_type_text (in the route's order);
 * expired → "Expired"; wrong secret → "Incorrect secret". Reads only: the request is
 * consumed by secreq_consume, once the caller's own checks have passed.
 * Returns 0 (out filled), 1 refused (err filled), -1 on a database failure. */
int secreq_check(const char *id, const char *secret, const struct secreq_want *want, struct secreq *out,
		 struct refusal *err);

/* Marks a checked request used, if it is still unused and unexpired (one conditional UPDATE,
 * so of two concurrent redemptions only one wins). Call inside the transaction that applies
 * the change. Returns 0, 1 when it was used or expired meanwhile ("Already used"), -1. */
int secreq_consume(const char *id);

/* UserSecurityRequest resources for the resource API (PROTOCOL.md §11.4): read and search
 * only (project admins their project's, super admins all), never the secret or its hash. */
extern const struct resource_store secreq_store;

/* tessera-admin purge: deletes the requests used or expired that were made more than keep
 * seconds ago. The number deleted, or -1. */
long long secreq_purge(long long keep);

#endif
