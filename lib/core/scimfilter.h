/* SPDX-License-Identifier: BSD-2-Clause */
/* scimfilter: the SCIM filter expressions (RFC 7644 §3.4.2.2) that Tessera answers, parsed into a
 * small tree: comparisons `<attribute> eq "<string>"` of userName, emails.value and externalId
 * (attribute names case-insensitive, optionally prefixed by the core User schema's URN), joined by
 * `and` / `or` (and binds tighter) and grouped by parentheses. Everything else -- other operators
 * (ne, co, sw, pr, gt...), `not`, value paths (emails[...]), other attributes, values that are not
 * JSON strings, trailing text -- is refused with a reason, which the caller sends as SCIM's
 * invalidFilter. Pure: no database, no HTTP (PROTOCOL.md §10.2). */
#ifndef TESSERA_SCIMFILTER_H
#define TESSERA_SCIMFILTER_H
#include <stddef.h>

#define SCIMFILTER_MAX_LEN 1024     /* bytes of filter text */
#define SCIMFILTER_MAX_TERMS 10     /* comparisons in one filter */
#define SCIMFILTER_MAX_DEPTH 8      /* nested parentheses */

enum scimfilter_attr { SF_USER_NAME, SF_EMAIL, SF_EXTERNAL_ID };
enum scimfilter_kind { SF_CMP, SF_AND, SF_OR };

struct scimfilter_node {
	enum scimfilter_kind kind;
	enum scimfilter_attr attr;   /* SF_CMP */
	char *value;                 /* SF_CMP: the decoded string (UTF-8, no NUL) */
	int left, right;             /* SF_AND, SF_OR: node indexes */
};

struct scimfilter {
	struct scimfilter_node nodes[2 * SCIMFILTER_MAX_TERMS];
	int count;
	int root;
	char error[120];             /* why a filter was refused */
};

/* Parses text into f. 0, or -1 with f->error set (the filter is not one Tessera answers). f must
 * be released with scimfilter_free either way. */
int scimfilter_parse(const char *text, struct scimfilter *f);
void scimfilter_free(struct scimfilter *f);

#endif
