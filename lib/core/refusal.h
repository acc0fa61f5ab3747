/* SPDX-License-Identifier: BSD-2-Clause */
/* refusal: why a request is refused, in one shape for every layer — the status, the exact text
 * the client sees, the field at fault, the OAuth error code where the route speaks OAuth, and
 * for a limit how long to wait. A function that can refuse fills one and returns 1 (its
 * verdicts: 0 done, 1 refused, -1 failure); the handler sends it with send_refusal
 * (lib/http/refuse.h), which picks the shape of the route's error family. */
#ifndef TESSERA_REFUSAL_H
#define TESSERA_REFUSAL_H

struct refusal {
	int status;                /* 400, 401, 403, 404, 409, 410, 429 */
	const char *text;          /* a literal, or buf */
	const char *expression;    /* the field at fault, or NULL */
	const char *oauth_error;   /* "invalid_grant", ...; NULL: from the status */
	const char *scim_type;     /* SCIM's scimType (RFC 7644 §3.12: "invalidFilter", ...) or NULL */
	long long retry_ms;        /* 429: how long until the limit lifts */
	/* 429 of a counting limiter (the password delay): Medplum's rate-limiter body with the
	 * points consumed and the limit; 0 for the throttled OperationOutcome (MFA limits). */
	long long consumed, limit;
	char buf[160];
};

/* Each fills r and returns 1, so a refusing function can end with `return refuse(...)`. */
int refuse(struct refusal *r, int status, const char *text, const char *expression);
/* The same with an OAuth error code for routes that answer RFC 6749 errors. */
int refuse_oauth(struct refusal *r, int status, const char *oauth_error, const char *text);
/* The same with SCIM's scimType for the SCIM routes. */
int refuse_scim(struct refusal *r, int status, const char *scim_type, const char *text);
/* 429: text, and the wait in milliseconds; consumed and limit for a counting limiter (else 0). */
int refuse_wait(struct refusal *r, const char *text, long long retry_ms, long long consumed, long long limit);
/* The text made at run time (copied into r->buf, cut to fit). */
int refuse_copy(struct refusal *r, int status, const char *text, const char *expression);

#endif
