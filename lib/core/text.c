/* SPDX-License-Identifier: BSD-2-Clause */
/* text: bounded copies. */
#include "core/text.h"

#include <stdio.h>
#include <string.h>

void text_copy(char *dst, size_t cap, const char *src)
{
	if (!cap)
		return;
	size_t n = src ? strlen(src) : 0;
	if (n >= cap) {
		/* Cut before a character, never inside one: back over UTF-8 continuation bytes
		 * (10xxxxxx) so a truncated value is still valid text (JSON, HTML, a header). */
		n = cap - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

bool text_true(const char *cell)
{
	return cell && !strcmp(cell, "1");
}
