/* SPDX-License-Identifier: BSD-2-Clause */
/* assertion: the claims of RFC 7523 assertions (PROTOCOL.md §7.2.5) and the binding of a
 * jwt-bearer assertion to one client (PROTOCOL.md §7.2.6), on hand-built claim sets. */
#include "tests.h"

#include "core/config.h"
#include "core/refusal.h"
#include "oauth/assertion.h"

#include <stdio.h>
#include <string.h>

#define CLIENT "0b6f4c43-59c2-4a3e-9d4e-3f1f4f2b7a10"
#define UPSTREAM "upstream-app-7"
#define OTHER "6d1c2c1e-1d57-4b7e-8a4b-0c2e9a4a3f55"
#define ISSUER "https://idp.example.test/"

static const char *const names[] = { CLIENT, UPSTREAM, NULL };
static char token_endpoint[2100];

static void setup(void)
{
	test_config_load();
	snprintf(token_endpoint, sizeof token_endpoint, "%soauth2/token", cfg.base_url);
}

/* The claims as JSON text, with %s replaced by the token endpoint. */
static json_t *claims_of(const char *fmt)
{
	char text[4096];
	snprintf(text, sizeof text, fmt, token_endpoint);
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);
	ck_assert_msg(j != NULL, "bad test JSON %s: %s", text, e.text);
	return j;
}

/* assertion_for_client on the claims: 0, or the refusal's text. */
static void check_binding(const char *fmt, const char *want)
{
	json_t *claims = claims_of(fmt);
	struct refusal err = { 0 };
	int rc = assertion_for_client(claims, names, &err);
	json_decref(claims);
	if (!want) {
		ck_assert_msg(rc == 0, "%s refused: %s", fmt, err.text);
		return;
	}
	ck_assert_msg(rc == 1, "%s accepted", fmt);
	ck_assert_int_eq(err.status, 400);
	ck_assert_str_eq(err.oauth_error, "invalid_grant");
	ck_assert_str_eq(err.text, want);
}

START_TEST(test_binding_accepts_each_claim)
{
	const char *claims[] = { "client_id", "azp", "cid", "appid" };
	for (size_t i = 0; i < 4; i++) {
		char fmt[256];
		snprintf(fmt, sizeof fmt, "{\"aud\":\"%%s\",\"%s\":\"" CLIENT "\"}", claims[i]);
		check_binding(fmt, NULL);
		snprintf(fmt, sizeof fmt, "{\"aud\":\"%%s\",\"%s\":\"" UPSTREAM "\"}", claims[i]);
		check_binding(fmt, NULL);
	}
	check_binding("{\"aud\":[\"%s\",\"" CLIENT "\"]}", NULL);
	check_binding("{\"aud\":[\"https://x.example\",\"%s\",\"" UPSTREAM "\"]}", NULL);
	check_binding("{\"aud\":\"%s\",\"client_id\":\"" CLIENT "\",\"azp\":\"" UPSTREAM "\"}", NULL);
}
END_TEST

START_TEST(test_binding_refuses_other_clients)
{
	const char *another = "Invalid assertion: issued for another client";
	check_binding("{\"aud\":\"%s\",\"client_id\":\"" OTHER "\"}", another);
	check_binding("{\"aud\":\"%s\",\"client_id\":\"" CLIENT "\",\"azp\":\"" OTHER "\"}", another);
	check_binding("{\"aud\":\"%s\",\"appid\":\"" OTHER "\",\"cid\":\"" CLIENT "\"}", another);
	/* A claim naming someone else is not outweighed by aud naming this client. */
	check_binding("{\"aud\":[\"%s\",\"" CLIENT "\"],\"azp\":\"" OTHER "\"}", another);
	/* Exact comparison: no case folding, no prefix, no empty name. */
	check_binding("{\"aud\":\"%s\",\"client_id\":\"0B6F4C43-59C2-4A3E-9D4E-3F1F4F2B7A10\"}", another);
	check_binding("{\"aud\":\"%s\",\"client_id\":\"upstream-app\"}", another);
	check_binding("{\"aud\":\"%s\",\"client_id\":\"\"}", another);
}
END_TEST

START_TEST(test_binding_refuses_no_client)
{
	const char *none = "Invalid assertion: client not named";
	check_binding("{\"aud\":\"%s\"}", none);
	check_binding("{\"aud\":[\"%s\",\"" OTHER "\"]}", none);
	check_binding("{\"aud\":[\"%s\",42,[\"" CLIENT "\"],{\"id\":\"" CLIENT "\"}]}", none);
	check_binding("{\"aud\":\"%s\",\"client\":\"" CLIENT "\",\"sub\":\"" CLIENT "\"}", none);
}
END_TEST

START_TEST(test_binding_refuses_wrong_types)
{
	check_binding("{\"aud\":\"%s\",\"client_id\":42}", "Invalid assertion: client_id must be a string");
	check_binding("{\"aud\":\"%s\",\"azp\":[\"" CLIENT "\"]}", "Invalid assertion: azp must be a string");
	check_binding("{\"aud\":\"%s\",\"cid\":{\"id\":\"" CLIENT "\"}}", "Invalid assertion: cid must be a string");
	check_binding("{\"aud\":\"%s\",\"appid\":null}", "Invalid assertion: appid must be a string");
	check_binding("{\"aud\":\"%s\",\"client_id\":\"" CLIENT "\",\"azp\":true}", "Invalid assertion: azp must be a string");
}
END_TEST

/* assertion_claims_ok on a grant assertion: 0, or the refusal's text. */
static void check_claims(const char *fmt, const char *want)
{
	json_t *claims = claims_of(fmt);
	struct refusal err = { 0 };
	const char *jti = NULL;
	long long exp = 0;
	int rc = assertion_claims_ok(claims, ASSERTION_GRANT, ISSUER, 1800000000, &jti, &exp, &err);
	json_decref(claims);
	if (!want) {
		ck_assert_msg(rc == 0, "%s refused: %s", fmt, err.text);
		ck_assert_int_eq(exp, 1800000060);
		return;
	}
	ck_assert_msg(rc == 1, "%s accepted", fmt);
	ck_assert_str_eq(err.text, want);
}

#define BASE "\"iss\":\"" ISSUER "\",\"jti\":\"j1\""

START_TEST(test_claims_times)
{
	check_claims("{" BASE ",\"aud\":\"%s\",\"exp\":1800000060,\"iat\":1800000000}", NULL);
	check_claims("{" BASE ",\"aud\":\"%s\",\"exp\":1800000060,\"iat\":1800000030,\"nbf\":1800000030}", NULL);
	check_claims("{" BASE ",\"aud\":\"%s\"}", "Invalid assertion: exp required");
	check_claims("{" BASE ",\"aud\":\"%s\",\"exp\":\"1800000060\"}", "Invalid assertion: exp required");
	check_claims("{" BASE ",\"aud\":\"%s\",\"exp\":1800000060.5}", "Invalid assertion: exp required");
	check_claims("{" BASE ",\"aud\":\"%s\",\"exp\":1800000000}", "Invalid assertion: expired");
	check_claims("{" BASE ",\"aud\":\"%s\",\"exp\":1800000301}", "Invalid assertion: exp more than 5 minutes ahead");
	check_claims("{" BASE ",\"aud\":\"%s\",\"exp\":1800000060,\"iat\":1800003600}", "Invalid assertion: not yet valid");
	check_claims("{" BASE ",\"aud\":\"%s\",\"exp\":1800000060,\"iat\":\"1800000000\"}", "Invalid assertion: not yet valid");
	check_claims("{" BASE ",\"aud\":\"%s\",\"exp\":1800000060,\"nbf\":1800000031}", "Invalid assertion: not yet valid");
}
END_TEST

START_TEST(test_claims_audience)
{
	check_claims("{" BASE ",\"aud\":[\"https://x.example\",\"%s\"],\"exp\":1800000060}", NULL);
	check_claims("{" BASE ",\"aud\":[\"" CLIENT "\"],\"exp\":1800000060}", "Invalid assertion audience");
	check_claims("{" BASE ",\"aud\":42,\"exp\":1800000060}", "Invalid assertion audience");
	check_claims("{" BASE ",\"aud\":{\"a\":\"%s\"},\"exp\":1800000060}", "Invalid assertion audience");
	check_claims("{" BASE ",\"aud\":[[\"%s\"]],\"exp\":1800000060}", "Invalid assertion audience");
	check_claims("{\"iss\":\"https://evil.example/\",\"jti\":\"j\",\"aud\":\"%s\",\"exp\":1800000060}",
		     "Invalid assertion issuer");
	ck_assert(assertion_names_tessera(token_endpoint));
	ck_assert(assertion_names_tessera(cfg.issuer));
	ck_assert(!assertion_names_tessera(CLIENT));
	ck_assert(!assertion_names_tessera(NULL));
}
END_TEST

Suite *assertion_suite(void)
{
	Suite *s = suite_create("assertion");
	TCase *tc = tcase_create("binding");
	tcase_add_checked_fixture(tc, setup, test_config_free);
	tcase_add_test(tc, test_binding_accepts_each_claim);
	tcase_add_test(tc, test_binding_refuses_other_clients);
	tcase_add_test(tc, test_binding_refuses_no_client);
	tcase_add_test(tc, test_binding_refuses_wrong_types);
	tcase_add_test(tc, test_claims_times);
	tcase_add_test(tc, test_claims_audience);
	suite_add_tcase(s, tc);
	return s;
}
