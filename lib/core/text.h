/* SPDX-License-Identifier: BSD-2-Clause */
/* text: bounded string copies used when database cells fill fixed-size fields. */
#ifndef TESSERA_TEXT_H
#define TESSERA_TEXT_H
#include <stdbool.h>
#include <stddef.h>

/* Copies src (NULL → "") into dst, truncating to at most cap-1 bytes at a UTF-8 character
 * boundary (never inside a character); always NUL-terminates. */
void text_copy(char *dst, size_t cap, const char *src);
/* A boolean column as read from MariaDB ("1" / "0" / NULL). */
bool text_true(const char *cell);

#endif
