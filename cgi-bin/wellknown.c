/* tessera-wellknown: the discovery stage (spec §8): OpenID and OAuth metadata, SMART
 * configuration and the JWKS, generated from the tables in lib/discovery.c and lib/keys.c. */
#include "app.h"
#include "discovery.h"
#include "keys.h"
#include "response.h"

static int openid_configuration(struct request *req)
{
	send_json(req, 200, discovery_openid_configuration(), NULL);
	return 0;
}

static int smart_configuration(struct request *req)
{
	send_json(req, 200, discovery_smart_configuration(), NULL);
	return 0;
}

static int jwks(struct request *req)
{
	json_t *keys = keys_jwks();
	if (!keys)
		return -1;
	send_json(req, 200, keys, NULL);
	return 0;
}

static const struct route routes[] = {
	{ "GET", "/.well-known/openid-configuration", openid_configuration, NULL, 0 },
	{ "GET", "/.well-known/oauth-authorization-server", openid_configuration, NULL, 0 },
	{ "GET", "/.well-known/jwks.json", jwks, NULL, 0 },
	{ "GET", "/.well-known/smart-configuration", smart_configuration, NULL, 0 },
	{ "GET", "/fhir/R4/.well-known/smart-configuration", smart_configuration, NULL, 0 },
	{ 0 },
};

int main(void)
{
	return app_run("tessera-wellknown", routes);
}
