/* SPDX-License-Identifier: BSD-2-Clause */
/* input: each route declares its inputs in a table (name, type, required, max length,
 * validator, message); the table is checked before the handler runs, so handlers only
 * ever see values of the declared shape (the kcgi way). */
#ifndef TESSERA_INPUT_H
#define TESSERA_INPUT_H
#include <stdbool.h>
#include <stddef.h>

struct request;

enum input_type {
	IN_STRING,  /* any UTF-8 text without control characters */
	IN_TOKEN,   /* printable ASCII, no spaces (ids, codes, JWTs, secrets) */
	IN_SCOPE,   /* RFC 6749 scope: scope-tokens separated by single spaces */
	IN_UUID,
	IN_BOOL,
	IN_EMAIL,
	IN_URI,     /* absolute http(s) URI */
};

struct input {
	const char *name;
	enum input_type type;
	bool required;
	size_t maxlen;
	const char *message;           /* reported when missing or invalid */
	bool (*validator)(const char *value);
};

struct input_error {
	const char *name;
	const char *message;
	bool missing;
};

/* Checks every declared input; returns true when all pass, else fills the first error. */
bool input_check(const struct request *req, const struct input *inputs, struct input_error *err);
bool input_valid(enum input_type type, const char *value);

bool valid_email(const char *s);
bool valid_scope(const char *s);
bool valid_token(const char *s);
bool valid_text(const char *s);
bool valid_uri(const char *s);
/* min..max characters (code points, as Medplum counts them), no control characters: names
 * end up in profiles, displays and email headers. */
bool valid_chars_between(const char *s, size_t min, size_t max);
/* A first or last name: 1..128 characters. */
bool valid_person_name(const char *s);
/* A comma-separated list of header names (CORS preflight). */
bool valid_header_list(const char *s);

#endif
