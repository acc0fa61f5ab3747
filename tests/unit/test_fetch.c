/* SPDX-License-Identifier: BSD-2-Clause */
/* fetch and jwks: the address and scheme policy, timeouts and the size cap against a one-shot
 * HTTP server on a loopback socket (a thread of this test; no network), and signature checks
 * against keys made here with cjose (inline sets, and a set served by that server). */
#include "tests.h"

#include "core/config.h"
#include "core/crypto.h"
#include "core/fetch.h"
#include "oauth/jwks.h"

#include <arpa/inet.h>
#include <cjose/cjose.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* The one-shot server: answers each connection with `reply` (NULL: reads and never answers). */
struct server {
	int fd;
	int port;
	const char *reply;
	int connections;
	int max_connections;
	pthread_t thread;
};

static void *serve(void *arg)
{
	struct server *s = arg;
	while (s->connections < s->max_connections) {
		int c = accept(s->fd, NULL, NULL);
		if (c < 0)
			break;
		s->connections++;
		char buf[4096];
		ssize_t n = read(c, buf, sizeof buf);
		(void)n;
		if (s->reply) {
			size_t len = strlen(s->reply), off = 0;
			while (off < len) {
				ssize_t w = write(c, s->reply + off, len - off);
				if (w <= 0)
					break;
				off += (size_t)w;
			}
		} else {
			sleep(2); /* the hanging upstream: longer than the test's timeout */
		}
		close(c);
	}
	return NULL;
}

static void server_start(struct server *s, const char *reply, int max_connections)
{
	memset(s, 0, sizeof *s);
	s->reply = reply;
	s->max_connections = max_connections;
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(s->fd, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	ck_assert_int_eq(bind(s->fd, (struct sockaddr *)&a, sizeof a), 0);
	socklen_t len = sizeof a;
	ck_assert_int_eq(getsockname(s->fd, (struct sockaddr *)&a, &len), 0);
	s->port = ntohs(a.sin_port);
	ck_assert_int_eq(listen(s->fd, 4), 0);
	ck_assert_int_eq(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void server_stop(struct server *s)
{
	shutdown(s->fd, SHUT_RDWR);
	close(s->fd);
	pthread_join(s->thread, NULL);
}

static void allow_networks(const char *list)
{
	char e[200];
	ck_assert_int_eq(config_set("upstream_allow_networks", list, e, sizeof e), 0);
}

static void setup(void)
{
	test_config_load();
	cfg.upstream_allow_http = true;
	cfg.upstream_timeout_ms = 700;
	jwks_reset_cache();
}

static void teardown(void)
{
	jwks_reset_cache();
	test_config_free();
}

static bool allowed(const char *addr)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1)
		v4->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1)
		v6->sin6_family = AF_INET6;
	else
		ck_abort_msg("bad test address %s", addr);
	return fetch_address_allowed((struct sockaddr *)&ss);
}

START_TEST(test_address_policy)
{
	const char *inside[] = { "127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
				 "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255",
				 "::1", "::", "fe80::1", "fc00::1", "fd12::3", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
				 "64:ff9b::a00:1", "2002:a00:1::1", "ff02::1",
				 /* IPv4-compatible (deprecated ::/96): fuzz_fetchpolicy's finding */
				 "::127.0.0.1", "::10.0.0.1", "::0.0.0.64", "::169.254.169.254", "::8.8.8.8" };
	for (size_t i = 0; i < sizeof inside / sizeof inside[0]; i++)
		ck_assert_msg(!allowed(inside[i]), "%s should be refused", inside[i]);
	const char *outside[] = { "8.8.8.8", "172.32.0.1", "1.1.1.1", "2606:4700::1111", "::ffff:8.8.8.8" };
	for (size_t i = 0; i < sizeof outside / sizeof outside[0]; i++)
		ck_assert_msg(allowed(outside[i]), "%s should be allowed", outside[i]);
	allow_networks("127.0.0.0/8, ::1/128,10.1.0.0/16");
	ck_assert(allowed("127.0.0.1"));
	ck_assert(allowed("::ffff:127.0.0.2"));
	ck_assert(allowed("::1"));
	ck_assert(allowed("10.1.2.3"));
	ck_assert(!allowed("10.2.0.1"));
	ck_assert(!allowed("169.254.169.254"));
	allow_networks("garbage,/8,10.0.0.0/99");
	ck_assert(!allowed("10.0.0.1"));
	allow_networks("");
}
END_TEST

START_TEST(test_url_policy)
{
	ck_assert(fetch_url_allowed("https://idp.example.com/token"));
	ck_assert(fetch_url_allowed("HTTPS://idp.example.com/token"));
	ck_assert(fetch_url_allowed("http://idp.example.com/token"));
	cfg.upstream_allow_http = false;
	ck_assert(!fetch_url_allowed("http://idp.example.com/token"));
	ck_assert(!fetch_url_allowed("file:///etc/passwd"));
	ck_assert(!fetch_url_allowed("gopher://x/"));
	ck_assert(!fetch_url_allowed(NULL));
	struct fetch_reply r;
	struct refusal err;
	ck_assert_int_eq(fetch_get("http://127.0.0.1:1/", NULL, &r, &err), 1);
	ck_assert_int_eq(err.status, 502);
	ck_assert_str_eq(err.text, FETCH_SCHEME_REFUSED);
}
END_TEST

/* Loopback is refused when not allowed, before any connection (the server sees none). */
START_TEST(test_loopback_refused)
{
	struct server s;
	server_start(&s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", 1);
	char url[64];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", s.port);
	struct fetch_reply r;
	struct refusal err;
	ck_assert_int_eq(fetch_get(url, NULL, &r, &err), 1);
	ck_assert_int_eq(err.status, 502);
	ck_assert_str_eq(err.text, FETCH_ADDRESS_REFUSED);
	snprintf(url, sizeof url, "http://localhost:%d/", s.port);
	ck_assert_int_eq(fetch_post_form(url, "a=b", NULL, NULL, &r, &err), 1);
	ck_assert_str_eq(err.text, FETCH_ADDRESS_REFUSED);
	ck_assert_int_eq(s.connections, 0);
	/* Allowed now: the one connection the server takes. */
	allow_networks("127.0.0.0/8,::1/128");
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", s.port);
	ck_assert_int_eq(fetch_get(url, "tok", &r, &err), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "{}");
	ck_assert_uint_eq(r.len, 2);
	fetch_reply_free(&r);
	server_stop(&s);
	allow_networks("");
}
END_TEST

START_TEST(test_timeout_and_size)
{
	allow_networks("127.0.0.0/8");
	struct server s;
	server_start(&s, NULL, 1);
	char url[64];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", s.port);
	struct fetch_reply r;
	struct refusal err;
	time_t t0 = time(NULL);
	ck_assert_int_eq(fetch_get(url, NULL, &r, &err), 1);
	ck_assert_int_eq(err.status, 504);
	ck_assert_str_eq(err.text, FETCH_TIMEOUT);
	ck_assert_int_le(time(NULL) - t0, 2);
	server_stop(&s);

	static char big[8192];
	int n = snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n");
	memset(big + n, 'x', 5000);
	big[n + 5000] = '\0';
	cfg.upstream_max_bytes = 4096;
	server_start(&s, big, 1);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", s.port);
	ck_assert_int_eq(fetch_post_form(url, "a=b", "id", "se:cret", &r, &err), 1);
	ck_assert_int_eq(err.status, 502);
	ck_assert_str_eq(err.text, FETCH_TOO_LARGE);
	server_stop(&s);
	/* Nothing listens on a closed port: unreachable, at once. */
	ck_assert_int_eq(fetch_get(url, NULL, &r, &err), 1);
	ck_assert_int_eq(err.status, 502);
	ck_assert_str_eq(err.text, FETCH_UNREACHABLE);
	allow_networks("");
}
END_TEST

/* A key pair made here: its public set, and a compact JWS of payload signed with it. */
static cjose_jwk_t *make_key(const char *alg)
{
	cjose_err e;
	static const uint8_t exp[] = { 1, 0, 1 };
	cjose_jwk_t *k = alg[0] == 'E' ? cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, &e)
				       : cjose_jwk_create_RSA_random(2048, exp, sizeof exp, &e);
	ck_assert_ptr_nonnull(k);
	return k;
}

static json_t *public_set(cjose_jwk_t *k, const char *kid)
{
	cjose_err e;
	char *pub = cjose_jwk_to_json(k, false, &e);
	json_t *key = json_loads(pub, 0, NULL);
	free(pub);
	json_object_set_new(key, "kid", json_string(kid));
	json_object_set_new(key, "use", json_string("sig"));
	return json_pack("{s:[o]}", "keys", key);
}

static char *sign(cjose_jwk_t *k, const char *alg, const char *kid, const char *payload)
{
	cjose_err e;
	cjose_header_t *h = cjose_header_new(&e);
	cjose_header_set(h, CJOSE_HDR_ALG, alg, &e);
	if (kid)
		cjose_header_set(h, CJOSE_HDR_KID, kid, &e);
	cjose_jws_t *jws = cjose_jws_sign(k, h, (const uint8_t *)payload, strlen(payload), &e);
	ck_assert_ptr_nonnull(jws);
	const char *ser = NULL;
	ck_assert(cjose_jws_export(jws, &ser, &e));
	char *out = strdup(ser);
	cjose_jws_release(jws);
	cjose_header_release(h);
	return out;
}

START_TEST(test_jwks_inline)
{
	cjose_jwk_t *k = make_key("ES256"), *other = make_key("ES256");
	json_t *set = public_set(k, "k1");
	char *good = sign(k, "ES256", "k1", "{\"sub\":\"a\",\"exp\":4102444800}");
	char *forged = sign(other, "ES256", "k1", "{\"sub\":\"a\"}");
	char *unknown = sign(k, "ES256", "k2", "{\"sub\":\"a\"}");
	json_t *payload = NULL;
	struct refusal err;
	ck_assert_int_eq(jwks_verify(NULL, set, good, NULL, &payload, &err), 0);
	ck_assert_str_eq(json_string_value(json_object_get(payload, "sub")), "a");
	json_decref(payload);
	ck_assert_int_eq(jwks_verify(NULL, set, forged, NULL, &payload, &err), 1);
	ck_assert_str_eq(err.text, JWKS_BAD_SIGNATURE);
	ck_assert_ptr_null(payload);
	ck_assert_int_eq(jwks_verify(NULL, set, unknown, NULL, &payload, &err), 1);
	ck_assert_str_eq(err.text, JWKS_NO_KEY);
	/* An allow-list without the token's algorithm. */
	const char *const rs_only[] = { "RS256", NULL };
	ck_assert_int_eq(jwks_verify(NULL, set, good, rs_only, &payload, &err), 1);
	ck_assert_str_eq(err.text, JWKS_ALG_REFUSED);
	/* alg none and HS256 (the public key used as an HMAC secret) never verify. */
	const char *const evil[] = { "none", "HS256", NULL };
	char *h1 = crypto_b64url_encode("{\"alg\":\"none\"}", 14);
	char none_token[256];
	snprintf(none_token, sizeof none_token, "%s.eyJzdWIiOiJhIn0.", h1);
	ck_assert_int_eq(jwks_verify(NULL, set, none_token, evil, &payload, &err), 1);
	free(h1);
	char *h2 = crypto_b64url_encode("{\"alg\":\"HS256\",\"kid\":\"k1\"}", 26);
	char hs_token[256];
	snprintf(hs_token, sizeof hs_token, "%s.eyJzdWIiOiJhIn0.c2ln", h2);
	ck_assert_int_eq(jwks_verify(NULL, set, hs_token, evil, &payload, &err), 1);
	ck_assert_str_eq(err.text, JWKS_ALG_REFUSED);
	free(h2);
	ck_assert_int_eq(jwks_verify(NULL, set, "not.a.jws", NULL, &payload, &err), 1);
	ck_assert_int_eq(jwks_verify(NULL, set, "", NULL, &payload, &err), 1);
	json_t *bad_set = json_pack("{s:s}", "keys", "x");
	ck_assert_int_eq(jwks_verify(NULL, bad_set, good, NULL, &payload, &err), 1);
	ck_assert_str_eq(err.text, JWKS_BAD_SET);
	json_decref(bad_set);
	free(good);
	free(forged);
	free(unknown);
	json_decref(set);
	cjose_jwk_release(k);
	cjose_jwk_release(other);
}
END_TEST

/* PROTOCOL.md §7.2.5: an RSA key under 2048 bits and an EC key on another curve than its
 * algorithm's never verify, whatever the signature. */
START_TEST(test_jwks_key_strength)
{
	cjose_err e;
	static const uint8_t exp[] = { 1, 0, 1 };
	json_t *payload = NULL;
	struct refusal err;
	const char *claims = "{\"sub\":\"a\"}";
	/* RSA: 1024 bits refused (its signature is good), 2048 accepted. */
	cjose_jwk_t *small = cjose_jwk_create_RSA_random(1024, exp, sizeof exp, &e), *rsa = make_key("RS256");
	ck_assert_ptr_nonnull(small);
	json_t *small_set = public_set(small, "r1"), *rsa_set = public_set(rsa, "r1");
	char *small_token = sign(small, "RS256", "r1", claims), *rsa_token = sign(rsa, "RS256", "r1", claims);
	ck_assert_int_eq(jwks_verify(NULL, small_set, small_token, NULL, &payload, &err), 1);
	ck_assert_str_eq(err.text, JWKS_WEAK_KEY);
	ck_assert_ptr_null(payload);
	ck_assert_int_eq(jwks_verify(NULL, rsa_set, rsa_token, NULL, &payload, &err), 0);
	json_decref(payload);
	payload = NULL;
	/* EC: a P-384 key for ES256 (and a P-256 key for ES384) refused; each on its own curve verifies. */
	cjose_jwk_t *p256 = make_key("ES256"), *p384 = cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_384, &e);
	ck_assert_ptr_nonnull(p384);
	json_t *p256_set = public_set(p256, "e1"), *p384_set = public_set(p384, "e1");
	char *es256 = sign(p256, "ES256", "e1", claims), *es384 = sign(p384, "ES384", "e1", claims);
	ck_assert_int_eq(jwks_verify(NULL, p384_set, es256, NULL, &payload, &err), 1);
	ck_assert_str_eq(err.text, JWKS_WEAK_KEY);
	ck_assert_int_eq(jwks_verify(NULL, p256_set, es384, NULL, &payload, &err), 1);
	ck_assert_str_eq(err.text, JWKS_WEAK_KEY);
	ck_assert_int_eq(jwks_verify(NULL, p384_set, es384, NULL, &payload, &err), 0);
	json_decref(payload);
	payload = NULL;
	ck_assert_int_eq(jwks_verify(NULL, p256_set, es256, NULL, &payload, &err), 0);
	json_decref(payload);
	/* A key with no curve at all is no ES256 key. */
	json_object_del(json_array_get(json_object_get(p256_set, "keys"), 0), "crv");
	ck_assert_int_eq(jwks_verify(NULL, p256_set, es256, NULL, &payload, &err), 1);
	free(small_token);
	free(rsa_token);
	free(es256);
	free(es384);
	json_decref(small_set);
	json_decref(rsa_set);
	json_decref(p256_set);
	json_decref(p384_set);
	cjose_jwk_release(small);
	cjose_jwk_release(rsa);
	cjose_jwk_release(p256);
	cjose_jwk_release(p384);
}
END_TEST

/* The first key of a one-key set (a new reference). */
static json_t *only_key(json_t *set)
{
	return json_incref(json_array_get(json_object_get(set, "keys"), 0));
}

/* PROTOCOL.md §7.2.5: the keys a client may store are those jwks_verify would use: public,
 * well-formed, strong enough for their algorithm. */
START_TEST(test_jwks_key_unfit)
{
	cjose_err e;
	static const uint8_t exp[] = { 1, 0, 1 };
	cjose_jwk_t *rsa = make_key("RS256"), *p256 = make_key("ES256");
	cjose_jwk_t *small = cjose_jwk_create_RSA_random(1024, exp, sizeof exp, &e);
	json_t *rsa_set = public_set(rsa, "r"), *p256_set = public_set(p256, "e"), *small_set = public_set(small, "s");
	json_t *good_rsa = only_key(rsa_set), *good_ec = only_key(p256_set), *weak = only_key(small_set);
	ck_assert_ptr_null(jwks_key_unfit(good_rsa));
	ck_assert_ptr_null(jwks_key_unfit(good_ec));
	ck_assert_str_eq(jwks_key_unfit(weak), JWKS_UNFIT_WEAK);
	/* Labelled: its own algorithm only. */
	json_object_set_new(good_ec, "alg", json_string("ES256"));
	ck_assert_ptr_null(jwks_key_unfit(good_ec));
	json_object_set_new(good_ec, "alg", json_string("ES384"));
	ck_assert_str_eq(jwks_key_unfit(good_ec), JWKS_UNFIT_WEAK);
	json_object_set_new(good_ec, "alg", json_string("RS256"));
	ck_assert_str_eq(jwks_key_unfit(good_ec), JWKS_UNFIT_MALFORMED);
	json_object_set_new(good_ec, "alg", json_string("HS256"));
	ck_assert_str_eq(jwks_key_unfit(good_ec), JWKS_UNFIT_MALFORMED);
	json_object_del(good_ec, "alg");
	/* e = 1: every value its own signature. */
	json_t *e1 = json_deep_copy(good_rsa);
	json_object_set_new(e1, "e", json_string("AQ"));
	ck_assert_str_eq(jwks_key_unfit(e1), JWKS_UNFIT_WEAK);
	/* Private halves, and symmetric keys. */
	char *priv = cjose_jwk_to_json(p256, true, &e);
	json_t *private_ec = json_loads(priv, 0, NULL);
	free(priv);
	ck_assert_str_eq(jwks_key_unfit(private_ec), JWKS_UNFIT_PRIVATE);
	json_t *oct = json_pack("{s:s, s:s}", "kty", "oct", "k", "c2VjcmV0");
	ck_assert_str_eq(jwks_key_unfit(oct), JWKS_UNFIT_PRIVATE);
	/* Malformed: off the curve, members missing or of the wrong type, not an object. */
	json_t *off = json_deep_copy(good_ec);
	json_object_set(off, "y", json_object_get(off, "x"));
	ck_assert_str_eq(jwks_key_unfit(off), JWKS_UNFIT_MALFORMED);
	json_t *no_n = json_pack("{s:s, s:s}", "kty", "RSA", "e", "AQAB");
	ck_assert_str_eq(jwks_key_unfit(no_n), JWKS_UNFIT_MALFORMED);
	json_t *kid_number = json_deep_copy(good_rsa);
	json_object_set_new(kid_number, "kid", json_integer(1));
	ck_assert_str_eq(jwks_key_unfit(kid_number), JWKS_UNFIT_MALFORMED);
	json_t *text = json_string("key");
	ck_assert_str_eq(jwks_key_unfit(text), JWKS_UNFIT_MALFORMED);
	json_t *all[] = { rsa_set, p256_set, small_set, good_rsa, good_ec, weak, e1, private_ec, oct, off, no_n, kid_number, text };
	for (size_t i = 0; i < sizeof all / sizeof *all; i++)
		json_decref(all[i]);
	cjose_jwk_release(rsa);
	cjose_jwk_release(p256);
	cjose_jwk_release(small);
}
END_TEST

/* A set served over HTTP: fetched once, then from the cache (the server takes one connection). */
START_TEST(test_jwks_uri_cached)
{
	allow_networks("127.0.0.0/8");
	cjose_jwk_t *k = make_key("RS256");
	json_t *set = public_set(k, "r1");
	char *body = json_dumps(set, JSON_COMPACT);
	static char reply[8192];
	snprintf(reply, sizeof reply, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
		 strlen(body), body);
	struct server s;
	server_start(&s, reply, 1);
	char url[64];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/jwks", s.port);
	char *token = sign(k, "RS256", "r1", "{\"sub\":\"b\"}");
	json_t *payload = NULL;
	struct refusal err;
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(jwks_verify(url, NULL, token, NULL, &payload, &err), 0);
		json_decref(payload);
	}
	ck_assert_int_eq(s.connections, 1);
	server_stop(&s);
	/* A server that answers garbage: 502, not a crash. */
	server_start(&s, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n<html", 1);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/jwks", s.port);
	ck_assert_int_eq(jwks_verify(url, NULL, token, NULL, &payload, &err), 1);
	ck_assert_int_eq(err.status, 502);
	ck_assert_str_eq(err.text, JWKS_BAD_SET);
	server_stop(&s);
	free(token);
	free(body);
	json_decref(set);
	cjose_jwk_release(k);
	allow_networks("");
}
END_TEST

START_TEST(test_claims)
{
	time_t now = 1800000000;
	json_t *c = json_pack("{s:s, s:[s,s], s:I, s:I, s:s}", "iss", "https://idp", "aud", "x", "client",
			      "exp", (json_int_t)now + 60, "iat", (json_int_t)now, "nonce", "n1");
	struct refusal err;
	ck_assert_int_eq(jwks_check_claims(c, "https://idp", "client", "n1", now, 0, &err), 0);
	ck_assert_int_eq(jwks_check_claims(c, "https://other", "client", "n1", now, 0, &err), 1);
	ck_assert_int_eq(jwks_check_claims(c, "https://idp", "someone", "n1", now, 0, &err), 1);
	ck_assert_int_eq(jwks_check_claims(c, "https://idp", "client", "n2", now, 0, &err), 1);
	ck_assert_str_eq(err.text, "Token nonce does not match");
	ck_assert_int_eq(jwks_check_claims(c, "https://idp", "client", "n1", now + 61, 0, &err), 1);
	ck_assert_str_eq(err.text, "Token expired");
	ck_assert_int_eq(jwks_check_claims(c, "https://idp", "client", "n1", now + 61, 30, &err), 0);
	ck_assert_int_eq(jwks_check_claims(c, "https://idp", "client", "n1", now - 100, 0, &err), 1);
	ck_assert_str_eq(err.text, "Token not yet valid");
	json_object_del(c, "exp");
	ck_assert_int_eq(jwks_check_claims(c, NULL, NULL, NULL, now, 0, &err), 1);
	json_decref(c);
}
END_TEST

/* Texts on which cjose asserts (the process aborts): tests/fuzz/fuzz_jwks found the first in a
 * token's header; each is refused before cjose sees it, in a token and in a key's members. */
START_TEST(test_jwks_cjose_abort_texts)
{
	static const char *const tokens[] = { "eyJhbGciOiJSU=I1NiIsImtpJCI6InJzYS0xIn0.fal.fR2kiVeqqbw", "a===.e30.AAAA",
					      "e30.abcde=.AAAA", "e30.e30.a===", "e30.e30", "e30.e30.AA.AA", "e30 .e30.AA" };
	json_t *set = json_pack("{s:[]}", "keys"), *payload = NULL;
	struct refusal err;
	for (size_t i = 0; i < sizeof tokens / sizeof tokens[0]; i++) {
		ck_assert_int_eq(jwks_verify(NULL, set, tokens[i], NULL, &payload, &err), 1);
		ck_assert_int_eq(err.status, 400);
		ck_assert_str_eq(err.text, JWKS_MALFORMED);
	}
	json_decref(set);
	static const char *const keys[] = {
		"{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"a===\",\"y\":\"AAAA\"}",
		"{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AAAA\",\"y\":\"abcde=\"}",
		"{\"kty\":\"RSA\",\"n\":\"a===\",\"e\":\"AQAB\"}",
		"{\"kty\":\"RSA\",\"n\":\"AAAA\",\"e\":\"abcde=\",\"alg\":\"RS256\"}",
	};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		json_t *key = json_loads(keys[i], 0, NULL);
		ck_assert_ptr_nonnull(key);
		ck_assert_str_eq(jwks_key_unfit(key), JWKS_UNFIT_MALFORMED);
		/* and in a set a token is verified against (an ES256 and an RS256 header) */
		json_t *with = json_pack("{s:[O]}", "keys", key);
		ck_assert_int_eq(jwks_verify(NULL, with, "eyJhbGciOiJFUzI1NiJ9.e30.AAAA", NULL, &payload, &err), 1);
		ck_assert_int_eq(jwks_verify(NULL, with, "eyJhbGciOiJSUzI1NiJ9.e30.AAAA", NULL, &payload, &err), 1);
		json_decref(with);
		json_decref(key);
	}
	ck_assert(crypto_b64url_ok("AAAA", 4) && crypto_b64url_ok("AAA", 3) && crypto_b64url_ok("", 0));
	ck_assert(!crypto_b64url_ok("a===", 4) && !crypto_b64url_ok("abcde", 5) && !crypto_b64url_ok("ab+/", 4));
}
END_TEST

Suite *fetch_suite(void)
{
	Suite *s = suite_create("fetch");
	TCase *tc = tcase_create("fetch");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_address_policy);
	tcase_add_test(tc, test_url_policy);
	tcase_add_test(tc, test_loopback_refused);
	tcase_add_test(tc, test_timeout_and_size);
	tcase_add_test(tc, test_jwks_inline);
	tcase_add_test(tc, test_jwks_key_strength);
	tcase_add_test(tc, test_jwks_key_unfit);
	tcase_add_test(tc, test_jwks_uri_cached);
	tcase_add_test(tc, test_claims);
	tcase_add_test(tc, test_jwks_cjose_abort_texts);
	suite_add_tcase(s, tc);
	return s;
}
