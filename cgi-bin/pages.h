/* SPDX-License-Identifier: BSD-2-Clause */
/* pages: the sign-in pages tessera-login serves to browsers (see pages.c). */
#ifndef TESSERA_PAGES_H
#define TESSERA_PAGES_H
#include "http/app.h"

/* GET/POST /signin and /oauth: the OAuth parameters /oauth2/authorize passes on. */
extern const struct input pages_signin_inputs[];
/* GET/POST /oauth/profile and /oauth/consent: the sign-in's reference (flow) and the client's state. */
extern const struct input pages_stage_inputs[];

int pages_signin_get(struct request *req);
int pages_signin_post(struct request *req);
int pages_profile_get(struct request *req);
int pages_profile_post(struct request *req);
int pages_consent_get(struct request *req);
int pages_consent_post(struct request *req);
/* GET /account: who is signed in on the pages; POST /account: sign out. */
int pages_account_get(struct request *req);
int pages_account_post(struct request *req);

/* What the stage pages share with the MFA page (mfa-pages.c). */
#include <jansson.h>
struct login;
/* The next page after a stage: MFA, profile, consent, or back to the client (or /account). */
int pages_next_stage(struct request *req, struct login *l, const char *state);
/* The login this browser's binding cookie names, when ?flow= is its reference and it is still
 * open; 0, 1 refused (sent), -1. */
int pages_load_bound(struct request *req, struct login *l);
/* A stage form's context: CSRF token, the sign-in's reference and the client's state as hidden fields. */
json_t *pages_stage_context(struct request *req, const struct login *l, const char *title);
/* Sends a form page whose post may end at the client's redirect_uri (CSP form-action). 1 or -1. */
int pages_send_form(struct request *req, int status, const char *name, json_t *ctx, const char *redirect_uri);

/* /register (?projectId= for a patient) and /register/project (register-pages.c). */
extern const struct input pages_register_inputs[];
int pages_register_get(struct request *req);
int pages_register_post(struct request *req);
int pages_register_project_get(struct request *req);
int pages_register_project_post(struct request *req);

#endif
