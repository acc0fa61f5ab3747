/* SPDX-License-Identifier: BSD-2-Clause */
/* admin: the project admin rule shared by the admin API and the admin pages. */
#include "domain/admin.h"
#include "domain/auth.h"
#include "core/crypto.h"
#include "core/db.h"
#include "core/text.h"
#include "domain/projects.h"
#include "oauth/smart.h"

#include <string.h>

bool admin_rights_whole(const struct auth *a)
{
	return !smart_scope_narrows(a->login.scope);
}

int admin_project_for(const struct auth *a, const char *path_project, char project[37])
{
	if (!a->admin && !a->super_admin)
		return 403;
	if (!path_project || !a->super_admin) {
		if (path_project && strcmp(path_project, a->project_id))
			return 403;
		text_copy(project, 37, a->project_id);
		return 0;
	}
	if (!crypto_is_uuid(path_project))
		return 404;
	int rc = projects_exists(path_project);
	if (rc == 0)
		text_copy(project, 37, path_project);
	return rc < 0 ? -1 : rc == 0 ? 0 : 404;
}

int admin_projects_of(const struct auth *a, json_t **out)
{
	*out = json_array();
	if (!a->admin && !a->super_admin)
		return 0;
	struct db_result r;
	int rc = projects_list(a->super_admin ? NULL : a->project_id, &r);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
		return -1;
	}
	for (unsigned i = 0; i < r.nrows; i++)
		json_array_append_new(*out, json_pack("{s:s, s:s}", "id", db_cell(&r, i, 0), "name", db_cell(&r, i, 1)));
	db_result_free(&r);
	return 0;
}
