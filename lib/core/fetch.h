/* SPDX-License-Identifier: BSD-2-Clause */
/* fetch: the server's own outgoing HTTP requests to upstream services (an identity provider's
 * token, userinfo and discovery endpoints, a JWKS) with libcurl, under one policy so the server
 * is no open proxy into its own network (SSRF):
 *  - https only, unless upstream_allow_http;
 *  - every address actually connected to (after DNS, so rebinding cannot dodge it) must be
 *    public: loopback, private, link-local, CGNAT, multicast and reserved ranges are refused
 *    unless they fall in upstream_allow_networks (CIDR list; the test stack allows loopback);
 *  - no proxy from the environment, no redirects followed, no other protocol;
 *  - connect and total timeouts (upstream_connect_timeout_ms, upstream_timeout_ms) and a
 *    response size cap (upstream_max_bytes), so a hanging or flooding upstream cannot hold a
 *    FastCGI process.
 * Verdicts: 0 an answer came (any HTTP status: out->status), 1 refused (err: 502 unreachable,
 * refused address or scheme, oversized; 504 timed out), -1 failure (out of memory). */
#ifndef TESSERA_FETCH_H
#define TESSERA_FETCH_H
#include "core/refusal.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct sockaddr;

struct fetch_reply {
	long status;          /* the HTTP status of the answer */
	char *body;           /* NUL-terminated (the NUL is not counted in len); malloc'd */
	size_t len;
	char *content_type;   /* the Content-Type header's value, or NULL; malloc'd */
};

/* The refusal texts (callers that speak a wire contract replace them with its own). */
#define FETCH_TIMEOUT "Upstream server did not answer in time"
#define FETCH_UNREACHABLE "Upstream server unreachable"
#define FETCH_ADDRESS_REFUSED "Upstream address not allowed"
#define FETCH_SCHEME_REFUSED "Upstream URL must use https"
#define FETCH_TOO_LARGE "Upstream response too large"

/* GET url with Accept: application/json, and Authorization: Bearer <bearer> when bearer is set. */
int fetch_get(const char *url, const char *bearer, struct fetch_reply *out, struct refusal *err);
/* POST an application/x-www-form-urlencoded body (already encoded); with basic_user, HTTP Basic
 * of the form-encoded user and secret (RFC 6749 §2.3.1, client_secret_basic). */
int fetch_post_form(const char *url, const char *form, const char *basic_user, const char *basic_secret,
		    struct fetch_reply *out, struct refusal *err);
void fetch_reply_free(struct fetch_reply *r);
/* fetch_get of a JSON document: *out the parsed object when the answer is 200 and a JSON object,
 * else NULL (*status, when not NULL, says what came). 0 an answer came, 1 refused, -1. */
int fetch_get_json(const char *url, const char *bearer, json_t **out, long *status, struct refusal *err);

/* The address policy alone (for tests and for callers that check a literal address): true when
 * the address may be connected to under the configuration. */
bool fetch_address_allowed(const struct sockaddr *sa);
/* The URL policy alone: true when its scheme is allowed (https, or http with upstream_allow_http). */
bool fetch_url_allowed(const char *url);
/* The host of a URL as curl will connect to it (curl's URL parser: a numeric IPv4 host in any
 * form is normalised to a.b.c.d, an IPv6 literal keeps its brackets), malloc'd; NULL when the
 * URL does not parse. No network. The logs name upstreams by it; tests/fuzz/fuzz_fetchpolicy
 * holds it to the address policy. */
char *fetch_url_host(const char *url);

#endif
