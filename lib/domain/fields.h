/* SPDX-License-Identifier: BSD-2-Clause */
/* fields: the input rows several route tables share, each written once with the text Medplum
 * (or the RFC) gives for the family of routes that uses it (PROTOCOL.md §6, §7). A route's table
 * lists them among its own rows. tests/check-fields fails when a row of this file is written out
 * again in a table, or when one row is written out in two tables: it belongs here. Where two
 * routes need one input with another limit or text, both rows are named here and say why.
 * The validators are the one password policy (pwpolicy), the name rules (input, registration),
 * the sign-in's project rule (flow) and SMART's scope grammar (smart). */
#ifndef TESSERA_FIELDS_H
#define TESSERA_FIELDS_H
#include "domain/login.h"
#include "domain/projects.h"
#include "domain/pwpolicy.h"
#include "domain/registration.h"
#include "http/input.h"
#include "oauth/smart.h"

/* --- The JSON stages of a sign-in (tessera-login: §6.2, §6.3, §6.7-§6.9, §6.11-§6.13) --- */

/* The email of a sign-in (/auth/login, /auth/method, the admin's password routes). */
#define FIELD_EMAIL_SIGNIN { "email", IN_EMAIL, true, 320, "Valid email address is required", NULL }
/* The email of a new account or a reset (/auth/newuser, /auth/resetpassword and their pages). */
#define FIELD_EMAIL_ACCOUNT \
	{ "email", IN_EMAIL, true, 72, "Valid email address between 3 and 72 characters is required", NULL }
/* The project a credentials stage names: a UUID or "new" (§6.2). */
#define FIELD_STAGE_PROJECT_ID { "projectId", IN_TOKEN, false, 36, "Invalid projectId", flow_project_id_ok }
/* The client of a credentials stage: an unknown one is Medplum's 404 Not found, so is a bad id. */
#define FIELD_CLIENT_ID_STAGE { "clientId", IN_TOKEN, false, 127, "Not found", NULL }
/* A scope: the RFC 6749 grammar first, then SMART's (a stage checks both; OAuth routes the first). */
#define FIELD_SCOPE { "scope", IN_SCOPE, false, 1024, "Invalid scope", NULL }
#define FIELD_SMART_SCOPE { "scope", IN_SCOPE, false, 1024, "Invalid scope", smart_scope_wellformed }
/* /auth/scope's: the stage exists to set one, so none is Medplum's Missing scope (§6.8). */
#define FIELD_SCOPE_REQUIRED { "scope", IN_SCOPE, true, 1024, "Missing scope", NULL }
#define FIELD_NONCE { "nonce", IN_STRING, false, 512, "Invalid nonce", NULL }
#define FIELD_LAUNCH { "launch", IN_TOKEN, false, 64, "Invalid launch", NULL }
/* PKCE as the SDK's stages name it (camelCase); the OAuth routes' names are FIELDS_PKCE_AUTHORIZE. */
#define FIELDS_PKCE_STAGE                                                                        \
	{ "codeChallenge", IN_TOKEN, false, 128, "Invalid code challenge", NULL },                \
	{ "codeChallengeMethod", IN_TOKEN, false, 8, "Invalid code challenge method", NULL }
#define FIELD_REMEMBER { "remember", IN_BOOL, false, 5, "Invalid remember", NULL }
/* The login request of a credentials stage after its credentials (§6.2, §6.3): client, scope,
 * nonce, launch, PKCE, remember. */
#define FIELDS_SIGNIN_REQUEST                                                         \
	FIELD_CLIENT_ID_STAGE,                                                         \
	{ "resourceType", IN_TOKEN, false, 32, "Invalid resourceType", NULL },          \
	FIELD_SCOPE, FIELD_SMART_SCOPE, FIELD_NONCE, FIELD_LAUNCH, FIELDS_PKCE_STAGE, FIELD_REMEMBER
/* The Login a later stage continues (/auth/profile, /auth/scope, the MFA stages, /auth/newpatient). */
#define FIELD_LOGIN { "login", IN_TOKEN, true, 64, "Missing login", NULL }
/* /auth/newproject's: Medplum checks this one as a UUID, with its own text (and full stop, §6.12). */
#define FIELD_LOGIN_UUID { "login", IN_UUID, true, 36, "Login ID is required.", NULL }
/* A one-time code of the MFA stages (verify, enroll, disable). */
#define FIELD_MFA_TOKEN { "token", IN_TOKEN, true, 64, "Missing token", NULL }
/* login-enroll's: optional, as `method: email` first enrolls and mails the code (§6.9). */
#define FIELD_MFA_TOKEN_OPTIONAL { "token", IN_TOKEN, false, 64, "Missing token", NULL }

/* --- Accounts, passwords and registration (§6.11-§6.14) --- */

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
/* The project of a registration (/auth/newproject and the /register page): 4..72 characters,
 * in at most PROJECT_NAME_MAX bytes (72 four-byte characters would not fit what reads it back). */
#define FIELD_PROJECT_NAME                                                                                        \
	{ "projectName", IN_STRING, true, PROJECT_NAME_MAX, "Project name must be between 4 and 72 characters", \
	  registration_project_name_ok }
/* A user security request of an email link (/auth/setpassword, /auth/verifyemail). */
#define FIELDS_SECURITY_REQUEST                                   \
	{ "id", IN_UUID, true, 36, "Invalid request ID", NULL },   \
	{ "secret", IN_TOKEN, true, 256, "Missing secret", NULL }
/* A project named by id (/auth/resetpassword, the super admin's setpassword). */
#define FIELD_PROJECT_ID { "projectId", IN_UUID, false, 36, "Invalid projectId", NULL }
/* An app's address in Medplum's camelCase: a client's redirectUri, where a reset's link leads. */
#define FIELD_APP_REDIRECT_URI { "redirectUri", IN_URI, false, 2048, "Invalid redirectUri", NULL }
#define FIELD_SEND_EMAIL { "sendEmail", IN_BOOL, false, 5, "Invalid sendEmail", NULL }
#define FIELD_MFA_REQUIRED { "mfaRequired", IN_BOOL, false, 5, "Invalid mfaRequired", NULL }
/* A client's or a bot's description (the admin API). */
#define FIELD_DESCRIPTION { "description", IN_STRING, false, 4096, "Invalid description", NULL }

/* --- OAuth 2.0 (tessera-authorize, tessera-token, tessera-session: §7) --- */

/* The authorize request's client: an unknown one is Medplum's plain-text 400 Client not found. */
#define FIELD_CLIENT_ID_AUTHORIZE { "client_id", IN_TOKEN, false, 127, "Client not found", NULL }
#define FIELD_REDIRECT_URI { "redirect_uri", IN_TOKEN, false, 2048, "Invalid redirect URI", NULL }
/* An opaque state given back as it came (a client's at /oauth2/authorize, Tessera's own from an IdP). */
#define FIELD_STATE { "state", IN_STRING, false, 2048, "Invalid state", NULL }
/* /auth/external/authorize's: Medplum's ExternalAuthState, JSON that carries the whole sign-in
 * request (scope, PKCE, redirect) inside, so four times the room. */
#define FIELD_EXTERNAL_AUTH_STATE { "state", IN_STRING, false, 8192, "Invalid state", NULL }
#define FIELDS_PKCE_AUTHORIZE                                                                     \
	{ "code_challenge", IN_TOKEN, false, 128, "Invalid code challenge", NULL },                \
	{ "code_challenge_method", IN_TOKEN, false, 8, "Invalid code challenge method", NULL }
/* The authorize request (§7.1): /oauth2/authorize's, and the sign-in page's that carries it on. */
#define FIELDS_AUTHORIZE_REQUEST                                                            \
	FIELD_CLIENT_ID_AUTHORIZE, FIELD_REDIRECT_URI, FIELD_STATE, FIELD_SCOPE, FIELD_NONCE, \
	FIELDS_PKCE_AUTHORIZE
/* The client authentication of the token, introspection and revocation endpoints (§7.2.5). */
#define FIELD_CLIENT_ID_TOKEN { "client_id", IN_TOKEN, false, 127, "Invalid client", NULL }
#define FIELD_CLIENT_SECRET { "client_secret", IN_TOKEN, false, 255, "Invalid secret", NULL }
/* /oauth2/revoke's: every failed client authentication there is Invalid client (RFC 7009 §2.1
 * invalid_client), a wrong secret too, so a malformed one says the same. */
#define FIELD_CLIENT_SECRET_REVOKE { "client_secret", IN_TOKEN, false, 255, "Invalid client", NULL }
#define FIELDS_CLIENT_ASSERTION                                                                                \
	{ "client_assertion_type", IN_TOKEN, false, 128, "Unsupported client assertion type", NULL },           \
	{ "client_assertion", IN_TOKEN, false, 8192, "Invalid client assertion", NULL }
#define FIELD_TOKEN_TYPE_HINT { "token_type_hint", IN_TOKEN, false, 64, "Invalid token_type_hint", NULL }

/* --- Tessera's own browser pages (sign-in, MFA, password) --- */

/* The sign-in a page continues, by its reference. */
#define FIELD_PAGE_FLOW { "flow", IN_TOKEN, true, LOGIN_REF_LEN, "This sign-in link is not valid", NULL }
#define FIELD_CONFIRM_PASSWORD { "confirm", IN_STRING, true, 1024, "Type the new password again", NULL }

#endif
