/* SPDX-License-Identifier: BSD-2-Clause */
/* fields: the input rows several routes share, each written once with the text Medplum gives
 * for the family of routes that uses it (PROTOCOL.md §6). A route's table lists them among
 * its own rows; the validators are the one password policy (pwpolicy) and name rule (input). */
#ifndef TESSERA_FIELDS_H
#define TESSERA_FIELDS_H
#include "domain/pwpolicy.h"
#include "http/input.h"

/* The email of a sign-in (/auth/login, /auth/method, the admin's password routes). */
#define FIELD_EMAIL_SIGNIN { "email", IN_EMAIL, true, 320, "Valid email address is required", NULL }
/* The email of a new account or a reset (/auth/newuser, /auth/resetpassword and their pages). */
/* The login request of a credentials stage after its credentials (§6.2, §6.3): client, scope,
 * nonce, launch, PKCE, remember. The scope rows need oauth/smart.h's smart_scope_wellformed. */
#define FIELDS_SIGNIN_REQUEST                                                                                      \
	{ "clientId", IN_TOKEN, false, 127, "Not found", NULL },                                                \
	{ "resourceType", IN_TOKEN, false, 32, "Invalid resourceType", NULL },                                  \
	{ "scope", IN_SCOPE, false, 1024, "Invalid scope", NULL },                                              \
	{ "scope", IN_SCOPE, false, 1024, "Invalid scope", smart_scope_wellformed },                            \
	{ "nonce", IN_STRING, false, 512, "Invalid nonce", NULL },                                              \
	{ "launch", IN_TOKEN, false, 64, "Invalid launch", NULL },                                              \
	{ "codeChallenge", IN_TOKEN, false, 128, "Invalid code challenge", NULL },                              \
	{ "codeChallengeMethod", IN_TOKEN, false, 8, "Invalid code challenge method", NULL },                   \
	{ "remember", IN_BOOL, false, 5, "Invalid remember", NULL }
/* The email of a new account or a reset (/auth/newuser, /auth/resetpassword and their pages). */
#define FIELD_EMAIL_ACCOUNT \
	{ "email", IN_EMAIL, true, 72, "Valid email address between 3 and 72 characters is required", NULL }
/* A password being set (setpassword, changepassword, the admin's setpassword): two rows, the
 * lower bound's text first as Medplum checks it first. */
#define FIELD_NEW_PASSWORD(name, required)                                                                      \
	{ name, IN_STRING, required, 0, "Invalid password, must be at least 8 characters", pwpolicy_min_ok }, \
	{ name, IN_STRING, required, 0, "Password must be no more than 72 characters", pwpolicy_max_ok }
/* The password of a registration (/auth/newuser and /register). */
#define FIELD_REGISTER_PASSWORD \
	{ "password", IN_STRING, true, 0, "Password must be between 8 and 72 characters", pwpolicy_length_ok }
/* First and last name of a registration or an invite page. */
#define FIELD_PERSON_NAMES                                                                                       \
	{ "firstName", IN_STRING, true, 512, "First name must be between 1 and 128 characters", valid_person_name }, \
	{ "lastName", IN_STRING, true, 512, "Last name must be between 1 and 128 characters", valid_person_name }

#endif
