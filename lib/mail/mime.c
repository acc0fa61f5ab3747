/* SPDX-License-Identifier: BSD-2-Clause */
/* mime: builds the text of a multipart/alternative email. Strings are assembled with
 * open_memstream and base64 comes from OpenSSL, so the only hand-written encoding here is
 * the RFC 2047 word splitting. */
#include "mail/mime.h"
#include "core/crypto.h"

#include <openssl/evp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_B64 76   /* RFC 2045 §6.8: encoded lines at most 76 characters */
#define WORD_MAX 75       /* RFC 2047 §2: an encoded word at most 75 characters */
#define WORD_PREFIX "=?UTF-8?B?"
#define WORD_OVERHEAD 12  /* "=?UTF-8?B?" and "?=" */

bool mime_header_safe(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return false;
	return true;
}

static bool printable_ascii(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			return false;
	return true;
}

/* RFC 5322 atext plus '.', which covers the dot-atom forms we accept on either side of '@'. */
static bool address_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr(".!#$%&'*+/=?^_`{|}~-", c);
}

static bool dot_atom(const char *s, size_t n)
{
	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if ((s[i] == '.' && i + 1 < n && s[i + 1] == '.') || !address_char(s[i]))
			return false;
	return true;
}

bool mime_address_valid(const char *addr)
{
	if (!addr)
		return false;
	size_t n = strlen(addr);
	const char *at = strchr(addr, '@');
	if (n > MIME_ADDRESS_MAX || !at || strchr(at + 1, '@'))
		return false;
	size_t local = (size_t)(at - addr), domain = n - local - 1;
	/* A domain without a dot (localhost) is fine for a local relay. */
	return local <= 64 && dot_atom(addr, local) && dot_atom(at + 1, domain);
}

const char *mime_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');
	return at ? at + 1 : addr;
}

/* How many bytes of s (at most max) end on a UTF-8 character boundary. */
static size_t utf8_cut(const unsigned char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	size_t cut = max;
	while (cut > 0 && (s[cut] & 0xc0) == 0x80)
		cut--;
	return cut ? cut : max; /* a run of continuation bytes (invalid UTF-8): cut anyway */
}

static void put_base64(FILE *out, const unsigned char *data, size_t len)
{
	unsigned char b64[4 * ((LINE_MAX_B64 / 4) + 1) + 1];
	size_t chunk = LINE_MAX_B64 / 4 * 3; /* 57 bytes make one 76-character line */
	for (size_t off = 0; off < len; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;
		EVP_EncodeBlock(b64, data + off, (int)n);
		fprintf(out, "%s\r\n", b64);
	}
}

/* Encoded words from text, the first one fitting after `used` columns. */
static void put_words(FILE *out, const char *text, size_t used)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t len = strlen(text), off = 0;
	unsigned char b64[WORD_MAX];
	do {
		size_t room = used + WORD_OVERHEAD < WORD_MAX + 1 ? WORD_MAX + 1 - used - WORD_OVERHEAD : 4;
		size_t max = room / 4 * 3;
		if (max > (WORD_MAX - WORD_OVERHEAD) / 4 * 3)
			max = (WORD_MAX - WORD_OVERHEAD) / 4 * 3;
		size_t n = utf8_cut(s + off, len - off, max);
		EVP_EncodeBlock(b64, s + off, (int)n);
		fprintf(out, "%s" WORD_PREFIX "%s?=", off ? "\r\n " : "", b64);
		off += n;
		used = 1; /* continuation lines start with one space */
	} while (off < len);
}

/* open_memstream's buffer is only final after fclose: hence the pointer to it. */
static char *closed(FILE *out, char **buf)
{
	if (fclose(out) != 0) {
		free(*buf);
		return NULL;
	}
	return *buf;
}

char *mime_encode_words(const char *text, size_t used)
{
	char *buf = NULL;
	size_t size;
	FILE *out = open_memstream(&buf, &size);
	if (!out)
		return NULL;
	/* "=?" in plain text could be read as an encoded word: encode it too. */
	if (printable_ascii(text) && !strstr(text, "=?"))
		fputs(text, out);
	else
		put_words(out, text, used);
	return closed(out, &buf);
}

/* An ASCII display name as an RFC 5322 quoted-string. */
static void put_quoted(FILE *out, const char *name)
{
	fputc('"', out);
	for (const char *p = name; *p; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', out);
		fputc(*p, out);
	}
	fputc('"', out);
}

char *mime_mailbox(const char *name, const char *addr, size_t used)
{
	if (!mime_address_valid(addr) || (name && !mime_header_safe(name)))
		return NULL;
	char *buf = NULL;
	size_t size;
	FILE *out = open_memstream(&buf, &size);
	if (!out)
		return NULL;
	if (name && *name) {
		if (printable_ascii(name) && !strstr(name, "=?"))
			put_quoted(out, name);
		else
			put_words(out, name, used);
		fputc(' ', out);
	}
	fprintf(out, "<%s>", addr);
	return closed(out, &buf);
}

static void trim_copy(char *dst, size_t cap, const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"')
		s++, n -= 2;
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

int mime_parse_mailbox(const char *s, char *name, size_t namecap, char addr[MIME_ADDRESS_MAX + 1])
{
	if (!s || !mime_header_safe(s))
		return -1;
	const char *lt = strrchr(s, '<');
	const char *gt = lt ? strchr(lt, '>') : NULL;
	if (lt && (!gt || gt[1]))
		return -1;
	if (lt) {
		trim_copy(name, namecap, s, (size_t)(lt - s));
		trim_copy(addr, MIME_ADDRESS_MAX + 1, lt + 1, (size_t)(gt - lt - 1));
	} else {
		name[0] = '\0';
		trim_copy(addr, MIME_ADDRESS_MAX + 1, s, strlen(s));
	}
	return mime_address_valid(addr) && !strpbrk(name, "\"\\") ? 0 : -1;
}

/* A body as base64 of its canonical form: every line end CRLF (RFC 2046 §4.1.1). */
static int put_body(FILE *out, const char *body)
{
	char *canon = NULL;
	size_t size;
	FILE *c = open_memstream(&canon, &size);
	if (!c)
		return -1;
	for (const char *p = body; *p; p++) {
		if (*p == '\n' && (p == body || p[-1] != '\r'))
			fputc('\r', c);
		fputc(*p, c);
	}
	if (fclose(c) != 0) {
		free(canon);
		return -1;
	}
	put_base64(out, (const unsigned char *)canon, size);
	free(canon);
	return 0;
}

static int put_part(FILE *out, const char *boundary, const char *type, const char *body)
{
	fprintf(out, "--%s\r\nContent-Type: %s; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n", boundary,
		type);
	return put_body(out, body);
}

static void put_date(FILE *out, time_t when)
{
	struct tm tm;
	char date[64];
	gmtime_r(&when, &tm);
	/* The programs never call setlocale, so %a and %b are the English names RFC 5322 wants. */
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	fprintf(out, "Date: %s\r\n", date);
}

static bool message_id_valid(const char *id)
{
	if (!id || !*id)
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '.'))
			return false;
	return true;
}

static int put_headers(FILE *out, const struct mime_message *m, const char *boundary)
{
	char *from = mime_mailbox(m->from_name, m->from_addr, 6);
	char *to = mime_mailbox(m->to_name, m->to_addr, 4);
	char *subject = mime_header_safe(m->subject) ? mime_encode_words(m->subject, 9) : NULL;
	int rc = from && to && subject && message_id_valid(m->message_id) ? 0 : -1;
	if (rc == 0) {
		put_date(out, m->date);
		fprintf(out, "From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@%s>\r\n", from, to, subject,
			m->message_id, mime_domain(m->from_addr));
		/* RFC 3834: tells vacation responders not to answer. */
		fputs("Auto-Submitted: auto-generated\r\nMIME-Version: 1.0\r\n", out);
		if (m->html)
			fprintf(out, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", boundary);
	}
	free(from);
	free(to);
	free(subject);
	return rc;
}

char *mime_build(const struct mime_message *m, size_t *len)
{
	char random[33], boundary[64];
	const char *b = m->boundary;
	if (!b) {
		/* "=_" never occurs in base64, so no body line can equal the boundary. */
		if (crypto_random_hex(random, 16) < 0)
			return NULL;
		snprintf(boundary, sizeof boundary, "=_tessera_%s", random);
		b = boundary;
	}
	char *buf = NULL;
	FILE *out = open_memstream(&buf, len);
	if (!out)
		return NULL;
	int rc = put_headers(out, m, b);
	if (rc == 0 && !m->html) {
		fputs("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n", out);
		rc = put_body(out, m->text);
	} else if (rc == 0) {
		fputs("This is a message in MIME format: a text and an HTML version.\r\n\r\n", out);
		rc = put_part(out, b, "text/plain", m->text) || put_part(out, b, "text/html", m->html);
		fprintf(out, "--%s--\r\n", b);
	}
	char *msg = closed(out, &buf);
	if (rc != 0) {
		free(msg);
		return NULL;
	}
	return msg;
}
