/* SPDX-License-Identifier: BSD-2-Clause */
/* mime and mail: header safety, addresses, RFC 2047 words, the multipart message, header
 * injection refused before anything is built or stored, backoff. The database is never
 * reached: TEST_DB_SOCKET does not exist, so a test that got as far as an INSERT sees -1. */
#include "tests.h"

#include "core/config.h"
#include "mail/mail.h"
#include "mail/mime.h"
#include "core/template.h"

#include <openssl/evp.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Decodes one base64 run (no line breaks) into a NUL-terminated malloc'd string. */
static char *unbase64(const char *s, size_t n)
{
	unsigned char *out = malloc(n + 1);
	int len = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
	ck_assert_int_ge(len, 0);
	while (n > 0 && s[n - 1] == '=') /* DecodeBlock counts padding as zero bytes */
		n--, len--;
	out[len] = '\0';
	return (char *)out;
}

/* The concatenated text of every encoded word in a header value; each word must decode to
 * whole UTF-8 characters and be at most 75 characters long. */
static char *decode_words(const char *value)
{
	static char text[4096];
	text[0] = '\0';
	for (const char *p = strstr(value, "=?UTF-8?B?"); p; p = strstr(p, "=?UTF-8?B?")) {
		const char *b = p + 10, *e = strstr(b, "?=");
		ck_assert_ptr_nonnull(e);
		ck_assert_int_le(e + 2 - p, 75);
		char *part = unbase64(b, (size_t)(e - b));
		ck_assert_msg((part[0] & 0xc0) != 0x80, "a word starts inside a character");
		strcat(text, part);
		free(part);
		p = e + 2;
	}
	return text;
}

START_TEST(test_header_safe)
{
	ck_assert(mime_header_safe("Welcome to Tessera"));
	ck_assert(mime_header_safe("tab\tis fine"));
	ck_assert(mime_header_safe("Grüße, 日本"));
	ck_assert(!mime_header_safe("a\r\nBcc: evil@example.com"));
	ck_assert(!mime_header_safe("a\nb"));
	ck_assert(!mime_header_safe("a\rb"));
	ck_assert(!mime_header_safe("bell\x07"));
	ck_assert(!mime_header_safe("del\x7f"));
}
END_TEST

START_TEST(test_address_valid)
{
	static const char *const good[] = { "a@b.c", "first.last+tag@example.co.uk", "noreply@localhost",
					     "o'brien@example.com", NULL };
	static const char *const bad[] = { "", "a", "a@", "@b.c", "a@@b.c", "a@b@c", "a b@c.d", "<a@b.c>",
					   "a..b@c.d", ".a@b.c", "a.@b.c", "a@b..c", "a@.b", "\"q\"@b.c",
					   "a@b.c\r\nBcc: x@y.z", "a@b.c\n", "a(b)@c.d", "a@b,c@d.e", "ü@b.c", NULL };
	for (int i = 0; good[i]; i++)
		ck_assert_msg(mime_address_valid(good[i]), "refused %s", good[i]);
	for (int i = 0; bad[i]; i++)
		ck_assert_msg(!mime_address_valid(bad[i]), "accepted %s", bad[i]);
	ck_assert(!mime_address_valid(NULL));
	char long_local[80], long_addr[340];
	memset(long_local, 'x', 65);
	strcpy(long_local + 65, "@b.c");
	ck_assert(!mime_address_valid(long_local));
	memset(long_addr, 'd', sizeof long_addr);
	memcpy(long_addr, "a@", 2);
	long_addr[321] = '\0';
	ck_assert(!mime_address_valid(long_addr));
}
END_TEST

START_TEST(test_encode_words_ascii_unchanged)
{
	char *s = mime_encode_words("Tessera Password Reset", 9);
	ck_assert_str_eq(s, "Tessera Password Reset");
	free(s);
}
END_TEST

START_TEST(test_encode_words_utf8)
{
	char *s = mime_encode_words("Grüße", 9);
	ck_assert_str_eq(s, "=?UTF-8?B?R3LDvMOfZQ==?=");
	free(s);
	/* "=?" in ASCII could be mistaken for a word: it is encoded too */
	s = mime_encode_words("=?x?=", 9);
	ck_assert_str_eq(decode_words(s), "=?x?=");
	ck_assert_ptr_null(strstr(s, "=?x"));
	free(s);
}
END_TEST

/* A long subject of 2-, 3- and 4-byte characters: folded, every line short, every word whole
 * characters, and the words together give back the text. */
START_TEST(test_encode_words_fold)
{
	char text[1024] = "";
	for (int i = 0; i < 20; i++)
		strcat(text, "Grüße 日本語 😀 ");
	char *s = mime_encode_words(text, 9);
	ck_assert_str_eq(decode_words(s), text);
	size_t col = 9;
	for (const char *p = s; *p; p++) {
		if (*p == '\r') {
			ck_assert_msg(p[1] == '\n' && p[2] == ' ', "a line break is not CRLF SP folding");
			col = 0;
			p++;
			continue;
		}
		ck_assert_msg(*p != '\n', "bare LF");
		ck_assert_int_le(++col, 76);
	}
	free(s);
}
END_TEST

START_TEST(test_mailbox)
{
	char *s = mime_mailbox("Ann \"A\" \\ B", "ann@example.com", 4);
	ck_assert_str_eq(s, "\"Ann \\\"A\\\" \\\\ B\" <ann@example.com>");
	free(s);
	s = mime_mailbox(NULL, "ann@example.com", 4);
	ck_assert_str_eq(s, "<ann@example.com>");
	free(s);
	s = mime_mailbox("", "ann@example.com", 4);
	ck_assert_str_eq(s, "<ann@example.com>");
	free(s);
	s = mime_mailbox("Zoë", "zoe@example.com", 4);
	ck_assert_str_eq(s, "=?UTF-8?B?Wm/Dqw==?= <zoe@example.com>");
	free(s);
	ck_assert_ptr_null(mime_mailbox("Eve\r\nBcc: all@example.com", "eve@example.com", 4));
	ck_assert_ptr_null(mime_mailbox("Eve", "eve@example.com\r\nBcc: all@example.com", 4));
	ck_assert_ptr_null(mime_mailbox("Eve", "not an address", 4));
}
END_TEST

START_TEST(test_parse_mailbox)
{
	char name[256], addr[MIME_ADDRESS_MAX + 1];
	ck_assert_int_eq(mime_parse_mailbox("Tessera <noreply@localhost>", name, sizeof name, addr), 0);
	ck_assert_str_eq(name, "Tessera");
	ck_assert_str_eq(addr, "noreply@localhost");
	ck_assert_int_eq(mime_parse_mailbox("\"My Clinic\" <mail@clinic.example>", name, sizeof name, addr), 0);
	ck_assert_str_eq(name, "My Clinic");
	ck_assert_int_eq(mime_parse_mailbox("  bare@example.com ", name, sizeof name, addr), 0);
	ck_assert_str_eq(name, "");
	ck_assert_str_eq(addr, "bare@example.com");
	ck_assert_int_eq(mime_parse_mailbox("X\r\nBcc: a@b.c <x@y.z>", name, sizeof name, addr), -1);
	ck_assert_int_eq(mime_parse_mailbox("X <x@y.z> trailing", name, sizeof name, addr), -1);
	ck_assert_int_eq(mime_parse_mailbox("X <x@y.z", name, sizeof name, addr), -1);
	ck_assert_int_eq(mime_parse_mailbox("X <not an address>", name, sizeof name, addr), -1);
	ck_assert_str_eq(mime_domain("a@b.example"), "b.example");
}
END_TEST

static struct mime_message sample(void)
{
	return (struct mime_message){
		.from_name = "Tessera", .from_addr = "noreply@tessera.example", .to_name = "Zoë Doe",
		.to_addr = "zoe@example.com", .subject = "Welcome to Tessera", .text = "Hello\nline two\n",
		.html = "<p>Hello</p>\n", .message_id = "0f8fad5b-d9cb-469f-a165-70867728950e", .date = 1700000000,
		.boundary = "=_tessera_test",
	};
}

/* The body of the part with the given content type, base64-decoded. */
static char *part_body(const char *msg, const char *type)
{
	char header[128];
	snprintf(header, sizeof header, "Content-Type: %s; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n",
		 type);
	const char *p = strstr(msg, header);
	ck_assert_msg(p != NULL, "no %s part", type);
	p += strlen(header);
	const char *end = strstr(p, "\r\n--=_tessera_test");
	ck_assert_ptr_nonnull(end);
	char b64[4096];
	size_t n = 0;
	for (; p < end; p++)
		if (*p != '\r' && *p != '\n')
			b64[n++] = *p;
	return unbase64(b64, n);
}

START_TEST(test_build_multipart)
{
	struct mime_message m = sample();
	size_t len = 0;
	char *msg = mime_build(&m, &len);
	ck_assert_ptr_nonnull(msg);
	ck_assert_uint_eq(len, strlen(msg));
	static const char *const headers =
		"Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
		"From: \"Tessera\" <noreply@tessera.example>\r\n"
		"To: =?UTF-8?B?Wm/DqyBEb2U=?= <zoe@example.com>\r\n"
		"Subject: Welcome to Tessera\r\n"
		"Message-ID: <0f8fad5b-d9cb-469f-a165-70867728950e@tessera.example>\r\n"
		"Auto-Submitted: auto-generated\r\n"
		"MIME-Version: 1.0\r\n"
		"Content-Type: multipart/alternative; boundary=\"=_tessera_test\"\r\n"
		"\r\n";
	ck_assert_msg(strncmp(msg, headers, strlen(headers)) == 0, "headers:\n%s", msg);
	char *text = part_body(msg, "text/plain"), *html = part_body(msg, "text/html");
	ck_assert_str_eq(text, "Hello\r\nline two\r\n");
	ck_assert_str_eq(html, "<p>Hello</p>\r\n");
	ck_assert(strstr(msg, "text/plain") < strstr(msg, "text/html")); /* RFC 2046: best part last */
	ck_assert_msg(len > 20 && !strcmp(msg + len - 20, "--=_tessera_test--\r\n"), "no closing boundary");
	for (size_t i = 0; i < len; i++)
		ck_assert_msg(msg[i] != '\n' || (i > 0 && msg[i - 1] == '\r'), "bare LF at %zu", i);
	free(text);
	free(html);
	free(msg);
}
END_TEST

START_TEST(test_build_text_only_and_random_boundary)
{
	struct mime_message m = sample();
	m.html = NULL;
	size_t len;
	char *msg = mime_build(&m, &len);
	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_nonnull(strstr(msg, "\r\nContent-Type: text/plain; charset=utf-8\r\n"));
	ck_assert_ptr_null(strstr(msg, "multipart"));
	free(msg);
	m = sample();
	m.boundary = NULL;
	msg = mime_build(&m, &len);
	ck_assert_ptr_nonnull(strstr(msg, "boundary=\"=_tessera_"));
	free(msg);
}
END_TEST

/* Whatever a body holds (a fake boundary, a lone dot, header lines) travels base64-encoded. */
START_TEST(test_build_body_cannot_escape)
{
	struct mime_message m = sample();
	m.text = "--=_tessera_test\r\nContent-Type: text/html\r\n\r\n.\r\nBcc: evil@example.com\n";
	size_t len;
	char *msg = mime_build(&m, &len);
	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_null(strstr(msg, "Bcc"));
	ck_assert_ptr_null(strstr(msg, "\r\n.\r\n"));
	char *text = part_body(msg, "text/plain");
	ck_assert_str_eq(text, "--=_tessera_test\r\nContent-Type: text/html\r\n\r\n.\r\nBcc: evil@example.com\r\n");
	free(text);
	free(msg);
}
END_TEST

START_TEST(test_build_refuses_injection)
{
	size_t len;
	struct mime_message m = sample();
	m.subject = "Hi\r\nBcc: evil@example.com";
	ck_assert_ptr_null(mime_build(&m, &len));
	m = sample();
	m.subject = "Hi\nBcc: evil@example.com";
	ck_assert_ptr_null(mime_build(&m, &len));
	m = sample();
	m.to_name = "Zoë\r\nBcc: evil@example.com";
	ck_assert_ptr_null(mime_build(&m, &len));
	m = sample();
	m.to_addr = "zoe@example.com\r\nBcc: evil@example.com";
	ck_assert_ptr_null(mime_build(&m, &len));
	m = sample();
	m.from_name = "T\nX: y";
	ck_assert_ptr_null(mime_build(&m, &len));
	m = sample();
	m.message_id = "x>\r\nBcc: y";
	ck_assert_ptr_null(mime_build(&m, &len));
}
END_TEST

START_TEST(test_build_encodes_subject)
{
	struct mime_message m = sample();
	m.subject = "Willkommen bei Grüße";
	size_t len;
	char *msg = mime_build(&m, &len);
	ck_assert_ptr_nonnull(msg);
	const char *subject = strstr(msg, "\r\nSubject: ");
	ck_assert_ptr_nonnull(subject);
	ck_assert_str_eq(decode_words(subject), "Willkommen bei Grüße");
	free(msg);
}
END_TEST

START_TEST(test_backoff)
{
	ck_assert_int_eq(mail_backoff_seconds(0), 30);
	ck_assert_int_eq(mail_backoff_seconds(1), 30);
	ck_assert_int_eq(mail_backoff_seconds(2), 60);
	ck_assert_int_eq(mail_backoff_seconds(3), 120);
	ck_assert_int_eq(mail_backoff_seconds(7), 1920);
	ck_assert_int_eq(mail_backoff_seconds(8), 3600); /* 3840 capped */
	ck_assert_int_eq(mail_backoff_seconds(10), 3600);
	ck_assert_int_eq(mail_backoff_seconds(1000000), 3600);
}
END_TEST

/* ---- mail_enqueue: refusals happen before the database (which is unreachable here) ---- */

static char tmpdir[64];

static void write_file(const char *name, const char *content)
{
	char dir[128];
	snprintf(dir, sizeof dir, "%s/email", tmpdir);
	test_write_file(dir, name, content);
}

static void templates_setup(void)
{
	test_config_load();
	strcpy(tmpdir, "/tmp/tessera-mail-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	char dir[128];
	snprintf(dir, sizeof dir, "%s/email", tmpdir);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	write_file("hello.subject", "Hello {{who}}\n");
	write_file("hello.txt", "Hi {{who}}\n");
	write_file("hello.html", "<p>Hi {{who}}</p>\n");
	write_file("layout.html", "<html>{{{content}}}</html>\n");
	char err[256];
	ck_assert_int_eq(config_set("templates_dir", tmpdir, err, sizeof err), 0);
}

static void templates_teardown(void)
{
	static const char *const files[] = { "hello.subject", "hello.txt", "hello.html", "layout.html" };
	char path[256];
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s/email/%s", tmpdir, files[i]);
		unlink(path);
	}
	snprintf(path, sizeof path, "%s/email", tmpdir);
	rmdir(path);
	rmdir(tmpdir);
	template_cache_clear();
	test_config_free();
}

static int enqueue(const char *template_name, const char *to, const char *name, const char *who)
{
	json_t *vars = json_pack("{s:s}", "who", who);
	struct mail_message m = { .template_name = template_name, .to_address = to, .to_name = name, .vars = vars };
	char id[37];
	int rc = mail_enqueue(&m, id);
	json_decref(vars);
	return rc;
}

START_TEST(test_enqueue_refuses)
{
	ck_assert_int_eq(enqueue("hello", "a@b.c\r\nBcc: evil@example.com", NULL, "x"), 1);
	ck_assert_int_eq(enqueue("hello", "not an address", NULL, "x"), 1);
	ck_assert_int_eq(enqueue("hello", "a@b.c", "Ann\r\nBcc: evil@example.com", "x"), 1);
	ck_assert_int_eq(enqueue("hello", "a@b.c", "Ann\nBcc: evil@example.com", "x"), 1);
	ck_assert_int_eq(enqueue("../hello", "a@b.c", NULL, "x"), 1);
	ck_assert_int_eq(enqueue("nosuch", "a@b.c", NULL, "x"), 1);
	/* a var that puts a line break into the subject */
	ck_assert_int_eq(enqueue("hello", "a@b.c", NULL, "you\r\nBcc: evil@example.com"), 1);
	ck_assert_int_eq(enqueue("hello", "a@b.c", NULL, "you\nBcc: evil@example.com"), 1);
	/* a good message renders and only then needs the database, which is not there */
	ck_assert_int_eq(enqueue("hello", "a@b.c", "Ann", "you"), -1);
}
END_TEST

Suite *mail_suite(void)
{
	Suite *s = suite_create("mail");
	TCase *tc = tcase_create("mime");
	tcase_add_test(tc, test_header_safe);
	tcase_add_test(tc, test_address_valid);
	tcase_add_test(tc, test_encode_words_ascii_unchanged);
	tcase_add_test(tc, test_encode_words_utf8);
	tcase_add_test(tc, test_encode_words_fold);
	tcase_add_test(tc, test_mailbox);
	tcase_add_test(tc, test_parse_mailbox);
	tcase_add_test(tc, test_build_multipart);
	tcase_add_test(tc, test_build_text_only_and_random_boundary);
	tcase_add_test(tc, test_build_body_cannot_escape);
	tcase_add_test(tc, test_build_refuses_injection);
	tcase_add_test(tc, test_build_encodes_subject);
	tcase_add_test(tc, test_backoff);
	suite_add_tcase(s, tc);
	tc = tcase_create("enqueue");
	tcase_add_checked_fixture(tc, templates_setup, templates_teardown);
	tcase_add_test(tc, test_enqueue_refuses);
	suite_add_tcase(s, tc);
	return s;
}
