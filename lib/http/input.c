/* SPDX-License-Identifier: BSD-2-Clause */
/* input: the validators behind the route tables. */
#include "http/input.h"
#include "core/crypto.h"
#include "http/request.h"

#include <string.h>
#include <strings.h>

bool valid_token(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

bool valid_text(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

/* scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), joined by single spaces (RFC 6749 §3.3). */
bool valid_scope(const char *s)
{
	if (!*s)
		return false;
	bool prev_space = true;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == ' ') {
			if (prev_space)
				return false;
			prev_space = true;
			continue;
		}
		if (c < 0x21 || c > 0x7e || c == '"' || c == '\\')
			return false;
		prev_space = false;
	}
	return !prev_space;
}

/* Deliberately simple: local@domain, no spaces, no control characters, one @, a dot in the
 * domain; the goal is rejecting garbage and header injection, not RFC 5322 completeness. */
bool valid_email(const char *s)
{
	const char *at = strchr(s, '@');
	if (!at || at == s || strchr(at + 1, '@'))
		return false;
	const char *dot = strrchr(at, '.');
	if (!dot || dot == at + 1 || dot[1] == '\0')
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '<' || *p == '>' || *p == ',' || *p == ';')
			return false;
	return true;
}

bool valid_uri(const char *s)
{
	const char *rest;
	if (!strncasecmp(s, "https://", 8))
		rest = s + 8;
	else if (!strncasecmp(s, "http://", 7))
		rest = s + 7;
	else
		return false;
	return *rest && *rest != '/' && valid_token(s);
}

bool valid_chars_between(const char *s, size_t min, size_t max)
{
	size_t chars = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return false;
		chars += (*p & 0xc0) != 0x80;
	}
	return chars >= min && chars <= max;
}

bool valid_person_name(const char *s)
{
	return valid_chars_between(s, 1, 128);
}

bool input_valid(enum input_type type, const char *v)
{
	switch (type) {
	case IN_STRING: return valid_text(v);
	case IN_TOKEN: return valid_token(v);
	case IN_SCOPE: return valid_scope(v);
	case IN_UUID: return crypto_is_uuid(v);
	case IN_BOOL: return !strcmp(v, "true") || !strcmp(v, "false");
	case IN_EMAIL: return valid_email(v);
	case IN_URI: return valid_uri(v);
	}
	return false;
}

bool input_check(const struct request *req, const struct input *inputs, struct input_error *err)
{
	for (const struct input *in = inputs; in && in->name; in++) {
		const char *v = req_param(req, in->name);
		bool missing = !v || !*v;
		if (missing && !in->required)
			continue;
		bool ok = !missing && (!in->maxlen || strlen(v) <= in->maxlen) && input_valid(in->type, v) &&
			  (!in->validator || in->validator(v));
		if (!ok) {
			*err = (struct input_error){ in->name, in->message, missing };
			return false;
		}
	}
	return true;
}

bool valid_header_list(const char *s)
{
	if (strlen(s) > 512)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '-' ||
		      *s == '_' || *s == ',' || *s == ' '))
			return false;
	return true;
}
