/* SPDX-License-Identifier: BSD-2-Clause */
/* admin-util: option parsing shared by the tessera-admin commands. */
#include "admin.h"

#include <stdio.h>
#include <string.h>

const char *option(int argc, char **argv, const char *name)
{
	for (int i = 0; i + 1 < argc; i++)
		if (!strcmp(argv[i], name))
			return argv[i + 1];
	return NULL;
}

/* Options must be known and each take a value; anything else is a usage error. */
bool options_ok(int argc, char **argv, int first, const char *const *known)
{
	for (int i = first; i < argc; i += 2) {
		bool ok = false;
		for (const char *const *k = known; *k; k++)
			ok |= !strcmp(argv[i], *k);
		if (!ok || i + 1 >= argc) {
			fprintf(stderr, "tessera-admin: unexpected argument '%s'\n", argv[i]);
			return false;
		}
	}
	return true;
}

