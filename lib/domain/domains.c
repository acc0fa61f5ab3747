/* SPDX-License-Identifier: BSD-2-Clause */
/* domains: DomainConfiguration rows. */
#include "domain/domains.h"
#include "core/db.h"

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
