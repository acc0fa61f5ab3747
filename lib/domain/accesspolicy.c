/* SPDX-License-Identifier: BSD-2-Clause */
/* accesspolicy: the effective policy and the decisions taken with it (§11). */
#include "domain/accesspolicy.h"
#include "core/fhirsearch.h"
#include "oauth/smart.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const ACCESSPOLICY_ADMIN_TYPES[] = {
	"Project", "ProjectMembership", "User", "ClientApplication", "Bot", "AccessPolicy", "DomainConfiguration",
	"UserSecurityRequest", "JsonWebKey", "Login", "AuditEvent", "UserConfiguration", NULL,
};

bool accesspolicy_admin_type(const char *type)
{
	for (const char *const *t = ACCESSPOLICY_ADMIN_TYPES; type && *t; t++)
		if (!strcmp(*t, type))
			return true;
	return false;
}

static const struct {
	const char *name;
	unsigned bit;
} interactions[] = {
	{ "read", AP_READ }, { "vread", AP_VREAD }, { "history", AP_HISTORY }, { "search", AP_SEARCH },
	{ "create", AP_CREATE }, { "update", AP_UPDATE }, { "delete", AP_DELETE },
};
#define N_INTERACTIONS (sizeof interactions / sizeof interactions[0])

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The interactions an entry allows. */
static unsigned entry_ops(json_t *e)
{
	json_t *list = json_object_get(e, "interaction");
	unsigned ops = AP_ALL;
	if (json_is_array(list)) {
		ops = 0;
		size_t i;
		json_t *v;
		json_array_foreach(list, i, v) for (size_t k = 0; k < N_INTERACTIONS; k++) if (json_is_string(v) &&
											!strcmp(json_string_value(v), interactions[k].name)) ops |=
			interactions[k].bit;
	} else if (list) {
		ops = 0; /* a malformed list grants nothing */
	}
	if (json_is_true(json_object_get(e, "readonly")))
		ops &= AP_READS;
	return ops;
}

static json_t *ops_array(unsigned ops)
{
	json_t *a = json_array();
	for (size_t k = 0; k < N_INTERACTIONS; k++)
		if (ops & interactions[k].bit)
			json_array_append_new(a, json_string(interactions[k].name));
	return a;
}

/* ---- parameters ---- */

struct param {
	const char *name;
	const char *value;     /* %name */
	const char *id;        /* %name.id (NULL: same as value) */
};

#define MAX_PARAMS 66

/* Replaces every %name.id and %name (name: letters, digits, '_' and '-') whose name is a
 * parameter; other text is copied as it is. */
static json_t *substitute_string(const char *s, const struct param *p, size_t np)
{
	size_t cap = strlen(s) + 1, len = 0;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	for (const char *c = s; *c;) {
		const char *rep = NULL;
		size_t used = 0;
		if (*c == '%') {
			size_t n = 0;
			while (isalnum((unsigned char)c[1 + n]) || c[1 + n] == '_' || c[1 + n] == '-')
				n++;
			for (size_t i = 0; n && i < np && !rep; i++) {
				if (strlen(p[i].name) != n || strncmp(c + 1, p[i].name, n))
					continue;
				if (!strncmp(c + 1 + n, ".id", 3) && !isalnum((unsigned char)c[4 + n])) {
					rep = p[i].id ? p[i].id : p[i].value;
					used = 1 + n + 3;
				} else {
					rep = p[i].value;
					used = 1 + n;
				}
			}
		}
		const char *piece = rep ? rep : c;
		size_t plen = rep ? strlen(rep) : 1;
		if (len + plen + 1 > cap) {
			cap = (len + plen + 1) * 2;
			char *grown = realloc(out, cap);
			if (!grown) {
				free(out);
				return NULL;
			}
			out = grown;
		}
		memcpy(out + len, piece, plen);
		len += plen;
		c += rep ? used : 1;
	}
	out[len] = '\0';
	json_t *j = json_string(out);
	free(out);
	return j;
}

static json_t *substitute_value(json_t *v, const struct param *p, size_t np, int depth)
{
	if (depth > 32)
		return json_null();
	if (json_is_string(v))
		return substitute_string(json_string_value(v), p, np);
	if (json_is_array(v)) {
		json_t *a = json_array();
		size_t i;
		json_t *e;
		json_array_foreach(v, i, e) json_array_append_new(a, substitute_value(e, p, np, depth + 1));
		return a;
	}
	if (json_is_object(v)) {
		json_t *o = json_object();
		const char *k;
		json_t *e;
		json_object_foreach(v, k, e) json_object_set_new(o, k, substitute_value(e, p, np, depth + 1));
		return o;
	}
	return json_deep_copy(v);
}

json_t *accesspolicy_substitute(json_t *policy, json_t *params, const char *profile)
{
	struct param p[MAX_PARAMS];
	char ids[MAX_PARAMS][80];
	size_t np = 0;
	bool patient_given = false;
	size_t i;
	json_t *e;
	json_array_foreach(params, i, e) {
		if (np >= MAX_PARAMS - 2)
			break;
		const char *name = str(e, "name");
		if (!name || !*name)
			continue;
		const char *vs = str(e, "valueString");
		const char *ref = str(json_object_get(e, "valueReference"), "reference");
		if (vs) {
			p[np++] = (struct param){ name, vs, NULL };
		} else if (ref) {
			const char *slash = strrchr(ref, '/');
			snprintf(ids[np], sizeof ids[np], "%s", slash ? slash + 1 : ref);
			p[np] = (struct param){ name, ref, ids[np] };
			np++;
		} else {
			continue;
		}
		patient_given |= !strcmp(name, "patient");
	}
	const char *slash = profile ? strrchr(profile, '/') : NULL;
	char pid[80];
	snprintf(pid, sizeof pid, "%s", slash ? slash + 1 : profile ? profile : "");
	if (profile) {
		p[np++] = (struct param){ "profile", profile, pid };
		if (!patient_given)
			p[np++] = (struct param){ "patient", profile, pid };
	}
	return substitute_value(policy, p, np, 0);
}

/* ---- building ---- */

static bool has_type(json_t *resources, const char *type)
{
	size_t i;
	json_t *e;
	json_array_foreach(resources, i, e) {
		const char *t = str(e, "resourceType");
		if (t && !strcmp(t, type))
			return true;
	}
	return false;
}

/* An entry as the combined policy keeps it: readonly without interaction gets the reads; the
 * policy's compartment when it has none of its own. */
static json_t *normalized_entry(json_t *e, json_t *compartment)
{
	json_t *n = json_deep_copy(e);
	if (json_is_true(json_object_get(n, "readonly")) && !json_object_get(n, "interaction"))
		json_object_set_new(n, "interaction", json_pack("[s, s, s, s]", "search", "read", "history", "vread"));
	if (compartment && !json_object_get(n, "compartment"))
		json_object_set(n, "compartment", compartment);
	return n;
}

/* Everyone reads their own sign-ins (§11.4): the Logins that chose this membership's profile
 * (the project is checked by the resource API as for every type). */
static void own_logins(json_t *resources, const struct ap_membership *m)
{
	char criteria[120];
	if (!m->profile || !strchr(m->profile, '/') || strlen(m->profile) < 3)
		return;
	snprintf(criteria, sizeof criteria, "Login?profile=%s", m->profile);
	json_array_append_new(resources, json_pack("{s:s, s:s, s:b, s:o}", "resourceType", "Login", "criteria", criteria,
						   "readonly", 1, "interaction", ops_array(AP_READS)));
}

static void add_admin_rules(json_t *resources, const struct ap_membership *m)
{
	/* Nobody reaches the administration types through their own policy. */
	for (size_t i = json_array_size(resources); i-- > 0;)
		if (accesspolicy_admin_type(str(json_array_get(resources, i), "resourceType")))
			json_array_remove(resources, i);
	if (m->super_admin) {
		for (const char *const *t = ACCESSPOLICY_ADMIN_TYPES; *t; t++)
			json_array_append_new(resources, json_pack("{s:s}", "resourceType", *t));
		return;
	}
	if (!m->admin) {
		own_logins(resources, m);
		return;
	}
	char criteria[80];
	snprintf(criteria, sizeof criteria, "Project?_id=%s", m->project_id ? m->project_id : "");
	json_array_append_new(resources,
			      json_pack("{s:s, s:s, s:o, s:[s, s, s, s], s:[s, s, s]}", "resourceType", "Project", "criteria",
					criteria, "interaction", ops_array(AP_READS | AP_UPDATE), "readonlyFields",
					"features", "link", "systemSetting", "owner", "hiddenFields", "superAdmin",
					"systemSecret", "strictMode"));
	json_array_append_new(resources, json_pack("{s:s, s:[s, s]}", "resourceType", "ProjectMembership",
						   "readonlyFields", "project", "user"));
	json_array_append_new(resources, json_pack("{s:s, s:b, s:o}", "resourceType", "UserSecurityRequest", "readonly",
						   1, "interaction", ops_array(AP_READS)));
	json_array_append_new(resources, json_pack("{s:s, s:[s, s], s:[s, s, s, s]}", "resourceType", "User",
						   "hiddenFields", "passwordHash", "mfaSecret", "readonlyFields", "email",
						   "emailVerified", "mfaEnrolled", "project"));
	json_array_append_new(resources, json_pack("{s:s}", "resourceType", "ClientApplication"));
	json_array_append_new(resources, json_pack("{s:s}", "resourceType", "Bot"));
	json_array_append_new(resources, json_pack("{s:s}", "resourceType", "UserConfiguration"));
	json_array_append_new(resources, json_pack("{s:s}", "resourceType", "AccessPolicy"));
	json_array_append_new(resources, json_pack("{s:s, s:b, s:o}", "resourceType", "Login", "readonly", 1,
						   "interaction", ops_array(AP_READS)));
	json_array_append_new(resources, json_pack("{s:s, s:b, s:o}", "resourceType", "AuditEvent", "readonly", 1,
						   "interaction", ops_array(AP_READS)));
}

#define MAX_SCOPES 64

static unsigned scope_ops(const char *perms)
{
	unsigned ops = 0;
	for (const char *c = perms; *c; c++)
		ops |= *c == 'c' ? AP_CREATE : *c == 'r' ? AP_READ | AP_VREAD | AP_HISTORY : *c == 'u' ? AP_UPDATE
		       : *c == 'd' ? AP_DELETE : *c == 's' ? AP_SEARCH : 0;
	return ops;
}

/* One policy entry narrowed by one scope (§11.2 "paired"). */
static json_t *merge(json_t *entry, const char *type, const struct smart_scope *s)
{
	json_t *n = json_deep_copy(entry);
	json_object_set_new(n, "resourceType", json_string(type));
	const char *crit = str(entry, "criteria");
	char *c = NULL;
	if (crit && crit[0] == '*' && strcmp(type, "*")) {
		if (asprintf(&c, "%s%s", type, crit + 1) < 0)
			c = NULL;
	} else if (crit) {
		c = strdup(crit);
	}
	if (s->criteria && s->criteria_len) {
		char *joined = NULL;
		if (c && asprintf(&joined, "%s%s%.*s", c, strchr(c, '?') ? "&" : "?", (int)s->criteria_len, s->criteria) < 0)
			joined = NULL;
		else if (!c && asprintf(&joined, "%s?%.*s", type, (int)s->criteria_len, s->criteria) < 0)
			joined = NULL;
		free(c);
		c = joined;
	}
	if (c)
		json_object_set_new(n, "criteria", json_string(c));
	free(c);
	unsigned ops = entry_ops(entry) & scope_ops(s->perms);
	json_object_set_new(n, "interaction", ops_array(ops));
	if (!(ops & AP_WRITES))
		json_object_set_new(n, "readonly", json_true());
	return n;
}

/* §11.2: each entry paired with the scopes for its type, else the "*" scopes; unpaired
 * entries are dropped. */
static json_t *apply_scopes(json_t *resources, const char *scope)
{
	struct smart_scope s[MAX_SCOPES];
	size_t ns = 0;
	/* criteria point into the scope string, which outlives this function */
	for (const char *p = scope ? scope : ""; *p && ns < MAX_SCOPES;) {
		size_t n = strcspn(p, " ");
		if (n && smart_parse(p, n, &s[ns]))
			ns++;
		p += n;
		while (*p == ' ')
			p++;
	}
	if (ns == 0)
		return json_incref(resources);
	json_t *out = json_array();
	size_t i;
	json_t *e;
	json_array_foreach(resources, i, e) {
		const char *type = str(e, "resourceType");
		if (!type)
			continue;
		bool star_scope = false;
		for (size_t k = 0; k < ns; k++)
			star_scope |= !strcmp(s[k].resource, "*");
		if (!strcmp(type, "*") && !star_scope) {
			/* one merged entry per resource type the scopes name (never an admin type) */
			for (size_t k = 0; k < ns; k++)
				if (!accesspolicy_admin_type(s[k].resource))
					json_array_append_new(out, merge(e, s[k].resource, &s[k]));
			continue;
		}
		bool exact = false;
		for (size_t k = 0; k < ns; k++)
			if (!strcmp(s[k].resource, type)) {
				json_array_append_new(out, merge(e, type, &s[k]));
				exact = true;
			}
		if (!exact)
			for (size_t k = 0; k < ns; k++)
				if (!strcmp(s[k].resource, "*"))
					json_array_append_new(out, merge(e, type, &s[k]));
	}
	return out;
}

json_t *accesspolicy_build(const struct ap_membership *m, const char *scope)
{
	json_t *resources = json_array(), *rules = json_array(), *based_on = json_array();
	json_t *compartment = NULL;
	size_t i;
	json_t *entry;
	json_array_foreach(m->policies, i, entry) {
		json_t *policy = json_object_get(entry, "policy");
		json_t *filled = accesspolicy_substitute(policy, json_object_get(entry, "parameter"), m->profile);
		if (!filled)
			continue;
		const char *id = str(filled, "id");
		if (id) {
			char ref[80];
			snprintf(ref, sizeof ref, "AccessPolicy/%s", id);
			json_array_append_new(based_on, json_pack("{s:s}", "reference", ref));
		}
		json_t *c = json_object_get(filled, "compartment");
		json_t *own = json_is_object(c) && str(c, "reference") ? c : NULL;
		if (own) {
			json_decref(compartment);
			compartment = json_incref(own);
		}
		size_t k;
		json_t *r;
		json_array_foreach(json_object_get(filled, "resource"), k, r) if (json_is_object(r) && str(r, "resourceType"))
			json_array_append_new(resources, normalized_entry(r, own));
		json_array_foreach(json_object_get(filled, "ipAccessRule"), k, r) if (json_is_object(r))
			json_array_append(rules, r);
		json_decref(filled);
	}
	if (json_array_size(m->policies) == 0)
		json_array_append_new(resources, json_pack("{s:s}", "resourceType", "*"));
	/* Read-only SearchParameter and StructureDefinition (§11.1 step 3). */
	const char *defaults[] = { "SearchParameter", "StructureDefinition" };
	for (size_t d = 0; d < 2; d++)
		if (!has_type(resources, defaults[d]))
			json_array_append_new(resources,
					      json_pack("{s:s, s:b, s:[s, s, s, s]}", "resourceType", defaults[d], "readonly",
							1, "interaction", "search", "read", "history", "vread"));
	add_admin_rules(resources, m);
	json_t *scoped = apply_scopes(resources, scope);
	json_decref(resources);
	json_t *policy = json_pack("{s:s, s:o}", "resourceType", "AccessPolicy", "resource", scoped);
	if (!policy) {
		json_decref(rules);
		json_decref(based_on);
		json_decref(compartment);
		return NULL;
	}
	if (json_array_size(based_on))
		json_object_set_new(policy, "basedOn", based_on);
	else
		json_decref(based_on);
	if (compartment)
		json_object_set_new(policy, "compartment", compartment);
	if (json_array_size(rules))
		json_object_set_new(policy, "ipAccessRule", rules);
	else
		json_decref(rules);
	return policy;
}

/* ---- decisions ---- */

static bool covers(json_t *e, const char *type)
{
	const char *t = str(e, "resourceType");
	return t && (!strcmp(t, type) || (!strcmp(t, "*") && !accesspolicy_admin_type(type)));
}

/* A %name left in criteria is a parameter the membership does not give. */
static bool unresolved(const char *s)
{
	for (const char *p = s ? strchr(s, '%') : NULL; p; p = strchr(p + 1, '%'))
		if (isalpha((unsigned char)p[1]) && !(isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2])))
			return true;
	return false;
}

static bool entry_matches(json_t *e, const char *type, json_t *resource)
{
	const char *crit = str(e, "criteria");
	if ((json_object_get(e, "criteria") && !crit) || unresolved(crit))
		return false;
	if (crit) {
		char ctype[65];
		const char *query;
		if (!fhirsearch_split(crit, ctype, &query) || (strcmp(ctype, type) && strcmp(ctype, "*")))
			return false;
		if (!fhirsearch_match(resource, query))
			return false;
	}
	json_t *c = json_object_get(e, "compartment");
	if (c) {
		const char *ref = str(c, "reference");
		if (!ref || !fhirsearch_param(resource, "_compartment", ref))
			return false;
	}
	return true;
}

bool accesspolicy_allows_type(json_t *policy, const char *type, unsigned ops)
{
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(policy, "resource"), i, e) if (covers(e, type) && (entry_ops(e) & ops)) return true;
	return false;
}

bool accesspolicy_allows(json_t *policy, const char *type, json_t *resource, unsigned ops)
{
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(policy, "resource"), i, e) if (covers(e, type) && (entry_ops(e) & ops) &&
									  entry_matches(e, type, resource)) return true;
	return false;
}

bool accesspolicy_allows_all(json_t *policy, const char *type, unsigned ops)
{
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(policy, "resource"), i, e) {
		if (covers(e, type) && (entry_ops(e) & ops) && !json_object_get(e, "criteria") &&
		    !json_object_get(e, "compartment"))
			return true;
	}
	return false;
}

bool accesspolicy_hides(json_t *policy, const char *type, const char *field)
{
	size_t i, k, n = strlen(field);
	json_t *e, *f;
	json_array_foreach(json_object_get(policy, "resource"), i, e) {
		if (!covers(e, type))
			continue;
		json_array_foreach(json_object_get(e, "hiddenFields"), k, f) {
			const char *path = json_string_value(f);
			if (path && !strncmp(path, field, n) && (path[n] == '\0' || path[n] == '.'))
				return true;
		}
	}
	return false;
}

static void remove_path(json_t *v, const char *path, int depth)
{
	if (depth > 16)
		return;
	if (json_is_array(v)) {
		size_t i;
		json_t *e;
		json_array_foreach(v, i, e) remove_path(e, path, depth + 1);
		return;
	}
	if (!json_is_object(v))
		return;
	const char *dot = strchr(path, '.');
	if (!dot) {
		json_object_del(v, path);
		return;
	}
	char head[128];
	size_t n = (size_t)(dot - path);
	if (n >= sizeof head)
		return;
	memcpy(head, path, n);
	head[n] = '\0';
	remove_path(json_object_get(v, head), dot + 1, depth + 1);
}

void accesspolicy_hide(json_t *policy, const char *type, json_t *resource)
{
	size_t i, k;
	json_t *e, *f;
	json_array_foreach(json_object_get(policy, "resource"), i, e) {
		if (!covers(e, type))
			continue;
		json_array_foreach(json_object_get(e, "hiddenFields"), k, f) if (json_is_string(f))
			remove_path(resource, json_string_value(f), 0);
	}
}

/* The top-level member a (dotted) field path starts with takes its stored value. */
static void restore_field(json_t *updated, json_t *stored, const char *path)
{
	char head[128];
	size_t n = strcspn(path, ".");
	if (n == 0 || n >= sizeof head)
		return;
	memcpy(head, path, n);
	head[n] = '\0';
	if (!strcmp(head, "resourceType") || !strcmp(head, "id"))
		return;
	json_t *old = json_object_get(stored, head);
	if (old)
		json_object_set_new(updated, head, json_deep_copy(old));
	else
		json_object_del(updated, head);
}

void accesspolicy_restore(json_t *policy, const char *type, json_t *updated, json_t *stored)
{
	size_t i, k;
	json_t *e, *f;
	const char *lists[] = { "hiddenFields", "readonlyFields" };
	json_array_foreach(json_object_get(policy, "resource"), i, e) {
		if (!covers(e, type))
			continue;
		for (size_t l = 0; l < 2; l++)
			json_array_foreach(json_object_get(e, lists[l]), k, f) if (json_is_string(f))
				restore_field(updated, stored, json_string_value(f));
	}
}

/* ---- IP rules ---- */

/* The address in binary (IPv4-mapped IPv6 as IPv4): the family, or 0. */
static int parse_addr(const char *s, unsigned char out[16])
{
	if (inet_pton(AF_INET, s, out) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, s, out) != 1)
		return 0;
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (!memcmp(out, mapped, 12)) {
		memmove(out, out + 12, 4);
		return AF_INET;
	}
	return AF_INET6;
}

/* A CIDR network a/n: 1 contains addr, 0 does not, -1 the value is not a CIDR network. */
static int cidr_contains(const char *value, const char *addr)
{
	const char *slash = strchr(value, '/');
	char net[64];
	size_t n = slash ? (size_t)(slash - value) : 0;
	if (!slash || n == 0 || n >= sizeof net || !isdigit((unsigned char)slash[1]))
		return -1;
	memcpy(net, value, n);
	net[n] = '\0';
	char *end;
	long bits = strtol(slash + 1, &end, 10);
	unsigned char nb[16], ab[16];
	int nf = inet_pton(AF_INET, net, nb) == 1 ? AF_INET : inet_pton(AF_INET6, net, nb) == 1 ? AF_INET6 : 0;
	if (*end || !nf || bits < 0 || bits > (nf == AF_INET ? 32 : 128))
		return -1;
	int af = parse_addr(addr, ab);
	if (af != nf)
		return 0;
	for (long b = 0; b < bits; b++) {
		unsigned char mask = (unsigned char)(0x80 >> (b % 8));
		if ((nb[b / 8] & mask) != (ab[b / 8] & mask))
			return 0;
	}
	return 1;
}

bool accesspolicy_ip_rule_matches(const char *value, const char *addr)
{
	if (!value || !addr || !*value || !*addr)
		return false;
	if (!strcmp(value, "*") || !strcmp(value, addr))
		return true;
	int c = cidr_contains(value, addr);
	if (c >= 0)
		return c == 1;
	/* Medplum's string prefix, also against the IPv4 form of a mapped address. */
	if (!strncmp(addr, value, strlen(value)))
		return true;
	if (!strncasecmp(addr, "::ffff:", 7) && strchr(addr + 7, '.'))
		return !strncmp(addr + 7, value, strlen(value));
	return false;
}

bool accesspolicy_ip_value_valid(const char *value)
{
	if (!value || !*value || strlen(value) > 64)
		return false;
	if (!strcmp(value, "*"))
		return true;
	if (strchr(value, '/'))
		return cidr_contains(value, "0.0.0.0") >= 0;
	for (const char *c = value; *c; c++)
		if (!isxdigit((unsigned char)*c) && *c != '.' && *c != ':')
			return false;
	return true;
}

bool accesspolicy_ip_allowed(json_t *rules, const char *addr)
{
	size_t i;
	json_t *r;
	json_array_foreach(rules, i, r) {
		if (!accesspolicy_ip_rule_matches(str(r, "value"), addr))
			continue;
		const char *action = str(r, "action");
		return action && !strcmp(action, "allow");
	}
	return true;
}
