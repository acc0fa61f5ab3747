/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for SCIM filters (lib/core/scimfilter.c), the text a directory's client puts in
 * GET /scim/v2/Users?filter=. Properties: a parse either fails with a reason or gives a tree
 * whose root and children are nodes it made (children before parents, so no cycle), whose
 * comparisons carry a value and a known attribute, within the term limit; and
 * parsing is deterministic (the same text, the same tree).
 * FUZZ_SOURCES: lib/core/scimfilter.c */
#include "fuzz.h"
#include "core/scimfilter.h"

static void check_tree(const struct scimfilter *f)
{
	int terms = 0;
	if (f->root < 0 || f->root >= f->count)
		abort();
	for (int i = 0; i < f->count; i++) {
		const struct scimfilter_node *n = &f->nodes[i];
		if (n->kind == SF_CMP) {
			if (!n->value || n->attr > SF_EXTERNAL_ID)
				abort();
			terms++;
		} else if (n->left < 0 || n->right < 0 || n->left >= i || n->right >= i) {
			abort();
		}
	}
	if (terms > SCIMFILTER_MAX_TERMS)
		abort();
}

static bool same_tree(const struct scimfilter *a, const struct scimfilter *b)
{
	if (a->count != b->count || a->root != b->root)
		return false;
	for (int i = 0; i < a->count; i++) {
		const struct scimfilter_node *x = &a->nodes[i], *y = &b->nodes[i];
		if (x->kind != y->kind || (x->kind == SF_CMP ? x->attr != y->attr || strcmp(x->value, y->value)
							     : x->left != y->left || x->right != y->right))
			return false;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size);
	struct scimfilter f, g;
	int rc = scimfilter_parse(text, &f);
	if (rc < 0 && !f.error[0])
		abort();
	if (rc == 0) {
		check_tree(&f);
		if (scimfilter_parse(text, &g) != 0 || !same_tree(&f, &g))
			abort();
		scimfilter_free(&g);
	}
	scimfilter_free(&f);
	free(text);
	return 0;
}
