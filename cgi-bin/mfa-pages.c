/* SPDX-License-Identifier: BSD-2-Clause */
/* mfa-pages: the MFA pages of tessera-login.
 *
 * /oauth/mfa is the stage between the password and the profile in the sign-in pages
 * (pages.c sends the browser there while flow_mfa_pending): a user who must enroll sees the
 * QR code and the secret as text and answers with a first code; an enrolled user types a
 * code. "Email me a code" sends one (when the projects allow emailed codes) and the page
 * says so (?sent=true). Like the other stages it finds the login through the browser's binding
 * cookie (tessera-login; the URL carries only its reference), needs a CSRF token, and answers
 * posts with a 303.
 *
 * /account/mfa turns MFA on (QR, secret, a first code) and off (a code) for the page
 * session. Every rule is lib/mfaflow.c's, as for the JSON routes. */
#include "core/config.h"
#include "http/csrf.h"
#include "domain/fields.h"
#include "domain/flow.h"
#include "domain/login.h"
#include "mfa-routes.h"
#include "domain/mfa.h"
#include "domain/mfaflow.h"
#include "http/page.h"
#include "domain/pagesession.h"
#include "pages.h"
#include "http/redirect.h"
#include "http/response.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


const struct input mfa_page_inputs[] = {
	FIELD_PAGE_FLOW,
	FIELD_STATE,
	{ "sent", IN_BOOL, false, 5, "Invalid sent", NULL },
	{ 0 },
};

/* The QR image and the secret (in groups of four) of the login's own enrollment secret, made
 * when missing; shown again unchanged while the login holds it (a mistyped code keeps the
 * scanned secret valid). */
static int add_enrollment(json_t *ctx, const struct login *l)
{
	char *uri, *qr, secret[33], grouped[48];
	if (mfa_enroll_material(l->user_id, l->id, l->project_id, &uri, &qr, secret) < 0)
		return -1;
	size_t n = 0;
	for (size_t i = 0; secret[i] && n + 2 < sizeof grouped; i++) {
		if (i && i % 4 == 0)
			grouped[n++] = ' ';
		grouped[n++] = secret[i];
	}
	grouped[n] = '\0';
	json_object_set_new(ctx, "secret", json_string(grouped));
	json_object_set_new(ctx, "qr", json_string(qr));
	OPENSSL_cleanse(secret, sizeof secret);
	OPENSSL_cleanse(grouped, sizeof grouped);
	free(uri);
	free(qr);
	return 0;
}

/* ------------------------------------------------------------------ /oauth/mfa */

static bool email_usable(const struct login *l)
{
	unsigned usable = l->mfa_enrolled ? flow_mfa_offered(l) : l->mfa_allowed;
	return (usable & MFA_EMAIL) && l->email[0];
}

static int show_mfa(struct request *req, struct login *l, int status, const char *message)
{
	json_t *ctx = pages_stage_context(req, l, "Two-step verification");
	if (!ctx)
		return -1;
	const char *sent = req_param(req, "sent");
	bool enroll = flow_mfa_enroll_pending(l);
	json_object_set_new(ctx, "enroll", json_boolean(enroll));
	json_object_set_new(ctx, "email_allowed", json_boolean(email_usable(l)));
	json_object_set_new(ctx, "sent", json_boolean(sent && !strcmp(sent, "true") && email_usable(l)));
	json_object_set_new(ctx, "email", json_string(l->email));
	if (enroll && (l->mfa_allowed & MFA_TOTP) && add_enrollment(ctx, l) < 0) {
		json_decref(ctx);
		return -1;
	}
	page_field_error(ctx, "code", message);
	return pages_send_form(req, status, "mfa", ctx, l->redirect_uri);
}

/* The MFA page only while the login owes its second factor; otherwise on to the next stage. */
int pages_mfa_get(struct request *req)
{
	struct login l;
	int rc = pages_load_bound(req, &l);
	if (rc != 0)
		return rc;
	if (!flow_mfa_pending(&l))
		return pages_next_stage(req, &l, req_param(req, "state"));
	return show_mfa(req, &l, 200, NULL);
}

/* After "Email me a code": the same page, saying where the code went (post-redirect-get). */
static int to_sent(struct request *req, const struct login *l)
{
	char base[2100], location[8300], ref[LOGIN_REF_LEN + 1];
	if (login_ref(l->id, ref) < 0)
		return -1;
	snprintf(base, sizeof base, "%soauth/mfa", cfg.app_base_url);
	struct url_builder u;
	url_start(&u, base);
	url_param(&u, "flow", ref);
	url_param(&u, "state", req_param(req, "state"));
	url_param(&u, "sent", "true");
	int rc = url_get(&u) ? redirect_header(url_get(&u), location, sizeof location) : -1;
	url_free(&u);
	if (rc < 0)
		return -1;
	req_add_header(req, location);
	send_empty(req, 303, NULL);
	return 1;
}

static int mfa_code(struct request *req, struct login *l, struct refusal *r)
{
	const char *code = req_body_param(req, "code");
	if (!code || !*code) {
		refuse(r, 400, "Enter the 6-digit code", NULL);
		return 1;
	}
	if (flow_mfa_enroll_pending(l))
		return mfaflow_login_enroll(l, req_body_param(req, "method"), code, r);
	return mfaflow_verify(l, code, r);
}

int pages_mfa_post(struct request *req)
{
	struct login l;
	struct refusal r;
	int rc = pages_load_bound(req, &l);
	if (rc != 0)
		return rc;
	if (!flow_mfa_pending(&l))
		return pages_next_stage(req, &l, req_param(req, "state"));
	const char *action = req_body_param(req, "action");
	bool email = action && !strcmp(action, "email");
	rc = email ? mfaflow_send_email(&l, &r) : mfa_code(req, &l, &r);
	if (rc < 0)
		return -1;
	if (rc == 1)
		return show_mfa(req, &l, r.status, r.text);
	if (email)
		return to_sent(req, &l);
	return pages_next_stage(req, &l, req_param(req, "state"));
}

/* ------------------------------------------------------------------ /account/mfa */

static int show_account_mfa(struct request *req, const struct login *l, int status, const char *message)
{
	bool enrolled;
	int rc = mfaflow_user_enrolled(l->user_id, &enrolled);
	json_t *ctx = rc == 0 ? page_form_context(req, "Two-step verification") : NULL;
	if (!ctx)
		return -1;
	json_object_set_new(ctx, "enrolled", json_boolean(enrolled));
	if (!enrolled && add_enrollment(ctx, l) < 0) {
		json_decref(ctx);
		return -1;
	}
	page_field_error(ctx, "code", message);
	return page_send(req, status, "mfa-account", ctx, NULL) < 0 ? -1 : 1;
}

int pages_account_mfa_get(struct request *req)
{
	const struct login *l = req->page_login;
	return show_account_mfa(req, l, 200, NULL);
}

int pages_account_mfa_post(struct request *req)
{
	const struct login *l = req->page_login;
	struct refusal r;
	const char *action = req_body_param(req, "action"), *code = req_body_param(req, "code");
	if (!code || !*code)
		return show_account_mfa(req, l, 400, "Enter the 6-digit code");
	bool off = action && !strcmp(action, "disable");
	int rc = off ? mfaflow_disable(l->user_id, code, &r) : mfaflow_enroll(l->user_id, l->id, code, &r);
	if (rc < 0)
		return -1;
	if (rc == 1)
		return show_account_mfa(req, l, r.status, r.text);
	page_see_other(req, "account/mfa");
	return 0;
}
