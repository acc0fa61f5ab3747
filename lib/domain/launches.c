/* SPDX-License-Identifier: BSD-2-Clause */
/* launches: SmartAppLaunch rows. */
#include "domain/launches.h"
#include "core/db.h"

int launches_exists(const char *id)
{
	struct db_result r;
	if (db_query(&r, "SELECT 1 FROM smart_app_launch WHERE id = ?", "s", id) < 0)
		return -1;
	int rc = r.nrows > 0 ? 0 : 1;
	db_result_free(&r);
	return rc;
}
