/* SPDX-License-Identifier: BSD-2-Clause */
/* discovery: the /.well-known documents (PROTOCOL.md §8), limited to what is implemented. */
#include "oauth/discovery.h"
#include "core/config.h"
#include "oauth/assertion.h"

#include <stdio.h>

const char *const grant_types_supported[] = { "client_credentials", "authorization_code", "refresh_token",
					       "urn:ietf:params:oauth:grant-type:token-exchange", ASSERTION_GRANT_TYPE, NULL };
const char *const token_auth_methods_supported[] = { "client_secret_basic", "client_secret_post", "private_key_jwt", NULL };
const char *const signing_algs_supported[] = { "ES256", "RS256", NULL };
static const char *const subject_types[] = { "public", NULL };
const char *const scopes_supported[] = { "openid", "profile", "email", "phone", "address", "offline_access", NULL };
const char *const code_challenge_methods_supported[] = { "S256", "plain", NULL };
static const char *const response_types[] = { "code", NULL };
static const char *const smart_capabilities[] = {
	"authorize-post", "client-public", "client-confidential-symmetric", "client-confidential-asymmetric", "launch-standalone", "permission-offline",
	"permission-user", "permission-v1", "permission-v2", "sso-openid-connect", "context-standalone-patient", NULL,
};
static const char *const introspection_auth_methods[] = { "client_secret_basic", "client_secret_post", "private_key_jwt",
							    NULL };

json_t *discovery_list(const char *const *items)
{
	json_t *a = json_array();
	for (; *items; items++)
		json_array_append_new(a, json_string(*items));
	return a;
}

static json_t *url(const char *path)
{
	char buf[2048];
	snprintf(buf, sizeof buf, "%s%s", cfg.base_url, path);
	return json_string(buf);
}

json_t *discovery_openid_configuration(void)
{
	json_t *d = json_object();
	json_object_set_new(d, "issuer", json_string(cfg.issuer));
	json_object_set_new(d, "authorization_endpoint", url("oauth2/authorize"));
	json_object_set_new(d, "token_endpoint", url("oauth2/token"));
	json_object_set_new(d, "userinfo_endpoint", url("oauth2/userinfo"));
	json_object_set_new(d, "jwks_uri", url(".well-known/jwks.json"));
	json_object_set_new(d, "revocation_endpoint", url("oauth2/revoke"));
	json_object_set_new(d, "introspection_endpoint", url("oauth2/introspect"));
	json_object_set_new(d, "registration_endpoint", url("oauth2/register"));
	json_object_set_new(d, "code_challenge_methods_supported", discovery_list(code_challenge_methods_supported));
	json_object_set_new(d, "introspection_endpoint_auth_methods_supported", discovery_list(introspection_auth_methods));
	json_object_set_new(d, "grant_types_supported", discovery_list(grant_types_supported));
	json_object_set_new(d, "token_endpoint_auth_methods_supported", discovery_list(token_auth_methods_supported));
	json_object_set_new(d, "token_endpoint_auth_signing_alg_values_supported", discovery_list(assertion_algs));
	json_object_set_new(d, "introspection_endpoint_auth_signing_alg_values_supported", discovery_list(assertion_algs));
	json_object_set_new(d, "revocation_endpoint_auth_methods_supported", discovery_list(introspection_auth_methods));
	json_object_set_new(d, "revocation_endpoint_auth_signing_alg_values_supported", discovery_list(assertion_algs));
	json_object_set_new(d, "id_token_signing_alg_values_supported", discovery_list(signing_algs_supported));
	json_object_set_new(d, "subject_types_supported", discovery_list(subject_types));
	json_object_set_new(d, "response_types_supported", discovery_list(response_types));
	json_object_set_new(d, "scopes_supported", discovery_list(scopes_supported));
	json_object_set_new(d, "claims_supported",
			    json_pack("[s,s,s,s,s,s,s,s,s,s,s]", "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce",
				      "fhirUser", "email", "name", "profile"));
	return d;
}

json_t *discovery_smart_configuration(void)
{
	json_t *d = json_object();
	json_object_set_new(d, "issuer", json_string(cfg.issuer));
	json_object_set_new(d, "jwks_uri", url(".well-known/jwks.json"));
	json_object_set_new(d, "authorization_endpoint", url("oauth2/authorize"));
	json_object_set_new(d, "token_endpoint", url("oauth2/token"));
	json_object_set_new(d, "userinfo_endpoint", url("oauth2/userinfo"));
	json_object_set_new(d, "revocation_endpoint", url("oauth2/revoke"));
	json_object_set_new(d, "introspection_endpoint", url("oauth2/introspect"));
	json_object_set_new(d, "code_challenge_methods_supported", json_pack("[s]", "S256"));
	json_object_set_new(d, "grant_types_supported", discovery_list(grant_types_supported));
	json_object_set_new(d, "token_endpoint_auth_methods_supported", discovery_list(token_auth_methods_supported));
	json_object_set_new(d, "token_endpoint_auth_signing_alg_values_supported", discovery_list(assertion_algs));
	json_object_set_new(d, "scopes_supported", discovery_list(scopes_supported));
	json_object_set_new(d, "response_types_supported", discovery_list(response_types));
	json_object_set_new(d, "capabilities", discovery_list(smart_capabilities));
	return d;
}
