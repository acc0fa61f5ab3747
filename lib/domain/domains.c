/* SPDX-License-Identifier: BSD-2-Clause */
/* domains: DomainConfiguration rows. */
#include "domain/domains.h"
#include "core/db.h"
#include "core/crypto.h"
#include "core/fhir.h"
#include "domain/idp.h"
#include "domain/shape.h"
#include "domain/storequery.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

int domains_identity_provider(const char *domain, json_t **idp)
{
	struct db_result r;
	*idp = NULL;
	if (db_query(&r, "SELECT identity_provider FROM domain_configuration WHERE domain = ?", "s", domain) < 0)
		return -1;
	if (r.nrows && db_cell(&r, 0, 0))
		*idp = json_loads(db_cell(&r, 0, 0), 0, NULL);
	db_result_free(&r);
	return 0;
}

/* ---- DomainConfiguration resources (the resource API; super admins only) ---- */

static bool domain_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 3 || n > 253 || !strchr(s, '.') || s[0] == '.' || s[0] == '-' || s[n - 1] == '.')
		return false;
	for (const char *c = s; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '.' || *c == '-'))
			return false;
	return true;
}

/* The sealed secret stored for a domain, kept when a new configuration sends none and its
 * tokenUrl keeps its origin (§12.2). 0, 1 refused, -1. */
static int keep_stored_secret(const char *sql, const char *key, const char *version, json_t *idp, struct refusal *err)
{
	if (!idp || json_object_get(idp, "clientSecret"))
		return 0;
	struct db_result r;
	if ((version ? db_query(&r, sql, "ss", key, version) : db_query(&r, sql, "s", key)) < 0)
		return -1;
	int rc = idp_keep_secret(idp, r.nrows ? db_cell(&r, 0, 0) : NULL, err);
	db_result_free(&r);
	return rc;
}

static int domain_check(json_t *body, json_t *stored, const char *project, json_t **out, struct refusal *err)
{
	(void)stored;
	(void)project;
	const char *domain = json_string_value(json_object_get(body, "domain"));
	char lower[256];
	if (!domain || strlen(domain) >= sizeof lower)
		return refuse(err, 400, "Invalid domain", "domain");
	size_t i;
	for (i = 0; domain[i]; i++)
		lower[i] = (char)tolower((unsigned char)domain[i]);
	lower[i] = '\0';
	if (!domain_name_ok(lower))
		return refuse(err, 400, "Invalid domain", "domain");
	json_t *idp;
	if (!shape_identity_provider(body, "identityProvider", &idp) || !idp)
		return refuse(err, 400, "Invalid identityProvider", "identityProvider");
	*out = json_pack("{s:s, s:s, s:o}", "resourceType", "DomainConfiguration", "domain", lower, "identityProvider", idp);
	return 0;
}

#define DOMAIN_COLUMNS \
	"SELECT id, domain, identity_provider, " FHIR_VERSION_SQL("updated_at") ", " FHIR_INSTANT_SQL("updated_at") \
	" FROM domain_configuration "

/* The identity provider's clientSecret is never handed out. */
static json_t *domain_row(const struct db_result *r, unsigned i)
{
	json_t *d = json_pack("{s:s, s:s, s:s}", "resourceType", "DomainConfiguration", "id", db_cell(r, i, 0), "domain",
			      db_cell(r, i, 1));
	json_t *idp = db_cell(r, i, 2) ? json_loads(db_cell(r, i, 2), 0, NULL) : NULL;
	if (json_is_object(idp)) {
		idp_strip(idp);
		json_object_set_new(d, "identityProvider", idp);
	} else {
		json_decref(idp);
	}
	fhir_set_meta(d, NULL, db_cell(r, i, 3), db_cell(r, i, 4));
	return d;
}

static int domain_get(const char *id, json_t **out)
{
	return store_get_row(DOMAIN_COLUMNS "WHERE id = ?", id, domain_row, out);
}

#define DOMAIN_WHERE STORE_WHERE("? IS NULL", "? IS NULL", "? IS NULL", "? IS NULL")

static int domain_find(const struct store_query *q, json_t **rows, long long *total)
{
	return store_find_rows(q, 2, q->oldest_first ? DOMAIN_COLUMNS DOMAIN_WHERE STORE_OLDEST : DOMAIN_COLUMNS DOMAIN_WHERE STORE_NEWEST,
			       "SELECT COUNT(*) FROM domain_configuration " DOMAIN_WHERE, domain_row, rows, total);
}

static int domain_insert(const char *project, json_t *d, char id[37], json_t **once, struct refusal *err)
{
	(void)project;
	(void)once;
	if (store_new_id(id) < 0)
		return -1;
	if (idp_seal(json_object_get(d, "identityProvider")) < 0)
		return -1;
	char *idp = json_dumps(json_object_get(d, "identityProvider"), JSON_COMPACT);
	int rc = idp ? db_exec(NULL, "INSERT INTO domain_configuration (id, domain, identity_provider) VALUES (?, ?, ?)", "sss",
			       id, json_string_value(json_object_get(d, "domain")), idp)
		     : -1;
	free(idp);
	if (rc < 0)
		return db_duplicate() ? refuse(err, 409, "Domain already configured", "domain") : -1;
	return 0;
}

static int domain_update(const char *id, const char *version, json_t *d, struct refusal *err)
{
	json_t *idp = json_object_get(d, "identityProvider");
	/* A stale version finds no row: the update below answers it (409), not §12.2's rule. */
	int kept = keep_stored_secret("SELECT identity_provider FROM domain_configuration WHERE id = ? AND "
				      FHIR_VERSION_IS_SQL("updated_at"), id, version, idp, err);
	if (kept != 0)
		return kept;
	if (idp_seal(idp) < 0)
		return -1;
	char *text = json_dumps(idp, JSON_COMPACT);
	unsigned long long n = 0;
	int rc = text ? db_exec(&n,
				"UPDATE domain_configuration SET domain = ?, identity_provider = ?, updated_at = "
				FHIR_NEXT_UPDATE_SQL("updated_at") " WHERE id = ? AND " FHIR_VERSION_IS_SQL("updated_at"),
				"ssss", json_string_value(json_object_get(d, "domain")), text, id, version)
		      : -1;
	free(text);
	if (rc < 0)
		return db_duplicate() ? refuse(err, 409, "Domain already configured", "domain") : -1;
	return n == 1 ? 0 : 2;
}

static int domain_remove(const char *id, const char *version, struct refusal *err)
{
	(void)err;
	unsigned long long n = 0;
	if (db_exec(&n, "DELETE FROM domain_configuration WHERE id = ? AND " FHIR_VERSION_IS_SQL("updated_at"), "ss", id,
		    version) < 0)
		return -1;
	return n == 1 ? 0 : 2;
}

const struct resource_store domains_store = {
	.type = "DomainConfiguration",
	.global = true,
	.get = domain_get,
	.find = domain_find,
	.check = domain_check,
	.insert = domain_insert,
	.update = domain_update,
	.remove = domain_remove,
};

int domains_configured(const char *domain)
{
	struct db_result r;
	if (db_query(&r, "SELECT 1 FROM domain_configuration WHERE domain = ?", "s", domain) < 0)
		return -1;
	int found = r.nrows > 0;
	db_result_free(&r);
	return found;
}

int domains_set(const char *domain, json_t *identity_provider, struct refusal *err)
{
	json_t *body = json_pack("{s:s, s:O}", "domain", domain, "identityProvider", identity_provider), *d = NULL;
	int rc = body ? domain_check(body, NULL, NULL, &d, err) : -1;
	json_decref(body);
	if (rc != 0)
		return rc;
	const char *name = json_string_value(json_object_get(d, "domain"));
	json_t *idp = json_object_get(d, "identityProvider");
	char id[37], *text = NULL;
	rc = keep_stored_secret("SELECT identity_provider FROM domain_configuration WHERE domain = ?", name, NULL, idp, err);
	if (rc == 0)
		rc = idp_seal(idp) == 0 && crypto_uuid_v4(id) == 0 && (text = json_dumps(idp, JSON_COMPACT)) ? 0 : -1;
	if (rc == 0)
		rc = db_exec(NULL,
			     "INSERT INTO domain_configuration (id, domain, identity_provider) VALUES (?, ?, ?) "
			     "ON DUPLICATE KEY UPDATE identity_provider = VALUES(identity_provider), updated_at = "
			     FHIR_NEXT_UPDATE_SQL("updated_at"),
			     "sss", id, name, text);
	free(text);
	json_decref(d);
	return rc;
}

int domains_remove(const char *domain)
{
	unsigned long long n = 0;
	if (db_exec(&n, "DELETE FROM domain_configuration WHERE domain = ?", "s", domain) < 0)
		return -1;
	return n ? 0 : 1;
}

int domains_list(json_t **out)
{
	struct db_result r;
	*out = NULL;
	if (db_query(&r, "SELECT domain, identity_provider FROM domain_configuration ORDER BY domain LIMIT 10000", "") < 0)
		return -1;
	*out = json_array();
	for (unsigned i = 0; i < r.nrows; i++) {
		json_t *idp = db_cell(&r, i, 1) ? json_loads(db_cell(&r, i, 1), 0, NULL) : NULL;
		idp_strip(idp);
		json_array_append_new(*out, json_pack("{s:s, s:o*}", "domain", db_cell(&r, i, 0), "identityProvider", idp));
	}
	db_result_free(&r);
	return 0;
}
