/* SPDX-License-Identifier: BSD-2-Clause */
/* mfa-routes: the MFA routes of tessera-login under /auth/mfa/ (PROTOCOL.md §6.9) and the MFA pages (mfa-pages.c). */
#ifndef TESSERA_CGI_MFA_ROUTES_H
#define TESSERA_CGI_MFA_ROUTES_H
#include "http/app.h"

extern const struct input mfa_verify_inputs[];
extern const struct input mfa_login_enroll_inputs[];
extern const struct input mfa_send_email_inputs[];
extern const struct input mfa_token_inputs[];
int mfa_status(struct request *req);
int mfa_enroll(struct request *req);
int mfa_disable(struct request *req);
int mfa_verify(struct request *req);
int mfa_login_enroll(struct request *req);
int mfa_send_email_route(struct request *req);

/* Pages: /oauth/mfa (the second factor or enrollment during a sign-in; "email me a code")
 * and /account/mfa (turn MFA on and off). */
extern const struct input mfa_page_inputs[];
int pages_mfa_get(struct request *req);
int pages_mfa_post(struct request *req);
int pages_account_mfa_get(struct request *req);
int pages_account_mfa_post(struct request *req);

#endif
