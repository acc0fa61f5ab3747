/* projects: the Project rows' settings that admins read and change. */
#ifndef TESSERA_PROJECTS_H
#define TESSERA_PROJECTS_H
#include <stdbool.h>

struct project_settings {
	char id[37];
	char name[256];
	char brand_name[256];      /* "" when the project has none */
	bool mfa_required;
	char allowed_mfa_methods[32];
};

/* 0 read, 1 no such project, -1 database failure. */
int projects_settings(const char *project_id, struct project_settings *out);
/* Sets the brand name (NULL or "" goes back to the default); mfa_required ("0"/"1") and
 * allowed_mfa_methods stay as they are when NULL. 0 or -1. */
int projects_update_settings(const char *project_id, const char *brand_name, const char *mfa_required,
			     const char *allowed_mfa_methods);
/* The project's name into name (cap bytes, "" when there is no such project). 0 or -1. */
int projects_name(const char *project_id, char *name, unsigned cap);

#endif
