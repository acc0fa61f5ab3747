/* SPDX-License-Identifier: BSD-2-Clause */
/* emailfold: utf8mb4_unicode_ci equality as text (see emailfold.h). */
#include "core/emailfold.h"

#include <stdint.h>
#include <string.h>

#include "core/emailfold-table.h"

#define FOLD_SUPPLEMENTARY 0x10000u  /* every code point above U+FFFF weighs 0xFFFD */
#define FOLD_INVALID 0x10FFFFu       /* a byte that starts no valid UTF-8 sequence */
#define FOLD_SPACE 0x20u             /* representative of the space weight (PAD SPACE) */

/* One code point from s (len > 0 bytes left): its value and length; invalid sequences
 * (overlong, surrogates, above U+10FFFF, cut short) are one bad byte. */
static uint32_t decode(const unsigned char *s, size_t len, size_t *used)
{
	unsigned char c = s[0];
	size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
	static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	*used = 1;
	if (n == 1)
		return c;
	if (n == 0 || n > len)
		return FOLD_INVALID;
	uint32_t cp = c & (0x7F >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return FOLD_INVALID;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return FOLD_INVALID;
	*used = n;
	return cp;
}

static size_t encoded_len(uint32_t cp)
{
	return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

static size_t encode(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* The representatives of cp: n of them in reps; a code point not in the table is its own. */
static size_t representatives(uint32_t cp, uint32_t reps[EMAILFOLD_MAX_EXPANSION])
{
	if (cp > 0xFFFF) {
		reps[0] = cp == FOLD_INVALID ? FOLD_INVALID : FOLD_SUPPLEMENTARY;
		return 1;
	}
	size_t lo = 0, hi = sizeof fold_index / sizeof fold_index[0];
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (fold_index[mid].cp < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == sizeof fold_index / sizeof fold_index[0] || fold_index[lo].cp != cp) {
		reps[0] = cp;
		return 1;
	}
	for (size_t i = 0; i < fold_index[lo].n; i++)
		reps[i] = fold_pool[fold_index[lo].off + i];
	return fold_index[lo].n;
}

long email_fold(const char *s, char *out, size_t cap)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), o = 0, spaces = 0;
	if (cap == 0)
		return -1;
	while (len > 0) {
		size_t used;
		uint32_t reps[EMAILFOLD_MAX_EXPANSION];
		size_t n = representatives(decode(p, len, &used), reps);
		p += used;
		len -= used;
		for (size_t i = 0; i < n; i++) {
			/* PAD SPACE: spaces count only when something follows them, so they wait. */
			if (reps[i] == FOLD_SPACE) {
				spaces++;
				continue;
			}
			if (o + spaces + encoded_len(reps[i]) >= cap) {
				out[0] = '\0';
				return -1;
			}
			memset(out + o, ' ', spaces);
			o += spaces;
			spaces = 0;
			o += encode(reps[i], out + o);
		}
	}
	out[o] = '\0';
	return (long)o;
}
