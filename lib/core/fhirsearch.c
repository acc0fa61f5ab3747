/* SPDX-License-Identifier: BSD-2-Clause */
/* fhirsearch: search parameters over resource JSON. */
#include "core/fhirsearch.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_QUERY 4096

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes %XX and '+' in place; a '%' not followed by two hex digits stays as it is (an
 * unresolved policy parameter such as %patient then matches nothing). */
static void decode(char *s)
{
	char *o = s;
	for (char *p = s; *p; p++) {
		int h, l;
		if (*p == '%' && (h = hexval(p[1])) >= 0 && (l = hexval(p[2])) >= 0 && (h || l)) {
			*o++ = (char)(h * 16 + l);
			p += 2;
		} else {
			*o++ = *p == '+' ? ' ' : *p;
		}
	}
	*o = '\0';
}

static bool starts_with_ci(const char *s, const char *prefix)
{
	return s && !strncasecmp(s, prefix, strlen(prefix));
}

static bool string_starts(json_t *v, const char *value)
{
	return json_is_string(v) && starts_with_ci(json_string_value(v), value);
}

static bool human_name_match(json_t *n, const char *value)
{
	if (!json_is_object(n))
		return false;
	if (string_starts(json_object_get(n, "text"), value) || string_starts(json_object_get(n, "family"), value))
		return true;
	size_t i;
	json_t *g;
	json_array_foreach(json_object_get(n, "given"), i, g) if (string_starts(g, value)) return true;
	return false;
}

static bool name_match(json_t *r, const char *value)
{
	json_t *n = json_object_get(r, "name");
	if (json_is_string(n))
		return string_starts(n, value);
	size_t i;
	json_t *e;
	json_array_foreach(n, i, e) if (human_name_match(e, value)) return true;
	return false;
}

static bool email_match(json_t *r, const char *value)
{
	json_t *e = json_object_get(r, "email");
	if (json_is_string(e) && !strcasecmp(json_string_value(e), value))
		return true;
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get(r, "telecom"), i, t) {
		const char *sys = json_string_value(json_object_get(t, "system"));
		const char *v = json_string_value(json_object_get(t, "value"));
		if (sys && v && !strcmp(sys, "email") && !strcasecmp(v, value))
			return true;
	}
	return false;
}

static bool identifier_match(json_t *r, const char *value)
{
	const char *bar = strchr(value, '|');
	size_t i;
	json_t *id;
	json_array_foreach(json_object_get(r, "identifier"), i, id) {
		const char *sys = json_string_value(json_object_get(id, "system"));
		const char *v = json_string_value(json_object_get(id, "value"));
		if (!bar) {
			if (v && !strcmp(v, value))
				return true;
			continue;
		}
		size_t slen = (size_t)(bar - value);
		bool sys_ok = slen == 0 ? !sys : (sys && strlen(sys) == slen && !strncmp(sys, value, slen));
		bool val_ok = !bar[1] || (v && !strcmp(v, bar + 1));
		if (sys_ok && val_ok)
			return true;
	}
	return false;
}

/* The resource itself is Type/id, or one of its references (at any depth) is. */
static bool refers_to(json_t *v, const char *ref, int depth)
{
	if (depth > 32)
		return false;
	size_t i;
	const char *k;
	json_t *e;
	if (json_is_object(v)) {
		json_t *r = json_object_get(v, "reference");
		if (json_is_string(r) && !strcmp(json_string_value(r), ref))
			return true;
		json_object_foreach(v, k, e) if (refers_to(e, ref, depth + 1)) return true;
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, e) if (refers_to(e, ref, depth + 1)) return true;
	}
	return false;
}

static bool compartment_match(json_t *r, const char *value)
{
	const char *type = json_string_value(json_object_get(r, "resourceType"));
	const char *id = json_string_value(json_object_get(r, "id"));
	const char *slash = strchr(value, '/');
	if (!slash || slash == value || !slash[1])
		return false;
	if (type && id && strlen(type) == (size_t)(slash - value) && !strncmp(type, value, strlen(type)) &&
	    !strcmp(id, slash + 1))
		return true;
	return refers_to(r, value, 0);
}

static bool value_match(json_t *v, const char *value)
{
	if (json_is_string(v))
		return !strcasecmp(json_string_value(v), value);
	if (json_is_boolean(v))
		return !strcmp(value, json_is_true(v) ? "true" : "false");
	if (json_is_integer(v)) {
		char *end;
		long long n = strtoll(value, &end, 10);
		return *value && !*end && n == json_integer_value(v);
	}
	if (json_is_object(v)) {
		const char *ref = json_string_value(json_object_get(v, "reference"));
		if (!ref)
			return false;
		if (!strcmp(ref, value))
			return true;
		const char *slash = strrchr(ref, '/');
		return slash && !strchr(value, '/') && !strcmp(slash + 1, value);
	}
	if (json_is_array(v)) {
		size_t i;
		json_t *e;
		json_array_foreach(v, i, e) if (!json_is_array(e) && value_match(e, value)) return true;
	}
	return false;
}

static bool one_value(json_t *r, const char *name, const char *value)
{
	if (!*value)
		return false;
	if (!strcmp(name, "_id")) {
		const char *id = json_string_value(json_object_get(r, "id"));
		return id && !strcmp(id, value);
	}
	if (!strcmp(name, "_project")) {
		const char *p = json_string_value(json_object_get(json_object_get(r, "meta"), "project"));
		return p && !strcmp(p, value);
	}
	if (!strcmp(name, "_compartment"))
		return compartment_match(r, value);
	if (!strcmp(name, "name"))
		return name_match(r, value);
	if (!strcmp(name, "email"))
		return email_match(r, value);
	if (!strcmp(name, "identifier"))
		return identifier_match(r, value);
	/* Other underscored parameters, modifiers and chained names are not understood. */
	if (name[0] == '_' || strpbrk(name, ":."))
		return false;
	json_t *v = json_object_get(r, name);
	return v && value_match(v, value);
}

bool fhirsearch_param(json_t *resource, const char *name, const char *value)
{
	if (!json_is_object(resource) || !name || !*name || !value)
		return false;
	size_t len = strlen(value);
	if (len >= MAX_QUERY)
		return false;
	char buf[MAX_QUERY];
	memcpy(buf, value, len + 1);
	char *save = NULL;
	for (char *v = strtok_r(buf, ",", &save); v; v = strtok_r(NULL, ",", &save))
		if (one_value(resource, name, v))
			return true;
	return false;
}

bool fhirsearch_match(json_t *resource, const char *query)
{
	if (!query || !*query)
		return true;
	size_t len = strlen(query);
	if (len >= MAX_QUERY)
		return false;
	char buf[MAX_QUERY];
	memcpy(buf, query, len + 1);
	char *save = NULL;
	for (char *pair = strtok_r(buf, "&", &save); pair; pair = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(pair, '=');
		if (!eq)
			return false;
		*eq = '\0';
		decode(pair);
		/* Values are split at commas before decoding, so an escaped comma stays one value. */
		char *value = eq + 1, *vsave = NULL;
		bool any = false;
		for (char *v = strtok_r(value, ",", &vsave); v && !any; v = strtok_r(NULL, ",", &vsave)) {
			decode(v);
			any = one_value(resource, pair, v);
		}
		if (!any)
			return false;
	}
	return true;
}

bool fhirsearch_split(const char *criteria, char type_out[65], const char **query)
{
	if (!criteria)
		return false;
	size_t n = strcspn(criteria, "?");
	if (n == 0 || n > 64)
		return false;
	memcpy(type_out, criteria, n);
	type_out[n] = '\0';
	*query = criteria[n] == '?' ? criteria + n + 1 : "";
	return true;
}
