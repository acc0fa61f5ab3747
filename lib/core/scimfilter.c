/* SPDX-License-Identifier: BSD-2-Clause */
/* scimfilter: a recursive-descent parser for the part of RFC 7644's filter grammar Tessera
 * answers (see scimfilter.h). String values are decoded as JSON strings by Jansson. */
#include "core/scimfilter.h"

#include <ctype.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct parser {
	const char *s;
	size_t pos;
	int terms;
	struct scimfilter *f;
};

static int fail(struct parser *p, const char *why)
{
	if (!p->f->error[0])
		snprintf(p->f->error, sizeof p->f->error, "%s", why);
	return -1;
}

static void skip_spaces(struct parser *p)
{
	while (p->s[p->pos] == ' ' || p->s[p->pos] == '\t')
		p->pos++;
}

static bool word_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == ':' || c == '_' || c == '-' || c == '$';
}

/* The next word (attribute path, operator or keyword) into out; its length, 0 when none. */
static size_t next_word(struct parser *p, char *out, size_t outlen)
{
	skip_spaces(p);
	size_t n = 0;
	while (word_char(p->s[p->pos + n]))
		n++;
	if (n == 0 || n >= outlen)
		return n >= outlen ? (size_t)-1 : 0;
	memcpy(out, p->s + p->pos, n);
	out[n] = '\0';
	return n;
}

/* True when the next word is kw (case-insensitive) followed by a space or a parenthesis. */
static bool keyword(struct parser *p, const char *kw)
{
	char w[16];
	size_t start = p->pos;
	size_t n = next_word(p, w, sizeof w);
	if (n == 0 || n == (size_t)-1 || strcasecmp(w, kw)) {
		p->pos = start;
		return false;
	}
	p->pos += n;
	return true;
}

static int attribute(const char *name, enum scimfilter_attr *out)
{
	static const char urn[] = "urn:ietf:params:scim:schemas:core:2.0:User:";
	if (!strncasecmp(name, urn, sizeof urn - 1))
		name += sizeof urn - 1;
	if (!strcasecmp(name, "userName"))
		*out = SF_USER_NAME;
	else if (!strcasecmp(name, "emails.value") || !strcasecmp(name, "emails"))
		*out = SF_EMAIL;
	else if (!strcasecmp(name, "externalId"))
		*out = SF_EXTERNAL_ID;
	else
		return -1;
	return 0;
}

static int add_node(struct parser *p, struct scimfilter_node n)
{
	if (p->f->count >= (int)(sizeof p->f->nodes / sizeof p->f->nodes[0]))
		return fail(p, "The filter has too many terms");
	p->f->nodes[p->f->count] = n;
	return p->f->count++;
}

/* A JSON string literal at p->pos: its decoded value (malloc'd), or NULL. */
static char *string_value(struct parser *p)
{
	skip_spaces(p);
	const char *start = p->s + p->pos;
	if (*start != '"')
		return NULL;
	size_t n = 1;
	while (start[n] && start[n] != '"')
		n += start[n] == '\\' && start[n + 1] ? 2 : 1;
	if (start[n] != '"')
		return NULL;
	n++;
	json_t *v = json_loadb(start, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	char *out = NULL;
	/* A \u0000 escape would cut the value short where SQL would not: refused. */
	if (json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v))
		out = strdup(json_string_value(v));
	json_decref(v);
	if (out)
		p->pos += n;
	return out;
}

static int comparison(struct parser *p)
{
	char name[128], op[16];
	size_t n = next_word(p, name, sizeof name);
	if (n == 0 || n == (size_t)-1)
		return fail(p, p->s[p->pos] == '[' ? "Value paths are not supported" : "An attribute name was expected");
	p->pos += n;
	if (p->s[p->pos] == '[')
		return fail(p, "Value paths (attribute[filter]) are not supported");
	struct scimfilter_node node = { .kind = SF_CMP };
	if (attribute(name, &node.attr) < 0)
		return fail(p, "Only userName, emails.value and externalId can be filtered on");
	n = next_word(p, op, sizeof op);
	if (n == 0 || n == (size_t)-1)
		return fail(p, "An operator was expected");
	p->pos += n;
	if (strcasecmp(op, "eq"))
		return fail(p, "Only the eq operator is supported");
	if (++p->terms > SCIMFILTER_MAX_TERMS)
		return fail(p, "The filter has too many terms");
	node.value = string_value(p);
	if (!node.value)
		return fail(p, "The value must be a JSON string");
	int at = add_node(p, node);
	if (at < 0)
		free(node.value);
	return at;
}

static int or_expression(struct parser *p, int depth);

static int atom(struct parser *p, int depth)
{
	skip_spaces(p);
	if (p->s[p->pos] != '(') {
		size_t start = p->pos;
		if (keyword(p, "not")) {
			p->pos = start;
			return fail(p, "The not operator is not supported");
		}
		return comparison(p);
	}
	if (depth >= SCIMFILTER_MAX_DEPTH)
		return fail(p, "The filter is nested too deeply");
	p->pos++;
	int inner = or_expression(p, depth + 1);
	if (inner < 0)
		return -1;
	skip_spaces(p);
	if (p->s[p->pos] != ')')
		return fail(p, "A closing parenthesis was expected");
	p->pos++;
	return inner;
}

/* One level of the grammar: operands of `op` (and, or) joined into a left-leaning tree. */
static int joined(struct parser *p, int depth, const char *op, enum scimfilter_kind kind)
{
	int left = kind == SF_AND ? atom(p, depth) : joined(p, depth, "and", SF_AND);
	while (left >= 0 && keyword(p, op)) {
		int right = kind == SF_AND ? atom(p, depth) : joined(p, depth, "and", SF_AND);
		if (right < 0)
			return -1;
		left = add_node(p, (struct scimfilter_node){ .kind = kind, .left = left, .right = right });
	}
	return left;
}

static int or_expression(struct parser *p, int depth)
{
	return joined(p, depth, "or", SF_OR);
}

int scimfilter_parse(const char *text, struct scimfilter *f)
{
	memset(f, 0, sizeof *f);
	f->root = -1;
	struct parser p = { .s = text ? text : "", .f = f };
	if (strlen(p.s) > SCIMFILTER_MAX_LEN)
		return fail(&p, "The filter is too long");
	int root = or_expression(&p, 0);
	if (root < 0)
		return -1;
	skip_spaces(&p);
	if (p.s[p.pos])
		return fail(&p, "Unexpected text after the filter");
	f->root = root;
	return 0;
}

void scimfilter_free(struct scimfilter *f)
{
	for (int i = 0; i < f->count; i++)
		if (f->nodes[i].kind == SF_CMP) {
			free(f->nodes[i].value);
			f->nodes[i].value = NULL;
		}
	f->count = 0;
}
