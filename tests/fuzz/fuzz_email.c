/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for email addresses and the headers built from them: valid_email (route
 * inputs, lib/http/input.c) and lib/mail/mime.c's address check, "Name <addr>" parser, mailbox and
 * encoded-word builders. The input is a display name and an address, split at the first NUL.
 * Properties: whatever goes into a header has no CR or LF but the CRLF SP of folding, and a
 * mailbox that parses can be built again.
 * FUZZ_SOURCES: lib/http/input.c lib/mail/mime.c lib/http/request.c lib/core/crypto.c lib/core/config.c */
#include "fuzz.h"
#include "http/input.h"
#include "mail/mime.h"

/* No line break but the folding "\r\n " of RFC 5322 §2.2.3. */
static void check_header_value(const char *v)
{
	if (!v)
		return;
	for (const char *p = v; *p; p++)
		if ((*p == '\r' && (p[1] != '\n' || p[2] != ' ')) || (*p == '\n' && (p == v || p[-1] != '\r')))
			abort();
}

static void check_mailbox(const char *text)
{
	char name[128], addr[MIME_ADDRESS_MAX + 1];
	if (mime_parse_mailbox(text, name, sizeof name, addr) != 0)
		return;
	if (!mime_address_valid(addr) || strlen(name) >= sizeof name)
		abort();
	char *box = mime_mailbox(name, addr, 6);
	if (!box)
		abort();
	check_header_value(box);
	free(box);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *name, *addr;
	fuzz_split(data, size, &name, &addr);
	(void)valid_email(addr);
	if (mime_address_valid(addr) && strlen(addr) > MIME_ADDRESS_MAX)
		abort();
	char *box = mime_mailbox(name, addr, strlen(name) % 80);
	check_header_value(box);
	free(box);
	char *words = mime_encode_words(name, strlen(addr) % 80);
	if (mime_header_safe(name))
		check_header_value(words);
	free(words);
	check_mailbox(addr);
	check_mailbox(name);
	free(name);
	free(addr);
	return 0;
}
