/* SPDX-License-Identifier: BSD-2-Clause */
/* accesspolicy: the effective policy (§11.1), SMART scopes (§11.2), IP rules (§11.3, §S.10)
 * and the search matching its criteria use (core/fhirsearch). */
#include "tests.h"

#include "core/fhirsearch.h"
#include "domain/accesspolicy.h"
#include "oauth/smart.h"

#include <string.h>

#define ME "11111111-1111-4111-8111-111111111111"
#define OTHER "22222222-2222-4222-8222-222222222222"
#define PROJECT "33333333-3333-4333-8333-333333333333"

static json_t *J(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);
	ck_assert_msg(j != NULL, "bad test JSON: %s: %s", e.text, text);
	return j;
}

/* The effective policy of a membership with these policies (JSON array text or NULL). */
static json_t *build(const char *policies, const char *profile, bool admin, bool super_admin, const char *scope)
{
	json_t *p = policies ? J(policies) : NULL;
	struct ap_membership m = { p, profile, PROJECT, admin, super_admin };
	json_t *out = accesspolicy_build(&m, scope);
	json_decref(p);
	ck_assert_ptr_nonnull(out);
	return out;
}

static json_t *patient(const char *id)
{
	json_t *r = json_pack("{s:s, s:s, s:{s:s}, s:[{s:s, s:[s]}]}", "resourceType", "Patient", "id", id, "meta",
			      "project", PROJECT, "name", "family", "Smith", "given", "Alice");
	return r;
}

START_TEST(no_policy_full_access_but_not_admin_types)
{
	json_t *p = build(NULL, "Practitioner/" ME, false, false, NULL);
	json_t *pt = patient(OTHER);
	ck_assert(accesspolicy_allows(p, "Patient", pt, AP_READ | AP_UPDATE));
	ck_assert(accesspolicy_allows_type(p, "Observation", AP_CREATE));
	/* "*" never reaches the administration types; Login only as one's own sign-ins (§11.4) */
	for (const char *const *t = ACCESSPOLICY_ADMIN_TYPES; *t; t++)
		if (strcmp(*t, "Login"))
			ck_assert_msg(!accesspolicy_allows_type(p, *t, AP_ALL), "%s reachable", *t);
	ck_assert(!accesspolicy_allows_type(p, "Login", AP_WRITES));
	json_t *mine = json_pack("{s:s, s:s, s:{s:s}, s:{s:s}}", "resourceType", "Login", "id", "r1", "meta", "project",
				 PROJECT, "profile", "reference", "Practitioner/" ME);
	json_t *theirs = json_pack("{s:s, s:s, s:{s:s}, s:{s:s}}", "resourceType", "Login", "id", "r2", "meta", "project",
				   PROJECT, "profile", "reference", "Practitioner/" OTHER);
	ck_assert(accesspolicy_allows(p, "Login", mine, AP_READ | AP_SEARCH));
	ck_assert(!accesspolicy_allows(p, "Login", theirs, AP_READS));
	ck_assert(!accesspolicy_allows(p, "Login", mine, AP_WRITES));
	json_decref(mine);
	json_decref(theirs);
	/* the read-only defaults */
	ck_assert(accesspolicy_allows_type(p, "SearchParameter", AP_READ));
	json_decref(pt);
	json_decref(p);
}
END_TEST

START_TEST(patient_parameter_confines_to_self)
{
	const char *pol = "[{\"policy\":{\"resourceType\":\"AccessPolicy\",\"id\":\"" OTHER "\",\"resource\":["
			  "{\"resourceType\":\"Patient\",\"criteria\":\"Patient?_id=%patient.id\"},"
			  "{\"resourceType\":\"Observation\",\"criteria\":\"Observation?subject=%patient\"}]}}]";
	json_t *p = build(pol, "Patient/" ME, false, false, NULL);
	json_t *self = patient(ME), *other = patient(OTHER);
	ck_assert(accesspolicy_allows(p, "Patient", self, AP_READ));
	ck_assert(!accesspolicy_allows(p, "Patient", other, AP_READ));
	json_t *obs = json_pack("{s:s, s:s, s:{s:s}}", "resourceType", "Observation", "id", "o1", "subject", "reference",
				"Patient/" ME);
	ck_assert(accesspolicy_allows(p, "Observation", obs, AP_READ));
	json_object_set_new(obs, "subject", json_pack("{s:s}", "reference", "Patient/" OTHER));
	ck_assert(!accesspolicy_allows(p, "Observation", obs, AP_READ));
	/* not listed: nothing */
	ck_assert(!accesspolicy_allows_type(p, "Practitioner", AP_READ));
	/* basedOn names the stored policy */
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(p, "basedOn"), 0), "reference")),
			 "AccessPolicy/" OTHER);
	json_decref(obs);
	json_decref(self);
	json_decref(other);
	json_decref(p);
}
END_TEST

START_TEST(explicit_parameters)
{
	const char *pol = "[{\"policy\":{\"resourceType\":\"AccessPolicy\",\"resource\":["
			  "{\"resourceType\":\"Patient\",\"criteria\":\"Patient?_compartment=%org\"},"
			  "{\"resourceType\":\"Practitioner\",\"criteria\":\"Practitioner?name=%who\"}]},"
			  "\"parameter\":[{\"name\":\"org\",\"valueReference\":{\"reference\":\"Organization/o9\"}},"
			  "{\"name\":\"who\",\"valueString\":\"Ali\"}]}]";
	json_t *p = build(pol, "Practitioner/" ME, false, false, NULL);
	json_t *pt = patient(OTHER);
	ck_assert(!accesspolicy_allows(p, "Patient", pt, AP_READ));
	json_object_set_new(pt, "managingOrganization", json_pack("{s:s}", "reference", "Organization/o9"));
	ck_assert(accesspolicy_allows(p, "Patient", pt, AP_READ));
	json_t *pr = json_pack("{s:s, s:s, s:[{s:[s]}]}", "resourceType", "Practitioner", "id", "x", "name", "given",
			       "Alice");
	ck_assert(accesspolicy_allows(p, "Practitioner", pr, AP_READ));
	json_decref(pr);
	json_decref(pt);
	/* a quote in a value is a character of the string, never JSON */
	json_t *raw = J("{\"resource\":[{\"resourceType\":\"Patient\",\"criteria\":\"Patient?name=%x\"}]}");
	json_t *params = J("[{\"name\":\"x\",\"valueString\":\"a\\\",\\\"readonly\\\":false\"}]");
	json_t *filled = accesspolicy_substitute(raw, params, "Patient/" ME);
	json_t *entry = json_array_get(json_object_get(filled, "resource"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(entry, "criteria")), "Patient?name=a\",\"readonly\":false");
	ck_assert_ptr_null(json_object_get(entry, "readonly"));
	json_decref(filled);
	json_decref(params);
	json_decref(raw);
	/* an unknown parameter stays and matches nothing */
	json_t *q = build("[{\"policy\":{\"resource\":[{\"resourceType\":\"Patient\",\"criteria\":\"Patient?_id=%nobody\"}]}}]",
			  "Practitioner/" ME, false, false, NULL);
	json_t *any = patient("%nobody");
	ck_assert(!accesspolicy_allows(q, "Patient", any, AP_READ));
	json_decref(any);
	json_decref(q);
	json_decref(p);
}
END_TEST

START_TEST(missing_or_empty_policy_grants_nothing)
{
	json_t *p = build("[{\"policy\":{\"resourceType\":\"AccessPolicy\",\"resource\":[]}}]", "Practitioner/" ME, false,
			  false, NULL);
	ck_assert(!accesspolicy_allows_type(p, "Patient", AP_READ));
	ck_assert(accesspolicy_allows_type(p, "StructureDefinition", AP_READ));
	ck_assert(!accesspolicy_allows_type(p, "StructureDefinition", AP_UPDATE));
	json_decref(p);
}
END_TEST

START_TEST(readonly_hidden_and_readonly_fields)
{
	const char *pol = "[{\"policy\":{\"resource\":["
			  "{\"resourceType\":\"Patient\",\"readonly\":true,\"hiddenFields\":[\"birthDate\",\"name.given\"]},"
			  "{\"resourceType\":\"Practitioner\",\"readonlyFields\":[\"identifier\"]}]}}]";
	json_t *p = build(pol, "Practitioner/" ME, false, false, NULL);
	json_t *pt = patient(OTHER);
	json_object_set_new(pt, "birthDate", json_string("1970-01-01"));
	ck_assert(accesspolicy_allows(p, "Patient", pt, AP_READ | AP_SEARCH));
	ck_assert(!accesspolicy_allows(p, "Patient", pt, AP_UPDATE | AP_CREATE | AP_DELETE));
	ck_assert(!accesspolicy_allows_type(p, "Patient", AP_WRITES));
	accesspolicy_hide(p, "Patient", pt);
	ck_assert_ptr_null(json_object_get(pt, "birthDate"));
	json_t *n = json_array_get(json_object_get(pt, "name"), 0);
	ck_assert_ptr_null(json_object_get(n, "given"));
	ck_assert_str_eq(json_string_value(json_object_get(n, "family")), "Smith");
	/* the readonly entry got the read interactions */
	json_t *e = json_array_get(json_object_get(p, "resource"), 0);
	ck_assert_int_eq(json_array_size(json_object_get(e, "interaction")), 4);
	/* an update keeps the stored read-only and hidden fields */
	json_t *stored = J("{\"resourceType\":\"Practitioner\",\"id\":\"x\",\"identifier\":[{\"value\":\"1\"}],\"gender\":\"f\"}");
	json_t *upd = J("{\"resourceType\":\"Practitioner\",\"id\":\"x\",\"identifier\":[{\"value\":\"2\"}],\"gender\":\"m\"}");
	accesspolicy_restore(p, "Practitioner", upd, stored);
	ck_assert(json_equal(json_object_get(upd, "identifier"), json_object_get(stored, "identifier")));
	ck_assert_str_eq(json_string_value(json_object_get(upd, "gender")), "m");
	json_t *upd2 = J("{\"resourceType\":\"Practitioner\",\"id\":\"x\"}");
	accesspolicy_restore(p, "Practitioner", upd2, stored);
	ck_assert_ptr_nonnull(json_object_get(upd2, "identifier"));
	json_decref(upd2);
	json_decref(upd);
	json_decref(stored);
	json_decref(pt);
	json_decref(p);
}
END_TEST

START_TEST(compartment_of_policy)
{
	const char *pol = "[{\"policy\":{\"compartment\":{\"reference\":\"%patient\"},\"resource\":["
			  "{\"resourceType\":\"Observation\"}]}}]";
	json_t *p = build(pol, "Patient/" ME, false, false, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(p, "compartment"), "reference")), "Patient/" ME);
	json_t *obs = J("{\"resourceType\":\"Observation\",\"id\":\"o\",\"subject\":{\"reference\":\"Patient/" OTHER "\"}}");
	ck_assert(!accesspolicy_allows(p, "Observation", obs, AP_READ));
	json_object_set_new(obs, "subject", json_pack("{s:s}", "reference", "Patient/" ME));
	ck_assert(accesspolicy_allows(p, "Observation", obs, AP_READ));
	json_decref(obs);
	json_decref(p);
}
END_TEST

START_TEST(project_admin_rules)
{
	json_t *p = build(NULL, "Practitioner/" ME, true, false, NULL);
	json_t *own = J("{\"resourceType\":\"Project\",\"id\":\"" PROJECT "\",\"superAdmin\":false,\"strictMode\":true,"
			"\"features\":[\"bots\"],\"name\":\"p\"}");
	json_t *other = J("{\"resourceType\":\"Project\",\"id\":\"" OTHER "\"}");
	ck_assert(accesspolicy_allows(p, "Project", own, AP_READ | AP_UPDATE));
	ck_assert(!accesspolicy_allows(p, "Project", other, AP_READ));
	ck_assert(!accesspolicy_allows(p, "Project", own, AP_CREATE | AP_DELETE));
	json_t *upd = J("{\"resourceType\":\"Project\",\"id\":\"" PROJECT "\",\"superAdmin\":true,\"features\":[\"ai\"],"
			"\"name\":\"q\"}");
	accesspolicy_restore(p, "Project", upd, own);
	ck_assert(json_is_false(json_object_get(upd, "superAdmin")));
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(upd, "features"), 0)), "bots");
	ck_assert_str_eq(json_string_value(json_object_get(upd, "name")), "q");
	accesspolicy_hide(p, "Project", own);
	ck_assert_ptr_null(json_object_get(own, "superAdmin"));
	ck_assert_ptr_null(json_object_get(own, "strictMode"));
	json_t *user = J("{\"resourceType\":\"User\",\"id\":\"u\",\"passwordHash\":\"x\",\"mfaSecret\":\"y\",\"email\":\"a@b.c\"}");
	accesspolicy_hide(p, "User", user);
	ck_assert_ptr_null(json_object_get(user, "passwordHash"));
	ck_assert_ptr_null(json_object_get(user, "mfaSecret"));
	ck_assert(accesspolicy_allows_type(p, "AccessPolicy", AP_CREATE));
	ck_assert(accesspolicy_allows_type(p, "ClientApplication", AP_UPDATE));
	ck_assert(!accesspolicy_allows_type(p, "UserSecurityRequest", AP_UPDATE));
	ck_assert(!accesspolicy_allows_type(p, "DomainConfiguration", AP_READ));
	ck_assert(!accesspolicy_allows_type(p, "JsonWebKey", AP_READ));
	/* an admin's own policy entries for admin types are dropped, the rules stay */
	json_t *q = build("[{\"policy\":{\"resource\":[{\"resourceType\":\"DomainConfiguration\"},{\"resourceType\":\"Patient\"}]}}]",
			  "Practitioner/" ME, true, false, NULL);
	ck_assert(!accesspolicy_allows_type(q, "DomainConfiguration", AP_READ));
	ck_assert(accesspolicy_allows_type(q, "Patient", AP_READ));
	json_decref(q);
	json_decref(user);
	json_decref(upd);
	json_decref(own);
	json_decref(other);
	json_decref(p);
}
END_TEST

START_TEST(super_admin_everywhere)
{
	json_t *p = build(NULL, "Practitioner/" ME, false, true, NULL);
	json_t *other = J("{\"resourceType\":\"Project\",\"id\":\"" OTHER "\"}");
	ck_assert(accesspolicy_allows(p, "Project", other, AP_ALL));
	for (const char *const *t = ACCESSPOLICY_ADMIN_TYPES; *t; t++)
		ck_assert_msg(accesspolicy_allows_type(p, *t, AP_WRITES), "%s", *t);
	json_decref(other);
	json_decref(p);
}
END_TEST

static json_t *entry_of(json_t *p, const char *type)
{
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(p, "resource"), i, e) if (!strcmp(json_string_value(json_object_get(e, "resourceType")),
									       type)) return e;
	return NULL;
}

START_TEST(smart_v1_read_narrows)
{
	json_t *p = build(NULL, "Practitioner/" ME, false, false, "openid offline patient/Observation.read");
	json_t *obs = J("{\"resourceType\":\"Observation\",\"id\":\"o\"}");
	ck_assert(accesspolicy_allows(p, "Observation", obs, AP_READ | AP_SEARCH));
	ck_assert(!accesspolicy_allows(p, "Observation", obs, AP_WRITES));
	ck_assert(!accesspolicy_allows_type(p, "Patient", AP_READ));
	/* the defaults were not paired: dropped */
	ck_assert(!accesspolicy_allows_type(p, "SearchParameter", AP_READ));
	ck_assert(json_is_true(json_object_get(entry_of(p, "Observation"), "readonly")));
	json_decref(obs);
	json_decref(p);
}
END_TEST

START_TEST(smart_v2_letters_and_criteria)
{
	json_t *p = build(NULL, "Practitioner/" ME, false, false, "user/Patient.cu user/Observation.rs?category=laboratory");
	ck_assert(accesspolicy_allows_type(p, "Patient", AP_CREATE | AP_UPDATE));
	ck_assert(!accesspolicy_allows_type(p, "Patient", AP_READ | AP_SEARCH | AP_DELETE));
	json_t *e = entry_of(p, "Observation");
	ck_assert_str_eq(json_string_value(json_object_get(e, "criteria")), "Observation?category=laboratory");
	json_t *lab = J("{\"resourceType\":\"Observation\",\"id\":\"o\",\"category\":\"laboratory\"}");
	json_t *vital = J("{\"resourceType\":\"Observation\",\"id\":\"o\",\"category\":\"vital-signs\"}");
	ck_assert(accesspolicy_allows(p, "Observation", lab, AP_READ));
	ck_assert(!accesspolicy_allows(p, "Observation", vital, AP_READ));
	json_decref(lab);
	json_decref(vital);
	json_decref(p);
	/* a policy's criteria and the scope's are joined */
	p = build("[{\"policy\":{\"resource\":[{\"resourceType\":\"Observation\",\"criteria\":\"Observation?subject=%patient\"}]}}]",
		  "Patient/" ME, false, false, "patient/Observation.rs?category=laboratory");
	ck_assert_str_eq(json_string_value(json_object_get(entry_of(p, "Observation"), "criteria")),
			 "Observation?subject=Patient/" ME "&category=laboratory");
	json_decref(p);
	/* the wildcard scope keeps everything, with its letters */
	p = build(NULL, "Practitioner/" ME, false, false, "user/*.rs");
	ck_assert(accesspolicy_allows_type(p, "Patient", AP_READ));
	ck_assert(!accesspolicy_allows_type(p, "Patient", AP_CREATE));
	ck_assert(accesspolicy_allows_type(p, "SearchParameter", AP_READ));
	json_decref(p);
	/* a policy's readonly entry stays readonly under a write scope */
	p = build("[{\"policy\":{\"resource\":[{\"resourceType\":\"Patient\",\"readonly\":true}]}}]", "Practitioner/" ME, false,
		  false, "user/Patient.*");
	ck_assert(!accesspolicy_allows_type(p, "Patient", AP_WRITES));
	ck_assert(accesspolicy_allows_type(p, "Patient", AP_READ));
	json_decref(p);
}
END_TEST

START_TEST(smart_scopes_narrow_admins)
{
	json_t *p = build(NULL, "Practitioner/" ME, true, false, "user/Patient.read");
	ck_assert(!accesspolicy_allows_type(p, "ClientApplication", AP_READ));
	ck_assert(!accesspolicy_allows_type(p, "Project", AP_READ));
	json_decref(p);
	p = build(NULL, "Practitioner/" ME, true, false, "user/*.*");
	ck_assert(accesspolicy_allows_type(p, "ClientApplication", AP_CREATE));
	json_decref(p);
	/* a wildcard entry never becomes an admin type through a scope */
	p = build(NULL, "Practitioner/" ME, false, false, "user/ClientApplication.*");
	ck_assert(!accesspolicy_allows_type(p, "ClientApplication", AP_READ));
	json_decref(p);
}
END_TEST

START_TEST(scope_wellformed)
{
	ck_assert(smart_scope_wellformed("openid profile offline_access launch/patient fhirUser"));
	ck_assert(smart_scope_wellformed("patient/*.read user/Observation.cruds system/Patient.rs?name=x"));
	ck_assert(smart_scope_wellformed(""));
	ck_assert(!smart_scope_wellformed("patient/Observation.rw"));
	ck_assert(!smart_scope_wellformed("openid user/*.readx"));
	ck_assert(!smart_scope_wellformed("system/Pat-ient.read"));
	ck_assert(!smart_scope_wellformed("user/"));
	ck_assert(!smart_scope_wellformed("patient/Observation.sr"));
}
END_TEST

/* The admin API's rule (admin_rights_whole): the same words that keep the admin types above. */
START_TEST(scope_narrows)
{
	ck_assert(!smart_scope_narrows(NULL));
	ck_assert(!smart_scope_narrows(""));
	ck_assert(!smart_scope_narrows("openid profile offline_access launch/patient fhirUser"));
	ck_assert(!smart_scope_narrows("openid user/*.*"));
	ck_assert(!smart_scope_narrows("patient/Observation.read system/*.cruds"));
	ck_assert(smart_scope_narrows("openid patient/Observation.read"));
	ck_assert(smart_scope_narrows("user/*.read"));
	ck_assert(smart_scope_narrows("user/*.cud"));
	ck_assert(smart_scope_narrows("user/*.*?_lastUpdated=gt2020"));
	ck_assert(smart_scope_narrows("user/ClientApplication.*"));
}
END_TEST

START_TEST(ip_rules)
{
	ck_assert(accesspolicy_ip_rule_matches("*", "10.1.2.3"));
	ck_assert(accesspolicy_ip_rule_matches("127.0.0.", "127.0.0.5"));
	ck_assert(!accesspolicy_ip_rule_matches("127.0.0.", "127.0.1.5"));
	ck_assert(accesspolicy_ip_rule_matches("10.0.0.0/8", "10.200.3.4"));
	ck_assert(!accesspolicy_ip_rule_matches("10.0.0.0/8", "11.0.0.1"));
	ck_assert(accesspolicy_ip_rule_matches("127.10.20.0/24", "::ffff:127.10.20.9"));
	ck_assert(accesspolicy_ip_rule_matches("2001:db8::/32", "2001:db8:1::5"));
	ck_assert(!accesspolicy_ip_rule_matches("2001:db8::/32", "2001:db9::5"));
	ck_assert(!accesspolicy_ip_rule_matches("2001:db8::/32", "10.0.0.1"));
	ck_assert(accesspolicy_ip_rule_matches("0.0.0.0/0", "1.2.3.4"));
	ck_assert(accesspolicy_ip_rule_matches("::/0", "::1"));
	ck_assert(!accesspolicy_ip_rule_matches("", "1.2.3.4"));
	ck_assert(accesspolicy_ip_rule_matches("8.8.", "::ffff:8.8.4.4"));
	json_t *rules = J("[{\"value\":\"127.5.0.0/16\",\"action\":\"block\"},{\"value\":\"127.\",\"action\":\"allow\"},"
			  "{\"value\":\"*\",\"action\":\"block\"}]");
	ck_assert(!accesspolicy_ip_allowed(rules, "127.5.9.9"));
	ck_assert(accesspolicy_ip_allowed(rules, "127.6.9.9"));
	ck_assert(!accesspolicy_ip_allowed(rules, "10.0.0.1"));
	ck_assert(accesspolicy_ip_allowed(NULL, "10.0.0.1"));
	json_decref(rules);
	rules = J("[{\"value\":\"10.\",\"action\":\"maybe\"}]");
	ck_assert(!accesspolicy_ip_allowed(rules, "10.0.0.1"));
	json_decref(rules);
	ck_assert(accesspolicy_ip_value_valid("10.0.0.0/8"));
	ck_assert(accesspolicy_ip_value_valid("2001:db8::/32"));
	ck_assert(accesspolicy_ip_value_valid("8.8."));
	ck_assert(accesspolicy_ip_value_valid("*"));
	ck_assert(!accesspolicy_ip_value_valid("10.0.0.0/33"));
	ck_assert(!accesspolicy_ip_value_valid("evil.example.com"));
	ck_assert(!accesspolicy_ip_value_valid(""));
	/* the rules of all policies are concatenated, in order */
	json_t *p = build("[{\"policy\":{\"resource\":[],\"ipAccessRule\":[{\"value\":\"127.9.\",\"action\":\"block\"}]}},"
			  "{\"policy\":{\"resource\":[],\"ipAccessRule\":[{\"value\":\"*\",\"action\":\"allow\"}]}}]",
			  "Practitioner/" ME, false, false, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(p, "ipAccessRule")), 2);
	ck_assert(!accesspolicy_ip_allowed(json_object_get(p, "ipAccessRule"), "127.9.0.1"));
	json_decref(p);
}
END_TEST

START_TEST(search_matching)
{
	json_t *r = J("{\"resourceType\":\"Patient\",\"id\":\"p1\",\"meta\":{\"project\":\"" PROJECT "\"},"
		      "\"name\":[{\"given\":[\"Alice\"],\"family\":\"Smith\"}],"
		      "\"telecom\":[{\"system\":\"email\",\"value\":\"Alice@Example.com\"}],"
		      "\"identifier\":[{\"system\":\"urn:mrn\",\"value\":\"42\"}],\"active\":true,"
		      "\"generalPractitioner\":[{\"reference\":\"Practitioner/d1\"}]}");
	ck_assert(fhirsearch_match(r, "name=ali"));
	ck_assert(fhirsearch_match(r, "name=smi&_id=p1"));
	ck_assert(!fhirsearch_match(r, "name=bob"));
	ck_assert(fhirsearch_match(r, "name=bob,alice"));
	ck_assert(fhirsearch_match(r, "email=alice%40example.com"));
	ck_assert(fhirsearch_match(r, "identifier=urn:mrn|42"));
	ck_assert(fhirsearch_match(r, "identifier=42"));
	ck_assert(!fhirsearch_match(r, "identifier=other|42"));
	ck_assert(fhirsearch_match(r, "active=true"));
	ck_assert(!fhirsearch_match(r, "active=false"));
	ck_assert(fhirsearch_match(r, "_compartment=Patient/p1"));
	ck_assert(fhirsearch_match(r, "_compartment=Practitioner/d1"));
	ck_assert(!fhirsearch_match(r, "_compartment=Practitioner/d2"));
	ck_assert(fhirsearch_match(r, "generalPractitioner=d1"));
	ck_assert(fhirsearch_match(r, "_project=" PROJECT));
	ck_assert(!fhirsearch_match(r, "name:exact=Alice"));
	ck_assert(!fhirsearch_match(r, "_lastUpdated=gt2000"));
	ck_assert(!fhirsearch_match(r, "nothing=1"));
	ck_assert(!fhirsearch_match(r, "name"));
	ck_assert(!fhirsearch_match(r, "_id="));
	ck_assert(fhirsearch_match(r, ""));
	char type[65];
	const char *q;
	ck_assert(fhirsearch_split("Patient?_id=1", type, &q));
	ck_assert_str_eq(type, "Patient");
	ck_assert_str_eq(q, "_id=1");
	ck_assert(fhirsearch_split("Patient", type, &q));
	ck_assert_str_eq(q, "");
	ck_assert(!fhirsearch_split("?x=1", type, &q));
	json_decref(r);
}
END_TEST

Suite *accesspolicy_suite(void)
{
	Suite *s = suite_create("accesspolicy");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, no_policy_full_access_but_not_admin_types);
	tcase_add_test(tc, patient_parameter_confines_to_self);
	tcase_add_test(tc, explicit_parameters);
	tcase_add_test(tc, missing_or_empty_policy_grants_nothing);
	tcase_add_test(tc, readonly_hidden_and_readonly_fields);
	tcase_add_test(tc, compartment_of_policy);
	tcase_add_test(tc, project_admin_rules);
	tcase_add_test(tc, super_admin_everywhere);
	tcase_add_test(tc, smart_v1_read_narrows);
	tcase_add_test(tc, smart_v2_letters_and_criteria);
	tcase_add_test(tc, smart_scopes_narrow_admins);
	tcase_add_test(tc, scope_wellformed);
	tcase_add_test(tc, scope_narrows);
	tcase_add_test(tc, ip_rules);
	tcase_add_test(tc, search_matching);
	suite_add_tcase(s, tc);
	return s;
}
