/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for SMART scope strings (lib/oauth/smart.c). The input is a granted and a
 * requested scope string, split at the first NUL byte. Properties: a parsed word's fields are
 * NUL-terminated within their arrays, its permissions a subsequence of "cruds", and every scope
 * string covers itself.
 * FUZZ_SOURCES: lib/oauth/smart.c */
#include "fuzz.h"
#include "oauth/smart.h"

static void check_words(const char *scopes)
{
	for (const char *p = scopes; *p;) {
		size_t n = strcspn(p, " ");
		struct smart_scope s;
		if (n && smart_parse(p, n, &s)) {
			if (!memchr(s.type, 0, sizeof s.type) || !memchr(s.resource, 0, sizeof s.resource) ||
			    !memchr(s.perms, 0, sizeof s.perms) || !*s.perms || !*s.resource)
				abort();
			if (s.criteria && (s.criteria < p || s.criteria + s.criteria_len > p + n))
				abort();
		}
		p += n;
		p += strspn(p, " ");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *granted, *requested;
	fuzz_split(data, size, &granted, &requested);
	check_words(granted);
	check_words(requested);
	(void)smart_scope_covered(granted, requested);
	if (!smart_scope_covered(requested, requested) || !smart_scope_covered(granted, granted))
		abort();
	/* an unsized word: smart_parse must stay within len even without a NUL after it */
	size_t n = strlen(requested);
	char *exact = malloc(n ? n : 1);
	if (!exact)
		abort();
	memcpy(exact, requested, n);
	struct smart_scope s;
	(void)smart_parse(exact, n, &s);
	free(exact);
	free(granted);
	free(requested);
	return 0;
}
