/* SPDX-License-Identifier: BSD-2-Clause */
/* pages: the sign-in pages of tessera-login. /signin and /oauth (where /oauth2/authorize
 * continues, PROTOCOL.md §7.1 step 5) ask for email and password; /oauth/profile lets a user with
 * several memberships choose one; /oauth/consent asks before a client gets more than
 * `openid`, and before a client that registered itself gets anything (PROTOCOL.md §5.5); then
 * the browser goes back to the client with code and state.
 *
 * Every stage calls the same lib/flow.c functions as the JSON routes in login.c. The pages
 * add what a browser needs: a CSRF token in every form, the binding of a login to the browser
 * that typed the password (lib/csrf.c), post-redirect-get, and HTML from templates/ with
 * every value escaped (lib/page.c). Nothing here trusts the query: the client and its exact
 * redirect URI are checked again on every post, later stages use the redirect URI stored on
 * the login, and they find the login through the binding cookie alone (no URL or form ever
 * carries a login id; issue 14). */
#include "pages.h"
#include "external-trip.h"
#include "domain/domains.h"
#include "domain/admin.h"
#include "domain/auth.h"
#include "domain/clients.h"
#include "core/config.h"
#include "core/crypto.h"
#include "http/csrf.h"
#include "domain/fields.h"
#include "domain/flow.h"
#include "domain/grant.h"
#include "domain/login.h"
#include "http/page.h"
#include "domain/pagesession.h"
#include "domain/people.h"
#include "domain/ratelimit.h"
#include "http/redirect.h"
#include "http/request.h"
#include "http/response.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a person whose project requires a verified address does next (FLOW_EMAIL_UNVERIFIED). */
#define PAGES_EMAIL_UNVERIFIED                                                                                       \
	"Please confirm your email address first: open the link we emailed you, then sign in again. "                \
	"No email? Use \"Forgot password?\" below: its link confirms your address too."


/* The parameters the sign-in form carries from /oauth2/authorize to its own post. */
static const char *const carried[] = {
	"client_id", "redirect_uri", "state", "scope", "code_challenge", "code_challenge_method", "nonce", "launch", NULL,
};

const struct input pages_signin_inputs[] = {
	FIELDS_AUTHORIZE_REQUEST,
	FIELD_LAUNCH,
	{ "domain", IN_TOKEN, false, 253, "Invalid domain", NULL },
	{ 0 },
};

const struct input pages_stage_inputs[] = {
	FIELD_PAGE_FLOW,
	FIELD_STATE,
	{ 0 },
};

/* The fields a person types: checked in the handler so the message shows beside the field.
 * The email first: an email of a federated domain needs no password here. */
static const struct input email_inputs[] = {
	{ "email", IN_EMAIL, true, 320, "Enter your email address, like name@example.com", NULL },
	{ 0 },
};
static const struct input credential_inputs[] = {
	{ "password", IN_STRING, true, 1024, "Enter your password", NULL },
	{ 0 },
};

/* ------------------------------------------------------------------ answers */

/* Sends a message page; 1 when sent (the request is answered), -1 when it could not be. */
static int refuse_page(struct request *req, int status, const char *title, const char *text)
{
	return page_message(req, status, title, text) < 0 ? -1 : 1;
}

/* 303 to the finished URL (post-redirect-get); frees the builder. */
static int see_other(struct request *req, struct url_builder *u)
{
	char location[8300];
	int rc = url_get(u) ? redirect_header(url_get(u), location, sizeof location) : -1;
	url_free(u);
	if (rc < 0)
		return refuse_page(req, 400, "This sign-in cannot continue", "The address to return to is not valid.");
	req_add_header(req, location);
	send_empty(req, 303, NULL);
	return 1;
}

/* The next page of this sign-in on Tessera's side: /oauth/mfa, /oauth/profile or /oauth/consent.
 * The URL names the sign-in by its reference only (login_ref): the login id itself is a bearer
 * secret of the flow and stays in the binding cookie (URLs leak through history and logs). */
static int to_stage(struct request *req, const char *stage, const char *login_id, const char *state)
{
	char base[2100], ref[LOGIN_REF_LEN + 1];
	if (login_ref(login_id, ref) < 0)
		return -1;
	snprintf(base, sizeof base, "%s%s", cfg.app_base_url, stage);
	struct url_builder u;
	url_start(&u, base);
	url_param(&u, "flow", ref);
	url_param(&u, "state", state);
	return see_other(req, &u);
}

/* Back to the client: redirect_uri?name=value&state=... (state always present, as §7.1). */
static int to_client(struct request *req, const char *redirect_uri, const char *name, const char *value,
		     const char *state)
{
	struct url_builder u;
	url_start(&u, redirect_uri);
	url_param(&u, name, value);
	url_param(&u, "state", state ? state : "");
	return see_other(req, &u);
}

/* The page's CSP form-action also allows the client's origin: Chromium applies form-action
 * to the redirect that answers a form post. */
int pages_send_form(struct request *req, int status, const char *name, json_t *ctx, const char *redirect_uri)
{
	char origin[512] = "";
	if (redirect_uri && *redirect_uri)
		page_origin(redirect_uri, origin, sizeof origin);
	return page_send(req, status, name, ctx, origin) < 0 ? -1 : 1;
}

/* ------------------------------------------------------------------ the sign-in form */

struct signin {
	bool oauth;               /* a client sent the browser: back to it at the end */
	struct client client;
	const char *redirect_uri;
};

/* Checks the client and its exact redirect URI as /oauth2/authorize does: anyone can craft
 * /oauth?redirect_uri=... by hand. 0 fine, 1 refused (page sent), -1 failure. */
static int read_signin(struct request *req, struct signin *s)
{
	memset(s, 0, sizeof *s);
	const char *client_id = req_param(req, "client_id");
	s->redirect_uri = req_param(req, "redirect_uri");
	s->oauth = (client_id && *client_id) || (s->redirect_uri && *s->redirect_uri);
	if (!s->oauth)
		return 0;
	int rc = client_id ? clients_get(client_id, &s->client) : 1;
	if (rc < 0)
		return -1;
	if (rc == 1 || strcmp(s->client.status, "active"))
		return refuse_page(req, 400, "This sign-in cannot start", "Client not found");
	if (!s->redirect_uri || !valid_uri(s->redirect_uri) || !clients_redirect_ok(&s->client, s->redirect_uri))
		return refuse_page(req, 400, "This sign-in cannot start", "Invalid redirect URI");
	if (!clients_codes_allowed(&s->client))
		return refuse_page(req, 400, "This sign-in cannot start", CLIENTS_GRANT_REFUSED);
	return 0;
}

/* A logo is shown only from an https: or data:image/ URL (never javascript: or http:).
 * 0, or -1 when the database failed. */
static int add_branding(json_t *ctx, const struct client *c)
{
	json_t *b;
	json_object_set_new(ctx, "client", json_string(c->name));
	/* Its name is the app's own claim: the page says so (§5.5). */
	json_object_set_new(ctx, "registered", json_boolean(c->registered));
	int rc = clients_branding(c->id, &b);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	json_t *welcome = json_object_get(b, "welcomeString");
	if (json_is_string(welcome))
		json_object_set(ctx, "welcome", welcome);
	const char *url = json_string_value(json_object_get(json_object_get(b, "logo"), "url"));
	const char *alt = json_string_value(json_object_get(json_object_get(b, "logo"), "title"));
	if (url && (!strncmp(url, "https://", 8) || !strncmp(url, "data:image/", 11)))
		json_object_set_new(ctx, "logo", json_pack("{s:s, s:s}", "url", url, "alt", alt ? alt : c->name));
	json_decref(b);
	return 0;
}

/* The form; field and message (may be NULL) put an error beside "email" or "password". */
/* retry_after > 0: a 429 (the password must wait) with Retry-After. */
static int show_signin_retry(struct request *req, const struct signin *s, int status, const char *field,
			     const char *message, long retry_after)
{
	char action[2100];
	json_t *ctx = page_form_context(req, "Sign in");
	if (!ctx)
		return -1;
	if (retry_after > 0) {
		char line[64];
		snprintf(line, sizeof line, "Retry-After: %ld\r\n", retry_after);
		req_add_header(req, line);
		req->rl.retry_after = retry_after;
	}
	snprintf(action, sizeof action, "%s%s", cfg.app_base_url, req->path + 1);
	json_object_set_new(ctx, "action", json_string(action));
	for (int i = 0; s->oauth && carried[i]; i++)
		page_hidden(ctx, carried[i], req_param(req, carried[i]));
	if (s->oauth && add_branding(ctx, &s->client) < 0) {
		json_decref(ctx);
		return -1;
	}
	const char *email = req_body_param(req, "email");
	if (email && strlen(email) <= 320)
		json_object_set_new(ctx, "email", json_string(email));
	json_object_set_new(ctx, "register", json_boolean(cfg.register_enabled));
	page_field_error(ctx, field, message);
	return pages_send_form(req, status, "signin", ctx, s->oauth ? s->redirect_uri : NULL);
}

static int show_signin(struct request *req, const struct signin *s, int status, const char *field,
		       const char *message)
{
	return show_signin_retry(req, s, status, field, message, 0);
}

/* ------------------------------------------------------------------ external identity providers */

/* The sign-in continues at an external IdP (PROTOCOL.md §12.1): the page's request kept in the
 * trip, so the callback continues with the next page. */
static int to_identity_provider(struct request *req, const struct signin *s, const char *domain)
{
	struct federation_request r = {
		.domain = domain, .page = true, .page_state = req_param(req, "state"),
	};
	if (s->oauth) {
		r.client_id = s->client.id;
		r.redirect_uri = s->redirect_uri;
		r.scope = req_param(req, "scope");
		r.nonce = req_param(req, "nonce");
		r.launch = req_param(req, "launch");
		r.code_challenge = req_param(req, "code_challenge");
		r.code_challenge_method = req_param(req, "code_challenge_method");
	}
	int rc = external_begin(req, &r);
	return rc < 0 ? -1 : 1;
}

/* The same page by GET with the carried parameters and the domain, which sends the browser on
 * to the IdP. Not a redirect: a form post's redirects may only go to this origin (CSP
 * form-action, which Chromium applies to the whole chain), so a page follows a link to it. */
static int via_get(struct request *req, const struct signin *s, const char *domain)
{
	char base[2100];
	snprintf(base, sizeof base, "%s%s", cfg.app_base_url, req->path + 1);
	struct url_builder u;
	url_start(&u, base);
	for (int i = 0; s->oauth && carried[i]; i++)
		url_param(&u, carried[i], req_param(req, carried[i]));
	if (domain && *domain)
		url_param(&u, "domain", domain);
	json_t *ctx = url_get(&u) ? page_context("Continue at your organisation") : NULL;
	if (ctx) {
		json_object_set_new(ctx, "href", json_string(url_get(&u)));
		json_object_set_new(ctx, "refresh", json_string(url_get(&u)));
		if (domain && *domain)
			json_object_set_new(ctx, "domain", json_string(domain));
	}
	url_free(&u);
	return ctx ? pages_send_form(req, 200, "external", ctx, NULL) : -1;
}

/* 1 when the client, or the email's domain, signs in at an external IdP (the browser is then
 * on its way there: at once for a GET, through via_get for a post). 0 when neither, -1. */
static int federated(struct request *req, const struct signin *s, const char *email)
{
	char domain[256] = "";
	const char *at = email ? strrchr(email, '@') : NULL;
	if (at)
		people_lower_email(at + 1, domain, sizeof domain);
	json_t *idp = NULL;
	int rc = s->oauth ? clients_identity_provider(s->client.id, &idp) : 0;
	if (rc == 0 && !idp && domain[0])
		rc = domains_configured(domain);
	else if (rc == 0)
		rc = idp != NULL;
	json_decref(idp);
	if (rc != 1)
		return rc;
	return email ? via_get(req, s, domain) : to_identity_provider(req, s, domain);
}

int pages_signin_get(struct request *req)
{
	struct signin s;
	int rc = read_signin(req, &s);
	/* /signin?domain=…: the people of that domain skip the email prompt. */
	const char *domain = req_param(req, "domain");
	if (rc == 0 && domain && *domain)
		return to_identity_provider(req, &s, domain);
	if (rc == 0 && s.oauth)
		rc = federated(req, &s, NULL);
	if (rc == 0)
		rc = show_signin(req, &s, 200, NULL, NULL);
	return rc;
}

/* ------------------------------------------------------------------ after the password */


/* A refusal of the flow: the person's own (wrong password, no membership) shows beside the
 * password; one of the client's request (PKCE, launch) as a page. */
static int signin_refused(struct request *req, const struct signin *s, const struct refusal *err)
{
	if (err->status == 429) {
		long seconds = response_retry_seconds(err->retry_ms);
		char text[160];
		snprintf(text, sizeof text, "Too many failed attempts: try again in %ld second%s.", seconds,
			 seconds == 1 ? "" : "s");
		return show_signin_retry(req, s, 429, "password", text, seconds);
	}
	if (err->status == 404 || err->expression)
		return refuse_page(req, 400, "This sign-in cannot start", err->text);
	if (!strcmp(err->text, FLOW_EMAIL_UNVERIFIED))
		return show_signin(req, s, 400, "email", PAGES_EMAIL_UNVERIFIED);
	return show_signin(req, s, 400, "password", err->text);
}

/* What the client asked for, bound to the login and later to its code. */
static void bind_request(const struct request *req, const struct signin *s, struct login_request *lr)
{
	lr->client_id = s->client.id;
	lr->redirect_uri = s->redirect_uri;
	lr->page = true;
	lr->scope = req_param(req, "scope");
	lr->nonce = req_param(req, "nonce");
	lr->launch = req_param(req, "launch");
	lr->code_challenge = req_param(req, "code_challenge");
	lr->code_challenge_method = req_param(req, "code_challenge_method");
}

int pages_signin_post(struct request *req)
{
	struct signin s;
	struct input_error ie;
	int rc = read_signin(req, &s);
	if (rc != 0)
		return rc;
	if (!input_check(req, email_inputs, &ie))
		return show_signin(req, &s, 400, ie.name, ie.message);
	if ((rc = federated(req, &s, req_body_param(req, "email"))) != 0)
		return rc;
	if (!input_check(req, credential_inputs, &ie))
		return show_signin(req, &s, 400, ie.name, ie.message);
	struct login_request lr = {
		.email = req_body_param(req, "email"), .password = req_body_param(req, "password"),
		.remote_addr = req->remote_addr, .user_agent = req->user_agent,
	};
	if (s.oauth)
		bind_request(req, &s, &lr);
	struct login l;
	struct refusal err;
	rc = flow_password_login(&lr, &l, &err);
	if (rc != 0)
		return rc < 0 ? -1 : signin_refused(req, &s, &err);
	snprintf(req->log_login, sizeof req->log_login, "%s", l.id);
	return pages_next_stage(req, &l, req_param(req, "state"));
}

/* A sign-in without a client has no application to return to: the browser gets a page
 * session (csrf.h BIND_SESSION) and goes to /account, which says who is signed in. */
static int signed_in(struct request *req, const struct login *l)
{
	if (csrf_bind(req, BIND_SESSION, l->id) < 0)
		return -1;
	page_see_other(req, "account");
	return 1;
}

/* The last stage: a fresh code to the client (and the SSO cookie, as authorize.c sets it). */
static int finish(struct request *req, struct login *l, const char *state)
{
	char cookie_line[512], cookie[33];
	json_t *result = NULL;
	csrf_unbind(req, BIND_SIGNIN);
	if (!l->client_id[0])
		return signed_in(req, l);
	int rc = flow_result(l, &result, cookie);
	if (rc < 0)
		return -1;
	const char *code = rc == 0 ? json_string_value(json_object_get(result, "code")) : NULL;
	if (!code) {
		json_decref(result);
		return refuse_page(req, 400, "This sign-in has ended", "Start again from your application.");
	}
	if (cookie[0]) {
		flow_cookie_header(l->client_id, cookie, cookie_line, sizeof cookie_line);
		req_add_header(req, cookie_line);
	}
	rc = to_client(req, l->redirect_uri, "code", code, state);
	json_decref(result);
	return rc;
}

/* The person is asked (§5.5) when the client wants more than openid, and always when it
 * registered itself (a third party's app: whatever it asks for). 1, 0, -1. */
static int consent_needed(const struct login *l)
{
	if (!l->client_id[0])
		return 0;
	return strcmp(l->scope, "openid") ? 1 : flow_third_party(l);
}

/* Credentials → [MFA] → profile → [consent] → code (§5.4). */
int pages_next_stage(struct request *req, struct login *l, const char *state)
{
	int consent = 0;
	if (!flow_mfa_pending(l) && l->membership_id[0] && (consent = consent_needed(l)) < 0)
		return -1;
	const char *stage = flow_mfa_pending(l)		? "oauth/mfa"
			    : !l->membership_id[0] ? "oauth/profile"
			    : consent		   ? "oauth/consent"
						   : NULL;
	if (!stage)
		return finish(req, l, state);
	if (csrf_bind(req, BIND_SIGNIN, l->id) < 0)
		return -1;
	return to_stage(req, stage, l->id, state);
}

/* ------------------------------------------------------------------ profile and consent */

/* Loads the login this browser's binding cookie names, only while it is open and only when the
 * page's flow reference is that login's: a tab of an older sign-in in the same browser must
 * not continue a newer one. 0 loaded, 1 refused (page sent), -1 failure. */
int pages_load_bound(struct request *req, struct login *l)
{
	char id[37], ref[LOGIN_REF_LEN + 1];
	const char *flow = req_param(req, "flow");
	struct refusal err;
	if (!csrf_bound_login(req, BIND_SIGNIN, id) || login_ref(id, ref) < 0 || !flow || !crypto_streq(ref, flow))
		return refuse_page(req, 403, "This sign-in has expired",
			      "It was started in another browser or too long ago. Start again from your application.");
	int rc = flow_load(id, l);
	if (rc != 0)
		return rc < 0 ? -1 : refuse_page(req, 400, "This sign-in has expired", "Start again from your application.");
	if (flow_check_open(l, &err) != 0)
		return refuse_page(req, 400, "This sign-in has ended", err.text);
	snprintf(req->log_login, sizeof req->log_login, "%s", l->id);
	return 0;
}

/* The hidden fields of a stage form: the sign-in's reference (never its id) and the client's state. */
json_t *pages_stage_context(struct request *req, const struct login *l, const char *title)
{
	char ref[LOGIN_REF_LEN + 1];
	json_t *ctx = login_ref(l->id, ref) == 0 ? page_form_context(req, title) : NULL;
	if (!ctx)
		return NULL;
	json_object_set_new(ctx, "flow", json_string(ref));
	page_hidden(ctx, "state", req_param(req, "state"));
	return ctx;
}

static int show_profiles(struct request *req, const struct login *l, int status, const char *message)
{
	json_t *list = flow_memberships(l), *m;
	size_t i;
	json_t *ctx = list ? pages_stage_context(req, l, "Choose a profile") : NULL;
	if (!ctx) {
		json_decref(list);
		return -1;
	}
	json_array_foreach (list, i, m)
		json_object_set_new(m, "checked", json_boolean(i == 0));
	json_object_set_new(ctx, "memberships", list);
	page_field_error(ctx, "profile", message);
	return pages_send_form(req, status, "profile", ctx, l->redirect_uri);
}

int pages_profile_get(struct request *req)
{
	struct login l;
	int rc = pages_load_bound(req, &l);
	if (rc == 0 && l.membership_id[0])
		rc = refuse_page(req, 400, "Profile already chosen", "Continue in the page that followed, or start again.");
	if (rc == 0)
		rc = show_profiles(req, &l, 200, NULL);
	return rc;
}

int pages_profile_post(struct request *req)
{
	struct login l;
	struct refusal err;
	int rc = pages_load_bound(req, &l);
	if (rc != 0)
		return rc;
	const char *profile = req_body_param(req, "profile");
	if (!profile || !crypto_is_uuid(profile))
		return show_profiles(req, &l, 400, "Choose one of your profiles");
	rc = flow_set_membership(&l, profile, &err);
	if (rc != 0)
		return rc < 0 ? -1
			      : show_profiles(req, &l, 400,
						       strcmp(err.text, FLOW_EMAIL_UNVERIFIED) ? err.text : PAGES_EMAIL_UNVERIFIED);
	return pages_next_stage(req, &l, req_param(req, "state"));
}

/* What a scope lets the client see, in words; other scopes (SMART) are shown as they are. */
static const char *scope_label(const char *scope)
{
	static const struct { const char *scope, *label; } labels[] = {
		{ "profile", "Your name and profile" },
		{ "email", "Your email address" },
		{ "phone", "Your phone number" },
		{ "address", "Your postal address" },
		{ "fhirUser", "Your record as a user of the health record" },
		{ "offline_access", "Stay signed in when you are away" },
		{ "offline", "Stay signed in when you are away" },
		{ "launch", "The context your application was launched in" },
		{ "launch/patient", "The patient chosen at launch" },
	};
	for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
		if (!strcmp(labels[i].scope, scope))
			return labels[i].label;
	return NULL;
}

/* The login's scopes other than openid, each {value, label?}. */
static json_t *scope_list(const char *scope)
{
	json_t *list = json_array();
	char copy[1025], *save = NULL;
	snprintf(copy, sizeof copy, "%s", scope);
	for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		if (!strcmp(t, "openid"))
			continue;
		json_t *item = json_pack("{s:s}", "value", t);
		if (scope_label(t))
			json_object_set_new(item, "label", json_string(scope_label(t)));
		json_array_append_new(list, item);
	}
	return list;
}

static int show_consent(struct request *req, const struct login *l, int status, const char *message)
{
	struct client c;
	int rc = clients_get(l->client_id, &c);
	json_t *ctx = rc == 0 ? pages_stage_context(req, l, "Allow access") : NULL;
	if (!ctx)
		return -1;
	json_t *scopes = scope_list(l->scope);
	json_object_set_new(ctx, "client", json_string(c.name));
	/* A client that registered itself: named as the app's own claim, with what its token will
	 * reach (openid alone still gives it the person's records, §7.6), and no empty list. */
	json_object_set_new(ctx, "registered", json_boolean(c.registered));
	json_object_set_new(ctx, "project", json_string(c.project_name));
	json_object_set_new(ctx, "choices", json_boolean(!c.registered || json_array_size(scopes) > 0));
	json_object_set_new(ctx, "scopes", scopes);
	page_field_error(ctx, "scope", message);
	return pages_send_form(req, status, "consent", ctx, l->redirect_uri);
}

/* The consent stage needs a login with a client, a chosen profile and no second factor owed. */
static int load_consent(struct request *req, struct login *l)
{
	int rc = pages_load_bound(req, l);
	if (rc == 0 && (!l->client_id[0] || !l->membership_id[0] || flow_mfa_pending(l)))
		rc = refuse_page(req, 400, "This sign-in cannot continue", "Start again from your application.");
	return rc;
}

int pages_consent_get(struct request *req)
{
	struct login l;
	int rc = load_consent(req, &l);
	if (rc == 0)
		rc = show_consent(req, &l, 200, NULL);
	return rc;
}

/* openid (when asked for) plus every ticked scope; false when a ticked value is malformed or
 * the whole does not fit. Whether each is one the client asked for is flow_set_scope's check. */
static bool chosen_scope(const struct request *req, const struct login *l, char *out, size_t outlen)
{
	size_t len = (size_t)snprintf(out, outlen, "%s", scope_has(l->scope, "openid") ? "openid" : "");
	for (size_t i = 0; i < req->nparams; i++) {
		const struct param *p = &req->params[i];
		if (!p->from_body || strcmp(p->name, "scope"))
			continue;
		if (!valid_token(p->value) || !strcmp(p->value, "openid"))
			return false;
		len += (size_t)snprintf(out + len, len < outlen ? outlen - len : 0, "%s%s", len ? " " : "", p->value);
		if (len >= outlen)
			return false;
	}
	return len > 0;
}

/* Deny: the login is revoked (it will never give a code) and the client hears access_denied. */
static int deny(struct request *req, const struct login *l)
{
	if (login_revoke(l->id) < 0)
		return -1;
	csrf_unbind(req, BIND_SIGNIN);
	return to_client(req, l->redirect_uri, "error", "access_denied", req_param(req, "state"));
}

int pages_consent_post(struct request *req)
{
	struct login l;
	struct refusal err;
	char scope[1025];
	int rc = load_consent(req, &l);
	if (rc != 0)
		return rc;
	const char *decision = req_body_param(req, "decision");
	if (decision && !strcmp(decision, "deny"))
		return deny(req, &l);
	if (!decision || strcmp(decision, "allow") || !chosen_scope(req, &l, scope, sizeof scope))
		return show_consent(req, &l, 400, "Choose what to share, then Allow or Deny");
	rc = flow_set_scope(&l, scope, &err);
	if (rc != 0)
		return rc < 0 ? -1 : show_consent(req, &l, 400, err.text);
	l.consented = true; /* the person pressed Allow just now: the one place consent is given */
	return finish(req, &l, req_param(req, "state"));
}

/* ------------------------------------------------------------------ the signed-in page */

/* An address not yet verified: the page asks to confirm it (unverified_email). 0 or -1. */
static int unverified_notice(const struct login *l, json_t *ctx)
{
	struct person p;
	int rc = strcmp(l->user_type, "User") ? 1 : people_get_user(l->user_id, &p);
	if (rc == 0 && !p.email_verified)
		json_object_set_new(ctx, "unverified_email", json_string(p.email));
	return rc < 0 ? -1 : 0;
}

/* "Signed in as <profile> in <project>", with change password and sign out. */
int pages_account_get(struct request *req)
{
	const struct login *l = req->page_login;
	json_t *list = flow_memberships(l), *m;
	json_t *ctx = list ? page_form_context(req, "Signed in") : NULL;
	size_t i;
	if (!ctx) {
		json_decref(list);
		return -1;
	}
	json_array_foreach (list, i, m)
		if (!strcmp(json_string_value(json_object_get(m, "id")), l->membership_id)) {
			json_object_set(ctx, "profile", json_object_get(json_object_get(m, "profile"), "display"));
			json_object_set(ctx, "project", json_object_get(json_object_get(m, "project"), "display"));
		}
	json_decref(list);
	/* The projects this session may administer (the admin API's rule, lib/admin.c). */
	struct auth a;
	json_t *projects = NULL, *p;
	int rc = auth_from_login(l->id, &a);
	if (rc == 0)
		rc = admin_projects_of(&a, &projects);
	auth_free(&a);
	if (rc < 0) {
		json_decref(ctx);
		return -1;
	}
	json_array_foreach (projects, i, p) {
		char href[2300];
		snprintf(href, sizeof href, "%smanage/projects/%s/members", cfg.app_base_url,
			 json_string_value(json_object_get(p, "id")));
		json_object_set_new(p, "href", json_string(href));
	}
	json_object_set_new(ctx, "admin_any", json_boolean(json_array_size(projects) > 0));
	json_object_set_new(ctx, "admin_projects", projects);
	if (unverified_notice(l, ctx) < 0) {
		json_decref(ctx);
		return -1;
	}
	return pages_send_form(req, 200, "signed-in", ctx, NULL);
}

/* Sign out: the login is revoked (its tokens, if any, too) and the cookie cleared. */
int pages_account_post(struct request *req)
{
	const struct login *l = req->page_login;
	if (login_revoke(l->id) < 0)
		return -1;
	csrf_unbind(req, BIND_SESSION);
	page_see_other(req, "signin");
	return 0;
}
