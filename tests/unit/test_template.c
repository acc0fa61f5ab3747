/* SPDX-License-Identifier: BSD-2-Clause */
/* template: escaping (every special character, XSS payloads), names, sections, the limits and
 * errors, text mode, and pages with their layout read from a temporary directory. */
#include "tests.h"

#include "core/template.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static json_t *ctx_of(const char *json)
{
	json_error_t jerr;
	json_t *ctx = json_loads(json, JSON_ALLOW_NUL, &jerr);
	ck_assert_msg(ctx != NULL, "bad test JSON %s: %s", json, jerr.text);
	return ctx;
}

/* Renders src over the JSON text ctx in HTML (or text) mode; NULL on a render error. */
static char *render_mode(const char *src, const char *json, bool html, const char **err)
{
	json_t *ctx = ctx_of(json);
	char *out = html ? template_render(src, ctx, err) : template_render_text(src, ctx, err);
	json_decref(ctx);
	return out;
}

static void expect_mode(const char *src, const char *json, bool html, const char *want)
{
	const char *err = NULL;
	char *out = render_mode(src, json, html, &err);
	ck_assert_msg(out != NULL, "render of %s failed: %s", src, err ? err : "(no message)");
	ck_assert_msg(strcmp(out, want) == 0, "render of %s\n  got  [%s]\n  want [%s]", src, out, want);
	free(out);
}

static void expect(const char *src, const char *json, const char *want)
{
	expect_mode(src, json, true, want);
}

static void expect_error(const char *src, const char *json, const char *want_err)
{
	const char *err = NULL;
	char *out = render_mode(src, json, true, &err);
	ck_assert_msg(out == NULL, "render of %s should fail, got [%s]", src, out);
	ck_assert_msg(err != NULL && strcmp(err, want_err) == 0, "render of %s: error [%s], want [%s]", src,
		      err ? err : "(none)", want_err);
	/* the error pointer is optional */
	json_t *ctx = ctx_of(json);
	ck_assert_ptr_null(template_render(src, ctx, NULL));
	json_decref(ctx);
}

START_TEST(test_escape_each_char)
{
	static const struct { const char *in, *out; } map[] = {
		{ "&", "&amp;" }, { "<", "&lt;" }, { ">", "&gt;" }, { "\"", "&quot;" }, { "'", "&#39;" },
		{ "`", "&#96;" }, { "=", "&#61;" }, { "/", "&#x2F;" }, { "a b-c_d.e:f;g?h!", "a b-c_d.e:f;g?h!" },
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		json_t *ctx = json_pack("{ss}", "v", map[i].in);
		char *out = template_render("[{{v}}]", ctx, NULL);
		char want[64];
		snprintf(want, sizeof want, "[%s]", map[i].out);
		ck_assert_str_eq(out, want);
		free(out);
		json_decref(ctx);
	}
	expect("{{v}}", "{\"v\":\"&amp;<&>\"}", "&amp;amp;&lt;&amp;&gt;");
}
END_TEST

/* No character that could end an element, a quoted or unquoted attribute or start an entity
 * survives, whatever the surrounding markup. */
static const char *const xss[] = {
	"<script>alert(1)</script>",
	"\"><img src=x onerror=alert(1)>",
	"' onmouseover='alert(1)",
	"javascript:alert(1)\" onclick=\"alert(2)",
	"x onfocus=alert(1) autofocus",
	"`-alert(1)-`",
	"</textarea><svg/onload=alert(1)>",
	"&#x22;&quot;",
};

START_TEST(test_escape_xss)
{
	const char *payload = xss[_i];
	const char *tpl = "<a href=\"{{v}}\" title='{{v}}' data-x={{v}}>{{v}}</a>";
	json_t *ctx = json_pack("{ss}", "v", payload);
	char *out = template_render(tpl, ctx, NULL);
	ck_assert_ptr_nonnull(out);
	/* strip what the template itself contributes and look at the values alone */
	char *val = template_render("{{v}}", ctx, NULL);
	ck_assert_ptr_nonnull(val);
	ck_assert_msg(strpbrk(val, "<>\"'`=/") == NULL, "unescaped: %s", val);
	for (const char *p = strchr(val, '&'); p; p = strchr(p + 1, '&'))
		ck_assert_msg(strncmp(p, "&amp;", 5) == 0 || strncmp(p, "&lt;", 4) == 0 ||
				      strncmp(p, "&gt;", 4) == 0 || strncmp(p, "&quot;", 6) == 0 ||
				      strncmp(p, "&#39;", 5) == 0 || strncmp(p, "&#96;", 5) == 0 ||
				      strncmp(p, "&#61;", 5) == 0 || strncmp(p, "&#x2F;", 6) == 0,
			      "raw & in %s", val);
	/* the page is exactly the template with the escaped value in each place */
	char want[4096];
	snprintf(want, sizeof want, "<a href=\"%s\" title='%s' data-x=%s>%s</a>", val, val, val, val);
	ck_assert_str_eq(out, want);
	free(val);
	free(out);
	json_decref(ctx);
}
END_TEST

START_TEST(test_escape_known_payloads)
{
	expect("{{v}}", "{\"v\":\"<script>alert(1)</script>\"}", "&lt;script&gt;alert(1)&lt;&#x2F;script&gt;");
	expect("<input value=\"{{v}}\">", "{\"v\":\"\\\"><img src=x onerror=alert(1)>\"}",
	       "<input value=\"&quot;&gt;&lt;img src&#61;x onerror&#61;alert(1)&gt;\">");
	expect("<a href=\"{{u}}\">", "{\"u\":\"javascript:alert(1)\\\" x=\\\"\"}",
	       "<a href=\"javascript:alert(1)&quot; x&#61;&quot;\">");
}
END_TEST

START_TEST(test_names)
{
	const char *ctx = "{\"client\":{\"name\":\"App\",\"logo\":{\"url\":\"l.png\"}},\"name\":\"outer\",\"x\":1}";
	expect("{{client.name}}|{{client.logo.url}}|{{name}}", ctx, "App|l.png|outer");
	expect("[{{client.missing}}][{{missing.name}}][{{client.name.deeper}}]", ctx, "[][][]");
	/* the tail of a dotted name does not fall back to outer contexts */
	expect("{{#client}}[{{logo.name}}][{{client.name}}]{{/client}}", ctx, "[][App]");
	expect("{{ name }}|{{#client}}{{ name }}{{/client}}", ctx, "outer|App");
	expect("{{a-b}}{{c_d}}{{E9}}", "{\"a-b\":1,\"c_d\":2,\"E9\":3}", "123");
}
END_TEST

START_TEST(test_scalars)
{
	expect("{{i}} {{n}} {{r}} {{t}} {{f}} [{{z}}] [{{o}}] [{{a}}] [{{m}}]",
	       "{\"i\":42,\"n\":-7,\"r\":1.5,\"t\":true,\"f\":false,\"z\":null,\"o\":{\"k\":1},\"a\":[1]}",
	       "42 -7 1.5 true false [] [] [] []");
	expect("{{{i}}} {{{t}}}", "{\"i\":0,\"t\":true}", "0 true");
}
END_TEST

START_TEST(test_sections_arrays)
{
	const char *ctx = "{\"site\":\"Clinic\",\"name\":\"outer\",\"users\":["
			  "{\"name\":\"Ann\",\"role\":\"admin\"},{\"name\":\"<Bob>\"},{\"site\":\"Other\"}]}";
	expect("{{#users}}<li>{{name}}@{{site}}{{#role}} ({{role}}){{/role}}</li>{{/users}}", ctx,
	       "<li>Ann@Clinic (admin)</li><li>&lt;Bob&gt;@Clinic</li><li>outer@Other</li>");
	expect("{{#list}}[{{.}}]{{/list}}", "{\"list\":[\"a\",\"<b>\",3,true]}", "[a][&lt;b&gt;][3][true]");
	expect("a{{#list}}x{{/list}}b", "{\"list\":[]}", "ab");
	expect("{{^list}}none{{/list}}", "{\"list\":[]}", "none");
	expect("{{^list}}none{{/list}}", "{\"list\":[0]}", "");
}
END_TEST

START_TEST(test_sections_values)
{
	const char *ctx = "{\"t\":true,\"f\":false,\"z\":null,\"e\":\"\",\"s\":\"text\",\"zero\":0,"
			  "\"obj\":{\"k\":\"v\"},\"empty\":{}}";
	expect("{{#t}}T{{/t}}{{#f}}F{{/f}}{{#z}}Z{{/z}}{{#e}}E{{/e}}{{#missing}}M{{/missing}}", ctx, "T");
	expect("{{^t}}T{{/t}}{{^f}}F{{/f}}{{^z}}Z{{/z}}{{^e}}E{{/e}}{{^missing}}M{{/missing}}", ctx, "FZEM");
	expect("{{#s}}[{{.}}]{{/s}}{{#zero}}[{{.}}]{{/zero}}", ctx, "[text][0]");
	expect("{{#obj}}{{k}}{{/obj}}{{#empty}}E{{/empty}}{{^obj}}no{{/obj}}", ctx, "vE");
	/* inverted sections push nothing */
	expect("{{^f}}{{k}}{{/f}}", "{\"f\":false,\"k\":\"top\"}", "top");
}
END_TEST

START_TEST(test_nested_sections)
{
	const char *ctx = "{\"title\":\"T\",\"groups\":[{\"name\":\"g1\",\"items\":[{\"v\":1},{\"v\":2}]},"
			  "{\"name\":\"g2\",\"items\":[]}]}";
	expect("{{#groups}}{{name}}:{{#items}}{{v}}{{title}}{{/items}}{{^items}}-{{/items}};{{/groups}}", ctx,
	       "g1:1T2T;g2:-;");
	/* the same name nested in itself */
	expect("{{#a}}{{#a}}x{{/a}}{{/a}}", "{\"a\":{\"a\":true}}", "x");
}
END_TEST

START_TEST(test_comments_and_raw)
{
	expect("a{{! a comment with {{braces} and <tags> }}b", "{}", "ab");
	expect("{{{html}}}|{{html}}", "{\"html\":\"<b>x</b>\"}", "<b>x</b>|&lt;b&gt;x&lt;&#x2F;b&gt;");
	expect("{{{ html }}}", "{\"html\":\"<i>\"}", "<i>");
	expect("literal { } }} {x} text", "{}", "literal { } }} {x} text");
}
END_TEST

START_TEST(test_standalone_lines)
{
	expect("<ul>\n  {{#l}}\n  <li>{{.}}</li>\n  {{/l}}\n</ul>\n", "{\"l\":[1,2]}",
	       "<ul>\n  <li>1</li>\n  <li>2</li>\n</ul>\n");
	expect("a\r\n{{! note }}\r\nb", "{}", "a\r\nb");
	/* not alone on the line: kept as written */
	expect("x {{#t}}y{{/t}} z\n", "{\"t\":true}", "x y z\n");
	expect("{{v}} {{#t}}\n{{/t}}", "{\"v\":1,\"t\":true}", "1 \n");
}
END_TEST

START_TEST(test_utf8)
{
	expect("Grüße, {{v}} — 日本語", "{\"v\":\"Zoë 🙂 Ω\"}", "Grüße, Zoë 🙂 Ω — 日本語");
	expect_mode("{{v}}", "{\"v\":\"ä\\u00e9\\ud83d\\ude42\"}", false, "äé🙂");
}
END_TEST

START_TEST(test_text_mode)
{
	expect_mode("Hello {{name}},\r\n{{link}}\n", "{\"name\":\"<Ann> & \\\"Bo\\\"\",\"link\":\"a=b/c\"}", false,
		    "Hello <Ann> & \"Bo\",\r\na=b/c\n");
	expect_mode("[{{v}}]", "{\"v\":\"a\\r\\nb\\tc\\u0001\"}", false, "[a\r\nb\tc\x01]");
	expect_mode("{{#l}}- {{.}}\n{{/l}}", "{\"l\":[\"x\",\"y\"]}", false, "- x\n- y\n");
}
END_TEST

/* A NUL inside a JSON string would cut the NUL-terminated result short: it is dropped. */
START_TEST(test_nul_in_value)
{
	expect("[{{v}}]", "{\"v\":\"a\\u0000<b\"}", "[a&lt;b]");
	expect_mode("[{{v}}]", "{\"v\":\"a\\u0000b\"}", false, "[ab]");
}
END_TEST

START_TEST(test_syntax_errors)
{
	expect_error("a {{name", "{}", "unclosed tag");
	expect_error("a {{name}", "{}", "unclosed tag");
	expect_error("{{{name}}", "{}", "unclosed tag");
	expect_error("{{! never closed", "{}", "unclosed tag");
	expect_error("{{#a}}x", "{\"a\":true}", "unclosed section");
	expect_error("{{#a}}{{#b}}{{/b}}", "{}", "unclosed section");
	expect_error("{{#a}}x{{/b}}", "{}", "mismatched section close");
	expect_error("{{#a}}{{#b}}{{/a}}{{/b}}", "{}", "mismatched section close");
	expect_error("x{{/a}}", "{}", "section close without an open section");
	expect_error("{{}}", "{}", "invalid tag name");
	expect_error("{{ }}", "{}", "invalid tag name");
	expect_error("{{> partial}}", "{}", "invalid tag name");
	expect_error("{{&raw}}", "{}", "invalid tag name");
	expect_error("{{a b}}", "{}", "invalid tag name");
	expect_error("{{a..b}}", "{}", "invalid tag name");
	expect_error("{{.a}}", "{}", "invalid tag name");
	expect_error("{{a.}}", "{}", "invalid tag name");
	expect_error("{{#}}{{/}}", "{}", "invalid tag name");
}
END_TEST

static char *nested(int depth)
{
	size_t cap = (size_t)depth * 16 + 2, n = 0;
	char *s = malloc(cap);
	if (!s)
		abort();
	for (int i = 0; i < depth; i++)
		n += (size_t)snprintf(s + n, cap - n, "{{#a}}");
	n += (size_t)snprintf(s + n, cap - n, "x");
	for (int i = 0; i < depth; i++)
		n += (size_t)snprintf(s + n, cap - n, "{{/a}}");
	return s;
}

START_TEST(test_depth_limit)
{
	char *ok = nested(TEMPLATE_MAX_DEPTH);
	expect(ok, "{\"a\":true}", "x");
	char *deep = nested(TEMPLATE_MAX_DEPTH + 1);
	expect_error(deep, "{\"a\":true}", "sections nested deeper than 32");
	free(ok);
	free(deep);
}
END_TEST

START_TEST(test_size_limits)
{
	char *big = malloc(TEMPLATE_MAX_SOURCE + 2);
	memset(big, 'a', TEMPLATE_MAX_SOURCE);
	big[TEMPLATE_MAX_SOURCE] = '\0';
	char *out = template_render(big, NULL, NULL);
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(strlen(out), TEMPLATE_MAX_SOURCE);
	free(out);
	big[TEMPLATE_MAX_SOURCE] = 'a';
	big[TEMPLATE_MAX_SOURCE + 1] = '\0';
	expect_error(big, "{}", "template larger than 1 MiB");
	free(big);

	/* 9 copies of a 1 MiB value: over the 8 MiB output cap */
	char *mib = malloc(1024 * 1024 + 1);
	memset(mib, 'v', 1024 * 1024);
	mib[1024 * 1024] = '\0';
	json_t *ctx = json_pack("{s[iiiiiiiii]ss}", "l", 1, 2, 3, 4, 5, 6, 7, 8, 9, "v", mib);
	const char *err = NULL;
	ck_assert_ptr_null(template_render("{{#l}}{{v}}{{/l}}", ctx, &err));
	ck_assert_str_eq(err, "output larger than 8 MiB");
	/* 7 copies fit */
	json_array_remove(json_object_get(ctx, "l"), 0);
	json_array_remove(json_object_get(ctx, "l"), 0);
	out = template_render("{{#l}}{{v}}{{/l}}", ctx, &err);
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(strlen(out), 7u * 1024 * 1024);
	free(out);
	json_decref(ctx);
	free(mib);
}
END_TEST

/* Sections nested over arrays multiply without producing output; the work is bounded. */
START_TEST(test_work_limit)
{
	char *tpl = nested(8);
	expect_error(tpl, "{\"a\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]}", "template too complex");
	free(tpl);
}
END_TEST

START_TEST(test_null_context)
{
	char *out = template_render("a{{x}}{{#x}}y{{/x}}{{^x}}z{{/x}}{{.}}", NULL, NULL);
	ck_assert_str_eq(out, "az");
	free(out);
}
END_TEST

/* ---- pages ---- */

static char dir[64];

static void write_file(const char *name, const char *text)
{
	test_write_file(dir, name, text);
}

static void remove_file(const char *name)
{
	char path[128];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	unlink(path);
}

static void page_setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/tessera-template-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	write_file("layout.html", "<html><title>{{title}}</title>\n<main>{{{content}}}</main></html>\n");
	write_file("signin.html", "<h1>{{title}}</h1>{{#error}}<p>{{error}}</p>{{/error}}");
}

static void page_teardown(void)
{
	template_cache_clear();
	remove_file("layout.html");
	remove_file("signin.html");
	remove_file("broken.html");
	rmdir(dir);
}

START_TEST(test_page_layout)
{
	json_t *ctx = ctx_of("{\"title\":\"Sign <in>\",\"error\":\"Bad \\\"pw\\\"\"}");
	const char *err = NULL;
	char *out = template_render_page(dir, "signin", ctx, &err);
	ck_assert_msg(out != NULL, "render_page: %s", err);
	ck_assert_str_eq(out, "<html><title>Sign &lt;in&gt;</title>\n"
			      "<main><h1>Sign &lt;in&gt;</h1><p>Bad &quot;pw&quot;</p></main></html>\n");
	free(out);
	/* the caller's context is not modified */
	ck_assert_ptr_null(json_object_get(ctx, "content"));
	json_decref(ctx);
}
END_TEST

/* A "content" value in the context cannot replace the page in the layout's raw slot. */
START_TEST(test_page_content_not_from_context)
{
	json_t *ctx = ctx_of("{\"title\":\"t\",\"content\":\"<script>alert(1)</script>\"}");
	char *out = template_render_page(dir, "signin", ctx, NULL);
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_null(strstr(out, "<script>"));
	ck_assert_str_eq(out, "<html><title>t</title>\n<main><h1>t</h1></main></html>\n");
	free(out);
	json_decref(ctx);
}
END_TEST

START_TEST(test_page_cached)
{
	json_t *ctx = ctx_of("{\"title\":\"t\"}");
	char *first = template_render_page(dir, "signin", ctx, NULL);
	ck_assert_ptr_nonnull(first);
	/* files are read once per process: changing or removing them has no effect until cleared */
	write_file("signin.html", "changed");
	remove_file("layout.html");
	char *second = template_render_page(dir, "signin", ctx, NULL);
	ck_assert_ptr_nonnull(second);
	ck_assert_str_eq(first, second);
	template_cache_clear();
	const char *err = NULL;
	ck_assert_ptr_null(template_render_page(dir, "signin", ctx, &err));
	ck_assert_str_eq(err, "cannot read template");
	write_file("layout.html", "[{{{content}}}]");
	char *third = template_render_page(dir, "signin", ctx, NULL);
	ck_assert_str_eq(third, "[changed]");
	free(first);
	free(second);
	free(third);
	json_decref(ctx);
}
END_TEST

START_TEST(test_page_errors)
{
	json_t *ctx = ctx_of("{}");
	const char *err = NULL;
	ck_assert_ptr_null(template_render_page(dir, "missing", ctx, &err));
	ck_assert_str_eq(err, "cannot read template");
	ck_assert_ptr_null(template_render_page(dir, "../signin", ctx, &err));
	ck_assert_str_eq(err, "invalid template name");
	ck_assert_ptr_null(template_render_page(dir, ".hidden", ctx, &err));
	ck_assert_ptr_null(template_render_page(dir, "", ctx, &err));
	write_file("broken.html", "{{#a}}");
	ck_assert_ptr_null(template_render_page(dir, "broken", ctx, &err));
	ck_assert_str_eq(err, "unclosed section");
	/* a broken file is not cached as good: fixed, it renders */
	write_file("broken.html", "ok");
	char *out = template_render_page(dir, "broken", ctx, NULL);
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(strstr(out, "<main>ok</main>"));
	free(out);
	json_decref(ctx);
}
END_TEST

Suite *template_suite(void)
{
	Suite *s = suite_create("template");
	TCase *tc = tcase_create("template");
	tcase_add_test(tc, test_escape_each_char);
	tcase_add_loop_test(tc, test_escape_xss, 0, (int)(sizeof xss / sizeof xss[0]));
	tcase_add_test(tc, test_escape_known_payloads);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_scalars);
	tcase_add_test(tc, test_sections_arrays);
	tcase_add_test(tc, test_sections_values);
	tcase_add_test(tc, test_nested_sections);
	tcase_add_test(tc, test_comments_and_raw);
	tcase_add_test(tc, test_standalone_lines);
	tcase_add_test(tc, test_utf8);
	tcase_add_test(tc, test_text_mode);
	tcase_add_test(tc, test_nul_in_value);
	tcase_add_test(tc, test_syntax_errors);
	tcase_add_test(tc, test_depth_limit);
	tcase_add_test(tc, test_size_limits);
	tcase_add_test(tc, test_work_limit);
	tcase_add_test(tc, test_null_context);
	suite_add_tcase(s, tc);

	TCase *pages = tcase_create("pages");
	tcase_add_checked_fixture(pages, page_setup, page_teardown);
	tcase_add_test(pages, test_page_layout);
	tcase_add_test(pages, test_page_content_not_from_context);
	tcase_add_test(pages, test_page_cached);
	tcase_add_test(pages, test_page_errors);
	suite_add_tcase(s, pages);
	return s;
}
