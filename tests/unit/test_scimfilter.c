/* SPDX-License-Identifier: BSD-2-Clause */
/* The SCIM filter parser (lib/core/scimfilter.c): the forms Tessera answers become a tree whose
 * values are decoded strings; every other form is refused with a reason (invalidFilter). */
#include "core/scimfilter.h"
#include "tests.h"

#include <stdio.h>
#include <string.h>

/* The tree as text: (and a b), (or a b), attr=value. */
static void render(const struct scimfilter *f, int node, char *out, size_t len)
{
	const struct scimfilter_node *n = &f->nodes[node];
	if (n->kind == SF_CMP) {
		static const char *const names[] = { "userName", "email", "externalId" };
		snprintf(out, len, "%s=%s", names[n->attr], n->value);
		return;
	}
	char l[256], r[256];
	render(f, n->left, l, sizeof l);
	render(f, n->right, r, sizeof r);
	snprintf(out, len, "(%s %s %s)", n->kind == SF_AND ? "and" : "or", l, r);
}

static void parses_as(const char *text, const char *expected)
{
	struct scimfilter f;
	char got[512];
	ck_assert_msg(scimfilter_parse(text, &f) == 0, "%s: %s", text, f.error);
	render(&f, f.root, got, sizeof got);
	ck_assert_str_eq(got, expected);
	scimfilter_free(&f);
}

static void refused(const char *text)
{
	struct scimfilter f;
	ck_assert_msg(scimfilter_parse(text, &f) < 0, "accepted: %s", text);
	ck_assert(f.error[0]);
	scimfilter_free(&f);
}

START_TEST(test_accepted)
{
	parses_as("userName eq \"bjensen\"", "userName=bjensen");
	parses_as("USERNAME EQ \"a\"", "userName=a");
	parses_as("urn:ietf:params:scim:schemas:core:2.0:User:userName eq \"a\"", "userName=a");
	parses_as("emails.value eq \"a@b.c\"", "email=a@b.c");
	parses_as("externalId eq \"x\\\"y\\\\z\\u00e9\"", "externalId=x\"y\\z\xc3\xa9");
	/* and binds tighter than or; parentheses group */
	parses_as("userName eq \"a\" or userName eq \"b\" and externalId eq \"c\"", "(or userName=a (and userName=b externalId=c))");
	parses_as("(userName eq \"a\" or userName eq \"b\") and externalId eq \"c\"", "(and (or userName=a userName=b) externalId=c)");
	parses_as("  userName eq \"a\"  ", "userName=a");
	/* an injection string is just a value */
	parses_as("userName eq \"x' OR '1'='1\"", "userName=x' OR '1'='1");
}
END_TEST

START_TEST(test_refused)
{
	const char *bad[] = {
		"", "userName", "userName eq", "userName eq bjensen", "userName eq 1", "userName eq true", "userName eq null",
		"userName ne \"a\"", "userName co \"a\"", "userName sw \"a\"", "userName pr", "userName gt \"a\"",
		"not (userName eq \"a\")", "emails[type eq \"work\"]", "emails[type eq \"work\"].value eq \"a\"",
		"title eq \"a\"", "meta.created eq \"a\"", "userName eq \"a\" junk", "userName eq \"a\" and",
		"(userName eq \"a\"", "userName eq \"a\")", "userName eq \"unterminated", "userName eq \"a\\u0000b\"",
		"userName eq \"a\\x\"", "userName eq \"a\"; DROP TABLE user", "userName eq \"a\" anduserName eq \"b\"",
		"((((((((((userName eq \"a\"))))))))))",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		refused(bad[i]);
	char many[1024] = "userName eq \"0\"";
	for (int i = 1; i <= SCIMFILTER_MAX_TERMS; i++)
		snprintf(many + strlen(many), sizeof many - strlen(many), " or userName eq \"%d\"", i);
	refused(many);
	char long_value[SCIMFILTER_MAX_LEN + 32];
	snprintf(long_value, sizeof long_value, "userName eq \"%0*d\"", SCIMFILTER_MAX_LEN, 0);
	refused(long_value);
}
END_TEST

Suite *scimfilter_suite(void)
{
	Suite *s = suite_create("scimfilter");
	TCase *tc = tcase_create("scimfilter");
	tcase_add_test(tc, test_accepted);
	tcase_add_test(tc, test_refused);
	suite_add_tcase(s, tc);
	return s;
}
