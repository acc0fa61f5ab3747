/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for the email normaliser (lib/core/emailfold.c): the key of the per-account
 * password delay for an unknown email, which must fold every spelling MariaDB's
 * utf8mb4_unicode_ci finds equal to one text. Properties: EMAIL_FOLD_SIZE always suffices and
 * a buffer one byte short never does (nor overflows); the output is valid UTF-8 without
 * upper-case ASCII and without a trailing space (PAD SPACE); folding is idempotent; ASCII
 * case and a trailing no-break space change nothing.
 * FUZZ_SOURCES: lib/core/emailfold.c */
#include "fuzz.h"
#include "core/emailfold.h"

static void check_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t n = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3 : (*p & 0xF8) == 0xF0 ? 4 : 0;
		if (!n)
			abort();
		for (size_t i = 1; i < n; i++)
			if ((p[i] & 0xC0) != 0x80)
				abort();
		if (*p >= 'A' && *p <= 'Z')
			abort();
		p += n;
	}
}

/* Folds s into an exact-size heap block (ASan sees any write past it). */
static char *fold(const char *s, long *len)
{
	size_t cap = EMAIL_FOLD_SIZE(strlen(s));
	char *out = malloc(cap);
	if (!out)
		abort();
	*len = email_fold(s, out, cap);
	if (*len < 0 || strlen(out) != (size_t)*len)
		abort();
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_string(data, size);
	long n;
	char *out = fold(in, &n);
	check_utf8(out);
	if (n > 0 && out[n - 1] == ' ')
		abort();
	/* Exactly n + 1 bytes suffice, n do not (and leave an empty string). */
	char *tight = malloc((size_t)n + 1);
	if (!tight || email_fold(in, tight, (size_t)n + 1) != n || strcmp(tight, out))
		abort();
	if (n > 0 && (email_fold(in, tight, (size_t)n) != -1 || tight[0]))
		abort();
	free(tight);
	long again;
	char *twice = fold(out, &again);
	if (strcmp(twice, out))
		abort();
	free(twice);
	/* Upper-case ASCII, plus a trailing U+00A0: the same account. */
	char *upper = malloc(strlen(in) + 3);
	if (!upper)
		abort();
	size_t i = 0;
	for (; in[i]; i++)
		upper[i] = (char)(in[i] >= 'a' && in[i] <= 'z' ? in[i] - 32 : in[i]);
	memcpy(upper + i, "\xC2\xA0", 3);
	long m;
	char *other = fold(upper, &m);
	if (strcmp(other, out))
		abort();
	free(other);
	free(upper);
	free(out);
	free(in);
	return 0;
}
