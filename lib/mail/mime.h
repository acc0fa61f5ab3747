/* SPDX-License-Identifier: BSD-2-Clause */
/* mime: the text of one email message (RFC 5322 headers, RFC 2045/2046 multipart/alternative
 * with a text and an HTML part, RFC 2047 encoded words for non-ASCII display names and
 * subjects). Nothing here sends or stores anything; lib/smtp.c sends what this builds.
 *
 * Header injection is impossible by construction: every value that goes into a header is
 * checked with mime_header_safe or mime_address_valid first (the builder refuses the message
 * otherwise), names are quoted or encoded, and the bodies travel base64-encoded, so no
 * caller-supplied byte can start a header line or a MIME boundary. */
#ifndef TESSERA_MIME_H
#define TESSERA_MIME_H
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define MIME_ADDRESS_MAX 320

struct mime_message {
	const char *from_name;  /* may be NULL or "" */
	const char *from_addr;
	const char *to_name;    /* may be NULL or "" */
	const char *to_addr;
	const char *subject;
	const char *text;       /* UTF-8; LF or CRLF line ends */
	const char *html;       /* UTF-8; NULL: a text-only message */
	const char *message_id; /* the part before '@': letters, digits, '-' and '.' */
	time_t date;
	const char *boundary;   /* NULL: a random one */
};

/* True when s may go into a header: no control character (CR, LF, NUL, ...) but tab, no DEL. */
bool mime_header_safe(const char *s);

/* True for a plain addr-spec local@domain: printable ASCII without spaces, quotes or the
 * specials of RFC 5322, one '@', dot-atoms on both sides (so "localhost" is a domain), local
 * part at most 64 bytes, the whole at most MIME_ADDRESS_MAX. */
bool mime_address_valid(const char *addr);

/* A header value: unchanged when it is printable ASCII, else RFC 2047 "B" encoded words in
 * UTF-8 (each at most 75 characters, never splitting a character) folded with CRLF SP.
 * `used` is how many columns the header name already takes on the first line. malloc'd. */
char *mime_encode_words(const char *text, size_t used);

/* "name" <addr>, =?UTF-8?B?...?= <addr>, or just addr when name is empty. NULL when name is not
 * header-safe or addr is invalid. malloc'd. */
char *mime_mailbox(const char *name, const char *addr, size_t used);

/* Splits a configured "Name <addr>" (or a bare addr) into its parts; returns -1 when the
 * address is invalid or the name unsafe. */
int mime_parse_mailbox(const char *s, char *name, size_t namecap, char addr[MIME_ADDRESS_MAX + 1]);

/* The domain of an address (after the last '@'), for Message-ID. */
const char *mime_domain(const char *addr);

/* The whole message with CRLF line ends; *len gets its length. NULL when a header value is
 * refused (see above) or memory runs out. malloc'd. */
char *mime_build(const struct mime_message *m, size_t *len);

#endif
