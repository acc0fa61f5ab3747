/* SPDX-License-Identifier: BSD-2-Clause */
/* text: bounded copies. */
#include "core/text.h"

#include <stdio.h>
#include <string.h>

void text_copy(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

bool text_true(const char *cell)
{
	return cell && !strcmp(cell, "1");
}
